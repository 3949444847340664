// SPDX-License-Identifier: Apache-2.0
//
// Two helpers that every test of a ShadowClient device needs
// (docs/testing.md, "Testing a device's delta handling with ShadowClient"):
//
//   Settle(client);   // poll until the client has nothing left to do
//   EXPECT_TRUE(IsJson(document->reported(), R"({"setpoint":22})"));
//
// Header-only; include it from googletest tests.

#ifndef SHADOWSYNC_TESTING_HELPERS_H_
#define SHADOWSYNC_TESTING_HELPERS_H_

#include <gtest/gtest.h>

#include <cstddef>
#include <string>
#include <string_view>

#include "shadowsync/client.h"
#include "shadowsync/json.h"

namespace shadowsync {
namespace testkit {

/// Calls client.Poll() until it handles nothing (at most `max_polls` times,
/// so that a client that keeps sending cannot hang the test) and returns
/// the number of events handled. A ShadowClient runs your handlers only
/// inside Poll(); on a LoopbackBroker the answer to a request is delivered
/// during the Poll() that sent it and handled by the next one, so a delta's
/// chain (delta, report, accepted, a clear and its answer) takes several.
inline std::size_t Settle(ShadowClient& client, int max_polls = 100) {
  std::size_t handled = 0;
  for (int i = 0; i < max_polls; ++i) {
    const std::size_t n = client.Poll();
    if (n == 0) break;
    handled += n;
  }
  return handled;
}

/// Whether `actual` (nullptr when absent) is the JSON text `expected`,
/// whatever the order of object members; on failure the message shows both.
///   EXPECT_TRUE(IsJson(document->reported(), R"({"on":true})"));
inline ::testing::AssertionResult IsJson(const JsonValue* actual, std::string_view expected) {
  Result<JsonDocument> want = ParseJson(expected);
  if (!want.ok()) {
    return ::testing::AssertionFailure() << "the expected value is not JSON: " << expected << " ("
                                         << want.status().ToString() << ")";
  }
  if (actual != nullptr && JsonEquals(*actual, *want)) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << "\n  actual:   "
         << (actual == nullptr ? std::string("(absent)") : ToCompactJson(*actual))
         << "\n  expected: " << expected;
}

/// IsJson on a value that is present.
inline ::testing::AssertionResult IsJson(const JsonValue& actual, std::string_view expected) {
  return IsJson(&actual, expected);
}

}  // namespace testkit
}  // namespace shadowsync

#endif  // SHADOWSYNC_TESTING_HELPERS_H_
