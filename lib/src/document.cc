// SPDX-License-Identifier: Apache-2.0

#include "shadowsync/document.h"

#include <utility>

#include "document_writer.h"
#include "json_copy.h"
#include "merge.h"

namespace shadowsync {
namespace {

using internal::CopyString;
using internal::DeepCopy;

// Small chunks: a memory store may hold many thousands of documents.
constexpr std::size_t kPoolChunkBytes = 4096;

constexpr const char* kSections[] = {"desired", "reported"};

std::unique_ptr<JsonAllocator> NewPool() {
  return std::make_unique<JsonAllocator>(kPoolChunkBytes);
}

const JsonValue* Member(const JsonValue& object, const char* name) {
  auto it = object.FindMember(name);
  return it == object.MemberEnd() ? nullptr : &it->value;
}

// Validates that `value` is storable: no null members in objects outside
// arrays, no null elements in arrays (M12); objects inside arrays keep their
// null members (12a.4).
Status CheckStorable(const JsonValue& value, const std::string& pointer, bool inside_array) {
  if (value.IsObject()) {
    for (const auto& m : value.GetObject()) {
      const std::string child = JsonPointerAppend(pointer, m.name.GetString());
      if (m.value.IsNull() && !inside_array) {
        return InvalidArgumentError(child + ": null is not a storable value (it deletes on update)");
      }
      Status s = CheckStorable(m.value, child, inside_array);
      if (!s.ok()) return s;
    }
  } else if (value.IsArray()) {
    for (rapidjson::SizeType i = 0; i < value.Size(); ++i) {
      const std::string child = JsonPointerAppend(pointer, std::to_string(i));
      if (value[i].IsNull()) return InvalidArgumentError(child + ": arrays may not contain null (M12)");
      Status s = CheckStorable(value[i], child, true);
      if (!s.ok()) return s;
    }
  }
  return Status::Ok();
}

// Only desired and reported may appear under /state and /metadata.
Status CheckSectionNames(const JsonValue& object, const char* pointer) {
  for (const auto& m : object.GetObject()) {
    const std::string_view key(m.name.GetString(), m.name.GetStringLength());
    if (key != "desired" && key != "reported") {
      return InvalidArgumentError(JsonPointerAppend(pointer, key) +
                                  ": unknown section (expected desired, reported)");
    }
  }
  return Status::Ok();
}

bool IsTimestampLeaf(const JsonValue& meta) {
  if (!meta.IsObject() || meta.MemberCount() != 1) return false;
  const JsonValue* ts = Member(meta, "timestamp");
  return ts && ts->IsInt64();
}

// Validates that `meta` mirrors `value` (MD1). An empty object's metadata is
// normalised to {} (MD5).
Status CheckMetadata(const JsonValue& value, JsonValue& meta, const std::string& pointer) {
  if (value.IsObject()) {
    if (!meta.IsObject()) {
      return InvalidArgumentError(pointer + ": metadata of an object must be an object, found " +
                                  JsonTypeName(meta));
    }
    if (value.MemberCount() == 0) {
      meta.SetObject();  // MD5: {} for {}, whatever the seed said
      return Status::Ok();
    }
    for (const auto& m : value.GetObject()) {
      const std::string child = JsonPointerAppend(pointer, m.name.GetString());
      auto it = meta.FindMember(m.name);
      if (it == meta.MemberEnd()) return InvalidArgumentError(child + ": metadata is missing");
      Status s = CheckMetadata(m.value, it->value, child);
      if (!s.ok()) return s;
    }
    for (const auto& m : meta.GetObject()) {
      if (!value.HasMember(m.name)) {
        return InvalidArgumentError(JsonPointerAppend(pointer, m.name.GetString()) +
                                    ": metadata for a key that the state does not have");
      }
    }
    return Status::Ok();
  }
  if (value.IsArray()) {
    if (!meta.IsArray() || meta.Size() != value.Size()) {
      return InvalidArgumentError(pointer + ": metadata of an array must be an array of " +
                                  std::to_string(value.Size()) + " elements");
    }
    for (rapidjson::SizeType i = 0; i < value.Size(); ++i) {
      Status s = CheckMetadata(value[i], meta[i], JsonPointerAppend(pointer, std::to_string(i)));
      if (!s.ok()) return s;
    }
    return Status::Ok();
  }
  if (!IsTimestampLeaf(meta)) {
    return InvalidArgumentError(pointer + ": metadata of a leaf must be {\"timestamp\": <integer>}");
  }
  return Status::Ok();
}

// D2 for two objects; `desired_meta` is the metadata mirror of `desired`.
void DeltaOfObjects(const JsonValue& desired, const JsonValue& desired_meta,
                    const JsonValue& reported, JsonValue* delta, JsonValue* delta_meta,
                    JsonAllocator& allocator) {
  for (const auto& m : desired.GetObject()) {
    auto r = reported.FindMember(m.name);
    auto meta = desired_meta.FindMember(m.name);
    const JsonValue* meta_value = meta == desired_meta.MemberEnd() ? nullptr : &meta->value;
    if (r != reported.MemberEnd() && m.value.IsObject() && r->value.IsObject()) {
      JsonValue sub(rapidjson::kObjectType);
      JsonValue sub_meta(rapidjson::kObjectType);
      static const JsonValue kEmpty(rapidjson::kObjectType);
      DeltaOfObjects(m.value, meta_value && meta_value->IsObject() ? *meta_value : kEmpty,
                     r->value, &sub, &sub_meta, allocator);
      if (sub.MemberCount() > 0) {  // keep only a non-empty path (D2)
        delta->AddMember(CopyString(m.name, allocator), std::move(sub), allocator);
        delta_meta->AddMember(CopyString(m.name, allocator), std::move(sub_meta), allocator);
      }
      continue;
    }
    if (r != reported.MemberEnd() && JsonEquals(m.value, r->value)) continue;
    delta->AddMember(CopyString(m.name, allocator), DeepCopy(m.value, allocator), allocator);
    delta_meta->AddMember(CopyString(m.name, allocator),
                          meta_value ? DeepCopy(*meta_value, allocator) : JsonValue(), allocator);
  }
}

}  // namespace

ShadowDocument::ShadowDocument()
    : allocator_(NewPool()), state_(rapidjson::kObjectType), metadata_(rapidjson::kObjectType) {}

ShadowDocument::ShadowDocument(const ShadowDocument& other)
    : allocator_(NewPool()),
      version_(other.version_),
      cached_json_(other.cached_json_),
      cached_state_size_(other.cached_state_size_) {
  state_ = DeepCopy(other.state_, *allocator_);
  metadata_ = DeepCopy(other.metadata_, *allocator_);
  pool_size_after_copy_ = allocator_->Size();
}

ShadowDocument& ShadowDocument::operator=(const ShadowDocument& other) {
  if (this != &other) {
    ShadowDocument copy(other);
    *this = std::move(copy);
  }
  return *this;
}

ShadowDocument::~ShadowDocument() = default;

Result<ShadowDocument> ShadowDocument::FromJson(const JsonValue& stored) {
  if (!stored.IsObject()) {
    return InvalidArgumentError(std::string("stored shadow must be an object, found ") +
                                JsonTypeName(stored));
  }
  for (const auto& m : stored.GetObject()) {
    const std::string_view key(m.name.GetString(), m.name.GetStringLength());
    if (key != "state" && key != "metadata" && key != "version") {
      return InvalidArgumentError(JsonPointerAppend("", key) +
                                  ": unknown key (expected state, metadata, version)");
    }
  }
  const JsonValue* state = Member(stored, "state");
  const JsonValue* metadata = Member(stored, "metadata");
  const JsonValue* version = Member(stored, "version");
  if (!version || !version->IsUint64()) {
    return InvalidArgumentError("/version: must be a non-negative integer");
  }
  if (state && !state->IsObject()) {
    return InvalidArgumentError(std::string("/state: must be an object, found ") +
                                JsonTypeName(*state));
  }
  if (metadata && !metadata->IsObject()) {
    return InvalidArgumentError(std::string("/metadata: must be an object, found ") +
                                JsonTypeName(*metadata));
  }

  ShadowDocument doc;
  doc.version_ = version->GetUint64();
  for (const auto& [object, pointer] : {std::pair{state, "/state"}, {metadata, "/metadata"}}) {
    Status s = object ? CheckSectionNames(*object, pointer) : Status::Ok();
    if (!s.ok()) return s;
  }
  for (const char* section : kSections) {
    const JsonValue* value = state ? Member(*state, section) : nullptr;
    const JsonValue* meta = metadata ? Member(*metadata, section) : nullptr;
    const std::string state_pointer = std::string("/state/") + section;
    const std::string meta_pointer = std::string("/metadata/") + section;
    if (!value) {
      if (meta) return InvalidArgumentError(meta_pointer + ": metadata for a missing section");
      continue;
    }
    if (!value->IsObject()) {
      return InvalidArgumentError(state_pointer + ": must be an object, found " +
                                  JsonTypeName(*value));
    }
    if (value->MemberCount() == 0) continue;  // M6: an empty section does not exist
    Status s = CheckStorable(*value, state_pointer, false);
    if (!s.ok()) return s;
    if (!meta) return InvalidArgumentError(meta_pointer + ": metadata is missing");
    JsonValue meta_copy = DeepCopy(*meta, doc.allocator());
    s = CheckMetadata(*value, meta_copy, meta_pointer);
    if (!s.ok()) return s;
    doc.state_.AddMember(JsonValue(section, doc.allocator()), DeepCopy(*value, doc.allocator()),
                         doc.allocator());
    doc.metadata_.AddMember(JsonValue(section, doc.allocator()), std::move(meta_copy),
                            doc.allocator());
  }
  doc.pool_size_after_copy_ = doc.allocator_->Size();
  return doc;
}

Result<ShadowDocument> ShadowDocument::FromJsonText(std::string_view text) {
  Result<JsonDocument> parsed = ParseJson(text);
  if (!parsed.ok()) return parsed.status();
  return FromJson(*parsed);
}

std::string ShadowDocument::ToJson() const {
  return cached_json_.empty() ? internal::StoredFormJson(*this) : cached_json_;
}

const std::string& ShadowDocument::CachedJson() {
  if (cached_json_.empty()) cached_json_ = internal::StoredFormJson(*this, &cached_state_size_);
  return cached_json_;
}

const JsonValue* ShadowDocument::desired() const { return Member(state_, "desired"); }
const JsonValue* ShadowDocument::reported() const { return Member(state_, "reported"); }
const JsonValue* ShadowDocument::desired_metadata() const { return Member(metadata_, "desired"); }
const JsonValue* ShadowDocument::reported_metadata() const {
  return Member(metadata_, "reported");
}

void ShadowDocument::ApplyState(const JsonValue& state, Timestamp now) {
  cached_json_.clear();
  if (state.IsNull()) {  // M8: both sections go, the shadow stays
    state_.SetObject();
    metadata_.SetObject();
    return;
  }
  if (!state.IsObject()) return;
  internal::MetadataFactory factory(now, allocator());
  for (const char* section : kSections) {
    const JsonValue* patch = Member(state, section);
    if (!patch) continue;  // M2: untouched
    if (patch->IsNull()) {  // M7: the whole section goes
      state_.RemoveMember(section);
      metadata_.RemoveMember(section);
      continue;
    }
    if (!patch->IsObject()) continue;
    if (!state_.HasMember(section)) {
      state_.AddMember(JsonValue(section, allocator()), JsonValue(rapidjson::kObjectType),
                       allocator());
    }
    if (!metadata_.HasMember(section)) {
      metadata_.AddMember(JsonValue(section, allocator()), JsonValue(rapidjson::kObjectType),
                          allocator());
    }
    internal::MergeObject(state_[section], &metadata_[section], *patch, factory);
    if (state_[section].MemberCount() == 0) {  // M6, M9: no empty sections
      state_.RemoveMember(section);
      metadata_.RemoveMember(section);
    }
  }
  CompactIfBloated();
}

void ShadowDocument::CompactIfBloated() {
  // The pool never frees; replaced values stay allocated until the document
  // is copied. Copy when garbage clearly dominates, so memory stays bounded
  // for long-lived documents at an amortised constant cost.
  if (allocator_->Size() > 4 * pool_size_after_copy_ + 64 * 1024) {
    ShadowDocument fresh(*this);
    *this = std::move(fresh);
  }
}

std::size_t ShadowDocument::allocated_bytes() const { return allocator_->Size(); }

std::size_t ShadowDocument::StateSize() const {
  if (!cached_json_.empty()) return cached_state_size_;
  std::size_t size = 0;
  if (const JsonValue* d = desired()) size += CompactJsonSize(*d);
  if (const JsonValue* r = reported()) size += CompactJsonSize(*r);
  return size;
}

bool ShadowDocument::ComputeDelta(JsonValue* delta, JsonValue* delta_metadata,
                                  JsonAllocator& allocator) const {
  delta->SetObject();
  delta_metadata->SetObject();
  const JsonValue* d = desired();
  if (!d) return false;  // D2: no desired, no delta
  static const JsonValue kEmpty(rapidjson::kObjectType);
  const JsonValue* dm = desired_metadata();
  const JsonValue& meta = dm ? *dm : kEmpty;
  const JsonValue* r = reported();
  DeltaOfObjects(*d, meta, r ? *r : kEmpty, delta, delta_metadata, allocator);
  return delta->MemberCount() > 0;
}

bool operator==(const ShadowDocument& a, const ShadowDocument& b) {
  return a.version_ == b.version_ && JsonEquals(a.state_, b.state_) &&
         JsonEquals(a.metadata_, b.metadata_);
}

}  // namespace shadowsync
