// SPDX-License-Identifier: Apache-2.0

#include "authz_command.h"

#include <map>
#include <optional>
#include <string_view>
#include <utility>

#include "certificate_identity.h"
#include "shadowctl_command.h"
#include "shadowsync/policy.h"
#include "shadowsync/registry.h"

namespace shadowsync {
namespace shadowctl {
namespace {

constexpr const char kAuthzUsage[] =
    R"(usage: shadowctl authz --registry F (--cert PEM | --thing T) [--client-id ID]
                      --action ACTION [--resource R]

Answers what the shadowsync broker plugin, and AWS IoT Core with the same
policies, would answer: AWS IoT's TestAuthorization, offline. Prints
"allowed: <reason>" or "denied: <reason>"; the reason names the policy and
statement that decided.

  --registry F     the registry file (schemas/registry.schema.json)
  --cert PEM       the client certificate: its subject CN and SHA-256
                   fingerprint pick the registry entry
  --thing T        every certificate attached to thing T (one line each)
  --client-id ID   the MQTT client id (required with --cert; default with
                   --thing: T)
  --action A       iot:Connect, iot:Publish, iot:RetainPublish,
                   iot:Subscribe, iot:Receive (or any iot:... action)
  --resource R     iot:Publish/Receive/RetainPublish: a topic;
                   iot:Subscribe: a topic filter, taken literally (+ and #
                   are not wildcards in policies); iot:Connect: a client id
                   (default: --client-id). "topic/...", "topicfilter/...",
                   "client/..." as the action's own prefix, and full ARNs
                   (arn:aws:iot:REGION:ACCOUNT:...) are taken as they are.
  -h, --help       this text

exit codes:
  0  allowed (with --thing: for every certificate)
  1  internal error
  2  usage error, unreadable or invalid registry or certificate
  3  denied (with --thing: for at least one certificate)
)";

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

bool IsAction(std::string_view action, std::string_view name) {
  if (action.size() != name.size()) return false;
  for (std::size_t i = 0; i < action.size(); ++i) {
    const auto fold = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; };
    if (fold(action[i]) != fold(name[i])) return false;
  }
  return true;
}

// The answer for one certificate (nullptr: unknown, from Authorize).
AuthorizationDecision Decide(const Registry& registry, const RegistryCertificate* cert,
                             const Principal& principal, const AuthzOptions& options,
                             const std::string& resource) {
  if (StartsWith(resource, "arn:")) {
    if (cert == nullptr) return registry.Authorize(principal, options.action, "");
    PolicyVariables vars = registry.VariablesFor(*cert, options.client_id);
    if (!principal.certificate_common_name.empty()) {
      vars.certificate_common_name = principal.certificate_common_name;
    }
    return Evaluate(cert->policies, vars, options.action, std::string_view(resource));
  }
  return registry.Authorize(principal, options.action, resource);
}

}  // namespace

bool IsAuthzCommand(const std::vector<std::string>& args) {
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg.empty() || arg[0] != '-' || arg == "-") return arg == "authz";
    // Every option but these takes a value, unless given as --opt=value.
    const bool flag =
        arg == "--compact" || arg == "-h" || arg == "--help" || arg.find('=') != std::string::npos;
    if (!flag) ++i;
  }
  return false;
}

std::string AuthzUsageText() { return kAuthzUsage; }

Result<AuthzOptions> ParseAuthzArguments(const std::vector<std::string>& args) {
  AuthzOptions options;
  std::map<std::string, std::string, std::less<>> values;
  bool command_seen = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "-h" || arg == "--help") {
      options.help = true;
      return options;
    }
  }
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (!StartsWith(arg, "-") || arg == "-") {
      if (arg == "authz" && !command_seen) {
        command_seen = true;
        continue;
      }
      return InvalidArgumentError("unexpected argument '" + arg + "'");
    }
    std::string name = arg;
    std::optional<std::string> value;
    if (const std::size_t eq = arg.find('='); eq != std::string::npos && StartsWith(arg, "--")) {
      name = arg.substr(0, eq);
      value = arg.substr(eq + 1);
    }
    static const char* const kKnown[] = {"--registry",  "--cert",   "--thing",
                                         "--client-id", "--action", "--resource"};
    bool known = false;
    for (const char* k : kKnown) known = known || name == k;
    if (!known) {
      return InvalidArgumentError("unknown option '" + name +
                                  "' for authz (shadowctl authz --help)");
    }
    if (!value) {
      if (i + 1 >= args.size()) return InvalidArgumentError(name + " needs a value");
      value = args[++i];
    }
    if (!values.emplace(name, *value).second) {
      return InvalidArgumentError(name + " given more than once");
    }
  }
  auto get = [&values](std::string_view name) -> std::optional<std::string> {
    auto it = values.find(name);
    if (it == values.end()) return std::nullopt;
    return it->second;
  };
  const std::optional<std::string> registry = get("--registry");
  if (!registry || registry->empty()) return InvalidArgumentError("authz needs --registry F");
  options.registry = *registry;
  const std::optional<std::string> cert = get("--cert");
  const std::optional<std::string> thing = get("--thing");
  if (cert.has_value() == thing.has_value()) {
    return InvalidArgumentError("authz needs exactly one of --cert PEM and --thing T");
  }
  if (cert) {
    if (cert->empty()) return InvalidArgumentError("--cert: empty path");
    options.cert_file = *cert;
  }
  if (thing) {
    if (Status s = ValidateThingName(*thing); !s.ok()) {
      return InvalidArgumentError("--thing: " + s.message());
    }
    options.thing = *thing;
  }
  const std::optional<std::string> client_id = get("--client-id");
  if (client_id && client_id->empty()) return InvalidArgumentError("--client-id: empty");
  if (!client_id && cert) {
    return InvalidArgumentError("authz --cert needs --client-id ID (policies often depend on it)");
  }
  options.client_id = client_id ? *client_id : options.thing;
  const std::optional<std::string> action = get("--action");
  if (!action || action->empty()) {
    return InvalidArgumentError("authz needs --action, e.g. --action iot:Publish");
  }
  if (action->find(':') == std::string::npos) {
    return InvalidArgumentError("--action: '" + *action +
                                "' is not service:action, e.g. iot:Publish");
  }
  options.action = *action;
  if (const std::optional<std::string> resource = get("--resource")) {
    if (resource->empty()) return InvalidArgumentError("--resource: empty");
    options.resource = *resource;
  }
  if (Result<std::string> r = AuthzResource(options); !r.ok()) return r.status();
  return options;
}

Result<std::string> AuthzResource(const AuthzOptions& options) {
  const std::string& resource = options.resource;
  if (StartsWith(resource, "arn:")) return resource;
  std::string_view prefix;
  if (IsAction(options.action, "iot:Publish") || IsAction(options.action, "iot:Receive") ||
      IsAction(options.action, "iot:RetainPublish")) {
    prefix = "topic/";
  } else if (IsAction(options.action, "iot:Subscribe")) {
    prefix = "topicfilter/";
  } else if (IsAction(options.action, "iot:Connect")) {
    prefix = "client/";
    if (resource.empty()) return "client/" + options.client_id;
  }
  if (resource.empty()) {
    return InvalidArgumentError("--resource is needed with " + options.action +
                                (prefix.empty() ? " (as it appears after the account in the ARN, "
                                                  "e.g. thing/lamp)"
                                                : ""));
  }
  if (prefix.empty() || StartsWith(resource, prefix)) return resource;
  return std::string(prefix) + resource;
}

int RunAuthz(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  Result<AuthzOptions> parsed = ParseAuthzArguments(args);
  if (!parsed.ok()) {
    err << "error: " << parsed.status().message() << "\n(shadowctl authz --help shows the usage)\n";
    return kExitUsage;
  }
  const AuthzOptions& options = *parsed;
  if (options.help) {
    out << AuthzUsageText();
    return kExitOk;
  }
  Result<Registry> registry = Registry::Load(options.registry);
  if (!registry.ok()) {
    err << "error: " << registry.status().message() << "\n";
    return kExitUsage;
  }
  Result<std::string> resource = AuthzResource(options);
  if (!resource.ok()) {  // checked by ParseAuthzArguments
    err << "error: " << resource.status().message() << "\n";
    return kExitUsage;
  }

  if (!options.cert_file.empty()) {
    Result<CertificateIdentity> identity = ReadCertificateIdentity(options.cert_file);
    if (!identity.ok()) {
      err << "error: " << identity.status().message() << "\n";
      return kExitUsage;
    }
    const Principal principal{options.client_id, identity->common_name, identity->sha256, {}};
    const AuthorizationDecision d =
        Decide(*registry, registry->FindCertificate(principal), principal, options, *resource);
    out << (d.allowed ? "allowed: " : "denied: ") << d.reason << "\n";
    return d.allowed ? kExitOk : kExitRejected;
  }

  const std::vector<const RegistryCertificate*> certs =
      registry->CertificatesOfThing(options.thing);
  if (certs.empty()) {
    err << "error: " << options.registry << ": no certificate is attached to thing "
        << options.thing << "\n";
    return kExitUsage;
  }
  bool all_allowed = true;
  for (const RegistryCertificate* cert : certs) {
    const Principal principal{options.client_id, cert->common_name, cert->sha256, {}};
    const AuthorizationDecision d = Decide(*registry, cert, principal, options, *resource);
    if (certs.size() > 1) out << cert->pointer << " (" << cert->Describe() << "): ";
    out << (d.allowed ? "allowed: " : "denied: ") << d.reason << "\n";
    all_allowed = all_allowed && d.allowed;
  }
  return all_allowed ? kExitOk : kExitRejected;
}

}  // namespace shadowctl
}  // namespace shadowsync
