// SPDX-License-Identifier: Apache-2.0
//
// SigV4's canonical form, written to agree byte for byte with botocore's
// SigV4Auth (botocore/auth.py) for non-S3 services; tests/aws/ checks it.

#include "aws/sigv4_canonical.h"

#include <time.h>

#include <algorithm>
#include <ctime>
#include <tuple>

#include "aws/crypto.h"

namespace shadowsync {
namespace aws {
namespace {

bool IsUnreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

bool IsFoldedSpace(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// botocore's remove_dot_segments(): RFC 3986 5.2.4, and empty segments
// ("//") dropped too, as AWS services expect.
std::string RemoveDotSegments(std::string_view path) {
  if (path.empty()) return "/";
  std::vector<std::string_view> out;
  std::size_t start = 0;
  while (start <= path.size()) {
    std::size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    std::string_view segment = path.substr(start, end - start);
    if (segment == "..") {
      if (!out.empty()) out.pop_back();
    } else if (!segment.empty() && segment != ".") {
      out.push_back(segment);
    }
    start = end + 1;
  }
  std::string result = path.front() == '/' ? "/" : "";
  for (std::size_t i = 0; i < out.size(); ++i) {
    if (i > 0) result += '/';
    result += out[i];
  }
  if (path.back() == '/' && !out.empty()) result += '/';
  return result;
}

std::vector<std::pair<std::string, std::string>> EncodedPairs(
    const std::vector<HttpField>& params) {
  std::vector<std::pair<std::string, std::string>> pairs;
  pairs.reserve(params.size());
  for (const HttpField& p : params) {
    pairs.emplace_back(SigV4UriEncode(p.name), SigV4UriEncode(p.value));
  }
  return pairs;
}

std::string JoinPairs(const std::vector<std::pair<std::string, std::string>>& pairs) {
  std::string out;
  for (const auto& [name, value] : pairs) {
    if (!out.empty()) out += '&';
    out += name;
    out += '=';
    out += value;
  }
  return out;
}

}  // namespace

std::string LowerAscii(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && LowerAscii(a) == LowerAscii(b);
}

std::string FoldHeaderValue(std::string_view value) {
  std::string out;
  bool pending_space = false;
  for (char c : value) {
    if (IsFoldedSpace(c)) {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) out += ' ';
    pending_space = false;
    out += c;
  }
  return out;
}

bool IsUnsignedHeader(std::string_view lowercase_name) {
  return lowercase_name == "user-agent" || lowercase_name == "expect" ||
         lowercase_name == "x-amzn-trace-id";
}

std::vector<CanonicalHeader> CanonicalizeHeaders(const std::vector<HttpField>& headers) {
  std::vector<CanonicalHeader> out;
  for (const HttpField& h : headers) {
    std::string name = LowerAscii(FoldHeaderValue(h.name));
    std::string value = FoldHeaderValue(h.value);
    auto it = std::find_if(out.begin(), out.end(),
                           [&](const CanonicalHeader& c) { return c.name == name; });
    if (it == out.end()) {
      out.push_back({std::move(name), std::move(value)});
    } else {
      it->value += ',';
      it->value += value;
    }
  }
  std::sort(out.begin(), out.end(),
            [](const CanonicalHeader& a, const CanonicalHeader& b) { return a.name < b.name; });
  return out;
}

std::string CredentialScope(std::string_view yyyymmdd, std::string_view region,
                            std::string_view service) {
  std::string scope(yyyymmdd);
  scope += '/';
  scope += region;
  scope += '/';
  scope += service;
  scope += '/';
  scope += kSigV4Terminator;
  return scope;
}

SigV4Canonical MakeCanonical(std::string_view method, std::string_view canonical_uri,
                             std::string_view canonical_query,
                             const std::vector<CanonicalHeader>& headers,
                             std::string_view payload_sha256, std::string_view amz_date,
                             std::string_view region, std::string_view service) {
  SigV4Canonical c;
  std::string canonical_headers;
  for (const CanonicalHeader& h : headers) {
    canonical_headers += h.name + ':' + h.value + '\n';
    if (!c.signed_headers.empty()) c.signed_headers += ';';
    c.signed_headers += h.name;
  }
  std::string method_upper(method);
  for (char& ch : method_upper) {
    if (ch >= 'a' && ch <= 'z') ch = static_cast<char>(ch - 'a' + 'A');
  }
  c.canonical_request = method_upper + '\n' + std::string(canonical_uri) + '\n' +
                        std::string(canonical_query) + '\n' + canonical_headers + '\n' +
                        c.signed_headers + '\n' +
                        (payload_sha256.empty() ? Sha256Hex("") : std::string(payload_sha256));
  c.credential_scope = CredentialScope(amz_date.substr(0, 8), region, service);
  c.string_to_sign = std::string(kSigV4Algorithm) + '\n' + std::string(amz_date) + '\n' +
                     c.credential_scope + '\n' + Sha256Hex(c.canonical_request);
  return c;
}

std::string PercentDecode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size()) {
      int hi = HexValue(text[i + 1]);
      int lo = HexValue(text[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out += static_cast<char>(hi * 16 + lo);
        i += 2;
        continue;
      }
    }
    out += text[i];
  }
  return out;
}

std::vector<HttpField> ParseQuery(std::string_view raw_query) {
  std::vector<HttpField> out;
  std::size_t start = 0;
  while (start <= raw_query.size()) {
    std::size_t end = raw_query.find('&', start);
    if (end == std::string_view::npos) end = raw_query.size();
    std::string_view piece = raw_query.substr(start, end - start);
    if (!piece.empty()) {
      std::size_t eq = piece.find('=');
      if (eq == std::string_view::npos) {
        out.push_back({PercentDecode(piece), ""});
      } else {
        out.push_back({PercentDecode(piece.substr(0, eq)), PercentDecode(piece.substr(eq + 1))});
      }
    }
    start = end + 1;
  }
  return out;
}

std::string FormatUtc(std::chrono::system_clock::time_point time, const char* format) {
  std::time_t seconds = std::chrono::system_clock::to_time_t(time);
  struct tm utc {};
  gmtime_r(&seconds, &utc);
  char buffer[64];
  std::strftime(buffer, sizeof buffer, format, &utc);
  return buffer;
}

}  // namespace aws

std::string SigV4UriEncode(std::string_view bytes, bool keep_slash) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(bytes.size());
  for (unsigned char c : bytes) {
    if (aws::IsUnreserved(c) || (keep_slash && c == '/')) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0xF];
    }
  }
  return out;
}

std::string SigV4CanonicalUri(std::string_view wire_path) {
  return SigV4UriEncode(aws::RemoveDotSegments(wire_path), /*keep_slash=*/true);
}

std::string SigV4CanonicalQuery(const std::vector<HttpField>& decoded_params) {
  auto pairs = aws::EncodedPairs(decoded_params);
  std::sort(pairs.begin(), pairs.end());
  return aws::JoinPairs(pairs);
}

std::string SigV4EncodeQuery(const std::vector<HttpField>& decoded_params) {
  return aws::JoinPairs(aws::EncodedPairs(decoded_params));
}

std::string FormatAmzDate(std::chrono::system_clock::time_point time) {
  return aws::FormatUtc(time, "%Y%m%dT%H%M%SZ");
}

Result<std::chrono::system_clock::time_point> ParseAmzDate(std::string_view text) {
  auto bad = [&] {
    return InvalidArgumentError("X-Amz-Date '" + std::string(text.substr(0, 32)) +
                                "' is not in the form yyyymmddThhmmssZ");
  };
  if (text.size() != 16 || text[8] != 'T' || text[15] != 'Z') return bad();
  int fields[6];
  const std::size_t starts[6] = {0, 4, 6, 9, 11, 13};
  const std::size_t lengths[6] = {4, 2, 2, 2, 2, 2};
  for (int i = 0; i < 6; ++i) {
    int value = 0;
    for (std::size_t j = 0; j < lengths[i]; ++j) {
      char c = text[starts[i] + j];
      if (c < '0' || c > '9') return bad();
      value = value * 10 + (c - '0');
    }
    fields[i] = value;
  }
  if (fields[1] < 1 || fields[1] > 12 || fields[2] < 1 || fields[2] > 31 || fields[3] > 23 ||
      fields[4] > 59 || fields[5] > 60) {
    return bad();
  }
  struct tm utc {};
  utc.tm_year = fields[0] - 1900;
  utc.tm_mon = fields[1] - 1;
  utc.tm_mday = fields[2];
  utc.tm_hour = fields[3];
  utc.tm_min = fields[4];
  utc.tm_sec = fields[5];
  std::time_t seconds = timegm(&utc);
  // system_clock counts nanoseconds in 64 bits here: years 1678 to 2261.
  // from_time_t beyond that overflows (found by sigv4_fuzzer, "6015...").
  using std::chrono::duration_cast;
  using Clock = std::chrono::system_clock;
  const auto max_seconds =
      duration_cast<std::chrono::seconds>(Clock::time_point::max().time_since_epoch()).count();
  const auto min_seconds =
      duration_cast<std::chrono::seconds>(Clock::time_point::min().time_since_epoch()).count();
  if (seconds >= max_seconds || seconds <= min_seconds) {
    return InvalidArgumentError("X-Amz-Date '" + std::string(text) + "' is out of range");
  }
  // timegm normalizes 31 February into March; such a date is not valid.
  if (FormatAmzDate(std::chrono::system_clock::from_time_t(seconds)) != text) return bad();
  return std::chrono::system_clock::from_time_t(seconds);
}

std::string Sha256Hex(std::string_view bytes) { return aws::HexEncode(aws::Sha256(bytes)); }

std::string SigV4Signature(std::string_view secret_access_key, std::string_view yyyymmdd,
                           std::string_view region, std::string_view service,
                           std::string_view string_to_sign) {
  std::string key = "AWS4";
  key += secret_access_key;
  std::string k_date = aws::HmacSha256(key, yyyymmdd);
  std::string k_region = aws::HmacSha256(k_date, region);
  std::string k_service = aws::HmacSha256(k_region, service);
  std::string k_signing = aws::HmacSha256(k_service, aws::kSigV4Terminator);
  return aws::HexEncode(aws::HmacSha256(k_signing, string_to_sign));
}

}  // namespace shadowsync
