// SPDX-License-Identifier: Apache-2.0

#include "document_writer.h"

namespace shadowsync {
namespace internal {

namespace {

void WriteStoredForm(JsonWriter& writer, const ShadowDocument& document,
                     const rapidjson::StringBuffer* out, std::size_t* state_size) {
  writer.StartObject();
  writer.Key("state");
  writer.StartObject();
  for (const auto& m : document.state().GetObject()) {
    writer.Key(m.name.GetString(), m.name.GetStringLength());
    // The writer emits the ':' before the value, so the value's own bytes
    // start one past the current end.
    const std::size_t before = out ? out->GetSize() + 1 : 0;
    m.value.Accept(writer);
    if (out) *state_size += out->GetSize() - before;
  }
  writer.EndObject();
  writer.Key("metadata");
  document.metadata().Accept(writer);
  writer.Key("version");
  writer.Uint64(document.version());
  writer.EndObject();
}

}  // namespace

void WriteStoredForm(JsonWriter& writer, const ShadowDocument& document) {
  WriteStoredForm(writer, document, nullptr, nullptr);
}

std::string StoredFormJson(const ShadowDocument& document, std::size_t* state_size) {
  rapidjson::StringBuffer buffer;
  JsonWriter writer(buffer);
  std::size_t size = 0;
  WriteStoredForm(writer, document, state_size ? &buffer : nullptr, &size);
  if (state_size) *state_size = size;
  return TakeString(buffer);
}

namespace {

void WriteMirror(JsonWriter& writer, const JsonValue& value, const std::string& leaf) {
  if (value.IsObject()) {
    writer.StartObject();
    for (const auto& m : value.GetObject()) {
      writer.Key(m.name.GetString(), m.name.GetStringLength());
      WriteMirror(writer, m.value, leaf);
    }
    writer.EndObject();
  } else if (value.IsArray()) {
    writer.StartArray();
    for (const auto& e : value.GetArray()) WriteMirror(writer, e, leaf);
    writer.EndArray();
  } else {
    writer.RawValue(leaf.data(), leaf.size(), rapidjson::kObjectType);
  }
}

}  // namespace

void WriteMetadataMirror(JsonWriter& writer, const JsonValue& value, Timestamp now) {
  const std::string leaf = "{\"timestamp\":" + std::to_string(now) + "}";
  WriteMirror(writer, value, leaf);
}

void WriteClientToken(JsonWriter& writer, const std::optional<std::string>& token) {
  if (!token) return;
  writer.Key("clientToken");
  writer.String(token->data(), static_cast<rapidjson::SizeType>(token->size()));
}

}  // namespace internal
}  // namespace shadowsync
