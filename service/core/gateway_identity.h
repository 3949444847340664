// SPDX-License-Identifier: Apache-2.0
//
// How shadowsync-gateway tells the broker plugin who a WebSocket client is
// (docs/architecture.md, "MQTT over WebSocket: identity"). The gateway
// verifies the client's SigV4 presigned URL, then rewrites the client's
// MQTT CONNECT: the username becomes "iam:<access key id>" and the password
// the secret shared by the gateway (`--relay-secret-file`) and the plugin
// (`plugin_opt_gateway_secret_file`). The plugin accepts an "iam:" username
// only with that password, and then evaluates the policies of the key's IAM
// user in the registry (`/iamUsers`).
//
// Thread safety: plain functions on values.
#ifndef SHADOWSYNC_SERVICE_CORE_GATEWAY_IDENTITY_H_
#define SHADOWSYNC_SERVICE_CORE_GATEWAY_IDENTITY_H_

#include <string>
#include <string_view>

#include "shadowsync/status.h"

namespace shadowsync::host {

/// The username prefix reserved for identities the gateway vouches for.
inline constexpr std::string_view kIamUsernamePrefix = "iam:";

/// The shared secret: the file's first line, surrounding blanks removed.
/// kNotFound / kFailedPrecondition name the path; kInvalidArgument when
/// the secret is shorter than 16 characters or the file is readable by
/// group or others (the message never shows the secret).
Result<std::string> LoadGatewaySecret(const std::string& path);

/// Compares in constant time (for equal lengths).
bool GatewaySecretMatches(std::string_view expected, std::string_view given);

/// "iam:<access_key_id>".
std::string IamUsername(std::string_view access_key_id);

/// The access key id of an "iam:" username; empty when `username` is not one.
std::string_view AccessKeyOfUsername(std::string_view username);

}  // namespace shadowsync::host

#endif  // SHADOWSYNC_SERVICE_CORE_GATEWAY_IDENTITY_H_
