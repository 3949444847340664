// SPDX-License-Identifier: Apache-2.0
//
// lib/src/atomic_file.cc: a file replaced atomically with its mode, removed
// durably, read whole; errors name the path.

#include "atomic_file.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <memory>
#include <string>

#include "support/temp_dir.h"

namespace shadowsync::internal {
namespace {

using ::testing::HasSubstr;
using testing_support::TempDir;

class AtomicFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Result<std::unique_ptr<TempDir>> dir = TempDir::Create("atomic-file");
    ASSERT_TRUE(dir.ok()) << dir.status().message();
    dir_ = std::move(dir).value();
  }
  std::unique_ptr<TempDir> dir_;
};

TEST_F(AtomicFileTest, WritesReplacesAndReadsBack) {
  const std::string path = dir_->File("state.json");
  ASSERT_TRUE(WriteFileAtomically(path, "first").ok());
  ASSERT_TRUE(WriteFileAtomically(path, "second, longer").ok());
  Result<std::string> read = ReadWholeFile(path);
  ASSERT_TRUE(read.ok()) << read.status().message();
  EXPECT_EQ(*read, "second, longer");
  ASSERT_TRUE(WriteFileAtomically(path, std::string("a\0b", 3)).ok());
  EXPECT_EQ(ReadWholeFile(path)->size(), 3u) << "binary-safe";
}

TEST_F(AtomicFileTest, TheFileGetsTheModeAndNoTemporaryIsLeft) {
  const std::string path = dir_->File("secret");
  ASSERT_TRUE(WriteFileAtomically(path, "x", 0600).ok());
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  int entries = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir_->path())) {
    EXPECT_EQ(entry.path().filename(), "secret") << "a temporary file was left";
    ++entries;
  }
  EXPECT_EQ(entries, 1);
}

TEST_F(AtomicFileTest, RemoveIsDurableAndAMissingFileIsFine) {
  const std::string path = dir_->File("gone");
  ASSERT_TRUE(WriteFileAtomically(path, "x").ok());
  ASSERT_TRUE(RemoveFileDurably(path).ok());
  EXPECT_EQ(ReadWholeFile(path).status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(RemoveFileDurably(path).ok());
}

TEST_F(AtomicFileTest, ErrorsNameThePath) {
  const std::string missing = dir_->File("nope");
  const Status not_found = ReadWholeFile(missing).status();
  EXPECT_EQ(not_found.code(), StatusCode::kNotFound);
  EXPECT_THAT(not_found.message(), HasSubstr(missing));
  const std::string in_missing_dir = dir_->File("no-such-dir/file");
  const Status write = WriteFileAtomically(in_missing_dir, "x");
  EXPECT_EQ(write.code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(write.message(), HasSubstr(in_missing_dir));
}

}  // namespace
}  // namespace shadowsync::internal
