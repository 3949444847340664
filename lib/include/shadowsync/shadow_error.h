// SPDX-License-Identifier: Apache-2.0
//
// The Device Shadow service's error catalogue (spec E1, E2): the HTTP-style
// code and the exact message AWS IoT publishes on `.../rejected` topics.
//
// Thread safety: values; safe for concurrent use.

#ifndef SHADOWSYNC_SHADOW_ERROR_H_
#define SHADOWSYNC_SHADOW_ERROR_H_

#include <string>
#include <string_view>

namespace shadowsync {

/// One rejection: code and message, as in the error document of E1.
struct ShadowError {
  int code = 0;
  std::string message;

  friend bool operator==(const ShadowError& a, const ShadowError& b) {
    return a.code == b.code && a.message == b.message;
  }
};

/// Constructors for every row of the E2 table, with the exact texts.
namespace shadow_errors {

ShadowError InvalidJson();                        ///< 400 "Invalid JSON"
ShadowError MissingState();                       ///< 400 "Missing required node: state"
ShadowError StateNotObject();                     ///< 400 "State node must be an object"
ShadowError DesiredNotObject();                   ///< 400 "Desired node must be an object"
ShadowError ReportedNotObject();                  ///< 400 "Reported node must be an object"
ShadowError InvalidVersion();                     ///< 400 "Invalid version"
ShadowError InvalidClientToken();                 ///< 400 "Invalid clientToken"
ShadowError TooDeep(int max_depth);               ///< 400 "JSON contains too many levels ..."
/// 400 "State contains an invalid node: '<key>'" (the form IoT Core sends).
ShadowError InvalidStateNode(std::string_view key);
/// 400 for a null element inside an array (M12). AWS's text is unknown; ours
/// starts with "Invalid JSON" and names the JSON pointer of the element.
ShadowError NullInArray(std::string_view pointer);
ShadowError Unauthorized();                       ///< 401 "Unauthorized"
ShadowError Forbidden();                          ///< 403 "Forbidden"
/// 404 "No shadow exists with name: '<name>'" (thing name for classic).
ShadowError NoShadow(std::string_view name);
ShadowError ThingNotFound();                      ///< 404 "Thing not found"
ShadowError VersionConflict();                    ///< 409 "Version conflict"
ShadowError PayloadTooLarge();                    ///< 413 "The payload exceeds ..."
ShadowError UnsupportedEncoding();                ///< 415 "Unsupported documented encoding; ..."
ShadowError TooManyRequests();                    ///< 429 "Too Many Requests" (text unverified)
ShadowError InternalFailure();                    ///< 500 "Internal service failure"

}  // namespace shadow_errors
}  // namespace shadowsync

#endif  // SHADOWSYNC_SHADOW_ERROR_H_
