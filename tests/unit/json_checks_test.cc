// SPDX-License-Identifier: Apache-2.0
//
// lib/src/json_checks.cc: the checks behind configuration and policy
// errors, which name the JSON pointer and what was expected.

#include "json_checks.h"

#include <gtest/gtest.h>

#include "support/json_expect.h"

namespace shadowsync::json_checks {
namespace {

using testing_support::MustParse;

TEST(JsonChecksTest, AtNamesThePointerOrTheRoot) {
  const Status at = At("/a/b", "must be positive");
  EXPECT_EQ(at.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(at.message(), "/a/b: must be positive");
  EXPECT_EQ(At("", "must be an object").message(), "/: must be an object");
}

TEST(JsonChecksTest, ExpectTypeNamesWhatWasFound) {
  const JsonDocument doc = MustParse(R"({"n":3})");
  EXPECT_TRUE(ExpectType(doc["n"], doc["n"].IsInt(), "an integer", "/n").ok());
  const Status wrong = ExpectType(doc["n"], doc["n"].IsString(), "a string", "/n");
  EXPECT_EQ(wrong.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(wrong.message(), "/n: expected a string, found " + std::string(JsonTypeName(doc["n"])));
}

TEST(JsonChecksTest, CheckMembersRefusesUnknownOnesAndListsTheKnown) {
  const JsonDocument doc = MustParse(R"({"a":1,"b":2})");
  EXPECT_TRUE(CheckMembers(doc, {"a", "b", "c"}, "/x", "x").ok());
  const Status unknown = CheckMembers(doc, {"a"}, "/x", "a thing");
  EXPECT_EQ(unknown.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(unknown.message().find("/x/b"), std::string::npos) << unknown.message();
  EXPECT_NE(unknown.message().find("a thing"), std::string::npos) << unknown.message();
}

}  // namespace
}  // namespace shadowsync::json_checks
