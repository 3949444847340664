// SPDX-License-Identifier: Apache-2.0
//
// lib/src/store.cc: MemoryStore, the Store the service keeps shadows in for
// the emulator, the plugin and LoopbackBroker: a saved document loads back,
// a delete leaves a tombstone (V5), List names every id with a document or
// a tombstone.

#include "shadowsync/store.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>

#include "support/json_expect.h"

namespace shadowsync {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using testing_support::MustParse;

const ShadowId kLamp{"lamp", std::nullopt};
const ShadowId kLampConfig{"lamp", "config"};

ShadowDocument Document(const char* state, std::uint64_t version) {
  ShadowDocument document;
  document.ApplyState(MustParse(state), 1700000000);
  document.set_version(version);
  return document;
}

TEST(MemoryStoreTest, AnUnknownShadowLoadsAsNothing) {
  MemoryStore store;
  Result<StoredShadow> loaded = store.Load(kLamp);
  ASSERT_TRUE(loaded.ok()) << loaded.status().message();
  EXPECT_FALSE(loaded->document.has_value());
  EXPECT_FALSE(loaded->tombstone.has_value());
  Result<std::vector<ShadowId>> list = store.List();
  ASSERT_TRUE(list.ok());
  EXPECT_THAT(*list, IsEmpty());
}

TEST(MemoryStoreTest, ASavedDocumentLoadsBackPerShadow) {
  MemoryStore store;
  ASSERT_TRUE(store.Save(kLampConfig, Document(R"({"desired":{"on":true}})", 1)).ok());
  Result<StoredShadow> loaded = store.Load(kLampConfig);
  ASSERT_TRUE(loaded.ok());
  ASSERT_TRUE(loaded->document.has_value());
  EXPECT_EQ(loaded->document->version(), 1u);
  EXPECT_FALSE(store.Load(kLamp)->document.has_value()) << "the classic shadow is another one";
}

TEST(MemoryStoreTest, DeleteLeavesATombstoneAndListNamesDocumentsAndTombstonesInOrder) {
  MemoryStore store;
  ASSERT_TRUE(store.Save(kLamp, Document(R"({"reported":{"a":1}})", 3)).ok());
  ASSERT_TRUE(store.Save(kLampConfig, Document(R"({"reported":{"a":1}})", 1)).ok());
  Tombstone tombstone{};
  tombstone.version = 3;
  ASSERT_TRUE(store.Delete(kLamp, tombstone).ok());
  Result<StoredShadow> loaded = store.Load(kLamp);
  ASSERT_TRUE(loaded.ok());
  EXPECT_FALSE(loaded->document.has_value());
  ASSERT_TRUE(loaded->tombstone.has_value());
  EXPECT_EQ(loaded->tombstone->version, 3u);
  Result<std::vector<ShadowId>> list = store.List();
  ASSERT_TRUE(list.ok());
  // In ShadowId order: the classic shadow (a tombstone now) first.
  EXPECT_THAT(*list, ElementsAre(kLamp, kLampConfig));
}

}  // namespace
}  // namespace shadowsync
