// SPDX-License-Identifier: Apache-2.0
//
// libFuzzer target for the SigV4 verifier (shadowsync/sigv4_verifier.h).
// The first byte picks the mode; the rest is split at '\n' into fields.
//   0: the rest is an Authorization header value (ParseSigV4Authorization):
//      an error says something and never quotes the whole value; a parse
//      gives an access key id, a yyyymmdd date, region, service, at least
//      one lowercase signed header and a 64-digit lowercase hex signature.
//   1: the fields are a request as received (method, path, query, payload
//      hash, then "name:value" headers): VerifySigV4 is deterministic, a
//      refusal has a reason, no verdict shows the secret key, and an
//      accepted request names the known access key.
//   2, 3: the fields (method, host, path, "name=value" query parameters,
//      payload, "name:value" headers) are a request that our signer signs
//      with headers (2) or presigns (3); when the signer accepts it, the
//      verifier must accept it (the round trip), and must refuse it with
//      SignatureMismatch once the path is changed.

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_check.h"
#include "shadowsync/sigv4.h"
#include "shadowsync/sigv4_verifier.h"

namespace {

using shadowsync::AwsCredentials;
using shadowsync::HttpField;
using shadowsync::SigV4IncomingRequest;
using shadowsync::SigV4Rejection;
using shadowsync::SigV4Request;
using shadowsync::SigV4Verdict;
using shadowsync::VerifySigV4;
using shadowsync::fuzz::Check;

constexpr char kSecret[] = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
const auto kTime = std::chrono::system_clock::from_time_t(1440938160);  // 20150830T123600Z

AwsCredentials Known() {
  AwsCredentials c;
  c.access_key_id = "AKIDEXAMPLE";
  c.secret_access_key = kSecret;
  return c;
}

std::optional<AwsCredentials> Lookup(std::string_view id) {
  if (id != "AKIDEXAMPLE") return std::nullopt;
  return Known();
}

shadowsync::SigV4VerifierOptions Options() {
  shadowsync::SigV4VerifierOptions o;
  o.region = "us-east-1";
  return o;
}

std::vector<std::string_view> Lines(std::string_view s) {
  std::vector<std::string_view> out;
  while (true) {
    const std::size_t nl = s.find('\n');
    out.push_back(s.substr(0, nl));
    if (nl == std::string_view::npos) return out;
    s.remove_prefix(nl + 1);
  }
}

HttpField Field(std::string_view line, char separator) {
  const std::size_t at = line.find(separator);
  if (at == std::string_view::npos) return {std::string(line), ""};
  return {std::string(line.substr(0, at)), std::string(line.substr(at + 1))};
}

bool IsLowerHex(std::string_view s) {
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

void CheckVerdict(const SigV4Verdict& v, std::string_view input) {
  Check(v.ok() || !v.reason.empty(), "a refusal has a reason", input);
  Check(v.reason.find(kSecret) == std::string::npos, "a verdict shows the secret key", input,
        v.reason);
  if (v.ok()) Check(v.access_key_id == "AKIDEXAMPLE", "accepted for the known key", input);
}

void ParseAuthorization(std::string_view value, std::string_view input) {
  auto auth = shadowsync::ParseSigV4Authorization(value);
  if (!auth.ok()) {
    const std::string message = auth.status().message();
    Check(!message.empty(), "error message is non-empty", input);
    if (value.size() >= 40) {
      Check(message.find(value) == std::string::npos, "an error quotes the whole header", input,
            message);
    }
    return;
  }
  Check(!auth->access_key_id.empty(), "an access key id", input);
  Check(auth->date.size() == 8, "a yyyymmdd date", input, auth->date);
  Check(!auth->region.empty() && !auth->service.empty(), "region and service", input);
  Check(!auth->signed_headers.empty(), "signed headers", input);
  for (const std::string& h : auth->signed_headers) {
    Check(!h.empty(), "a signed header name is not empty", input);
    for (char c : h) Check(!(c >= 'A' && c <= 'Z'), "signed headers are lowercase", input, h);
  }
  Check(auth->signature.size() == 64 && IsLowerHex(auth->signature),
        "a 64-digit lowercase hex signature", input, auth->signature);
}

void VerifyReceived(const std::vector<std::string_view>& f, std::string_view input) {
  SigV4IncomingRequest in;
  in.method = f.size() > 0 ? std::string(f[0]) : "";
  in.path = f.size() > 1 ? std::string(f[1]) : "";
  in.query = f.size() > 2 ? std::string(f[2]) : "";
  in.payload_sha256 = f.size() > 3 ? std::string(f[3]) : "";
  for (std::size_t i = 4; i < f.size(); ++i) in.headers.push_back(Field(f[i], ':'));
  const SigV4Verdict a = VerifySigV4(in, Lookup, Options(), kTime);
  const SigV4Verdict b = VerifySigV4(in, Lookup, Options(), kTime);
  Check(a.rejection == b.rejection && a.reason == b.reason, "VerifySigV4 is deterministic", input);
  CheckVerdict(a, input);
  for (const HttpField& h : in.headers) {
    if (h.name.size() == 13 && (h.name[0] == 'a' || h.name[0] == 'A')) {
      ParseAuthorization(h.value, input);
    }
  }
}

void RoundTrip(const std::vector<std::string_view>& f, bool presign, std::string_view input) {
  SigV4Request r;
  r.method = f.size() > 0 ? std::string(f[0]) : "GET";
  r.host = f.size() > 1 ? std::string(f[1]) : "";
  r.path = f.size() > 2 ? std::string(f[2]) : "/";
  std::size_t i = 3;
  for (; i < f.size() && !f[i].empty(); ++i) r.query.push_back(Field(f[i], '='));
  const std::string payload = i + 1 < f.size() ? std::string(f[i + 1]) : "";
  r.payload_sha256 = shadowsync::Sha256Hex(payload);
  for (i += 2; i < f.size(); ++i) r.headers.push_back(Field(f[i], ':'));

  const std::string service = presign ? "iotdevicegateway" : "iotdata";
  SigV4IncomingRequest in;
  in.method = r.method;
  in.path = r.path;
  in.payload_sha256 = r.payload_sha256;
  in.headers = {{"Host", r.host}};
  in.headers.insert(in.headers.end(), r.headers.begin(), r.headers.end());
  std::string signed_what;
  if (presign) {
    auto p = shadowsync::PresignSigV4(r, Known(), {"us-east-1", service, kTime});
    if (!p.ok()) return;
    in.query = p->query;
    signed_what = p->canonical.canonical_request;
  } else {
    auto s = shadowsync::SignSigV4Headers(r, Known(), {"us-east-1", service, kTime});
    if (!s.ok()) return;
    in.query = shadowsync::SigV4EncodeQuery(r.query);
    in.headers.insert(in.headers.end(), s->headers.begin(), s->headers.end());
    signed_what = s->canonical.canonical_request;
  }
  const SigV4Verdict v = VerifySigV4(in, Lookup, Options(), kTime + std::chrono::seconds(10));
  CheckVerdict(v, input);
  Check(v.ok(), "what the signer signs, the verifier accepts", input,
        std::string(shadowsync::SigV4RejectionName(v.rejection)) + ": " + v.reason +
            "\n--- signer's canonical request ---\n" + signed_what);
  in.path += "x";
  const SigV4Verdict changed = VerifySigV4(in, Lookup, Options(), kTime);
  Check(changed.rejection == SigV4Rejection::kSignatureMismatch,
        "a changed path is a signature mismatch", input,
        std::string(shadowsync::SigV4RejectionName(changed.rejection)) + ": " + changed.reason);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  if (size == 0) return 0;
  const std::string_view rest = input.substr(1);
  switch (data[0] & 3) {
    case 0:
      ParseAuthorization(rest, input);
      break;
    case 1:
      VerifyReceived(Lines(rest), input);
      break;
    default:
      RoundTrip(Lines(rest), (data[0] & 3) == 3, input);
      break;
  }
  return 0;
}
