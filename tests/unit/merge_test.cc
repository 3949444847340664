// SPDX-License-Identifier: Apache-2.0
//
// lib/src/merge.cc, the one implementation of the merge rules (spec section
// 5: M2 null deletes, M3 objects merge, M4 the rest replaces, M5 {} is a
// value, M10 nulls in new subtrees are dropped, M11 emptied objects stay;
// 12a.3 a null-only object over a scalar deletes it; 12a.4 arrays as sent)
// and of the metadata that follows a merge (MD1 to MD3, MD5). diff_test.cc
// and document_test.cc test it through ApplyPatch and ShadowDocument.

#include "merge.h"

#include <gtest/gtest.h>

#include <string>

#include "support/json_expect.h"

namespace shadowsync::internal {
namespace {

using testing_support::MustParse;

constexpr Timestamp kNow = 1700000000;

// Merges `patch` into `target` (both JSON texts) with metadata; returns the
// merged state and sets `*metadata` to its mirror.
std::string Merge(const char* target, const char* patch, std::string* metadata = nullptr,
                  const char* target_metadata = nullptr) {
  JsonDocument doc = MustParse(target);
  JsonDocument meta;
  if (target_metadata) {
    meta.CopyFrom(MustParse(target_metadata), doc.GetAllocator());
  } else {
    MetadataFactory initial(kNow - 100, doc.GetAllocator());
    JsonValue mirror = initial.MirrorOf(doc);
    static_cast<JsonValue&>(meta).Swap(mirror);
  }
  MetadataFactory factory(kNow, doc.GetAllocator());
  const JsonDocument p = MustParse(patch);
  MergeObject(doc, &meta, p, factory);
  if (metadata) *metadata = ToCompactJson(meta);
  return ToCompactJson(doc);
}

TEST(MergeObjectTest, NullDeletesObjectsMergeAndTheRestReplaces) {
  EXPECT_EQ(Merge(R"({"a":1,"b":{"c":1,"d":2},"e":[1]})", R"({"a":null,"b":{"c":3},"e":[2]})"),
            R"({"b":{"c":3,"d":2},"e":[2]})");  // M2, M3, M4
}

TEST(MergeObjectTest, EmptyObjectIsAValueAndEmptiedObjectsStay) {
  EXPECT_EQ(Merge(R"({"a":1})", R"({"b":{}})"), R"({"a":1,"b":{}})");          // M5
  EXPECT_EQ(Merge(R"({"b":{"c":1}})", R"({"b":{"c":null}})"), R"({"b":{}})");  // M11
}

TEST(MergeObjectTest, NullsInNewSubtreesAreDroppedAndNullOnlyObjectsNotCreated) {
  EXPECT_EQ(Merge("{}", R"({"a":{"b":null,"c":1}})"), R"({"a":{"c":1}})");  // M10
  EXPECT_EQ(Merge("{}", R"({"a":{"b":null}})"), "{}");
  EXPECT_EQ(Merge(R"({"a":5})", R"({"a":{"b":null}})"), "{}");  // 12a.3
}

TEST(MergeObjectTest, ArraysAreStoredAsSent) {
  EXPECT_EQ(Merge("{}", R"({"a":[null,{"b":null}]})"), R"({"a":[null,{"b":null}]})");  // 12a.4
}

TEST(MergeObjectTest, MetadataFollowsTheMerge) {
  std::string metadata;
  Merge(R"({"a":1,"b":2,"o":{"x":1}})", R"({"a":3,"b":null,"o":{"y":[1,2]}})", &metadata);
  // MD2: written leaves get now; removed keys lose their metadata; an array
  // gets per-element metadata (MD1); untouched leaves keep theirs.
  EXPECT_EQ(metadata, R"({"a":{"timestamp":1700000000},"o":{"x":{"timestamp":1699999900},)"
                      R"("y":[{"timestamp":1700000000},{"timestamp":1700000000}]}})");
}

TEST(MergeObjectTest, AReplacedSubtreeGetsNewMetadataAndEmptyObjectsAnEmptyMirror) {
  std::string metadata;
  EXPECT_EQ(Merge(R"({"a":{"x":1}})", R"({"a":7,"e":{}})", &metadata), R"({"a":7,"e":{}})");
  EXPECT_EQ(metadata, R"({"a":{"timestamp":1700000000},"e":{}})");  // MD5
}

TEST(MetadataFactoryTest, MirrorOfEveryKindOfValue) {
  JsonDocument doc;
  MetadataFactory factory(42, doc.GetAllocator());
  const JsonDocument value = MustParse(R"({"s":"x","n":null,"a":[1,[2]],"o":{}})");
  EXPECT_EQ(ToCompactJson(factory.MirrorOf(value)),
            R"({"s":{"timestamp":42},"n":{"timestamp":42},)"
            R"("a":[{"timestamp":42},[{"timestamp":42}]],"o":{}})");
  EXPECT_EQ(ToCompactJson(factory.Leaf()), R"({"timestamp":42})");
}

TEST(CopyWithoutNullsTest, CopiesWithoutNullsOrRefusesANullOnlyObject) {
  JsonDocument doc;
  JsonValue out(7);
  EXPECT_FALSE(
      CopyWithoutNulls(MustParse(R"({"a":null,"b":{"c":null}})"), &out, doc.GetAllocator()));
  EXPECT_EQ(out.GetInt(), 7) << "left untouched";
  ASSERT_TRUE(
      CopyWithoutNulls(MustParse(R"({"a":null,"b":{"c":1},"e":{}})"), &out, doc.GetAllocator()));
  EXPECT_EQ(ToCompactJson(out), R"({"b":{"c":1},"e":{}})");
  ASSERT_TRUE(CopyWithoutNulls(MustParse("{}"), &out, doc.GetAllocator()));
  EXPECT_EQ(ToCompactJson(out), "{}");
}

}  // namespace
}  // namespace shadowsync::internal
