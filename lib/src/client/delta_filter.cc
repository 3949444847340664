// SPDX-License-Identifier: Apache-2.0

#include "client/delta_filter.h"

#include <algorithm>
#include <string_view>
#include <utility>

namespace shadowsync::internal {
namespace {

const JsonValue* Member(const JsonValue& object, const char* key) {
  if (!object.IsObject()) return nullptr;
  const auto it = object.FindMember(key);
  return it == object.MemberEnd() ? nullptr : &it->value;
}

}  // namespace

std::int64_t NewestTimestamp(const JsonValue* metadata) {
  if (metadata == nullptr) return -1;
  std::int64_t newest = -1;
  if (metadata->IsObject()) {
    for (const auto& member : metadata->GetObject()) {
      if (std::string_view(member.name.GetString()) == "timestamp" && member.value.IsInt64()) {
        newest = std::max(newest, member.value.GetInt64());
      } else {
        newest = std::max(newest, NewestTimestamp(&member.value));
      }
    }
  } else if (metadata->IsArray()) {
    for (const auto& element : metadata->GetArray()) {
      newest = std::max(newest, NewestTimestamp(&element));
    }
  }
  return newest;
}

bool DeltaFilter::TakeNew(std::uint64_t version, JsonValue& delta, const JsonValue* metadata) {
  version_ = version;
  return TakeNewLeaves(delta, metadata, "");
}

void DeltaFilter::Forget() {
  version_ = 0;
  leaves_.clear();
}

// Removes the leaves of `delta` already delivered, records the others;
// returns true if any is left. `metadata` mirrors `delta`'s shape.
bool DeltaFilter::TakeNewLeaves(JsonValue& delta, const JsonValue* metadata,
                                const std::string& pointer) {
  for (auto it = delta.MemberBegin(); it != delta.MemberEnd();) {
    const std::string path = JsonPointerAppend(pointer, it->name.GetString());
    const JsonValue* child_metadata = metadata ? Member(*metadata, it->name.GetString()) : nullptr;
    bool keep;
    if (it->value.IsObject() && it->value.MemberCount() > 0) {
      keep = TakeNewLeaves(it->value, child_metadata, path);
    } else {
      Leaf leaf{ToCompactJson(it->value), NewestTimestamp(child_metadata)};
      auto [seen, inserted] = leaves_.try_emplace(path, leaf);
      keep = inserted || seen->second != leaf;
      seen->second = std::move(leaf);
    }
    it = keep ? it + 1 : delta.EraseMember(it);
  }
  return delta.MemberCount() > 0;
}

}  // namespace shadowsync::internal
