// SPDX-License-Identifier: Apache-2.0
//
// AWS IoT policies, evaluated offline: parse a policy document exactly as a
// user pastes it into the AWS console, then decide whether a principal may
// do an action on a resource, the way AWS IoT Core does
// (shared/notes/platform.md section 5, docs/policies.md).
//
// Parsing does all the work once (patterns split into literal runs, `*`,
// `?` and variables; conditions resolved to operator and key ids), so that
// Evaluate() runs without regex and without allocation, except for the
// decision's reason text. The broker evaluates iot:Receive on every
// delivery.
//
// Thread safety: Policy is immutable after Parse; const methods and
// Evaluate may run concurrently.

#ifndef SHADOWSYNC_POLICY_H_
#define SHADOWSYNC_POLICY_H_

#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "shadowsync/json.h"
#include "shadowsync/status.h"

namespace shadowsync {

/// Who asks: what the broker knows about a connection.
struct Principal {
  std::string client_id;
  std::string certificate_common_name;  ///< subject CN; empty when unknown
  std::string certificate_sha256;       ///< lowercase hex, no colons; empty when unknown
  /// SigV4 callers (through shadowsync-gateway): the verified access key
  /// id; when set, the registry evaluates that key's IAM user instead of a
  /// certificate.
  std::string access_key_id;
};

/// The outcome and the statement that decided it, for logs and
/// `shadowctl authz`.
struct AuthorizationDecision {
  bool allowed = false;
  /// "allowed by policy lamp-policy statement 2 (Sid AllowShadow)",
  /// "denied by policy X statement 1",
  /// "no statement allows iot:Publish on topic/x (default deny)",
  /// "unknown certificate (CN x, SHA-256 ab12...)". Statements count from 1.
  std::string reason;
};

/// Thing attributes (`${iot:Connection.Thing.Attributes[name]}`).
using ThingAttributes = std::map<std::string, std::string, std::less<>>;

/// The values of the policy variables for one request. Borrowed views: what
/// they point to must outlive the Evaluate() call. std::nullopt (or a null
/// `thing_attributes`) means the variable is unresolved: a pattern using it
/// matches nothing, and a condition on it sees a missing key.
struct PolicyVariables {
  std::string_view client_id;  ///< ${iot:ClientId}
  /// ${iot:Connection.Thing.ThingName}: AWS resolves it only when the
  /// certificate is attached to a thing AND the client id equals the thing
  /// name. The Thing.* variables below follow it.
  std::optional<std::string_view> thing_name;
  /// ${iot:Connection.Thing.IsAttached}: "true" or "false".
  bool is_attached = false;
  std::optional<std::string_view> thing_type_name;    ///< ${iot:Connection.Thing.ThingTypeName}
  const ThingAttributes* thing_attributes = nullptr;  ///< ${iot:Connection.Thing.Attributes[a]}
  /// ${iot:Certificate.Subject.CommonName}.
  std::optional<std::string_view> certificate_common_name;
};

/// A resource as an ARN, `arn:<partition>:<service>:<region>:<account>:<resource>`,
/// for example `arn:aws:iot:us-east-1:123456789012:topic/esp32/pub`.
/// Views into the caller's text.
struct ResourceArn {
  std::string_view partition = "aws";
  std::string_view service = "iot";
  /// std::nullopt: any region a policy names matches (a registry without a
  /// region, so that a policy written for the user's real account works).
  std::optional<std::string_view> region;
  std::optional<std::string_view> account;  ///< std::nullopt: any account matches
  std::string_view resource;  ///< "client/lamp", "topic/a/b", "topicfilter/a/+", "thing/lamp"

  /// Splits a full ARN at its first five colons (the resource may contain
  /// more); std::nullopt unless it starts with "arn:" and has six parts.
  static std::optional<ResourceArn> Parse(std::string_view arn);
};

/// One AWS IoT policy document (IAM policy language, version 2012-10-17).
///
/// Supported: Statement as an object or an array; Effect Allow/Deny; Sid;
/// Action or NotAction and Resource or NotResource, each a string or an
/// array of strings, with `*` (any run of characters, across `/` and `:`)
/// and `?` (one character) and nothing else special (`+` and `#` are
/// literal); actions compare case-insensitively; resources are `*` or
/// six-part ARNs, matched part by part; the variables ${iot:ClientId},
/// ${iot:Connection.Thing.ThingName}, ${iot:Connection.Thing.IsAttached},
/// ${iot:Connection.Thing.ThingTypeName},
/// ${iot:Connection.Thing.Attributes[attr]},
/// ${iot:Certificate.Subject.CommonName} and the escapes ${*}, ${?}, ${$};
/// a variable's value is always literal text; Condition with the operators
/// Bool, StringEquals, StringNotEquals, StringLike, StringNotLike,
/// StringEqualsIgnoreCase, StringNotEqualsIgnoreCase, each also with
/// IfExists, on the keys of the same names (iot:ClientId, ...).
///
/// Anything else (another variable, operator or key, an unknown member,
/// a Principal element, Version 2008-10-17) is a parse error naming the
/// JSON pointer: nothing is silently ignored.
///
/// Thread safety: immutable; const methods may run concurrently.
class Policy {
 public:
  /// Parses `json`. kInvalidArgument, "<JSON pointer>: <what is wrong>"
  /// (the pointer relative to the document, e.g. "/Statement/1/Effect"),
  /// or "JSON parse error at offset N: ...".
  static Result<Policy> Parse(std::string_view json, std::string_view name);

  /// The same from an already parsed document; error pointers start with
  /// `pointer` (e.g. "/policies/lamp-policy" inside a registry file).
  static Result<Policy> FromJson(const JsonValue& document, std::string_view name,
                                 const std::string& pointer);

  Policy(Policy&&) noexcept;
  Policy& operator=(Policy&&) noexcept;
  Policy(const Policy&) = delete;
  Policy& operator=(const Policy&) = delete;
  ~Policy();

  const std::string& name() const;
  /// The number of statements (a single Statement object counts as one).
  std::size_t statement_count() const;

 private:
  struct Impl;
  explicit Policy(std::unique_ptr<Impl> impl);
  friend struct PolicyAccess;  // the evaluator, in policy.cc

  std::unique_ptr<Impl> impl_;
};

/// Evaluates `action` (e.g. "iot:Publish") on `resource` for a principal
/// holding `policies` (their union, in order), with IAM's rules: any
/// matching Deny wins, else any matching Allow allows, else deny by default.
/// The reason names the deciding policy and statement: the first matching
/// Deny, else the first matching Allow. Pure; `policies` are borrowed and
/// may not be null.
AuthorizationDecision Evaluate(const std::vector<const Policy*>& policies,
                               const PolicyVariables& vars, std::string_view action,
                               const ResourceArn& resource);

/// The same with a full ARN. A text that is not a six-part ARN is matched
/// only by a Resource of "*" (and by every NotResource).
AuthorizationDecision Evaluate(const std::vector<const Policy*>& policies,
                               const PolicyVariables& vars, std::string_view action,
                               std::string_view resource_arn);

/// Evaluate() without the reason: no allocation at all, for the broker's
/// per-message checks. Same answer as Evaluate(...).allowed.
bool IsAllowed(const std::vector<const Policy*>& policies, const PolicyVariables& vars,
               std::string_view action, const ResourceArn& resource);

}  // namespace shadowsync

#endif  // SHADOWSYNC_POLICY_H_
