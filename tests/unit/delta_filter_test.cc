// SPDX-License-Identifier: Apache-2.0
//
// DeltaFilter (lib/src/client/delta_filter.h): a desired value reaches the
// device once, however often the service repeats it in deltas (D5), and
// again when the cloud writes it again (a newer desired timestamp, D4).

#include "client/delta_filter.h"

#include <gtest/gtest.h>

#include "support/json_expect.h"

namespace shadowsync::internal {
namespace {

using testing_support::MustParse;

// Runs `delta` (with `metadata`, "" for none) through `filter`; returns
// what is left for the device, or "" when nothing is.
std::string Take(DeltaFilter& filter, std::uint64_t version, const char* delta,
                 const char* metadata = "") {
  JsonDocument state = MustParse(delta);
  JsonDocument meta;
  if (*metadata) meta = MustParse(metadata);
  if (!filter.TakeNew(version, state, *metadata ? &meta : nullptr)) return "";
  return ToCompactJson(state);
}

TEST(DeltaFilterTest, ANewerVersionIsNotStaleAndIsRecorded) {
  DeltaFilter filter;
  EXPECT_EQ(filter.version(), 0u);
  EXPECT_FALSE(filter.IsStale(1));
  EXPECT_EQ(Take(filter, 5, R"({"on":true})"), R"({"on":true})");
  EXPECT_EQ(filter.version(), 5u);
  EXPECT_TRUE(filter.IsStale(5)) << "redelivery";
  EXPECT_TRUE(filter.IsStale(4)) << "older than delivered";
  EXPECT_FALSE(filter.IsStale(6));
}

TEST(DeltaFilterTest, ARepeatedLeafIsDroppedAndOnlyTheNewOnesRemain) {
  DeltaFilter filter;
  EXPECT_EQ(Take(filter, 1, R"({"light":{"on":true,"level":3}})"),
            R"({"light":{"on":true,"level":3}})");
  // D5: the same desired values come again after each report; one changed.
  EXPECT_EQ(Take(filter, 2, R"({"light":{"on":true,"level":4}})"), R"({"light":{"level":4}})");
  EXPECT_EQ(Take(filter, 3, R"({"light":{"on":true,"level":4}})"), "");
  EXPECT_EQ(filter.version(), 3u) << "the version moves even when nothing is new";
  EXPECT_EQ(filter.delivered_leaves(), 2u);
}

TEST(DeltaFilterTest, TheSameValueWrittenAgainByTheCloudIsDeliveredAgain) {
  DeltaFilter filter;
  const char* delta = R"({"color":"red"})";
  EXPECT_EQ(Take(filter, 1, delta, R"({"color":{"timestamp":100}})"), delta);
  EXPECT_EQ(Take(filter, 2, delta, R"({"color":{"timestamp":100}})"), "");
  EXPECT_EQ(Take(filter, 3, delta, R"({"color":{"timestamp":200}})"), delta);
}

TEST(DeltaFilterTest, ArraysAndEmptyObjectsAreLeaves) {
  DeltaFilter filter;
  EXPECT_EQ(Take(filter, 1, R"({"list":[1,2],"empty":{}})"), R"({"list":[1,2],"empty":{}})");
  EXPECT_EQ(Take(filter, 2, R"({"list":[1,2],"empty":{}})"), "");
  EXPECT_EQ(Take(filter, 3, R"({"list":[1,2,3],"empty":{}})"), R"({"list":[1,2,3]})");
}

TEST(DeltaFilterTest, KeysNeedingEscapesAreDistinctLeaves) {
  DeltaFilter filter;
  EXPECT_EQ(Take(filter, 1, R"({"a/b":1,"a":{"b":2}})"), R"({"a/b":1,"a":{"b":2}})");
  EXPECT_EQ(Take(filter, 2, R"({"a/b":1,"a":{"b":3}})"), R"({"a":{"b":3}})");
}

TEST(DeltaFilterTest, ForgetMakesEveryValueNewAndVersionsRestart) {
  DeltaFilter filter;
  EXPECT_EQ(Take(filter, 7, R"({"on":true})"), R"({"on":true})");
  filter.Forget();  // the shadow was deleted (V5, L10)
  EXPECT_EQ(filter.version(), 0u);
  EXPECT_FALSE(filter.IsStale(1));
  EXPECT_EQ(Take(filter, 1, R"({"on":true})"), R"({"on":true})");
}

std::int64_t Newest(const char* metadata) {
  const JsonDocument parsed = MustParse(metadata);
  return NewestTimestamp(&parsed);
}

TEST(NewestTimestampTest, FindsTheNewestInLeavesObjectsAndArrays) {
  EXPECT_EQ(NewestTimestamp(nullptr), -1);
  EXPECT_EQ(Newest("{}"), -1);
  EXPECT_EQ(Newest(R"({"timestamp":5})"), 5);
  EXPECT_EQ(Newest(R"({"a":{"timestamp":5},"b":{"c":{"timestamp":9}}})"), 9);
  EXPECT_EQ(Newest(R"([{"timestamp":3},{"timestamp":11}])"), 11);
  EXPECT_EQ(Newest(R"({"timestamp":"soon"})"), -1);
}

}  // namespace
}  // namespace shadowsync::internal
