// SPDX-License-Identifier: Apache-2.0
//
// Key order follows what AWS IoT sends (state, metadata, version, timestamp,
// clientToken); consumers must not rely on it, but humans reading logs do.

#include "shadowsync/responses.h"

#include "document_writer.h"

namespace shadowsync {
namespace {

using internal::JsonWriter;

// Every builder writes into `buffer` through `writer`.
struct Payload {
  rapidjson::StringBuffer buffer;
  JsonWriter writer{buffer};
};

void WriteVersionTimestampToken(JsonWriter& writer, std::uint64_t version, Timestamp now,
                                const ClientToken& token) {
  writer.Key("version");
  writer.Uint64(version);
  writer.Key("timestamp");
  writer.Int64(now);
  internal::WriteClientToken(writer, token);
}

}  // namespace

std::string UpdateAcceptedPayload(const UpdateRequest& request, std::uint64_t version,
                                  Timestamp now) {
  Payload p;
  JsonWriter& writer = p.writer;
  writer.StartObject();
  writer.Key("state");
  request.state().Accept(writer);  // echoed as sent, nulls included (4.2)
  writer.Key("metadata");
  // For "state": null the mirror is the single leaf {"timestamp": now}.
  internal::WriteMetadataMirror(writer, request.state(), now);
  WriteVersionTimestampToken(writer, version, now, request.client_token());
  writer.EndObject();
  return internal::TakeString(p.buffer);
}

std::string DocumentsPayload(const ShadowDocument* previous, const ShadowDocument& current,
                             Timestamp now, const ClientToken& token) {
  return DocumentsPayloadFromJson(previous ? previous->ToJson() : std::string(), current.ToJson(),
                                  now, token);
}

std::string DocumentsPayloadFromJson(std::string_view previous_stored_json,
                                     std::string_view current_stored_json, Timestamp now,
                                     const ClientToken& token) {
  // Both documents are JSON text already: concatenate rather than re-write.
  Payload tail;
  tail.writer.StartObject();
  tail.writer.Key("timestamp");
  tail.writer.Int64(now);
  internal::WriteClientToken(tail.writer, token);
  tail.writer.EndObject();  // {"timestamp":T,"clientToken":"..."}

  std::string out;
  out.reserve(previous_stored_json.size() + current_stored_json.size() + tail.buffer.GetSize() +
              32);
  out += "{\"previous\":";
  // null when the update created the shadow (4.5)
  out += previous_stored_json.empty() ? std::string_view("null") : previous_stored_json;
  out += ",\"current\":";
  out += current_stored_json;
  out += ',';
  out.append(tail.buffer.GetString() + 1, tail.buffer.GetSize() - 1);  // without its '{'
  return out;
}

std::optional<std::string> DeltaPayload(const ShadowDocument& document, Timestamp now,
                                        const ClientToken& token) {
  JsonDocument scratch;
  JsonValue delta;
  JsonValue delta_metadata;
  if (!document.ComputeDelta(&delta, &delta_metadata, scratch.GetAllocator())) return std::nullopt;
  Payload p;
  JsonWriter& writer = p.writer;
  writer.StartObject();
  writer.Key("state");
  delta.Accept(writer);
  writer.Key("metadata");
  delta_metadata.Accept(writer);
  WriteVersionTimestampToken(writer, document.version(), now, token);
  writer.EndObject();
  return internal::TakeString(p.buffer);
}

std::string GetAcceptedPayload(const ShadowDocument& document, Timestamp now,
                               const ClientToken& token) {
  JsonDocument scratch;
  JsonValue delta;
  JsonValue delta_metadata;
  const bool has_delta = document.ComputeDelta(&delta, &delta_metadata, scratch.GetAllocator());

  Payload p;
  JsonWriter& writer = p.writer;
  writer.StartObject();
  writer.Key("state");
  writer.StartObject();
  for (const auto& m : document.state().GetObject()) {
    writer.Key(m.name.GetString(), m.name.GetStringLength());
    m.value.Accept(writer);
  }
  if (has_delta) {  // only when non-empty (4.3, D5)
    writer.Key("delta");
    delta.Accept(writer);
  }
  writer.EndObject();
  writer.Key("metadata");
  writer.StartObject();
  for (const auto& m : document.metadata().GetObject()) {
    writer.Key(m.name.GetString(), m.name.GetStringLength());
    m.value.Accept(writer);
  }
  if (has_delta) {  // the desired-side timestamps of the delta's leaves (D4)
    writer.Key("delta");
    delta_metadata.Accept(writer);
  }
  writer.EndObject();
  WriteVersionTimestampToken(writer, document.version(), now, token);
  writer.EndObject();
  return internal::TakeString(p.buffer);
}

std::string DeleteAcceptedPayload(std::uint64_t version, Timestamp now, const ClientToken& token) {
  Payload p;
  JsonWriter& writer = p.writer;
  writer.StartObject();
  WriteVersionTimestampToken(writer, version, now, token);
  writer.EndObject();
  return internal::TakeString(p.buffer);
}

std::string ErrorPayload(const ShadowError& error, const ClientToken& token) {
  Payload p;
  JsonWriter& writer = p.writer;
  writer.StartObject();
  writer.Key("code");
  writer.Int(error.code);
  writer.Key("message");
  writer.String(error.message.data(), static_cast<rapidjson::SizeType>(error.message.size()));
  internal::WriteClientToken(writer, token);
  writer.EndObject();
  return internal::TakeString(p.buffer);
}

}  // namespace shadowsync
