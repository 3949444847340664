// SPDX-License-Identifier: Apache-2.0

#include "shadowsync/update_request.h"

#include <string>
#include <vector>

namespace shadowsync {
namespace {

const JsonValue* Member(const JsonValue& object, const char* name) {
  auto it = object.FindMember(name);
  return it == object.MemberEnd() ? nullptr : &it->value;
}

// V6: a string of at most `max_bytes` UTF-8 bytes.
bool IsValidClientToken(const JsonValue& token, std::size_t max_bytes) {
  return token.IsString() && token.GetStringLength() <= max_bytes;
}

// M12: finds the first null element of an array anywhere in `value`. On the
// way back up it prepends the path, so pointers are built only for a find.
// Depth is already bounded by the L2 check.
bool FindNullInArray(const JsonValue& value, std::vector<std::string>* path) {
  if (value.IsObject()) {
    for (const auto& m : value.GetObject()) {
      if ((m.value.IsObject() || m.value.IsArray()) && FindNullInArray(m.value, path)) {
        path->emplace_back(m.name.GetString(), m.name.GetStringLength());
        return true;
      }
    }
  } else if (value.IsArray()) {
    for (rapidjson::SizeType i = 0; i < value.Size(); ++i) {
      const JsonValue& e = value[i];
      if (e.IsNull() || ((e.IsObject() || e.IsArray()) && FindNullInArray(e, path))) {
        path->push_back(std::to_string(i));
        return true;
      }
    }
  }
  return false;
}

// M12 as an error naming the pointer of the null, or nullopt.
std::optional<ShadowError> NullInArrayError(const JsonValue& section, std::string_view pointer) {
  std::vector<std::string> path;  // innermost first
  if (!FindNullInArray(section, &path)) return std::nullopt;
  std::string where(pointer);
  for (auto it = path.rbegin(); it != path.rend(); ++it) where = JsonPointerAppend(where, *it);
  return shadow_errors::NullInArray(where);
}

}  // namespace

std::optional<ShadowError> CheckSection(const JsonValue& section, std::string_view pointer,
                                        const DocumentLimits& limits) {
  if (NestingDepth(section) > limits.max_depth) return shadow_errors::TooDeep(limits.max_depth);
  return NullInArrayError(section, pointer);
}

UpdateRequest UpdateRequest::Parse(std::string_view payload, const DocumentLimits& limits) {
  UpdateRequest request;
  request.Validate(payload, limits);
  return request;
}

// The checks run in the order of spec E3; the first failure wins.
void UpdateRequest::Validate(std::string_view payload, const DocumentLimits& limits) {
  // 1. UTF-8 (415).
  if (!IsValidUtf8(payload)) return Reject(shadow_errors::UnsupportedEncoding());

  // 2. JSON and an object root (E5: an empty payload is Invalid JSON too).
  Result<JsonDocument> parsed = ParseJson(payload);
  if (!parsed.ok() || !parsed->IsObject()) return Reject(shadow_errors::InvalidJson());
  doc_ = std::move(*parsed);

  // 3. clientToken; from here on a valid token is echoed by every error.
  if (const JsonValue* token = Member(doc_, "clientToken")) {
    if (!IsValidClientToken(*token, limits.max_client_token_bytes)) {
      return Reject(shadow_errors::InvalidClientToken());
    }
    client_token_ = std::string(token->GetString(), token->GetStringLength());
  }

  // 4. version: a non-negative integer (12a.6: null, 1.0 and -1 are not).
  if (const JsonValue* version = Member(doc_, "version")) {
    if (!version->IsUint64()) return Reject(shadow_errors::InvalidVersion());
    version_ = version->GetUint64();
  }

  // 5. and 6. state present, an object or null (M8).
  const JsonValue* state = Member(doc_, "state");
  if (!state) return Reject(shadow_errors::MissingState());
  if (state->IsNull()) return;
  if (!state->IsObject()) return Reject(shadow_errors::StateNotObject());

  // 7. only desired and reported inside state.
  for (const auto& m : state->GetObject()) {
    const std::string_view key(m.name.GetString(), m.name.GetStringLength());
    if (key != "desired" && key != "reported") {
      return Reject(shadow_errors::InvalidStateNode(key));
    }
  }

  // 8. section types, desired first (12a.7).
  const JsonValue* desired = Member(*state, "desired");
  const JsonValue* reported = Member(*state, "reported");
  if (desired && !desired->IsObject() && !desired->IsNull()) {
    return Reject(shadow_errors::DesiredNotObject());
  }
  if (reported && !reported->IsObject() && !reported->IsNull()) {
    return Reject(shadow_errors::ReportedNotObject());
  }

  // 9. depth (L2, 12a.2): the section itself is level 1.
  for (const JsonValue* section : {desired, reported}) {
    if (section && NestingDepth(*section) > limits.max_depth) {
      return Reject(shadow_errors::TooDeep(limits.max_depth));
    }
  }

  // 10. no null elements in arrays (M12, L11).
  const std::pair<const JsonValue*, const char*> sections[] = {{desired, "/state/desired"},
                                                               {reported, "/state/reported"}};
  for (const auto& [section, pointer] : sections) {
    if (!section) continue;
    if (std::optional<ShadowError> error = NullInArrayError(*section, pointer)) {
      return Reject(std::move(*error));
    }
  }
}

const JsonValue* UpdateRequest::desired() const {
  return state().IsObject() ? Member(state(), "desired") : nullptr;
}
const JsonValue* UpdateRequest::reported() const {
  return state().IsObject() ? Member(state(), "reported") : nullptr;
}

std::optional<std::string> ExtractClientToken(std::string_view payload,
                                              const DocumentLimits& limits) {
  if (payload.empty() || !IsValidUtf8(payload)) return std::nullopt;
  Result<JsonDocument> parsed = ParseJson(payload);
  if (!parsed.ok() || !parsed->IsObject()) return std::nullopt;
  const JsonValue* token = Member(*parsed, "clientToken");
  if (!token || !IsValidClientToken(*token, limits.max_client_token_bytes)) return std::nullopt;
  return std::string(token->GetString(), token->GetStringLength());
}

}  // namespace shadowsync
