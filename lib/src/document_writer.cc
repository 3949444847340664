// SPDX-License-Identifier: Apache-2.0

#include "document_writer.h"

namespace shadowsync {
namespace internal {

void WriteStoredForm(JsonWriter& writer, const ShadowDocument& document) {
  writer.StartObject();
  writer.Key("state");
  document.state().Accept(writer);
  writer.Key("metadata");
  document.metadata().Accept(writer);
  writer.Key("version");
  writer.Uint64(document.version());
  writer.EndObject();
}

std::string StoredFormJson(const ShadowDocument& document) {
  std::string out;
  out.reserve(256);
  StringOutput stream(out);
  JsonWriter writer(stream);
  WriteStoredForm(writer, document);
  return out;
}

void WriteMetadataMirror(JsonWriter& writer, const JsonValue& value, Timestamp now) {
  if (value.IsObject()) {
    writer.StartObject();
    for (const auto& m : value.GetObject()) {
      writer.Key(m.name.GetString(), m.name.GetStringLength());
      WriteMetadataMirror(writer, m.value, now);
    }
    writer.EndObject();
  } else if (value.IsArray()) {
    writer.StartArray();
    for (const auto& e : value.GetArray()) WriteMetadataMirror(writer, e, now);
    writer.EndArray();
  } else {
    writer.StartObject();
    writer.Key("timestamp");
    writer.Int64(now);
    writer.EndObject();
  }
}

void WriteClientToken(JsonWriter& writer, const std::optional<std::string>& token) {
  if (!token) return;
  writer.Key("clientToken");
  writer.String(token->data(), static_cast<rapidjson::SizeType>(token->size()));
}

}  // namespace internal
}  // namespace shadowsync
