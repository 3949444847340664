// SPDX-License-Identifier: Apache-2.0
//
// lib/src/status.cc: every StatusCode has a name, and a Status prints as
// "<code name>: <message>" (what test failures and logs show).

#include "shadowsync/status.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace shadowsync {
namespace {

TEST(StatusTest, EveryCodeHasItsOwnName) {
  const StatusCode codes[] = {
      StatusCode::kOk,          StatusCode::kInvalidArgument, StatusCode::kNotFound,
      StatusCode::kConflict,    StatusCode::kRejected,        StatusCode::kFailedPrecondition,
      StatusCode::kUnavailable, StatusCode::kTimeout,         StatusCode::kInternal};
  std::set<std::string> names;
  for (StatusCode code : codes) {
    const std::string name = StatusCodeName(code);
    EXPECT_NE(name, "Unknown");
    EXPECT_TRUE(names.insert(name).second) << name << " twice";
  }
  EXPECT_STREQ(StatusCodeName(StatusCode::kConflict), "Conflict");
}

TEST(StatusTest, ToStringNamesTheCodeAndTheMessage) {
  EXPECT_EQ(Status::Ok().ToString(), "OK");
  EXPECT_EQ(NotFoundError("no shadow 'x'").ToString(), "NotFound: no shadow 'x'");
  EXPECT_EQ(Status(StatusCode::kTimeout, "after 10 ms").ToString(), "Timeout: after 10 ms");
}

TEST(StatusTest, HelpersMakeTheirCodesAndResultsCarryValuesOrErrors) {
  EXPECT_EQ(InvalidArgumentError("x").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(FailedPreconditionError("x").code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(InternalError("x").code(), StatusCode::kInternal);
  Result<int> value = 3;
  ASSERT_TRUE(value.ok());
  EXPECT_EQ(*value, 3);
  EXPECT_TRUE(value.status().ok());
  Result<int> error = NotFoundError("gone");
  ASSERT_FALSE(error.ok());
  EXPECT_EQ(error.status().message(), "gone");
}

}  // namespace
}  // namespace shadowsync
