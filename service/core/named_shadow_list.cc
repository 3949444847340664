// SPDX-License-Identifier: Apache-2.0
#include "named_shadow_list.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <vector>

#include "shadowsync/json.h"
#include "shadowsync/responses.h"
#include "shadowsync/shadow_error.h"
#include "shadowsync/topic.h"

namespace shadowsync::host {
namespace {

constexpr std::string_view kPrefix = "$shadowsync/things/";
constexpr std::string_view kSuffix = "/shadow/list";
constexpr int kDefaultPageSize = 25;
constexpr int kMaxPageSize = 100;

ServiceMessage Rejected(std::string_view thing, const ShadowError& error,
                        const ClientToken& token) {
  return ServiceMessage{ListRequestTopic(thing) + "/rejected", ErrorPayload(error, token),
                        Suffix::kRejected, error.code};
}

ShadowError BadRequest(const std::string& message) { return ShadowError{400, message}; }

}  // namespace

std::optional<std::string> ParseListRequestTopic(std::string_view topic) {
  if (topic.size() <= kPrefix.size() + kSuffix.size() ||
      topic.substr(0, kPrefix.size()) != kPrefix ||
      topic.substr(topic.size() - kSuffix.size()) != kSuffix) {
    return std::nullopt;
  }
  std::string thing(topic.substr(kPrefix.size(), topic.size() - kPrefix.size() - kSuffix.size()));
  if (!ValidateThingName(thing).ok()) return std::nullopt;
  return thing;
}

std::string ListRequestTopic(std::string_view thing) {
  return std::string(kPrefix) + std::string(thing) + std::string(kSuffix);
}

ServiceMessage AnswerListRequest(Store& store, std::string_view thing, std::string_view payload,
                                 std::chrono::system_clock::time_point now) {
  ClientToken token;
  int page_size = kDefaultPageSize;
  std::optional<std::string> after;
  if (!payload.empty()) {
    Result<JsonDocument> doc = ParseJson(payload);
    if (!doc.ok() || !doc->IsObject()) return Rejected(thing, shadow_errors::InvalidJson(), token);
    token = ExtractClientToken(payload);
    const auto size = doc->FindMember("pageSize");
    if (size != doc->MemberEnd()) {
      if (!size->value.IsInt() || size->value.GetInt() < 1 || size->value.GetInt() > kMaxPageSize) {
        return Rejected(thing, BadRequest("pageSize must be an integer from 1 to 100"), token);
      }
      page_size = size->value.GetInt();
    }
    const auto next = doc->FindMember("nextToken");
    if (next != doc->MemberEnd()) {
      if (!next->value.IsString() || !ValidateShadowName(next->value.GetString()).ok()) {
        return Rejected(thing, BadRequest("Invalid nextToken"), token);
      }
      after = std::string(next->value.GetString(), next->value.GetStringLength());
    }
  }
  Result<std::vector<ShadowId>> ids = store.List();
  if (!ids.ok()) return Rejected(thing, shadow_errors::InternalFailure(), token);
  std::vector<std::string> names;
  bool more = false;
  for (const ShadowId& id : *ids) {  // in ShadowId order: by thing, then name
    if (id.thing != thing || !id.shadow || (after && *id.shadow <= *after)) continue;
    Result<StoredShadow> stored = store.Load(id);
    if (!stored.ok()) return Rejected(thing, shadow_errors::InternalFailure(), token);
    if (!stored->document) continue;  // a tombstone
    if (static_cast<int>(names.size()) == page_size) {
      more = true;
      break;
    }
    names.push_back(*id.shadow);
  }
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  writer.StartObject();
  writer.Key("results");
  writer.StartArray();
  for (const std::string& name : names) {
    writer.String(name.c_str(), static_cast<rapidjson::SizeType>(name.size()));
  }
  writer.EndArray();
  if (more) {
    writer.Key("nextToken");
    writer.String(names.back().c_str(), static_cast<rapidjson::SizeType>(names.back().size()));
  }
  writer.Key("timestamp");
  writer.Int64(std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count());
  if (token) {
    writer.Key("clientToken");
    writer.String(token->c_str(), static_cast<rapidjson::SizeType>(token->size()));
  }
  writer.EndObject();
  return ServiceMessage{ListRequestTopic(thing) + "/accepted",
                        std::string(buffer.GetString(), buffer.GetSize()), Suffix::kAccepted, 200};
}

}  // namespace shadowsync::host
