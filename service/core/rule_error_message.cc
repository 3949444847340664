// SPDX-License-Identifier: Apache-2.0

#include "rule_error_message.h"

#include "shadowsync/json.h"

namespace shadowsync::host {
namespace {

JsonValue String(std::string_view text, JsonDocument::AllocatorType& allocator) {
  return JsonValue(text.data(), static_cast<rapidjson::SizeType>(text.size()), allocator);
}

}  // namespace

std::string Base64Encode(std::string_view bytes) {
  static const char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    const unsigned n = (static_cast<unsigned char>(bytes[i]) << 16) |
                       (static_cast<unsigned char>(bytes[i + 1]) << 8) |
                       static_cast<unsigned char>(bytes[i + 2]);
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += kAlphabet[(n >> 6) & 63];
    out += kAlphabet[n & 63];
  }
  const std::size_t rest = bytes.size() - i;
  if (rest > 0) {
    unsigned n = static_cast<unsigned char>(bytes[i]) << 16;
    if (rest == 2) n |= static_cast<unsigned char>(bytes[i + 1]) << 8;
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += rest == 2 ? kAlphabet[(n >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

std::string RuleErrorPayload(std::string_view rule, std::string_view topic,
                             std::string_view client_id, std::string_view original_payload,
                             const std::vector<RuleActionFailure>& failures) {
  JsonDocument doc(rapidjson::kObjectType);
  auto& a = doc.GetAllocator();
  doc.AddMember("ruleName", String(rule, a), a);
  doc.AddMember("topic", String(topic, a), a);
  doc.AddMember("clientId", String(client_id, a), a);
  doc.AddMember("base64OriginalPayload", String(Base64Encode(original_payload), a), a);
  JsonValue list(rapidjson::kArrayType);
  for (const RuleActionFailure& f : failures) {
    JsonValue item(rapidjson::kObjectType);
    item.AddMember("failedAction", String(f.action, a), a);
    item.AddMember("failedResource", String(f.resource, a), a);
    item.AddMember("errorMessage", String(f.message, a), a);
    list.PushBack(item, a);
  }
  doc.AddMember("failures", list, a);
  return ToCompactJson(doc);
}

}  // namespace shadowsync::host
