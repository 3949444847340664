// SPDX-License-Identifier: Apache-2.0
//
// Message texts come from the AWS error table (spec E2, source S7) byte for
// byte; an emulator has to reproduce them exactly.

#include "shadowsync/shadow_error.h"

namespace shadowsync {
namespace shadow_errors {

ShadowError InvalidJson() { return {400, "Invalid JSON"}; }
ShadowError MissingState() { return {400, "Missing required node: state"}; }
ShadowError StateNotObject() { return {400, "State node must be an object"}; }
ShadowError DesiredNotObject() { return {400, "Desired node must be an object"}; }
ShadowError ReportedNotObject() { return {400, "Reported node must be an object"}; }
ShadowError InvalidVersion() { return {400, "Invalid version"}; }
ShadowError InvalidClientToken() { return {400, "Invalid clientToken"}; }
ShadowError TooDeep(int max_depth) {
  return {400, "JSON contains too many levels of nesting; maximum is " + std::to_string(max_depth)};
}
ShadowError InvalidStateNode(std::string_view key) {
  // IoT Core appends the node name (seen in a 400 quoted by Greengrass PR
  // #178: "State contains an invalid node: 'delta'").
  return {400, "State contains an invalid node: '" + std::string(key) + "'"};
}
ShadowError NullInArray(std::string_view pointer) {
  return {400, "Invalid JSON: arrays may not contain null (at " + std::string(pointer) + ")"};
}
ShadowError Unauthorized() { return {401, "Unauthorized"}; }
ShadowError Forbidden() { return {403, "Forbidden"}; }
ShadowError NoShadow(std::string_view name) {
  return {404, "No shadow exists with name: '" + std::string(name) + "'"};
}
ShadowError ThingNotFound() { return {404, "Thing not found"}; }
ShadowError VersionConflict() { return {409, "Version conflict"}; }
ShadowError PayloadTooLarge() { return {413, "The payload exceeds the maximum size allowed"}; }
ShadowError UnsupportedEncoding() {
  return {415, "Unsupported documented encoding; supported encoding is UTF-8"};
}
ShadowError TooManyRequests() { return {429, "Too Many Requests"}; }
ShadowError InternalFailure() { return {500, "Internal service failure"}; }

}  // namespace shadow_errors
}  // namespace shadowsync
