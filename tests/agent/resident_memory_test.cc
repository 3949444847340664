// SPDX-License-Identifier: Apache-2.0
//
// agent/src/resident_memory.cc: TrimResidentMemory unmaps the resident
// pages of read-only file mappings (they come back, unchanged, on the next
// read) and never touches a mapping holding what the process wrote.

#include "src/resident_memory.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include "support/temp_dir.h"

namespace shadowsync::agent {
namespace {

using testing_support::TempDir;
using testing_support::WriteStringToFile;

constexpr std::size_t kPages = 64;

// The Rss (KiB) of the mapping that starts at `address`, from smaps.
long RssKib(const void* address) {
  char header[32];
  std::snprintf(header, sizeof header, "%lx-", reinterpret_cast<unsigned long>(address));
  std::ifstream smaps("/proc/self/smaps");
  std::string line;
  bool inside = false;
  while (std::getline(smaps, line)) {
    if (line.rfind(header, 0) == 0) {
      inside = true;
    } else if (inside && line.rfind("Rss:", 0) == 0) {
      return std::stol(line.substr(4));
    }
  }
  return -1;
}

class ResidentMemoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Result<std::unique_ptr<TempDir>> dir = TempDir::Create("resident-memory");
    ASSERT_TRUE(dir.ok()) << dir.status().message();
    dir_ = std::move(dir).value();
    page_ = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
    std::string contents;
    for (std::size_t i = 0; i < kPages * page_; ++i) contents += static_cast<char>('a' + i % 26);
    contents_ = contents;
    ASSERT_TRUE(WriteStringToFile(dir_->File("data"), contents).ok());
  }

  // Maps the file with `prot` (private) and reads every page.
  char* MapAndTouch(int prot) {
    const int fd = ::open(dir_->File("data").c_str(), O_RDONLY);
    EXPECT_GE(fd, 0);
    void* map = ::mmap(nullptr, kPages * page_, prot, MAP_PRIVATE, fd, 0);
    ::close(fd);
    EXPECT_NE(map, MAP_FAILED);
    char* bytes = static_cast<char*>(map);
    volatile char sum = 0;
    for (std::size_t i = 0; i < kPages * page_; i += page_) sum = sum + bytes[i];
    return bytes;
  }

  std::unique_ptr<TempDir> dir_;
  std::size_t page_ = 4096;
  std::string contents_;
};

TEST_F(ResidentMemoryTest, AReadOnlyFileMappingIsReleasedAndReadsTheSameAfterwards) {
  char* bytes = MapAndTouch(PROT_READ);
  ASSERT_EQ(RssKib(bytes), static_cast<long>(kPages * page_ / 1024));
  Result<TrimResult> trimmed = TrimResidentMemory();
  ASSERT_TRUE(trimmed.ok()) << trimmed.status().message();
  EXPECT_GE(trimmed->mappings, 1u);
  EXPECT_GE(trimmed->released_kib, kPages * page_ / 1024);
  EXPECT_EQ(RssKib(bytes), 0);
  EXPECT_EQ(std::string(bytes, kPages * page_), contents_) << "read back from the page cache";
  ::munmap(bytes, kPages * page_);
}

TEST_F(ResidentMemoryTest, AMappingWithPrivateCopiesIsLeftAlone) {
  // Written through a private writable mapping, then made read-only, like
  // relocated data (RELRO): the copy exists only in this process.
  char* bytes = MapAndTouch(PROT_READ | PROT_WRITE);
  bytes[0] = '#';
  ASSERT_EQ(::mprotect(bytes, kPages * page_, PROT_READ), 0);
  const long before = RssKib(bytes);
  ASSERT_TRUE(TrimResidentMemory().ok());
  EXPECT_EQ(bytes[0], '#') << "what the process wrote is kept";
  EXPECT_EQ(RssKib(bytes), before);
  ::munmap(bytes, kPages * page_);
}

TEST(ResidentMemoryTrimmerTest, FirstAfterTheDelayThenEveryPeriodAndSoonAfterAReload) {
  using Clock = ResidentMemoryTrimmer::Clock;
  using std::chrono::seconds;
  const Clock::time_point start{};
  ResidentMemoryTrimmer trimmer(start, seconds(10), seconds(600));
  EXPECT_FALSE(trimmer.Due(start + seconds(9)));
  EXPECT_TRUE(trimmer.Due(start + seconds(10)));
  EXPECT_FALSE(trimmer.Due(start + seconds(11))) << "once";
  EXPECT_FALSE(trimmer.Due(start + seconds(609)));
  trimmer.Reloaded(start + seconds(100), seconds(10));
  EXPECT_TRUE(trimmer.Due(start + seconds(110)));
  EXPECT_TRUE(trimmer.Due(start + seconds(710)));
}

}  // namespace
}  // namespace shadowsync::agent
