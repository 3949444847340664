// SPDX-License-Identifier: Apache-2.0
//
// libFuzzer target: arbitrary bytes as a registry file (Registry::Parse:
// things, certificates, policies). Properties beyond "no crash":
//   - a rejection is kInvalidArgument whose message starts with the file
//     name ("registry.json: ...") and says something after it;
//   - a registry that parses authorizes every certificate it holds, for a
//     fixed set of actions and resources, deterministically, with a reason,
//     IsAllowed agreeing with Authorize and AuthorizeCertificate with the
//     certificate found for the principal;
//   - FindCertificate finds each certificate's own entry (or one with the
//     same fingerprint or CN that comes first), every attached policy and
//     thing is findable by name, and an unknown principal is denied.

#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_check.h"
#include "shadowsync/registry.h"

namespace {

using shadowsync::AuthorizationDecision;
using shadowsync::Principal;
using shadowsync::Registry;
using shadowsync::RegistryCertificate;
using shadowsync::StatusCode;
using shadowsync::fuzz::Check;
using shadowsync::fuzz::StartsWith;

constexpr const char* kActions[] = {"iot:Connect", "iot:Publish", "iot:Subscribe", "iot:Receive"};
constexpr const char* kResources[] = {"client/lamp",
                                      "topic/$aws/things/lamp/shadow/update",
                                      "topicfilter/$aws/things/+/shadow/#",
                                      "thing/lamp",
                                      "topic/",
                                      ""};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  auto parsed = Registry::Parse(input, "registry.json");
  if (!parsed.ok()) {
    const std::string message = parsed.status().message();
    Check(parsed.status().code() == StatusCode::kInvalidArgument, "rejection is InvalidArgument",
          input, parsed.status().ToString());
    Check(StartsWith(message, "registry.json: ") && message.size() > 15,
          "error message names the file and says what is wrong", input, message);
    return 0;
  }
  const Registry& registry = *parsed;

  Principal stranger;
  stranger.client_id = "stranger";
  stranger.certificate_common_name = "\x01no such CN";
  stranger.certificate_sha256 = std::string(64, '0') + "x";
  bool stranger_known = false;  // the fuzzer may well find that CN
  for (const RegistryCertificate& cert : registry.certificates()) {
    stranger_known = stranger_known || cert.common_name == stranger.certificate_common_name;
  }
  if (!stranger_known) {
    Check(registry.FindCertificate(stranger) == nullptr, "an unknown principal is unknown", input);
    const AuthorizationDecision unknown = registry.Authorize(stranger, "iot:Connect", "client/x");
    Check(!unknown.allowed && !unknown.reason.empty(), "an unknown principal is denied", input);
  }

  for (const RegistryCertificate& cert : registry.certificates()) {
    Check(!cert.common_name.empty() || !cert.sha256.empty(),
          "a certificate is recognisable by CN or fingerprint", input, cert.pointer);
    Check(!cert.Describe().empty(), "Describe() says something", input);
    for (const shadowsync::Policy* policy : cert.policies) {
      Check(policy != nullptr && registry.FindPolicy(policy->name()) == policy,
            "attached policies are the registry's", input, cert.pointer);
    }
    if (cert.thing != nullptr) {
      Check(registry.FindThing(cert.thing->name) == cert.thing, "attached thing is findable", input,
            cert.pointer);
    }
    Principal principal;
    principal.certificate_common_name = cert.common_name;
    principal.certificate_sha256 = cert.sha256;
    principal.client_id = cert.thing != nullptr ? cert.thing->name : "lamp";
    const RegistryCertificate* found = registry.FindCertificate(principal);
    Check(found != nullptr, "a certificate of the registry is found", input, cert.pointer);
    if (!cert.sha256.empty()) {
      Check(found->sha256 == cert.sha256, "found by its fingerprint", input, cert.pointer);
    }
    for (const char* action : kActions) {
      for (const char* resource : kResources) {
        const AuthorizationDecision a = registry.Authorize(principal, action, resource);
        const AuthorizationDecision b = registry.Authorize(principal, action, resource);
        Check(a.allowed == b.allowed && a.reason == b.reason, "Authorize is deterministic", input,
              a.reason);
        Check(!a.reason.empty(), "a decision has a reason", input);
        Check(registry.IsAllowed(principal, action, resource) == a.allowed,
              "IsAllowed agrees with Authorize", input, a.reason);
        const AuthorizationDecision c =
            registry.AuthorizeCertificate(*found, principal.client_id, action, resource);
        Check(c.allowed == a.allowed, "AuthorizeCertificate agrees with Authorize", input,
              a.reason + " / " + c.reason);
        if (found->policies.empty()) {
          Check(!a.allowed, "no policy, no permission", input, a.reason);
        }
      }
    }
    if (cert.thing != nullptr) {
      bool listed = false;
      for (const RegistryCertificate* c : registry.CertificatesOfThing(cert.thing->name)) {
        listed = listed || c == &cert;
      }
      Check(listed, "CertificatesOfThing lists the certificate", input, cert.pointer);
    }
  }
  return 0;
}
