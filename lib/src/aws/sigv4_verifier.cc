// SPDX-License-Identifier: Apache-2.0
//
// The SigV4 verifier: reads the signature from the Authorization header or
// the presigned query, checks the scope and the time, then recomputes the
// signature with the signer's canonical form (sigv4_canonical.h).

#include "shadowsync/sigv4_verifier.h"

#include <algorithm>
#include <utility>

#include "aws/crypto.h"
#include "aws/sigv4_canonical.h"

namespace shadowsync {
namespace {

using aws::EqualsIgnoreCase;

SigV4Verdict Reject(SigV4Rejection rejection, std::string reason) {
  SigV4Verdict v;
  v.rejection = rejection;
  v.reason = std::move(reason);
  return v;
}

std::string_view TrimSpaces(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::vector<std::string_view> Split(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  for (;;) {
    std::size_t end = text.find(separator, start);
    parts.push_back(text.substr(start, end == std::string_view::npos ? end : end - start));
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return parts;
}

bool IsLowerHex(std::string_view s) {
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

// "AKID/yyyymmdd/region/service/aws4_request" into `out`.
Status ParseCredential(std::string_view credential, SigV4Authorization& out) {
  std::vector<std::string_view> parts = Split(credential, '/');
  if (parts.size() != 5 || parts[0].empty() || parts[1].size() != 8 || parts[2].empty() ||
      parts[3].empty()) {
    return InvalidArgumentError(
        "Credential must be <access key id>/<yyyymmdd>/<region>/<service>/aws4_request");
  }
  if (parts[4] != aws::kSigV4Terminator) {
    return InvalidArgumentError("the credential scope must end with aws4_request");
  }
  out.access_key_id = std::string(parts[0]);
  out.date = std::string(parts[1]);
  out.region = std::string(parts[2]);
  out.service = std::string(parts[3]);
  return Status::Ok();
}

Status ParseSignedHeaders(std::string_view list, SigV4Authorization& out) {
  out.signed_headers.clear();
  if (list.empty()) return InvalidArgumentError("SignedHeaders is empty");
  for (std::string_view name : Split(list, ';')) {
    if (name.empty()) return InvalidArgumentError("SignedHeaders has an empty name");
    out.signed_headers.push_back(aws::LowerAscii(name));
  }
  return Status::Ok();
}

Status CheckSignatureSyntax(std::string_view signature) {
  if (signature.size() != 64 || !IsLowerHex(signature)) {
    return InvalidArgumentError("Signature must be 64 lowercase hex digits");
  }
  return Status::Ok();
}

const std::string* FindHeader(const std::vector<HttpField>& headers, std::string_view name,
                              int* count = nullptr) {
  const std::string* found = nullptr;
  int n = 0;
  for (const HttpField& h : headers) {
    if (EqualsIgnoreCase(h.name, name)) {
      if (found == nullptr) found = &h.value;
      ++n;
    }
  }
  if (count != nullptr) *count = n;
  return found;
}

std::string FormatSeconds(long long s) { return std::to_string(s) + " s"; }

// What both forms share once their fields are read.
struct Parsed {
  SigV4Authorization auth;
  std::string amz_date;
  std::optional<long long> expires;  // presigned only
  std::string canonical_query;
  std::optional<std::string> session_token;
};

SigV4Verdict Check(const SigV4IncomingRequest& request, Parsed parsed,
                   const SigV4CredentialLookup& lookup, const SigV4VerifierOptions& options,
                   std::chrono::system_clock::time_point now, bool presigned) {
  const SigV4Authorization& auth = parsed.auth;
  auto reject = [&](SigV4Rejection r, std::string reason) {
    SigV4Verdict v = Reject(r, std::move(reason));
    v.access_key_id = auth.access_key_id;
    v.service = auth.service;
    v.presigned = presigned;
    return v;
  };
  Result<std::chrono::system_clock::time_point> date = ParseAmzDate(parsed.amz_date);
  if (!date.ok()) return reject(SigV4Rejection::kMalformed, date.status().message());
  if (auth.date != parsed.amz_date.substr(0, 8)) {
    return reject(SigV4Rejection::kWrongScope, "the credential scope's date " + auth.date +
                                                   " is not the date of X-Amz-Date " +
                                                   parsed.amz_date);
  }
  if (auth.region != options.region) {
    return reject(SigV4Rejection::kWrongScope, "the credential scope's region '" + auth.region +
                                                   "' is wrong; expecting '" + options.region +
                                                   "'");
  }
  if (std::find(options.services.begin(), options.services.end(), auth.service) ==
      options.services.end()) {
    std::string accepted;
    for (const std::string& s : options.services)
      accepted += (accepted.empty() ? "'" : ", '") + s + "'";
    return reject(SigV4Rejection::kWrongScope, "the credential scope's service '" + auth.service +
                                                   "' is wrong; expecting " + accepted);
  }
  if (std::find(auth.signed_headers.begin(), auth.signed_headers.end(), "host") ==
      auth.signed_headers.end()) {
    return reject(SigV4Rejection::kMalformed, "the Host header must be signed");
  }

  const long long age = std::chrono::duration_cast<std::chrono::seconds>(now - *date).count();
  const long long skew = options.max_clock_skew.count();
  if (age < -skew) {
    return reject(SigV4Rejection::kClockSkew,
                  "X-Amz-Date " + parsed.amz_date + " is " + FormatSeconds(-age) +
                      " ahead of the server's time (at most " + FormatSeconds(skew) + ")");
  }
  if (parsed.expires) {
    if (age > *parsed.expires) {
      return reject(SigV4Rejection::kExpired,
                    "the presigned URL expired " + FormatSeconds(age - *parsed.expires) +
                        " ago (X-Amz-Date " + parsed.amz_date + ", X-Amz-Expires " +
                        std::to_string(*parsed.expires) + ")");
    }
  } else if (age > skew) {
    return reject(SigV4Rejection::kClockSkew,
                  "X-Amz-Date " + parsed.amz_date + " is " + FormatSeconds(age) +
                      " behind the server's time (at most " + FormatSeconds(skew) + ")");
  }

  std::optional<AwsCredentials> credentials = lookup(auth.access_key_id);
  if (!credentials) {
    return reject(SigV4Rejection::kUnknownAccessKey,
                  "the access key id " + auth.access_key_id + " is not known");
  }
  if (!credentials->session_token.empty()) {
    if (!parsed.session_token) {
      return reject(SigV4Rejection::kBadSessionToken,
                    "the credentials of " + auth.access_key_id +
                        " are temporary; X-Amz-Security-Token is missing");
    }
    if (!aws::ConstantTimeEquals(*parsed.session_token, credentials->session_token)) {
      return reject(SigV4Rejection::kBadSessionToken,
                    "the X-Amz-Security-Token is not the one of " + auth.access_key_id);
    }
  } else if (parsed.session_token) {
    return reject(
        SigV4Rejection::kBadSessionToken,
        "X-Amz-Security-Token is given but " + auth.access_key_id + " is a long-term access key");
  }

  std::vector<HttpField> signed_headers;
  for (const std::string& name : auth.signed_headers) {
    bool found = false;
    for (const HttpField& h : request.headers) {
      if (EqualsIgnoreCase(h.name, name)) {
        signed_headers.push_back({name, h.value});
        found = true;
      }
    }
    if (!found) {
      return reject(SigV4Rejection::kMalformed,
                    "the signed header '" + name + "' is not in the request");
    }
  }
  SigV4Canonical canonical =
      aws::MakeCanonical(request.method, SigV4CanonicalUri(request.path), parsed.canonical_query,
                         aws::CanonicalizeHeaders(signed_headers), request.payload_sha256,
                         parsed.amz_date, auth.region, auth.service);
  const std::string expected = SigV4Signature(credentials->secret_access_key, auth.date,
                                              auth.region, auth.service, canonical.string_to_sign);
  if (!aws::ConstantTimeEquals(expected, auth.signature)) {
    std::string reason = "the signature does not match. The canonical request was:\n" +
                         canonical.canonical_request + "\n\nand the string to sign:\n" +
                         canonical.string_to_sign;
    if (presigned && auth.service == "iotdevicegateway" && parsed.session_token) {
      reason +=
          "\n\n(for iotdevicegateway, X-Amz-Security-Token is appended after signing, "
          "not signed)";
    }
    return reject(SigV4Rejection::kSignatureMismatch, std::move(reason));
  }
  SigV4Verdict ok;
  ok.access_key_id = auth.access_key_id;
  ok.service = auth.service;
  ok.presigned = presigned;
  return ok;
}

}  // namespace

const char* SigV4RejectionName(SigV4Rejection rejection) {
  switch (rejection) {
    case SigV4Rejection::kNone:
      return "None";
    case SigV4Rejection::kMissingAuthentication:
      return "MissingAuthentication";
    case SigV4Rejection::kMalformed:
      return "Malformed";
    case SigV4Rejection::kUnknownAccessKey:
      return "UnknownAccessKey";
    case SigV4Rejection::kWrongScope:
      return "WrongScope";
    case SigV4Rejection::kClockSkew:
      return "ClockSkew";
    case SigV4Rejection::kExpired:
      return "Expired";
    case SigV4Rejection::kBadSessionToken:
      return "BadSessionToken";
    case SigV4Rejection::kSignatureMismatch:
      return "SignatureMismatch";
  }
  return "Unknown";
}

Result<SigV4Authorization> ParseSigV4Authorization(std::string_view header_value) {
  std::string_view value = TrimSpaces(header_value);
  if (value.substr(0, aws::kSigV4Algorithm.size()) != aws::kSigV4Algorithm ||
      (value.size() > aws::kSigV4Algorithm.size() && value[aws::kSigV4Algorithm.size()] != ' ')) {
    return InvalidArgumentError("the Authorization header does not start with AWS4-HMAC-SHA256");
  }
  value.remove_prefix(aws::kSigV4Algorithm.size());
  std::optional<std::string_view> credential, signed_headers, signature;
  for (std::string_view component : Split(value, ',')) {
    component = TrimSpaces(component);
    std::size_t eq = component.find('=');
    if (eq == std::string_view::npos) {
      return InvalidArgumentError("the Authorization header has a component without '='");
    }
    std::string_view name = component.substr(0, eq);
    std::optional<std::string_view>* slot = name == "Credential"      ? &credential
                                            : name == "SignedHeaders" ? &signed_headers
                                            : name == "Signature"     ? &signature
                                                                      : nullptr;
    if (slot == nullptr) {
      return InvalidArgumentError("the Authorization header has an unknown component '" +
                                  std::string(name.substr(0, 32)) + "'");
    }
    if (*slot) {
      return InvalidArgumentError("the Authorization header repeats " + std::string(name));
    }
    *slot = component.substr(eq + 1);
  }
  for (auto [slot, name] :
       {std::pair{&credential, "Credential"}, std::pair{&signed_headers, "SignedHeaders"},
        std::pair{&signature, "Signature"}}) {
    if (!*slot) {
      return InvalidArgumentError(std::string("the Authorization header has no ") + name);
    }
  }
  SigV4Authorization auth;
  if (Status s = ParseCredential(*credential, auth); !s.ok()) return s;
  if (Status s = ParseSignedHeaders(*signed_headers, auth); !s.ok()) return s;
  if (Status s = CheckSignatureSyntax(*signature); !s.ok()) return s;
  auth.signature = std::string(*signature);
  return auth;
}

SigV4Verdict VerifySigV4(const SigV4IncomingRequest& request, const SigV4CredentialLookup& lookup,
                         const SigV4VerifierOptions& options,
                         std::chrono::system_clock::time_point now) {
  std::vector<HttpField> params = aws::ParseQuery(request.query);
  int authorization_count = 0;
  const std::string* authorization =
      FindHeader(request.headers, "authorization", &authorization_count);
  auto param_named = [&](std::string_view name, int* count) -> const std::string* {
    const std::string* found = nullptr;
    *count = 0;
    for (const HttpField& p : params) {
      if (p.name == name) {
        if (found == nullptr) found = &p.value;
        ++*count;
      }
    }
    return found;
  };

  Parsed parsed;
  const bool presigned = authorization == nullptr;
  if (!presigned) {
    if (authorization_count > 1) {
      return Reject(SigV4Rejection::kMalformed, "more than one Authorization header");
    }
    Result<SigV4Authorization> auth = ParseSigV4Authorization(*authorization);
    if (!auth.ok()) return Reject(SigV4Rejection::kMalformed, auth.status().message());
    parsed.auth = std::move(*auth);
    int count = 0;
    const std::string* date = FindHeader(request.headers, "x-amz-date", &count);
    if (date == nullptr || count > 1) {
      return Reject(SigV4Rejection::kMalformed, date == nullptr
                                                    ? "the X-Amz-Date header is missing"
                                                    : "more than one X-Amz-Date header");
    }
    parsed.amz_date = *date;
    if (const std::string* token = FindHeader(request.headers, "x-amz-security-token")) {
      parsed.session_token = *token;
    }
    parsed.canonical_query = SigV4CanonicalQuery(params);
  } else {
    int count = 0;
    const std::string* signature = param_named("X-Amz-Signature", &count);
    if (signature == nullptr) {
      return Reject(SigV4Rejection::kMissingAuthentication,
                    "no Authorization header and no X-Amz-Signature query parameter");
    }
    const char* required[] = {"X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date",
                              "X-Amz-SignedHeaders", "X-Amz-Signature"};
    for (const char* name : required) {
      if (param_named(name, &count) == nullptr || count > 1) {
        return Reject(SigV4Rejection::kMalformed,
                      std::string(count == 0 ? "the query parameter " : "more than one ") + name +
                          (count == 0 ? " is missing" : " query parameter"));
      }
    }
    if (*param_named("X-Amz-Algorithm", &count) != aws::kSigV4Algorithm) {
      return Reject(SigV4Rejection::kMalformed, "X-Amz-Algorithm must be AWS4-HMAC-SHA256");
    }
    if (Status s = ParseCredential(*param_named("X-Amz-Credential", &count), parsed.auth);
        !s.ok()) {
      return Reject(SigV4Rejection::kMalformed, s.message());
    }
    if (Status s = ParseSignedHeaders(*param_named("X-Amz-SignedHeaders", &count), parsed.auth);
        !s.ok()) {
      return Reject(SigV4Rejection::kMalformed, s.message());
    }
    if (Status s = CheckSignatureSyntax(*signature); !s.ok()) {
      return Reject(SigV4Rejection::kMalformed, s.message());
    }
    parsed.auth.signature = *signature;
    parsed.amz_date = *param_named("X-Amz-Date", &count);
    if (const std::string* expires = param_named("X-Amz-Expires", &count)) {
      const std::string& e = *expires;
      if (count > 1 || e.empty() || e.size() > 6 ||
          !std::all_of(e.begin(), e.end(), [](char c) { return c >= '0' && c <= '9'; }) ||
          std::stoll(e) < 1 || std::stoll(e) > 604800) {
        return Reject(SigV4Rejection::kMalformed, "X-Amz-Expires must be 1 to 604800 seconds");
      }
      parsed.expires = std::stoll(e);
    }
    const std::string* token = param_named("X-Amz-Security-Token", &count);
    if (token != nullptr) parsed.session_token = *token;
    const bool token_unsigned = parsed.auth.service == "iotdevicegateway";
    std::vector<HttpField> signed_params;
    for (const HttpField& p : params) {
      if (p.name == "X-Amz-Signature") continue;
      if (token_unsigned && p.name == "X-Amz-Security-Token") continue;
      signed_params.push_back(p);
    }
    parsed.canonical_query = SigV4CanonicalQuery(signed_params);
  }
  return Check(request, std::move(parsed), lookup, options, now, presigned);
}

}  // namespace shadowsync
