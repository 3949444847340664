// SPDX-License-Identifier: Apache-2.0
//
// The registry file (schemas/registry.schema.json): parsed and
// cross-checked once, so that Authorize() on the broker's hot path is two
// map look-ups and the policy evaluation, without allocation when the
// reason is not wanted.

#include "shadowsync/registry.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <initializer_list>
#include <iterator>
#include <string>
#include <utility>

#include "json_checks.h"
#include "shadowsync/json.h"
#include "shadowsync/topic.h"

namespace shadowsync {
namespace {

using json_checks::At;
using json_checks::CheckMembers;
using json_checks::ExpectType;
using json_checks::View;

// AWS: a policy name is 1 to 128 characters of [\w+=,.@-].
bool ValidPolicyName(std::string_view name) {
  if (name.empty() || name.size() > 128) return false;
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    std::string_view("_+=,.@-").find(c) != std::string_view::npos;
    if (!ok) return false;
  }
  return true;
}

// "AB:cd:..." or "abcd..." to 64 lowercase hex digits; empty when invalid.
std::string NormalizeSha256(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == ':') continue;
    if (c >= 'A' && c <= 'F') c = static_cast<char>(c - 'A' + 'a');
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return {};
    out.push_back(c);
  }
  return out.size() == 64 ? out : std::string();
}

Result<RegistryThing> ParseThing(std::string_view name, const JsonValue& v,
                                 const std::string& pointer) {
  if (Status s = ValidateThingName(name); !s.ok()) return At(pointer, s.message());
  if (Status s = ExpectType(v, v.IsObject(), "an object", pointer); !s.ok()) return s;
  if (Status s = CheckMembers(v, {"attributes", "thingTypeName"}, pointer, "a thing"); !s.ok()) {
    return s;
  }
  RegistryThing thing;
  thing.name = std::string(name);
  if (auto type = v.FindMember("thingTypeName"); type != v.MemberEnd()) {
    const std::string at = JsonPointerAppend(pointer, "thingTypeName");
    if (Status s = ExpectType(type->value, type->value.IsString(), "a string", at); !s.ok()) {
      return s;
    }
    if (type->value.GetStringLength() == 0) return At(at, "empty thing type name");
    thing.thing_type_name = std::string(View(type->value));
  }
  if (auto attributes = v.FindMember("attributes"); attributes != v.MemberEnd()) {
    const std::string at = JsonPointerAppend(pointer, "attributes");
    if (Status s =
            ExpectType(attributes->value, attributes->value.IsObject(), "an object of strings", at);
        !s.ok()) {
      return s;
    }
    for (const auto& a : attributes->value.GetObject()) {
      const std::string attribute_at = JsonPointerAppend(at, View(a.name));
      if (a.name.GetStringLength() == 0) return At(attribute_at, "empty attribute name");
      // AWS stores attribute values as strings; "1" and 1 would differ.
      if (Status s = ExpectType(a.value, a.value.IsString(), "a string", attribute_at); !s.ok()) {
        return s;
      }
      thing.attributes.emplace(std::string(View(a.name)), std::string(View(a.value)));
    }
  }
  return thing;
}

}  // namespace

std::string RegistryCertificate::Describe() const {
  std::string out;
  if (!common_name.empty()) out = "CN " + common_name;
  if (!sha256.empty()) out += (out.empty() ? "" : ", ") + std::string("SHA-256 ") + sha256;
  return out;
}

Result<Registry> Registry::Parse(std::string_view text, std::string_view file_name) {
  const std::string prefix = std::string(file_name) + ": ";
  auto fail = [&prefix](const Status& s) { return InvalidArgumentError(prefix + s.message()); };

  Result<JsonDocument> parsed = ParseJson(text);
  if (!parsed.ok()) {
    return InvalidArgumentError(prefix + WithLineAndColumn(text, parsed.status().message()));
  }
  const JsonDocument& doc = *parsed;
  if (!doc.IsObject()) {
    return fail(At("", std::string("a registry is an object {\"certificates\": [...], "
                                   "\"policies\": {...}}, found ") +
                           JsonTypeName(doc)));
  }
  if (Status s = CheckMembers(
          doc, {"$schema", "region", "account", "things", "certificates", "iamUsers", "policies"},
          "", "a registry");
      !s.ok()) {
    return fail(s);
  }

  Registry registry;
  if (auto schema = doc.FindMember("$schema"); schema != doc.MemberEnd()) {
    if (Status s = ExpectType(schema->value, schema->value.IsString(), "a string", "/$schema");
        !s.ok()) {
      return fail(s);
    }
  }
  if (auto region = doc.FindMember("region"); region != doc.MemberEnd()) {
    const JsonValue& v = region->value;
    bool ok = v.IsString() && v.GetStringLength() > 0;
    for (char c : ok ? View(v) : std::string_view()) {
      ok = ok && ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-');
    }
    if (!ok) return fail(At("/region", "expected a region such as \"us-east-1\""));
    registry.region_ = std::string(View(v));
  }
  if (auto account = doc.FindMember("account"); account != doc.MemberEnd()) {
    const JsonValue& v = account->value;
    bool ok = v.IsString() && v.GetStringLength() == 12;
    for (char c : ok ? View(v) : std::string_view()) ok = ok && c >= '0' && c <= '9';
    if (!ok) {
      return fail(At("/account",
                     "expected a 12-digit AWS account id as a string, such as "
                     "\"123456789012\""));
    }
    registry.account_ = std::string(View(v));
  }

  // Policies first, so that certificates can refer to them.
  auto policies = doc.FindMember("policies");
  if (policies == doc.MemberEnd()) return fail(At("", "missing \"policies\""));
  if (Status s = ExpectType(policies->value, policies->value.IsObject(),
                            "an object of policy documents by name", "/policies");
      !s.ok()) {
    return fail(s);
  }
  for (const auto& m : policies->value.GetObject()) {
    const std::string at = JsonPointerAppend("/policies", View(m.name));
    if (!ValidPolicyName(View(m.name))) {
      return fail(At(at, "a policy name is 1 to 128 characters of a-z A-Z 0-9 _ + = , . @ -"));
    }
    Result<Policy> policy = Policy::FromJson(m.value, View(m.name), at);
    if (!policy.ok()) return fail(policy.status());
    registry.policies_.emplace(std::string(View(m.name)), std::move(*policy));
  }

  if (auto things = doc.FindMember("things"); things != doc.MemberEnd()) {
    if (Status s = ExpectType(things->value, things->value.IsObject(),
                              "an object of things by name", "/things");
        !s.ok()) {
      return fail(s);
    }
    for (const auto& m : things->value.GetObject()) {
      Result<RegistryThing> thing =
          ParseThing(View(m.name), m.value, JsonPointerAppend("/things", View(m.name)));
      if (!thing.ok()) return fail(thing.status());
      registry.things_.emplace(thing->name, std::move(*thing));
    }
  }

  // The "policies" array of a certificate or IAM user at `at`.
  auto attach_policies = [&registry](const JsonValue& v, const std::string& at,
                                     std::vector<const Policy*>* out) -> Status {
    auto attached = v.FindMember("policies");
    if (attached == v.MemberEnd()) {
      return At(at, "missing \"policies\" (the names of the policies attached to it)");
    }
    const std::string policies_at = JsonPointerAppend(at, "policies");
    if (Status s = ExpectType(attached->value, attached->value.IsArray(),
                              "an array of policy names", policies_at);
        !s.ok()) {
      return s;
    }
    for (rapidjson::SizeType k = 0; k < attached->value.Size(); ++k) {
      const JsonValue& name = attached->value[k];
      const std::string name_at = JsonPointerAppend(policies_at, std::to_string(k));
      if (Status s = ExpectType(name, name.IsString(), "a string", name_at); !s.ok()) return s;
      auto found = registry.policies_.find(View(name));
      if (found == registry.policies_.end()) {
        return At(name_at,
                  "policy \"" + std::string(View(name)) + "\" is not defined in /policies");
      }
      out->push_back(&found->second);
    }
    return Status::Ok();
  };

  if (auto users = doc.FindMember("iamUsers"); users != doc.MemberEnd()) {
    if (Status s = ExpectType(users->value, users->value.IsObject(),
                              "an object of IAM users by name", "/iamUsers");
        !s.ok()) {
      return fail(s);
    }
    for (const auto& m : users->value.GetObject()) {
      const std::string at = JsonPointerAppend("/iamUsers", View(m.name));
      if (Status s = ExpectType(m.value, m.value.IsObject(), "an object", at); !s.ok()) {
        return fail(s);
      }
      if (Status s = CheckMembers(m.value, {"accessKeyIds", "policies"}, at, "an IAM user");
          !s.ok()) {
        return fail(s);
      }
      auto user = std::make_unique<RegistryIamUser>();
      user->name = std::string(View(m.name));
      user->pointer = at;
      if (user->name.empty()) return fail(At(at, "empty IAM user name"));
      if (Status s = attach_policies(m.value, at, &user->policies); !s.ok()) return fail(s);
      auto keys = m.value.FindMember("accessKeyIds");
      const std::string keys_at = JsonPointerAppend(at, "accessKeyIds");
      if (keys == m.value.MemberEnd()) {
        return fail(At(at, "missing \"accessKeyIds\" (the user's access key ids)"));
      }
      if (Status s =
              ExpectType(keys->value, keys->value.IsArray(), "an array of access key ids", keys_at);
          !s.ok()) {
        return fail(s);
      }
      const RegistryIamUser* saved = user.get();
      registry.iam_users_.push_back(std::move(user));
      for (rapidjson::SizeType k = 0; k < keys->value.Size(); ++k) {
        const JsonValue& key = keys->value[k];
        const std::string key_at = JsonPointerAppend(keys_at, std::to_string(k));
        if (Status s = ExpectType(key, key.IsString() && key.GetStringLength() > 0,
                                  "a non-empty string", key_at);
            !s.ok()) {
          return fail(s);
        }
        auto [pos, inserted] = registry.by_access_key_.emplace(std::string(View(key)), saved);
        if (!inserted) {
          return fail(At(key_at, "the access key id is also listed by " + pos->second->pointer));
        }
      }
    }
  }

  auto certificates = doc.FindMember("certificates");
  if (certificates == doc.MemberEnd()) return fail(At("", "missing \"certificates\""));
  if (Status s = ExpectType(certificates->value, certificates->value.IsArray(), "an array",
                            "/certificates");
      !s.ok()) {
    return fail(s);
  }
  const JsonValue& list = certificates->value;
  registry.certificates_.reserve(list.Size());
  for (rapidjson::SizeType i = 0; i < list.Size(); ++i) {
    const JsonValue& v = list[i];
    const std::string at = JsonPointerAppend("/certificates", std::to_string(i));
    if (Status s = ExpectType(v, v.IsObject(), "an object", at); !s.ok()) return fail(s);
    if (Status s =
            CheckMembers(v, {"commonName", "sha256", "thing", "policies"}, at, "a certificate");
        !s.ok()) {
      return fail(s);
    }
    RegistryCertificate cert;
    cert.pointer = at;
    if (auto cn = v.FindMember("commonName"); cn != v.MemberEnd()) {
      const std::string cn_at = JsonPointerAppend(at, "commonName");
      if (Status s = ExpectType(cn->value, cn->value.IsString(), "a string", cn_at); !s.ok()) {
        return fail(s);
      }
      if (cn->value.GetStringLength() == 0) return fail(At(cn_at, "empty common name"));
      cert.common_name = std::string(View(cn->value));
    }
    if (auto sha = v.FindMember("sha256"); sha != v.MemberEnd()) {
      const std::string sha_at = JsonPointerAppend(at, "sha256");
      if (sha->value.IsString()) cert.sha256 = NormalizeSha256(View(sha->value));
      if (cert.sha256.empty()) {
        return fail(At(sha_at,
                       "expected the certificate's SHA-256 fingerprint: 64 hex digits, "
                       "colons allowed (openssl x509 -noout -fingerprint -sha256)"));
      }
    }
    if (cert.common_name.empty() && cert.sha256.empty()) {
      return fail(At(at, "a certificate needs \"commonName\" or \"sha256\" (or both)"));
    }
    if (auto thing = v.FindMember("thing"); thing != v.MemberEnd()) {
      const std::string thing_at = JsonPointerAppend(at, "thing");
      if (Status s = ExpectType(thing->value, thing->value.IsString(), "a string", thing_at);
          !s.ok()) {
        return fail(s);
      }
      auto found = registry.things_.find(View(thing->value));
      if (found == registry.things_.end()) {
        return fail(At(thing_at, "thing \"" + std::string(View(thing->value)) +
                                     "\" is not defined in /things"));
      }
      cert.thing = &found->second;
    }
    if (Status s = attach_policies(v, at, &cert.policies); !s.ok()) return fail(s);
    // One entry per certificate: a second one would make the first one's
    // policies depend on the order of the file.
    if (!cert.sha256.empty()) {
      auto [pos, inserted] = registry.by_sha256_.emplace(cert.sha256, i);
      if (!inserted) {
        return fail(At(JsonPointerAppend(at, "sha256"),
                       "the same fingerprint as " + registry.certificates_[pos->second].pointer));
      }
    } else {
      auto [pos, inserted] = registry.by_common_name_.emplace(cert.common_name, i);
      if (!inserted) {
        return fail(At(JsonPointerAppend(at, "commonName"),
                       "the same common name as " + registry.certificates_[pos->second].pointer +
                           " (add \"sha256\" to tell the certificates apart)"));
      }
    }
    registry.certificates_.push_back(std::move(cert));
  }
  return registry;
}

Result<Registry> Registry::Load(const std::string& path) {
  struct stat info;
  if (::stat(path.c_str(), &info) != 0) {
    const int error = errno;
    if (error == ENOENT) return NotFoundError(path + ": no such file");
    return FailedPreconditionError(path + ": " + std::strerror(error));
  }
  if (S_ISDIR(info.st_mode)) return FailedPreconditionError(path + ": is a directory");
  std::ifstream in(path, std::ios::binary);
  if (!in) return FailedPreconditionError(path + ": cannot open: " + std::strerror(errno));
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) return FailedPreconditionError(path + ": cannot read");
  return Parse(text, path);
}

const RegistryCertificate* Registry::FindCertificate(const Principal& principal) const {
  if (!principal.certificate_sha256.empty()) {
    auto it = by_sha256_.find(principal.certificate_sha256);
    if (it != by_sha256_.end()) return &certificates_[it->second];
  }
  if (!principal.certificate_common_name.empty()) {
    auto it = by_common_name_.find(principal.certificate_common_name);
    if (it != by_common_name_.end()) return &certificates_[it->second];
  }
  return nullptr;
}

PolicyVariables Registry::VariablesFor(const RegistryCertificate& certificate,
                                       std::string_view client_id) const {
  PolicyVariables vars;
  vars.client_id = client_id;
  if (!certificate.common_name.empty()) vars.certificate_common_name = certificate.common_name;
  const RegistryThing* thing = certificate.thing;
  if (thing != nullptr && thing->name == client_id) {
    vars.thing_name = thing->name;
    vars.is_attached = true;
    if (thing->thing_type_name) vars.thing_type_name = *thing->thing_type_name;
    vars.thing_attributes = &thing->attributes;
  }
  return vars;
}

ResourceArn Registry::ArnFor(std::string_view resource) const {
  ResourceArn arn;
  if (region_) arn.region = *region_;
  if (account_) arn.account = *account_;
  arn.resource = resource;
  return arn;
}

AuthorizationDecision Registry::AuthorizeCertificate(const RegistryCertificate& certificate,
                                                     std::string_view client_id,
                                                     std::string_view action,
                                                     std::string_view resource) const {
  return Evaluate(certificate.policies, VariablesFor(certificate, client_id), action,
                  ArnFor(resource));
}

const RegistryIamUser* Registry::FindIamUser(std::string_view access_key_id) const {
  auto it = by_access_key_.find(access_key_id);
  return it == by_access_key_.end() ? nullptr : it->second;
}

AuthorizationDecision Registry::Authorize(const Principal& principal, std::string_view action,
                                          std::string_view resource) const {
  if (!principal.access_key_id.empty()) {
    const RegistryIamUser* user = FindIamUser(principal.access_key_id);
    if (user == nullptr) {
      AuthorizationDecision decision;
      decision.reason = "unknown access key " + principal.access_key_id + " (not in /iamUsers)";
      return decision;
    }
    PolicyVariables vars;
    vars.client_id = principal.client_id;
    return Evaluate(user->policies, vars, action, ArnFor(resource));
  }
  const RegistryCertificate* cert = FindCertificate(principal);
  if (cert == nullptr) {
    AuthorizationDecision decision;
    decision.reason =
        "unknown certificate (CN " +
        (principal.certificate_common_name.empty() ? std::string("unknown")
                                                   : principal.certificate_common_name) +
        ", SHA-256 " +
        (principal.certificate_sha256.empty() ? std::string("unknown")
                                              : principal.certificate_sha256) +
        ")";
    return decision;
  }
  // The certificate's own common name is what the connection presented,
  // also for an entry found by fingerprint that names none.
  PolicyVariables vars = VariablesFor(*cert, principal.client_id);
  if (!principal.certificate_common_name.empty()) {
    vars.certificate_common_name = principal.certificate_common_name;
  }
  return Evaluate(cert->policies, vars, action, ArnFor(resource));
}

bool Registry::IsAllowed(const Principal& principal, std::string_view action,
                         std::string_view resource) const {
  if (!principal.access_key_id.empty()) {
    const RegistryIamUser* user = FindIamUser(principal.access_key_id);
    if (user == nullptr) return false;
    PolicyVariables vars;
    vars.client_id = principal.client_id;
    return shadowsync::IsAllowed(user->policies, vars, action, ArnFor(resource));
  }
  const RegistryCertificate* cert = FindCertificate(principal);
  if (cert == nullptr) return false;
  PolicyVariables vars = VariablesFor(*cert, principal.client_id);
  if (!principal.certificate_common_name.empty()) {
    vars.certificate_common_name = principal.certificate_common_name;
  }
  return shadowsync::IsAllowed(cert->policies, vars, action, ArnFor(resource));
}

std::vector<const RegistryCertificate*> Registry::CertificatesOfThing(
    std::string_view thing) const {
  std::vector<const RegistryCertificate*> out;
  for (const RegistryCertificate& cert : certificates_) {
    if (cert.thing != nullptr && cert.thing->name == thing) out.push_back(&cert);
  }
  return out;
}

const RegistryThing* Registry::FindThing(std::string_view name) const {
  auto it = things_.find(name);
  return it == things_.end() ? nullptr : &it->second;
}

const Policy* Registry::FindPolicy(std::string_view name) const {
  auto it = policies_.find(name);
  return it == policies_.end() ? nullptr : &it->second;
}

}  // namespace shadowsync
