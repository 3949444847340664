// SPDX-License-Identifier: Apache-2.0

#include "store_file.h"

#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>

#include <map>
#include <utility>

#include "atomic_file.h"  // lib/src: durable whole-file writes
#include "shadowsync/json.h"
#include "sqlite_store.h"

namespace shadowsync::host {
namespace {

// The engine's recursive passes over a stored document (FromJson, the
// writers) would exhaust the stack on absurd nesting; a request can never
// build a document anywhere near this deep (L2 allows 6 levels).
constexpr int kMaxDocumentDepth = 128;

constexpr const char kEntryKeys[] = "thing, shadow, document, deleted_version, deleted_at";

std::string Quote(std::string_view s) { return "\"" + std::string(s) + "\""; }

std::string Describe(const ShadowId& id) {
  return "thing " + Quote(id.thing) + ", " +
         (id.shadow ? "shadow " + Quote(*id.shadow) : std::string("classic shadow"));
}

const JsonValue* Member(const JsonValue& object, const char* name) {
  auto it = object.FindMember(name);
  return it == object.MemberEnd() ? nullptr : &it->value;
}

// Builds "<file>: <pointer>: <message>" errors for one file.
class Errors {
 public:
  explicit Errors(std::string_view name) : name_(name) {}

  Status At(const std::string& pointer, const std::string& message) const {
    return InvalidArgumentError(name_ + ": " + (pointer.empty() ? "" : pointer + ": ") + message);
  }

  // Places an error of a nested validator below `pointer`: its message
  // either starts with its own pointer ("/version: ...") or has none.
  Status Below(const std::string& pointer, const std::string& message) const {
    if (!message.empty() && message[0] == '/')
      return InvalidArgumentError(name_ + ": " + pointer + message);
    return At(pointer, message);
  }

 private:
  std::string name_;
};

// A version of an existing or deleted shadow: an integer of at least 1 (V1).
bool IsVersion(const JsonValue& v) { return v.IsUint64() && v.GetUint64() >= 1; }

Result<StoreFileEntry> ParseEntry(const JsonValue& entry, const std::string& pointer,
                                  const Errors& errors, Timestamp now) {
  if (!entry.IsObject()) {
    return errors.At(pointer, std::string("must be an object, found ") + JsonTypeName(entry));
  }
  for (const auto& m : entry.GetObject()) {
    const std::string_view key(m.name.GetString(), m.name.GetStringLength());
    if (key != "thing" && key != "shadow" && key != "document" && key != "deleted_version" &&
        key != "deleted_at") {
      return errors.At(JsonPointerAppend(pointer, key),
                       std::string("unknown key (expected ") + kEntryKeys + ")");
    }
  }

  StoreFileEntry out;
  const JsonValue* thing = Member(entry, "thing");
  if (!thing) return errors.At(pointer, "\"thing\" is missing");
  if (!thing->IsString()) {
    return errors.At(pointer + "/thing",
                     std::string("must be a string, found ") + JsonTypeName(*thing));
  }
  out.id.thing.assign(thing->GetString(), thing->GetStringLength());
  if (Status s = ValidateThingName(out.id.thing); !s.ok()) {
    return errors.At(pointer + "/thing", s.message());
  }

  const JsonValue* shadow = Member(entry, "shadow");
  if (!shadow) return errors.At(pointer, "\"shadow\" is missing (null for the classic shadow)");
  if (shadow->IsString()) {
    out.id.shadow.emplace(shadow->GetString(), shadow->GetStringLength());
    if (Status s = ValidateShadowName(*out.id.shadow); !s.ok()) {
      return errors.At(pointer + "/shadow", s.message());
    }
  } else if (!shadow->IsNull()) {
    return errors.At(
        pointer + "/shadow",
        std::string("must be a string or null (classic), found ") + JsonTypeName(*shadow));
  }

  const JsonValue* document = Member(entry, "document");
  const JsonValue* deleted_version = Member(entry, "deleted_version");
  const JsonValue* deleted_at = Member(entry, "deleted_at");
  if (document && deleted_version) {
    return errors.At(pointer,
                     "has both \"document\" and \"deleted_version\" (an entry is a live shadow "
                     "or a tombstone, V5)");
  }
  if (!document && !deleted_version) {
    return errors.At(pointer,
                     "needs \"document\" (a live shadow) or \"deleted_version\" (a tombstone)");
  }

  if (document) {
    const std::string doc_pointer = pointer + "/document";
    if (!document->IsObject()) {
      return errors.At(doc_pointer,
                       std::string("must be an object, found ") + JsonTypeName(*document));
    }
    if (deleted_at) {
      return errors.At(pointer + "/deleted_at", "only allowed with \"deleted_version\"");
    }
    // The stored form (4.7) always has all three keys; FromJson would
    // accept a missing state or metadata.
    for (const char* key : {"state", "metadata", "version"}) {
      if (!Member(*document, key)) return errors.At(doc_pointer, Quote(key) + " is missing");
    }
    if (!IsVersion((*document)["version"])) {
      return errors.At(doc_pointer + "/version", "must be an integer of at least 1, found " +
                                                     ToCompactJson((*document)["version"]));
    }
    const int depth = NestingDepth(*document);
    if (depth > kMaxDocumentDepth) {
      return errors.At(doc_pointer, "nested " + std::to_string(depth) +
                                        " levels deep, more than the " +
                                        std::to_string(kMaxDocumentDepth) + " a store file allows");
    }
    Result<ShadowDocument> parsed = ShadowDocument::FromJson(*document);
    if (!parsed.ok()) return errors.Below(doc_pointer, parsed.status().message());
    out.shadow.document = std::move(parsed).value();
    return out;
  }

  if (!IsVersion(*deleted_version)) {
    return errors.At(pointer + "/deleted_version",
                     "must be an integer of at least 1, found " + ToCompactJson(*deleted_version));
  }
  Tombstone tombstone{deleted_version->GetUint64(), now};
  if (deleted_at) {
    if (!deleted_at->IsInt64() || deleted_at->GetInt64() < 0) {
      return errors.At(pointer + "/deleted_at",
                       "must be a non-negative integer (seconds since the epoch), found " +
                           ToCompactJson(*deleted_at));
    }
    tombstone.deleted_at = deleted_at->GetInt64();
  }
  out.shadow.tombstone = tombstone;
  return out;
}

// Why `entry` cannot be written to a store file, or OK. Keeps every export
// loadable as a seed.
Status CheckExportable(const ShadowId& id, const StoredShadow& entry) {
  const auto fail = [&](const std::string& why) {
    return FailedPreconditionError("cannot export " + Describe(id) + ": " + why);
  };
  if (Status s = ValidateThingName(id.thing); !s.ok()) return fail(s.message());
  if (id.shadow) {
    if (Status s = ValidateShadowName(*id.shadow); !s.ok()) return fail(s.message());
  }
  if (entry.document) {
    if (entry.document->version() == 0) return fail("document version 0 (versions start at 1)");
  } else if (entry.tombstone) {
    if (entry.tombstone->version == 0) return fail("tombstone version 0 (versions start at 1)");
    if (entry.tombstone->deleted_at < 0) return fail("negative deleted_at");
  }
  return Status::Ok();
}

}  // namespace

Result<std::vector<StoreFileEntry>> ParseStoreFile(std::string_view text, std::string_view name,
                                                   Timestamp now) {
  const Errors errors(name);
  Result<JsonDocument> parsed = ParseJson(text);
  if (!parsed.ok()) return errors.At("", parsed.status().message());
  const JsonValue& root = *parsed;
  if (!root.IsObject()) {
    return errors.At(
        "", std::string("must be an object {\"shadows\": [...]}, found ") + JsonTypeName(root));
  }
  for (const auto& m : root.GetObject()) {
    const std::string_view key(m.name.GetString(), m.name.GetStringLength());
    if (key == "$schema" && m.value.IsString()) continue;
    if (key != "shadows") {
      return errors.At(JsonPointerAppend("", key), "unknown key (expected shadows, $schema)");
    }
  }
  const JsonValue* shadows = Member(root, "shadows");
  if (!shadows) return errors.At("", "\"shadows\" is missing");
  if (!shadows->IsArray()) {
    return errors.At("/shadows", std::string("must be an array, found ") + JsonTypeName(*shadows));
  }

  std::vector<StoreFileEntry> entries;
  entries.reserve(shadows->Size());
  std::map<ShadowId, std::size_t> seen;  // id -> index of its first entry
  for (rapidjson::SizeType i = 0; i < shadows->Size(); ++i) {
    const std::string pointer = "/shadows/" + std::to_string(i);
    Result<StoreFileEntry> entry = ParseEntry((*shadows)[i], pointer, errors, now);
    if (!entry.ok()) return entry.status();
    auto [it, inserted] = seen.emplace(entry->id, i);
    if (!inserted) {
      return errors.At(pointer, "duplicate of /shadows/" + std::to_string(it->second) + " (" +
                                    Describe(entry->id) + ")");
    }
    entries.push_back(std::move(entry).value());
  }
  return entries;
}

Result<std::vector<StoreFileEntry>> ReadStoreFile(const std::string& path, Timestamp now) {
  Result<std::string> text = internal::ReadWholeFile(path);
  if (!text.ok()) return text.status();
  return ParseStoreFile(*text, path, now);
}

Status LoadStoreFile(const std::string& path, Store& store, Timestamp now) {
  Result<std::vector<StoreFileEntry>> entries = ReadStoreFile(path, now);
  if (!entries.ok()) return entries.status();
  const auto prefixed = [&](const Status& s) {
    return Status(s.code(), path + ": loading into the store failed: " + s.message());
  };
  // One transaction when the store can do it (Store has no batch write yet).
  if (auto* sqlite = dynamic_cast<SqliteStore*>(&store)) {
    std::vector<std::pair<ShadowId, StoredShadow>> batch;
    batch.reserve(entries->size());
    for (StoreFileEntry& entry : *entries) {
      batch.emplace_back(std::move(entry.id), std::move(entry.shadow));
    }
    Status s = sqlite->WriteAll(batch);
    return s.ok() ? s : prefixed(s);
  }
  for (StoreFileEntry& entry : *entries) {
    Status s = entry.shadow.document ? store.Save(entry.id, std::move(*entry.shadow.document))
                                     : store.Delete(entry.id, *entry.shadow.tombstone);
    if (!s.ok()) return prefixed(s);
  }
  return Status::Ok();
}

Result<std::string> StoreFileText(Store& store) {
  Result<std::vector<ShadowId>> ids = store.List();
  if (!ids.ok()) return ids.status();

  rapidjson::StringBuffer buffer;
  rapidjson::PrettyWriter<rapidjson::StringBuffer> writer(buffer);
  writer.SetIndent(' ', 2);
  writer.StartObject();
  writer.Key("shadows");
  writer.StartArray();
  for (const ShadowId& id : *ids) {
    Result<StoredShadow> entry = store.Load(id);
    if (!entry.ok()) return entry.status();
    if (!entry->document && !entry->tombstone) continue;  // gone since List()
    if (Status s = CheckExportable(id, *entry); !s.ok()) return s;

    writer.StartObject();
    writer.Key("thing");
    writer.String(id.thing.data(), static_cast<rapidjson::SizeType>(id.thing.size()));
    writer.Key("shadow");
    if (id.shadow) {
      writer.String(id.shadow->data(), static_cast<rapidjson::SizeType>(id.shadow->size()));
    } else {
      writer.Null();
    }
    // A live document wins over a tombstone: Save removes the tombstone.
    if (entry->document) {
      const ShadowDocument& document = *entry->document;
      writer.Key("document");
      writer.StartObject();
      writer.Key("state");
      document.state().Accept(writer);
      writer.Key("metadata");
      document.metadata().Accept(writer);
      writer.Key("version");
      writer.Uint64(document.version());
      writer.EndObject();
    } else {
      writer.Key("deleted_version");
      writer.Uint64(entry->tombstone->version);
      writer.Key("deleted_at");
      writer.Int64(entry->tombstone->deleted_at);
    }
    writer.EndObject();
  }
  writer.EndArray();
  writer.EndObject();
  std::string text(buffer.GetString(), buffer.GetSize());
  text += '\n';
  return text;
}

Status ExportStoreFile(Store& store, const std::string& path) {
  Result<std::string> text = StoreFileText(store);
  if (!text.ok()) return Status(text.status().code(), path + ": " + text.status().message());
  return internal::WriteFileAtomically(path, *text);
}

}  // namespace shadowsync::host
