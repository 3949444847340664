// SPDX-License-Identifier: Apache-2.0
//
// The access keys the SigV4 listener accepts, read from a file in the AWS
// shared-credentials format (the INI file of ~/.aws/credentials): every
// section with `aws_access_key_id` and `aws_secret_access_key` (and
// optionally `aws_session_token`, which requests must then carry) is one
// key. The section names are only labels.
//
// Secrets never appear in messages: errors name the file, the line or the
// section, never a value.
//
// Thread safety: immutable after Load(); const methods may run
// concurrently.
#ifndef SHADOWSYNC_SERVICE_GATEWAY_ACCESS_KEYS_H_
#define SHADOWSYNC_SERVICE_GATEWAY_ACCESS_KEYS_H_

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "shadowsync/aws_credentials.h"
#include "shadowsync/status.h"

namespace shadowsync::gateway {

/// Access key id -> credentials.
///
/// Thread safety: immutable after Parse/Load; const methods may run
/// concurrently.
class AccessKeys {
 public:
  /// Parses the file's text; `path` names it in errors. kInvalidArgument
  /// for a syntax error ("<path>:<line>: ..."), a section with only one of
  /// the two keys, an access key id given twice, or no key at all.
  static Result<AccessKeys> Parse(std::string_view text, const std::string& path);
  /// Reads and parses `path`; kNotFound / kFailedPrecondition naming it.
  static Result<AccessKeys> Load(const std::string& path);

  /// The credentials of `access_key_id`; std::nullopt when unknown.
  std::optional<AwsCredentials> Find(std::string_view access_key_id) const;
  std::size_t size() const { return keys_.size(); }

 private:
  std::map<std::string, AwsCredentials, std::less<>> keys_;
};

}  // namespace shadowsync::gateway

#endif  // SHADOWSYNC_SERVICE_GATEWAY_ACCESS_KEYS_H_
