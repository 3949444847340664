// SPDX-License-Identifier: Apache-2.0
//
// A test driver for the SigV4 signer and verifier: reads one JSON request
// per line on stdin and prints one JSON result per line on stdout, so that
// sigv4_botocore_test.py can compare it with botocore. Test credentials
// only; it prints what it is asked to sign.
//
// Input:  {"op": "sign" | "presign" | "verify", "method", "host", "path",
//          "query": [[name, value], ...] (decoded; sign/presign),
//          "raw_query": "..." (verify), "headers": [[name, value], ...],
//          "body": "...", "access_key_id", "secret_access_key",
//          "session_token", "region", "service", "time": <epoch s>,
//          "expires": <s>, "now": <epoch s> (verify)}
// Output: sign: {"headers": [[name, value], ...], "canonical_request"}
//         presign: {"query", "canonical_request"}
//         verify: {"ok", "rejection", "reason"}
//         any error: {"error": "..."}

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <iostream>
#include <string>

#include "shadowsync/json.h"
#include "shadowsync/sigv4.h"
#include "shadowsync/sigv4_verifier.h"

namespace {

using shadowsync::HttpField;
using shadowsync::JsonValue;

std::string Str(const JsonValue& o, const char* name, std::string fallback = "") {
  auto it = o.FindMember(name);
  if (it == o.MemberEnd() || !it->value.IsString()) return fallback;
  return std::string(it->value.GetString(), it->value.GetStringLength());
}

long long Int(const JsonValue& o, const char* name, long long fallback) {
  auto it = o.FindMember(name);
  return it != o.MemberEnd() && it->value.IsInt64() ? it->value.GetInt64() : fallback;
}

std::vector<HttpField> Pairs(const JsonValue& o, const char* name) {
  std::vector<HttpField> out;
  auto it = o.FindMember(name);
  if (it == o.MemberEnd() || !it->value.IsArray()) return out;
  for (const JsonValue& pair : it->value.GetArray()) {
    out.push_back({std::string(pair[0].GetString(), pair[0].GetStringLength()),
                   std::string(pair[1].GetString(), pair[1].GetStringLength())});
  }
  return out;
}

class Output {
 public:
  Output() : writer_(buffer_) { writer_.StartObject(); }
  void Key(const char* k) { writer_.Key(k); }
  void String(const char* k, const std::string& v) {
    writer_.Key(k);
    writer_.String(v.data(), static_cast<rapidjson::SizeType>(v.size()));
  }
  void Bool(const char* k, bool v) {
    writer_.Key(k);
    writer_.Bool(v);
  }
  void Pairs(const char* k, const std::vector<HttpField>& fields) {
    writer_.Key(k);
    writer_.StartArray();
    for (const HttpField& f : fields) {
      writer_.StartArray();
      writer_.String(f.name.data(), static_cast<rapidjson::SizeType>(f.name.size()));
      writer_.String(f.value.data(), static_cast<rapidjson::SizeType>(f.value.size()));
      writer_.EndArray();
    }
    writer_.EndArray();
  }
  std::string Finish() {
    writer_.EndObject();
    return buffer_.GetString();
  }

 private:
  rapidjson::StringBuffer buffer_;
  rapidjson::Writer<rapidjson::StringBuffer> writer_;
};

std::string Handle(const std::string& line) {
  Output out;
  auto parsed = shadowsync::ParseJson(line);
  if (!parsed.ok() || !parsed->IsObject()) {
    out.String("error", "bad input line");
    return out.Finish();
  }
  const JsonValue& in = *parsed;
  const std::string op = Str(in, "op");
  shadowsync::AwsCredentials credentials;
  credentials.access_key_id = Str(in, "access_key_id");
  credentials.secret_access_key = Str(in, "secret_access_key");
  credentials.session_token = Str(in, "session_token");
  const std::string payload_hash = shadowsync::Sha256Hex(Str(in, "body"));

  if (op == "verify") {
    shadowsync::SigV4IncomingRequest request;
    request.method = Str(in, "method", "GET");
    request.path = Str(in, "path", "/");
    request.query = Str(in, "raw_query");
    request.headers = Pairs(in, "headers");
    request.payload_sha256 = payload_hash;
    shadowsync::SigV4VerifierOptions options;
    options.region = Str(in, "region");
    options.services = {Str(in, "service")};
    auto lookup = [&](std::string_view id) -> std::optional<shadowsync::AwsCredentials> {
      if (id != credentials.access_key_id) return std::nullopt;
      return credentials;
    };
    auto verdict = shadowsync::VerifySigV4(
        request, lookup, options, std::chrono::system_clock::from_time_t(Int(in, "now", 0)));
    out.Bool("ok", verdict.ok());
    out.String("rejection", shadowsync::SigV4RejectionName(verdict.rejection));
    out.String("reason", verdict.reason);
    return out.Finish();
  }

  shadowsync::SigV4Request request;
  request.method = Str(in, "method", "GET");
  request.host = Str(in, "host");
  request.path = Str(in, "path", "/");
  request.query = Pairs(in, "query");
  request.headers = Pairs(in, "headers");
  request.payload_sha256 = payload_hash;
  shadowsync::SigV4Scope scope{Str(in, "region"), Str(in, "service"),
                               std::chrono::system_clock::from_time_t(Int(in, "time", 0))};
  if (op == "sign") {
    auto signed_request = shadowsync::SignSigV4Headers(request, credentials, scope);
    if (!signed_request.ok()) {
      out.String("error", signed_request.status().ToString());
      return out.Finish();
    }
    out.Pairs("headers", signed_request->headers);
    out.String("canonical_request", signed_request->canonical.canonical_request);
  } else if (op == "presign") {
    shadowsync::SigV4PresignOptions options;
    options.expires = std::chrono::seconds(Int(in, "expires", 3600));
    auto presigned = shadowsync::PresignSigV4(request, credentials, scope, options);
    if (!presigned.ok()) {
      out.String("error", presigned.status().ToString());
      return out.Finish();
    }
    out.String("query", presigned->query);
    out.String("canonical_request", presigned->canonical.canonical_request);
  } else {
    out.String("error", "unknown op '" + op + "'");
  }
  return out.Finish();
}

}  // namespace

int main() {
  std::string line;
  while (std::getline(std::cin, line)) {
    if (line.empty()) continue;
    std::cout << Handle(line) << '\n';
  }
  std::cout.flush();
  return 0;
}
