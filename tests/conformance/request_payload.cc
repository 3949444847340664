// SPDX-License-Identifier: Apache-2.0

#include "conformance/request_payload.h"

namespace shadowsync::conformance {
namespace {

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

}  // namespace

Result<std::string> DecodeHex(std::string_view hex) {
  std::string bytes;
  bytes.reserve(hex.size() / 2);
  int high = -1;  // the first digit of a pair, while waiting for the second
  for (std::size_t i = 0; i < hex.size(); ++i) {
    const char c = hex[i];
    if (IsSpace(c) && high < 0) continue;
    const int digit = HexDigit(c);
    if (digit < 0) {
      return InvalidArgumentError("payload_hex: character at offset " + std::to_string(i) +
                                  " is not a hex digit");
    }
    if (high < 0) {
      high = digit;
    } else {
      bytes.push_back(static_cast<char>((high << 4) | digit));
      high = -1;
    }
  }
  if (high >= 0) return InvalidArgumentError("payload_hex: odd number of hex digits");
  return bytes;
}

Result<std::string> BuildRequestPayload(const JsonValue& request) {
  if (!request.IsObject()) {
    return InvalidArgumentError(std::string("`request` must be an object, not ") +
                                JsonTypeName(request));
  }
  const auto payload = request.FindMember("payload");
  const auto raw = request.FindMember("payload_raw");
  const auto hex = request.FindMember("payload_hex");
  const int present = (payload != request.MemberEnd()) + (raw != request.MemberEnd()) +
                      (hex != request.MemberEnd());
  if (present != 1) {
    return InvalidArgumentError(
        "`request` needs exactly one of payload, payload_raw and payload_hex; it has " +
        std::to_string(present));
  }
  if (payload != request.MemberEnd()) {
    const JsonValue& v = payload->value;
    if (v.IsString() && v.GetStringLength() == 0) return std::string();
    return ToCompactJson(v);
  }
  if (raw != request.MemberEnd()) {
    if (!raw->value.IsString()) {
      return InvalidArgumentError(std::string("`request.payload_raw` must be a string, not ") +
                                  JsonTypeName(raw->value));
    }
    return std::string(raw->value.GetString(), raw->value.GetStringLength());
  }
  if (!hex->value.IsString()) {
    return InvalidArgumentError(std::string("`request.payload_hex` must be a string, not ") +
                                JsonTypeName(hex->value));
  }
  return DecodeHex(std::string_view(hex->value.GetString(), hex->value.GetStringLength()));
}

}  // namespace shadowsync::conformance
