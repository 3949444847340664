// SPDX-License-Identifier: Apache-2.0
//
// The registry file: the things, certificates and policies an AWS account
// would hold, in one JSON file (schemas/registry.schema.json,
// docs/policies.md), and authorization against it: which certificate a
// connection presents, which policies are attached to it, and what they
// allow. The broker plugin asks Authorize() on CONNECT, PUBLISH, SUBSCRIBE
// and every delivery; `shadowctl authz` asks it from a shell.
//
// Thread safety: Registry is immutable after Parse/Load; const methods may
// run concurrently.

#ifndef SHADOWSYNC_REGISTRY_H_
#define SHADOWSYNC_REGISTRY_H_

#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "shadowsync/policy.h"
#include "shadowsync/status.h"

namespace shadowsync {

/// A thing of the registry (`/things/<name>`).
struct RegistryThing {
  std::string name;
  std::optional<std::string> thing_type_name;
  ThingAttributes attributes;
};

/// A certificate of the registry (`/certificates/<i>`): how it is
/// recognised, the thing it is attached to and its policies.
struct RegistryCertificate {
  std::string common_name;  ///< subject CN; empty when the entry has none
  std::string sha256;       ///< lowercase hex, no colons; empty when the entry has none
  /// The attached thing (points into the Registry), or nullptr.
  const RegistryThing* thing = nullptr;
  /// The attached policies in the file's order (point into the Registry).
  std::vector<const Policy*> policies;
  /// Where the entry is in the file, e.g. "/certificates/0".
  std::string pointer;

  /// "CN lamp, SHA-256 ab12..." (what is known), for messages.
  std::string Describe() const;
};

/// An IAM user of the registry (`/iamUsers/<name>`): the access keys that
/// authenticate as it (SigV4, through shadowsync-gateway) and its
/// policies. HTTP and WebSocket have no thing attached, so only
/// ${iot:ClientId} resolves for it.
struct RegistryIamUser {
  std::string name;
  /// The attached policies in the file's order (point into the Registry).
  std::vector<const Policy*> policies;
  /// Where the entry is in the file, e.g. "/iamUsers/alice".
  std::string pointer;
};

/// Things, certificates and policies, parsed and cross-checked once.
///
/// Certificates are recognised by SHA-256 fingerprint first, then by
/// subject CN. An entry with a sha256 matches only that certificate; an
/// entry with only a commonName matches any certificate with that CN (the
/// broker has already checked the CA).
///
/// Move-only: certificates point at things and policies inside it.
/// Thread safety: immutable after Parse/Load; const methods may run
/// concurrently.
class Registry {
 public:
  /// Parses a registry file's text. kInvalidArgument, message
  /// "<file_name>: <JSON pointer>: <what is wrong>", e.g.
  /// `registry.json: /certificates/0/policies/1: policy "x" is not defined
  /// in /policies`; unknown members are errors.
  static Result<Registry> Parse(std::string_view text, std::string_view file_name);
  /// Reads and parses `path`: kNotFound when it does not exist,
  /// kFailedPrecondition when it cannot be read, naming the path; else as
  /// Parse with the path as file name.
  static Result<Registry> Load(const std::string& path);

  Registry(Registry&&) = default;
  Registry& operator=(Registry&&) = default;
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  /// The certificate matching the principal: by SHA-256 fingerprint first,
  /// then by subject CN; nullptr when unknown.
  const RegistryCertificate* FindCertificate(const Principal& principal) const;

  /// The IAM user owning `access_key_id`; nullptr when unknown.
  const RegistryIamUser* FindIamUser(std::string_view access_key_id) const;
  /// Whether the file lists any IAM user (`/iamUsers`).
  bool has_iam_users() const { return !iam_users_.empty(); }

  /// Evaluates the policies attached to the principal's certificate, or,
  /// when the principal has an access_key_id, to that key's IAM user.
  /// `resource` is the short form AFTER the account, e.g. "client/lamp",
  /// "topic/$aws/things/lamp/shadow/update",
  /// "topicfilter/$aws/things/+/shadow/#", "thing/lamp"; the registry builds
  /// the ARN with its region and account (absent: any region or account a
  /// policy names matches). Unknown certificate: denied, with a reason
  /// naming CN and fingerprint.
  AuthorizationDecision Authorize(const Principal& principal, std::string_view action,
                                  std::string_view resource) const;

  /// Authorize() without the reason and without allocating: for the
  /// broker's per-message checks (call Authorize to log a denial).
  bool IsAllowed(const Principal& principal, std::string_view action,
                 std::string_view resource) const;

  /// Authorize() for a known certificate and a client id (what
  /// `shadowctl authz --thing` does for each certificate of a thing).
  AuthorizationDecision AuthorizeCertificate(const RegistryCertificate& certificate,
                                             std::string_view client_id, std::string_view action,
                                             std::string_view resource) const;

  /// The policy variables for `certificate` connecting as `client_id`:
  /// the Thing.* variables resolve only when the certificate is attached to
  /// a thing whose name is the client id (AWS's rule), and IsAttached is
  /// "true" exactly then. Views into this registry and `client_id`.
  PolicyVariables VariablesFor(const RegistryCertificate& certificate,
                               std::string_view client_id) const;

  /// For `shadowctl authz --thing T`: the certificates attached to thing T,
  /// in file order.
  std::vector<const RegistryCertificate*> CertificatesOfThing(std::string_view thing) const;

  const std::optional<std::string>& region() const { return region_; }
  const std::optional<std::string>& account() const { return account_; }
  const std::vector<RegistryCertificate>& certificates() const { return certificates_; }
  const RegistryThing* FindThing(std::string_view name) const;
  const Policy* FindPolicy(std::string_view name) const;

 private:
  Registry() = default;
  ResourceArn ArnFor(std::string_view resource) const;

  std::optional<std::string> region_;
  std::optional<std::string> account_;
  // Node-based maps: the certificates' pointers stay valid when the
  // Registry moves.
  std::map<std::string, RegistryThing, std::less<>> things_;
  std::map<std::string, Policy, std::less<>> policies_;
  std::vector<RegistryCertificate> certificates_;
  std::vector<std::unique_ptr<RegistryIamUser>> iam_users_;
  std::map<std::string, const RegistryIamUser*, std::less<>> by_access_key_;
  std::map<std::string, std::size_t, std::less<>> by_sha256_;       // index into certificates_
  std::map<std::string, std::size_t, std::less<>> by_common_name_;  // entries without sha256
};

}  // namespace shadowsync

#endif  // SHADOWSYNC_REGISTRY_H_
