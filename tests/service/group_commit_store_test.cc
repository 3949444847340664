// SPDX-License-Identifier: Apache-2.0
//
// Tests of service/core/group_commit_store.cc: changes are visible at once
// (Load, List) but reach the SQLite file only at Commit(), in one
// transaction.

#include "group_commit_store.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "sqlite_store.h"
#include "support/temp_dir.h"

namespace shadowsync::host {
namespace {

using testing_support::TempDir;

ShadowDocument Document(std::uint64_t version) {
  Result<ShadowDocument> doc = ShadowDocument::FromJsonText(
      R"({"state":{"reported":{"v":)" + std::to_string(version) +
      R"(}},"metadata":{"reported":{"v":{"timestamp":1}}},"version":)" + std::to_string(version) +
      "}");
  EXPECT_TRUE(doc.ok()) << doc.status().ToString();
  return std::move(doc).value();
}

class GroupCommitStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto dir = TempDir::Create("shadowsync-group-commit");
    ASSERT_TRUE(dir.ok());
    dir_ = std::move(dir).value();
    Reopen();
  }

  // Closes the database (losing what was not committed) and opens it again.
  void Reopen() {
    group_.reset();
    sqlite_.reset();
    auto opened = SqliteStore::Open(dir_->File("shadows.db"));
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    sqlite_ = std::move(opened).value();
    group_ = std::make_unique<GroupCommitStore>(*sqlite_);
  }

  std::unique_ptr<TempDir> dir_;
  std::unique_ptr<SqliteStore> sqlite_;
  std::unique_ptr<GroupCommitStore> group_;
  const ShadowId lamp_{"lamp", std::nullopt};
  const ShadowId cfg_{"lamp", std::string("cfg")};
};

TEST_F(GroupCommitStoreTest, ChangesAreVisibleAtOnceButDurableOnlyAfterCommit) {
  ASSERT_TRUE(group_->Save(lamp_, Document(1)).ok());
  Result<StoredShadow> loaded = group_->Load(lamp_);
  ASSERT_TRUE(loaded.ok() && loaded->document);
  EXPECT_EQ(loaded->document->version(), 1u);
  EXPECT_EQ(group_->pending(), 1u);
  // The database has nothing yet.
  loaded = sqlite_->Load(lamp_);
  ASSERT_TRUE(loaded.ok());
  EXPECT_FALSE(loaded->document.has_value());
  Reopen();  // a crash before the commit
  loaded = group_->Load(lamp_);
  ASSERT_TRUE(loaded.ok());
  EXPECT_FALSE(loaded->document.has_value());
}

TEST_F(GroupCommitStoreTest, OneCommitWritesEveryChangeOfThePass) {
  ASSERT_TRUE(group_->Save(lamp_, Document(1)).ok());
  ASSERT_TRUE(group_->Save(lamp_, Document(2)).ok());
  ASSERT_TRUE(group_->Save(cfg_, Document(5)).ok());
  ASSERT_TRUE(group_->Delete(cfg_, Tombstone{5, 100}).ok());
  EXPECT_EQ(group_->pending(), 2u);
  ASSERT_TRUE(group_->Commit().ok());
  EXPECT_EQ(group_->pending(), 0u);
  EXPECT_TRUE(group_->Commit().ok());  // nothing to do
  Reopen();
  Result<StoredShadow> lamp = group_->Load(lamp_);
  ASSERT_TRUE(lamp.ok() && lamp->document);
  EXPECT_EQ(lamp->document->version(), 2u);
  Result<StoredShadow> cfg = group_->Load(cfg_);
  ASSERT_TRUE(cfg.ok());
  EXPECT_FALSE(cfg->document.has_value());
  ASSERT_TRUE(cfg->tombstone.has_value());
  EXPECT_EQ(*cfg->tombstone, (Tombstone{5, 100}));
}

TEST_F(GroupCommitStoreTest, ListHoldsCommittedAndPendingShadowsOnce) {
  ASSERT_TRUE(group_->Save(lamp_, Document(1)).ok());
  ASSERT_TRUE(group_->Commit().ok());
  ASSERT_TRUE(group_->Save(lamp_, Document(2)).ok());
  ASSERT_TRUE(group_->Save(cfg_, Document(1)).ok());
  Result<std::vector<ShadowId>> ids = group_->List();
  ASSERT_TRUE(ids.ok());
  ASSERT_EQ(ids->size(), 2u);
}

TEST_F(GroupCommitStoreTest, AShadowThatNeverExistedLoadsEmpty) {
  Result<StoredShadow> loaded = group_->Load(ShadowId{"nobody", std::nullopt});
  ASSERT_TRUE(loaded.ok());
  EXPECT_FALSE(loaded->document.has_value());
  EXPECT_FALSE(loaded->tombstone.has_value());
  // ...and is remembered as absent until someone writes it.
  ASSERT_TRUE(group_->Save(ShadowId{"nobody", std::nullopt}, Document(1)).ok());
  loaded = group_->Load(ShadowId{"nobody", std::nullopt});
  ASSERT_TRUE(loaded.ok() && loaded->document);
}

}  // namespace
}  // namespace shadowsync::host
