// SPDX-License-Identifier: Apache-2.0
//
// `shadowctl authz`: AWS IoT's TestAuthorization, offline. Loads a registry
// file (schemas/registry.schema.json), takes a certificate (a PEM file, or
// every certificate attached to a thing) and asks Registry::Authorize what
// the broker plugin would answer. Separate from the shadow commands: its
// own options, no transport (docs/shadowctl.md, docs/policies.md).

#ifndef SHADOWSYNC_TOOLS_SHADOWCTL_AUTHZ_COMMAND_H_
#define SHADOWSYNC_TOOLS_SHADOWCTL_AUTHZ_COMMAND_H_

#include <ostream>
#include <string>
#include <vector>

#include "shadowsync/status.h"

namespace shadowsync {
namespace shadowctl {

/// Everything `shadowctl authz` takes.
struct AuthzOptions {
  std::string registry;   ///< --registry F
  std::string cert_file;  ///< --cert PEM (or thing)
  std::string thing;      ///< --thing T
  std::string client_id;  ///< --client-id ID (default with --thing: T)
  std::string action;     ///< --action, e.g. iot:Publish
  std::string resource;   ///< --resource as given (may be empty for iot:Connect)
  bool help = false;
};

/// True when the command word of `args` is "authz".
bool IsAuthzCommand(const std::vector<std::string>& args);

/// The `shadowctl authz --help` text.
std::string AuthzUsageText();

/// Parses argv[1..] (with the "authz" word). kInvalidArgument with a
/// message meant to follow "error: ".
Result<AuthzOptions> ParseAuthzArguments(const std::vector<std::string>& args);

/// The resource after the account for `action`: a topic for
/// iot:Publish/Receive/RetainPublish gets "topic/", a filter for
/// iot:Subscribe "topicfilter/", and iot:Connect without a resource is
/// "client/<client id>". A resource that already has the action's prefix,
/// and a full ARN ("arn:..."), are kept. Other actions take the resource
/// as given. kInvalidArgument when a needed resource is missing.
Result<std::string> AuthzResource(const AuthzOptions& options);

/// Runs `shadowctl authz`: prints "allowed: <reason>" or "denied: <reason>"
/// on `out` (one line per certificate, each prefixed with the certificate,
/// when --thing has several). Returns kExitOk when every answer is allowed,
/// kExitRejected (3) when one is denied, kExitUsage for bad arguments or an
/// unreadable registry or certificate.
int RunAuthz(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace shadowctl
}  // namespace shadowsync

#endif  // SHADOWSYNC_TOOLS_SHADOWCTL_AUTHZ_COMMAND_H_
