// SPDX-License-Identifier: Apache-2.0
#include "report_journal.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <utility>

#include "atomic_file.h"

namespace shadowsync::internal {
namespace {

std::string Describe(const ShadowId& id) {
  return id.shadow ? "thing '" + id.thing + "' shadow '" + *id.shadow + "'"
                   : "thing '" + id.thing + "' (classic shadow)";
}

}  // namespace

Result<ReportJournalContent> ParseReportJournal(std::string_view text, const std::string& path) {
  const auto bad = [&](const std::string& what) {
    return InvalidArgumentError("report journal " + path + ": " + what);
  };
  Result<JsonDocument> parsed = ParseJson(text);
  if (!parsed.ok()) return bad(parsed.status().message());
  JsonDocument& doc = *parsed;
  if (!doc.IsObject()) return bad("must be an object, found " + std::string(JsonTypeName(doc)));
  const auto thing = doc.FindMember("thing");
  const auto shadow = doc.FindMember("shadow");
  const auto reported = doc.FindMember("reported");
  if (thing == doc.MemberEnd() || !thing->value.IsString()) return bad("/thing: expected a string");
  if (shadow == doc.MemberEnd() || !(shadow->value.IsString() || shadow->value.IsNull())) {
    return bad("/shadow: expected a string or null");
  }
  if (reported == doc.MemberEnd() || !reported->value.IsObject()) {
    return bad("/reported: expected an object");
  }
  ReportJournalContent content;
  content.id.thing.assign(thing->value.GetString(), thing->value.GetStringLength());
  if (shadow->value.IsString()) {
    content.id.shadow = std::string(shadow->value.GetString(), shadow->value.GetStringLength());
  }
  content.reported.CopyFrom(reported->value, content.reported.GetAllocator());
  return content;
}

std::string ReportJournalText(const ShadowId& id, const JsonValue& reported) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  writer.StartObject();
  writer.Key("thing");
  writer.String(id.thing.c_str(), static_cast<rapidjson::SizeType>(id.thing.size()));
  writer.Key("shadow");
  if (id.shadow) {
    writer.String(id.shadow->c_str(), static_cast<rapidjson::SizeType>(id.shadow->size()));
  } else {
    writer.Null();
  }
  writer.Key("reported");
  reported.Accept(writer);
  writer.EndObject();
  std::string text(buffer.GetString(), buffer.GetSize());
  text += '\n';
  return text;
}

Result<ReportJournal> ReportJournal::Open(std::string path, ShadowId id) {
  ReportJournal journal(std::move(path), std::move(id));
  Result<std::string> text = ReadWholeFile(journal.path_);
  if (!text.ok()) {
    if (text.status().code() == StatusCode::kNotFound) return journal;
    return Status(StatusCode::kInvalidArgument, "report journal " + text.status().message());
  }
  Result<ReportJournalContent> content = ParseReportJournal(*text, journal.path_);
  if (!content.ok()) return content.status();
  if (content->id != journal.id_) {
    return InvalidArgumentError("report journal " + journal.path_ + ": belongs to " +
                                Describe(content->id) + ", not to " + Describe(journal.id_));
  }
  journal.recovered_ = std::move(content->reported);
  journal.file_exists_ = true;
  return journal;
}

const JsonValue* ReportJournal::recovered() const { return recovered_ ? &*recovered_ : nullptr; }

void ReportJournal::DropRecovered() { recovered_.reset(); }

Status ReportJournal::Save(const JsonValue& reported) {
  const std::string text = ReportJournalText(id_, reported);
  // The device's state may be private: readable by its owner only.
  Status written = WriteFileAtomically(path_, text, 0600);
  if (written.ok()) file_exists_ = true;
  return written;
}

Status ReportJournal::Clear() {
  if (!file_exists_) return Status::Ok();
  Status removed = RemoveFileDurably(path_);
  if (removed.ok()) file_exists_ = false;
  return removed;
}

}  // namespace shadowsync::internal
