// SPDX-License-Identifier: Apache-2.0
//
// lib/src/shadow_error.cc: the E2 catalogue, code and exact text of each
// rejection the service publishes (spec E1, E2).

#include "shadowsync/shadow_error.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace shadowsync::shadow_errors {
namespace {

TEST(ShadowErrorTest, TheExactTextsOfE2) {
  EXPECT_EQ(InvalidJson(), (ShadowError{400, "Invalid JSON"}));
  EXPECT_EQ(MissingState(), (ShadowError{400, "Missing required node: state"}));
  EXPECT_EQ(StateNotObject(), (ShadowError{400, "State node must be an object"}));
  EXPECT_EQ(DesiredNotObject(), (ShadowError{400, "Desired node must be an object"}));
  EXPECT_EQ(ReportedNotObject(), (ShadowError{400, "Reported node must be an object"}));
  EXPECT_EQ(InvalidVersion(), (ShadowError{400, "Invalid version"}));
  EXPECT_EQ(InvalidClientToken(), (ShadowError{400, "Invalid clientToken"}));
  EXPECT_EQ(InvalidStateNode("foo"), (ShadowError{400, "State contains an invalid node: 'foo'"}));
  EXPECT_EQ(Unauthorized(), (ShadowError{401, "Unauthorized"}));
  EXPECT_EQ(Forbidden(), (ShadowError{403, "Forbidden"}));
  EXPECT_EQ(NoShadow("lamp"), (ShadowError{404, "No shadow exists with name: 'lamp'"}));
  EXPECT_EQ(ThingNotFound(), (ShadowError{404, "Thing not found"}));
  EXPECT_EQ(VersionConflict(), (ShadowError{409, "Version conflict"}));
  EXPECT_EQ(TooManyRequests().code, 429);
  EXPECT_EQ(InternalFailure(), (ShadowError{500, "Internal service failure"}));
}

TEST(ShadowErrorTest, ParameterisedTextsNameWhatIsWrong) {
  EXPECT_EQ(TooDeep(6).code, 400);
  EXPECT_EQ(TooDeep(6).message.rfind("JSON contains too many levels", 0), 0u) << TooDeep(6).message;
  const ShadowError null_in_array = NullInArray("/state/desired/a/1");
  EXPECT_EQ(null_in_array.code, 400);
  EXPECT_EQ(null_in_array.message.rfind("Invalid JSON", 0), 0u);
  EXPECT_NE(null_in_array.message.find("/state/desired/a/1"), std::string::npos);
  EXPECT_EQ(PayloadTooLarge().code, 413);
  EXPECT_EQ(UnsupportedEncoding().code, 415);
}

}  // namespace
}  // namespace shadowsync::shadow_errors
