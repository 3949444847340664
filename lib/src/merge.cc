// SPDX-License-Identifier: Apache-2.0

#include "merge.h"

#include "json_copy.h"
#include "shadowsync/diff.h"

namespace shadowsync {
namespace internal {
namespace {

// Sets `object[name] = value`, replacing an existing member in place so the
// key keeps its position.
void SetMember(JsonValue& object, const JsonValue& name, JsonValue value,
               JsonAllocator& allocator) {
  auto it = object.FindMember(name);
  if (it != object.MemberEnd()) {
    it->value = std::move(value);
  } else {
    object.AddMember(CopyString(name, allocator), std::move(value), allocator);
  }
}

void EraseMember(JsonValue& object, const JsonValue& name) {
  auto it = object.FindMember(name);
  if (it != object.MemberEnd()) object.EraseMember(it);
}

}  // namespace

MetadataFactory::MetadataFactory(Timestamp now, JsonAllocator& allocator)
    : now_(now), allocator_(allocator) {}

JsonValue MetadataFactory::Leaf() {
  if (prototype_.IsNull()) {
    prototype_.SetObject();
    prototype_.AddMember("timestamp", JsonValue(static_cast<int64_t>(now_)), allocator_);
  }
  return JsonValue(prototype_, allocator_);
}

JsonValue MetadataFactory::MirrorOf(const JsonValue& value) {
  if (value.IsObject()) {
    JsonValue out(rapidjson::kObjectType);
    for (const auto& m : value.GetObject()) {
      out.AddMember(CopyString(m.name, allocator_), MirrorOf(m.value), allocator_);
    }
    return out;
  }
  if (value.IsArray()) {
    JsonValue out(rapidjson::kArrayType);
    out.Reserve(value.Size(), allocator_);
    for (const auto& e : value.GetArray()) out.PushBack(MirrorOf(e), allocator_);
    return out;
  }
  return Leaf();
}

bool CopyWithoutNulls(const JsonValue& source, JsonValue* out, JsonAllocator& allocator) {
  if (!source.IsObject()) {
    *out = DeepCopy(source, allocator);  // arrays as sent (12a.4)
    return true;
  }
  JsonValue result(rapidjson::kObjectType);
  bool dropped_something = false;
  for (const auto& m : source.GetObject()) {
    if (m.value.IsNull()) {
      dropped_something = true;
      continue;
    }
    JsonValue child;
    if (!CopyWithoutNulls(m.value, &child, allocator)) {
      dropped_something = true;
      continue;
    }
    result.AddMember(CopyString(m.name, allocator), std::move(child), allocator);
  }
  // Greengrass' createMergeTree semantics: an object that had members and
  // lost all of them to nulls is not created; a literal {} is a value (M5).
  if (dropped_something && result.MemberCount() == 0) return false;
  *out = std::move(result);
  return true;
}

void MergeObject(JsonValue& target, JsonValue* metadata, const JsonValue& patch,
                 MetadataFactory& factory) {
  JsonAllocator& allocator = factory.allocator();
  for (const auto& m : patch.GetObject()) {
    const JsonValue& name = m.name;
    const JsonValue& value = m.value;
    auto existing = target.FindMember(name);
    const bool exists = existing != target.MemberEnd();

    if (value.IsNull()) {  // M2: delete, a no-op for a missing key
      if (exists) {
        target.EraseMember(existing);
        if (metadata) EraseMember(*metadata, name);
      }
      continue;
    }

    if (value.IsObject() && exists && existing->value.IsObject()) {  // M3
      JsonValue* child_metadata = nullptr;
      if (metadata) {
        auto meta = metadata->FindMember(name);
        if (meta == metadata->MemberEnd() || !meta->value.IsObject()) {
          // Cannot happen for a validated document; rebuild defensively.
          SetMember(*metadata, name, factory.MirrorOf(existing->value), allocator);
          meta = metadata->FindMember(name);
        }
        child_metadata = &meta->value;
      }
      MergeObject(existing->value, child_metadata, value, factory);
      continue;
    }

    // M4: everything else replaces whole; a new object drops its nulls (M10).
    JsonValue copy;
    if (!CopyWithoutNulls(value, &copy, allocator)) {
      // An object made only of nulls: not created, and written over a
      // scalar or array it removes the key (12a.3).
      if (exists) {
        target.EraseMember(existing);
        if (metadata) EraseMember(*metadata, name);
      }
      continue;
    }
    if (metadata) SetMember(*metadata, name, factory.MirrorOf(copy), allocator);
    SetMember(target, name, std::move(copy), allocator);
  }
}

}  // namespace internal

void ApplyPatch(JsonValue& target, const JsonValue& patch, JsonAllocator& allocator) {
  if (!target.IsObject() || !patch.IsObject()) return;
  internal::MetadataFactory no_metadata(0, allocator);
  internal::MergeObject(target, nullptr, patch, no_metadata);
}

}  // namespace shadowsync
