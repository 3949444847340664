// SPDX-License-Identifier: Apache-2.0
//
// Test helper: compare JSON text by value (key order ignored, numbers by
// value) with a readable failure message.

#ifndef SHADOWSYNC_TESTS_SUPPORT_JSON_EXPECT_H_
#define SHADOWSYNC_TESTS_SUPPORT_JSON_EXPECT_H_

#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "shadowsync/json.h"

namespace shadowsync::testing_support {

/// Parses `text`, failing the test (with the text) when it is not JSON.
inline JsonDocument MustParse(std::string_view text) {
  Result<JsonDocument> parsed = ParseJson(text);
  EXPECT_TRUE(parsed.ok()) << parsed.status().ToString() << "\n  in: " << text;
  if (!parsed.ok()) return JsonDocument();
  return std::move(parsed).value();
}

inline ::testing::AssertionResult JsonTextEquals(std::string_view actual,
                                                 std::string_view expected) {
  Result<JsonDocument> a = ParseJson(actual);
  Result<JsonDocument> e = ParseJson(expected);
  if (!a.ok()) return ::testing::AssertionFailure() << "actual is not JSON: " << actual;
  if (!e.ok()) return ::testing::AssertionFailure() << "expected is not JSON: " << expected;
  if (JsonEquals(*a, *e)) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "\n  actual:   " << ToCompactJson(*a)
                                       << "\n  expected: " << ToCompactJson(*e);
}

}  // namespace shadowsync::testing_support

#define EXPECT_JSON_EQ(actual, expected) \
  EXPECT_TRUE(::shadowsync::testing_support::JsonTextEquals((actual), (expected)))

#endif  // SHADOWSYNC_TESTS_SUPPORT_JSON_EXPECT_H_
