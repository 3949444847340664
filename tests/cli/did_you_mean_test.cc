// SPDX-License-Identifier: Apache-2.0
//
// cli/did_you_mean.h: the edit distance and the nearest name.

#include "cli/did_you_mean.h"

#include <gtest/gtest.h>

namespace shadowsync::cli {
namespace {

TEST(EditDistanceTest, CountsInsertionsDeletionsAndSubstitutions) {
  EXPECT_EQ(EditDistance("kitten", "sitting"), 3u);
  EXPECT_EQ(EditDistance("", "abc"), 3u);
  EXPECT_EQ(EditDistance("abc", "abc"), 0u);
  EXPECT_EQ(EditDistance("--brokr", "--broker"), 1u);
}

TEST(ClosestNameTest, SuggestsOnlyWithinTwoEdits) {
  EXPECT_EQ(ClosestName("intreval_seconds", {"interval_seconds", "thresholds"}),
            "interval_seconds");
  EXPECT_EQ(ClosestName("xyz", {"interval_seconds", "qos"}), "");
  EXPECT_EQ(ClosestName("qo", {"qos"}), "qos");
  // Every character would change: no suggestion.
  EXPECT_EQ(ClosestName("xy", {"ab"}), "");
}

TEST(ClosestNameTest, PrefersTheNearestThenTheFirst) {
  EXPECT_EQ(ClosestName("--cert", {"--ca", "--cert", "--key"}), "--cert");
  EXPECT_EQ(ClosestName("--kex", {"--key", "--kez"}), "--key");
}

}  // namespace
}  // namespace shadowsync::cli
