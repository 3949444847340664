// SPDX-License-Identifier: Apache-2.0
//
// Tests of service/core/store_file.cc (seed and export) and of
// schemas/emulator-store.schema.json.
//
// Data: tests/data/emulator/good/*.json are seed files that must load and
// validate; tests/data/emulator/bad/*.json must each fail with the message
// that bad/expected.json gives ({"<file>": {"error": "<message after the
// file name>", "schema": "invalid" | "valid" | "not JSON", "pointer":
// "<document pointer the validator reports>", "keyword": "<failing
// keyword>", "note": "<why the schema cannot catch it>"}}), load nothing,
// and fail schema validation where the schema can express the rule.
//
// Regex engine: no RAPIDJSON_SCHEMA_* macro, as in tests/unit/schema_test.cc
// (the internal engine; see there for why that must be the same in every
// translation unit that includes schema.h).

#include "store_file.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <rapidjson/internal/regex.h>
#include <rapidjson/pointer.h>
#include <rapidjson/schema.h>
#include <rapidjson/stringbuffer.h>
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "shadowsync/service.h"
#include "sqlite_store.h"
#include "support/json_expect.h"

namespace shadowsync::host {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using testing_support::MustParse;

constexpr Timestamp kNow = 1700000000;
constexpr Timestamp kLoadTime = 1800000000;

::testing::AssertionResult IsOk(const Status& status) {
  if (status.ok()) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << status.ToString();
}
template <typename T>
::testing::AssertionResult IsOk(const Result<T>& result) {
  return IsOk(result.status());
}

// The repository root, from CMake: __FILE__ would be relative under
// Debian's -ffile-prefix-map (tests/shadowctl/authz_test.cc had that bug).
fs::path SourceDir() { return fs::path(SHADOWSYNC_SOURCE_DIR); }
fs::path DataDir() { return SourceDir() / "tests" / "data" / "emulator"; }
fs::path SchemaPath() { return SourceDir() / "schemas" / "emulator-store.schema.json"; }

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << path;
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

void WriteFile(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  ASSERT_TRUE(out.good()) << path;
}

std::vector<fs::path> JsonFilesIn(const fs::path& dir) {
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.is_regular_file() && entry.path().extension() == ".json" &&
        entry.path().filename() != "expected.json") {
      files.push_back(entry.path());
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

class ScratchDir {
 public:
  ScratchDir() {
    const char* tmp = std::getenv("TMPDIR");
    std::string pattern = std::string(tmp && *tmp ? tmp : "/tmp") + "/shadowsync-file-XXXXXX";
    if (mkdtemp(pattern.data()) == nullptr) ADD_FAILURE() << "mkdtemp: " << std::strerror(errno);
    path_ = pattern;
  }
  ~ScratchDir() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;

  std::string File(const std::string& name) const { return (path_ / name).string(); }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

// Everything a store holds, for comparing two stores exactly: the id, the
// document's stored form text (byte for byte) or the tombstone.
std::vector<std::string> Snapshot(Store& store) {
  std::vector<std::string> out;
  Result<std::vector<ShadowId>> ids = store.List();
  EXPECT_TRUE(IsOk(ids));
  if (!ids.ok()) return out;
  for (const ShadowId& id : *ids) {
    Result<StoredShadow> entry = store.Load(id);
    EXPECT_TRUE(IsOk(entry));
    if (!entry.ok()) continue;
    std::string line = id.thing + "|" + (id.shadow ? "named:" + *id.shadow : "classic") + "|";
    if (entry->document) line += entry->document->ToJson();
    if (entry->tombstone) {
      line += "tombstone " + std::to_string(entry->tombstone->version) + " " +
              std::to_string(entry->tombstone->deleted_at);
    }
    out.push_back(line);
  }
  return out;
}

// --- Schema helpers ---------------------------------------------------------

struct Outcome {
  bool valid = false;
  std::string pointer;
  std::string keyword;
};

std::string Describe(const Outcome& outcome) {
  return outcome.valid ? "valid"
                       : "invalid at \"" + outcome.pointer + "\", keyword " + outcome.keyword;
}

class StoreSchema {
 public:
  StoreSchema() {
    const std::string text = ReadFile(SchemaPath());
    source_.Parse(text.c_str(), text.size());
    EXPECT_FALSE(source_.HasParseError()) << "schema: offset " << source_.GetErrorOffset() << ": "
                                          << rapidjson::GetParseError_En(source_.GetParseError());
    schema_ = std::make_unique<rapidjson::SchemaDocument>(source_);
  }

  Outcome Validate(const rapidjson::Value& document) const {
    rapidjson::SchemaValidator validator(*schema_);
    Outcome outcome;
    outcome.valid = document.Accept(validator) && validator.IsValid();
    if (!outcome.valid) {
      rapidjson::StringBuffer pointer;
      validator.GetInvalidDocumentPointer().Stringify(pointer);
      outcome.pointer = pointer.GetString();
      outcome.keyword = validator.GetInvalidSchemaKeyword();
    }
    return outcome;
  }

  // Parses with RapidJSON itself (the validator's own parser).
  Outcome ValidateText(const std::string& text) const {
    rapidjson::Document doc;
    doc.Parse(text.c_str(), text.size());
    EXPECT_FALSE(doc.HasParseError()) << text;
    return Validate(doc);
  }

  const rapidjson::Document& source() const { return source_; }

 private:
  rapidjson::Document source_;
  std::unique_ptr<rapidjson::SchemaDocument> schema_;
};

// Destroyed at exit, not leaked on purpose: RapidJSON packs string pointers
// into the upper bits of its values (48-bit pointer optimisation), so
// LeakSanitizer cannot see that a never-freed schema still reaches them.
const StoreSchema& Schema() {
  static const StoreSchema schema;
  return schema;
}

template <typename Visit>
void ForEachMember(const rapidjson::Value& v, const Visit& visit) {
  if (v.IsObject()) {
    for (auto m = v.MemberBegin(); m != v.MemberEnd(); ++m) {
      visit(*m);
      ForEachMember(m->value, visit);
    }
  } else if (v.IsArray()) {
    for (const auto& element : v.GetArray()) ForEachMember(element, visit);
  }
}

// A store with every kind of content, built the way the emulator builds it:
// through ShadowService (versions, metadata, tombstones).
void FillThroughService(Store& store) {
  ShadowService service(store);
  const auto send = [&](const std::string& topic, const std::string& payload, Timestamp at) {
    const auto out = service.Handle(
        {topic, payload, std::chrono::system_clock::time_point(std::chrono::seconds(at))});
    ASSERT_FALSE(out.empty()) << topic;
    ASSERT_EQ(out[0].topic.find("/rejected"), std::string::npos) << out[0].payload;
  };
  const std::string lamp = "$aws/things/lamp/shadow";
  const std::string cfg = "$aws/things/lamp/shadow/name/cfg";
  const std::string odd = "$aws/things/a:b_c-D9/shadow/name/$x:y_z-0";
  send(lamp + "/update",
       R"({"state":{"desired":{"color":"red","n":[1,{"x":null,"y":[true]}],"e":{},
           "timestamp":{"timestamp":1},"a/b~c":1.5,"t":"h\u00e9 \ud83c\udf21 \"\\\n",
           "big":18446744073709551615,"min":-9223372036854775808,"d":1.5e300,"z":-0.0,
           "tiny":5e-324}}})",
       kNow);
  send(lamp + "/update", R"({"state":{"reported":{"color":"blue","on":false}}})", kNow + 1);
  send(cfg + "/update", R"({"state":{"desired":{"a":1}}})", kNow + 2);
  send(cfg + "/update", R"({"state":{"desired":{"a":2}}})", kNow + 3);
  send(cfg + "/delete", "", kNow + 4);
  send(odd + "/update", R"({"state":{"reported":{"x":[[1],[2,3]]}}})", kNow + 5);
  send("$aws/things/emptied/shadow/update", R"({"state":{"desired":{"a":1}}})", kNow + 6);
  send("$aws/things/emptied/shadow/update", R"({"state":null})", kNow + 7);
}

// --- Good files ---------------------------------------------------------------

TEST(StoreFileTest, GoodSeedFilesValidateAndLoad) {
  const std::vector<fs::path> files = JsonFilesIn(DataDir() / "good");
  ASSERT_GE(files.size(), 3u);
  for (const fs::path& file : files) {
    SCOPED_TRACE(file.string());
    const std::string text = ReadFile(file);
    const Outcome outcome = Schema().ValidateText(text);
    EXPECT_TRUE(outcome.valid) << Describe(outcome);

    MemoryStore store;
    ASSERT_TRUE(IsOk(LoadStoreFile(file.string(), store, kLoadTime)));
    const JsonDocument doc = MustParse(text);
    Result<std::vector<ShadowId>> ids = store.List();
    ASSERT_TRUE(IsOk(ids));
    EXPECT_EQ(ids->size(), doc["shadows"].Size());
  }
}

TEST(StoreFileTest, LightbulbSeedLoadsWhatItSays) {
  MemoryStore store;
  const std::string path = (DataDir() / "good" / "lightbulb.json").string();
  ASSERT_TRUE(IsOk(LoadStoreFile(path, store, kLoadTime)));

  Result<StoredShadow> bulb = store.Load({"myLightBulb", std::nullopt});
  ASSERT_TRUE(IsOk(bulb));
  ASSERT_TRUE(bulb->document.has_value());
  EXPECT_FALSE(bulb->tombstone.has_value());
  EXPECT_JSON_EQ(bulb->document->ToJson(), R"({
      "state":{"desired":{"color":"green"},"reported":{"color":"red"}},
      "metadata":{"desired":{"color":{"timestamp":1469564492}},
                  "reported":{"color":{"timestamp":1469564480}}},
      "version":3})");

  Result<StoredShadow> config = store.Load({"myLightBulb", "config"});
  ASSERT_TRUE(IsOk(config));
  EXPECT_FALSE(config->document.has_value());
  ASSERT_TRUE(config->tombstone.has_value());
  EXPECT_EQ(*config->tombstone, (Tombstone{9, 1700000000}));

  // No deleted_at: the load time, so the tombstone counts as recent (L10).
  Result<StoredShadow> retired = store.Load({"retired-sensor", std::nullopt});
  ASSERT_TRUE(IsOk(retired));
  ASSERT_TRUE(retired->tombstone.has_value());
  EXPECT_EQ(*retired->tombstone, (Tombstone{2, kLoadTime}));

  Result<StoredShadow> lamp = store.Load({"SmartLamp", "lamp-settings"});
  ASSERT_TRUE(IsOk(lamp));
  ASSERT_TRUE(lamp->document.has_value());
  EXPECT_EQ(lamp->document->version(), 12u);
}

TEST(StoreFileTest, SeededShadowsBehaveUnderTheService) {
  // A seeded tombstone continues the version (V5); a seeded document is
  // answered by GET and updated from its version.
  MemoryStore store;
  ASSERT_TRUE(
      IsOk(LoadStoreFile((DataDir() / "good" / "lightbulb.json").string(), store, kLoadTime)));
  ShadowService service(store);
  const auto at = std::chrono::system_clock::time_point(std::chrono::seconds(kLoadTime + 10));
  auto out = service.Handle(
      {"$aws/things/retired-sensor/shadow/update", R"({"state":{"reported":{"t":1}}})", at});
  ASSERT_FALSE(out.empty());
  EXPECT_EQ(MustParse(out[0].payload)["version"].GetUint64(), 3u);
  out = service.Handle({"$aws/things/myLightBulb/shadow/update",
                        R"({"state":{"reported":{"color":"green"}},"version":3})", at});
  ASSERT_FALSE(out.empty());
  EXPECT_EQ(out[0].topic, "$aws/things/myLightBulb/shadow/update/accepted");
  EXPECT_EQ(MustParse(out[0].payload)["version"].GetUint64(), 4u);
}

// --- Bad files ----------------------------------------------------------------

// What a store holds before a failing load; it must hold exactly this after.
void Prepopulate(Store& store) {
  ShadowDocument document;
  document.ApplyState(MustParse(R"({"desired":{"before":true}})"), kNow);
  document.set_version(5);
  ASSERT_TRUE(IsOk(store.Save({"lamp", std::nullopt}, document)));
  ASSERT_TRUE(IsOk(store.Delete({"old", "s"}, Tombstone{3, kNow})));
}

TEST(StoreFileTest, BadFilesFailWithTheirMessageAndLoadNothing) {
  const fs::path dir = DataDir() / "bad";
  const JsonDocument manifest = MustParse(ReadFile(dir / "expected.json"));
  ASSERT_TRUE(manifest.IsObject());
  std::set<std::string> on_disk;
  for (const fs::path& file : JsonFilesIn(dir)) on_disk.insert(file.filename().string());
  std::set<std::string> listed;
  for (const auto& m : manifest.GetObject()) listed.insert(m.name.GetString());
  EXPECT_EQ(on_disk, listed) << "every bad file needs exactly one manifest entry";
  EXPECT_GE(listed.size(), 20u);

  for (const auto& m : manifest.GetObject()) {
    const std::string file = m.name.GetString();
    SCOPED_TRACE(file);
    const std::string path = (dir / file).string();
    const std::string expected = path + ": " + m.value["error"].GetString();

    MemoryStore memory;
    Prepopulate(memory);
    const std::vector<std::string> before = Snapshot(memory);
    const Status status = LoadStoreFile(path, memory, kLoadTime);
    EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(status.message(), expected);
    EXPECT_EQ(Snapshot(memory), before) << "a failed load changed the store";

    ScratchDir scratch;
    Result<std::unique_ptr<SqliteStore>> sqlite = SqliteStore::Open(scratch.File("store.db"));
    ASSERT_TRUE(IsOk(sqlite));
    Prepopulate(**sqlite);
    const Status sqlite_status = LoadStoreFile(path, **sqlite, kLoadTime);
    EXPECT_EQ(sqlite_status, status);
    EXPECT_EQ(Snapshot(**sqlite), before) << "a failed load changed the store";
  }
}

TEST(StoreFileTest, BadFilesFailSchemaValidationWhereExpressible) {
  const fs::path dir = DataDir() / "bad";
  const JsonDocument manifest = MustParse(ReadFile(dir / "expected.json"));
  int invalid = 0;
  for (const auto& m : manifest.GetObject()) {
    const std::string file = m.name.GetString();
    SCOPED_TRACE(file);
    const std::string verdict = m.value["schema"].GetString();
    const std::string text = ReadFile(dir / file);
    if (verdict == "not JSON") {
      rapidjson::Document doc;
      doc.Parse(text.c_str(), text.size());
      EXPECT_TRUE(doc.HasParseError());
      continue;
    }
    const Outcome outcome = Schema().ValidateText(text);
    if (verdict == "valid") {
      // The loader is stricter than the schema here; the manifest says why.
      ASSERT_TRUE(m.value.HasMember("note"));
      EXPECT_TRUE(outcome.valid) << Describe(outcome);
      continue;
    }
    ASSERT_EQ(verdict, "invalid");
    ++invalid;
    EXPECT_FALSE(outcome.valid);
    EXPECT_EQ(outcome.pointer, m.value["pointer"].GetString()) << Describe(outcome);
    EXPECT_EQ(outcome.keyword, m.value["keyword"].GetString()) << Describe(outcome);
  }
  EXPECT_GE(invalid, 20);
}

TEST(StoreFileTest, MissingAndUnreadableFilesAreClearErrors) {
  ScratchDir scratch;
  MemoryStore store;
  const std::string missing = scratch.File("nope.json");
  Status status = LoadStoreFile(missing, store, kLoadTime);
  EXPECT_EQ(status.code(), StatusCode::kNotFound);
  EXPECT_EQ(status.message(), missing + ": cannot open: No such file or directory");

  status = LoadStoreFile(scratch.path().string(), store, kLoadTime);  // a directory
  EXPECT_EQ(status.code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(status.message(), scratch.path().string() + ": cannot read: Is a directory");

  const std::string empty = scratch.File("empty.json");
  WriteFile(empty, "");
  status = LoadStoreFile(empty, store, kLoadTime);
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(), empty + ": JSON parse error at offset 0: The document is empty.");
}

TEST(StoreFileTest, InvalidUtf8AndAbsurdNestingAreRejected) {
  const std::string prefix = R"({"shadows":[{"thing":"t","shadow":null,"document":)";
  Result<std::vector<StoreFileEntry>> parsed =
      ParseStoreFile(prefix + R"({"state":{"desired":{"a":"\xC3"}},"metadata":{},"version":1}}]})",
                     "seed.json", kLoadTime);
  ASSERT_FALSE(parsed.ok());
  EXPECT_THAT(parsed.status().message(), HasSubstr("seed.json: JSON parse error at offset"));

  // 100000 levels: ParseJson is iterative, and the loader must refuse the
  // document before any recursive pass over it.
  std::string deep;
  for (int i = 0; i < 100000; ++i) deep += "{\"k\":";
  deep += "1";
  deep += std::string(100000, '}');
  parsed = ParseStoreFile(
      prefix + R"({"state":{"desired":)" + deep + R"(},"metadata":{},"version":1}}]})", "seed.json",
      kLoadTime);
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.status().message(),
            "seed.json: /shadows/0/document: nested 100002 levels deep, more than the 128 a store "
            "file allows");
}

TEST(StoreFileTest, LoadReplacesNamedShadowsAndKeepsOthers) {
  MemoryStore store;
  Prepopulate(store);
  const Status status =
      LoadStoreFile((DataDir() / "good" / "lightbulb.json").string(), store, kLoadTime);
  ASSERT_TRUE(IsOk(status));
  Result<StoredShadow> lamp = store.Load({"lamp", std::nullopt});
  ASSERT_TRUE(IsOk(lamp));
  ASSERT_TRUE(lamp->document.has_value());  // untouched
  EXPECT_EQ(lamp->document->version(), 5u);

  // A seed tombstone replaces a live shadow, a seed document a tombstone.
  ScratchDir scratch;
  const std::string seed = scratch.File("seed.json");
  WriteFile(seed, R"({"shadows":[
      {"thing":"lamp","shadow":null,"deleted_version":5,"deleted_at":1},
      {"thing":"old","shadow":"s","document":{"state":{},"metadata":{},"version":9}}]})");
  ASSERT_TRUE(IsOk(LoadStoreFile(seed, store, kLoadTime)));
  lamp = store.Load({"lamp", std::nullopt});
  ASSERT_TRUE(IsOk(lamp));
  EXPECT_FALSE(lamp->document.has_value());
  EXPECT_EQ(lamp->tombstone, (Tombstone{5, 1}));
  Result<StoredShadow> old = store.Load({"old", "s"});
  ASSERT_TRUE(IsOk(old));
  ASSERT_TRUE(old->document.has_value());
  EXPECT_FALSE(old->tombstone.has_value());
  EXPECT_EQ(old->document->version(), 9u);
}

TEST(StoreFileTest, LoadIntoSqliteIsOneTransaction) {
  // A write that fails half-way (a trigger stands in for a full disk) must
  // leave nothing of the file in the store.
  ScratchDir scratch;
  const std::string db_path = scratch.File("store.db");
  { ASSERT_TRUE(IsOk(SqliteStore::Open(db_path))); }
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(db_path.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db,
                         "CREATE TRIGGER fail BEFORE INSERT ON shadows WHEN NEW.thing = "
                         "'SmartLamp' BEGIN SELECT RAISE(ABORT, 'disk full (injected)'); END",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);
  Result<std::unique_ptr<SqliteStore>> store = SqliteStore::Open(db_path);
  ASSERT_TRUE(IsOk(store));
  Prepopulate(**store);
  const std::vector<std::string> before = Snapshot(**store);
  const std::string seed = (DataDir() / "good" / "lightbulb.json").string();
  const Status status = LoadStoreFile(seed, **store, kLoadTime);
  EXPECT_EQ(status.code(), StatusCode::kInternal);
  EXPECT_EQ(status.message().rfind(seed + ": loading into the store failed: " + db_path +
                                       ": cannot save thing \"SmartLamp\"",
                                   0),
            0u)
      << status.message();
  EXPECT_THAT(status.message(), HasSubstr("disk full (injected)"));
  EXPECT_EQ(Snapshot(**store), before);
}

// --- Export -------------------------------------------------------------------

TEST(StoreFileTest, ExportRoundTripIsExact) {
  ScratchDir scratch;
  MemoryStore original;
  FillThroughService(original);
  const std::string exported = scratch.File("export.json");
  ASSERT_TRUE(IsOk(ExportStoreFile(original, exported)));
  const std::string text = ReadFile(exported);
  const Outcome outcome = Schema().ValidateText(text);
  EXPECT_TRUE(outcome.valid) << Describe(outcome) << "\n" << text;

  // Into both kinds of store, and out again: the same shadows, tombstones,
  // versions and bytes.
  MemoryStore memory;
  ASSERT_TRUE(IsOk(LoadStoreFile(exported, memory, kLoadTime)));
  Result<std::unique_ptr<SqliteStore>> sqlite = SqliteStore::Open(scratch.File("store.db"));
  ASSERT_TRUE(IsOk(sqlite));
  ASSERT_TRUE(IsOk(LoadStoreFile(exported, **sqlite, kLoadTime)));
  const std::vector<std::string> expected = Snapshot(original);
  EXPECT_EQ(expected.size(), 4u);  // lamp, lamp/cfg (tombstone), the odd names, emptied
  EXPECT_EQ(Snapshot(memory), expected);
  EXPECT_EQ(Snapshot(**sqlite), expected);
  for (Store* store : {static_cast<Store*>(&memory), static_cast<Store*>(sqlite->get())}) {
    Result<std::string> again = StoreFileText(*store);
    ASSERT_TRUE(IsOk(again));
    EXPECT_EQ(*again, text);
  }
  // Structural equality too, not only equal text.
  Result<std::vector<ShadowId>> ids = original.List();
  ASSERT_TRUE(IsOk(ids));
  for (const ShadowId& id : *ids) {
    Result<StoredShadow> a = original.Load(id);
    Result<StoredShadow> b = (*sqlite)->Load(id);
    ASSERT_TRUE(IsOk(a));
    ASSERT_TRUE(IsOk(b));
    EXPECT_EQ(a->document.has_value(), b->document.has_value());
    if (a->document && b->document) {
      EXPECT_TRUE(*a->document == *b->document);
    }
    EXPECT_EQ(a->tombstone, b->tombstone);
  }
}

TEST(StoreFileTest, GoodSeedFilesRoundTripThroughExport) {
  for (const fs::path& file : JsonFilesIn(DataDir() / "good")) {
    SCOPED_TRACE(file.string());
    ScratchDir scratch;
    MemoryStore first;
    ASSERT_TRUE(IsOk(LoadStoreFile(file.string(), first, kLoadTime)));
    const std::string exported = scratch.File("export.json");
    ASSERT_TRUE(IsOk(ExportStoreFile(first, exported)));
    EXPECT_TRUE(Schema().ValidateText(ReadFile(exported)).valid);
    MemoryStore second;
    ASSERT_TRUE(IsOk(LoadStoreFile(exported, second, kLoadTime + 999)));
    EXPECT_EQ(Snapshot(second), Snapshot(first));  // deleted_at was written out
    // Same values as the seed file itself (key order and spacing aside).
    JsonDocument seed = MustParse(ReadFile(file));
    seed.RemoveMember("$schema");
    JsonDocument out = MustParse(ReadFile(exported));
    for (auto& entry : seed["shadows"].GetArray()) {
      if (entry.HasMember("deleted_version") && !entry.HasMember("deleted_at")) {
        entry.AddMember("deleted_at", kLoadTime, seed.GetAllocator());
      }
    }
    // Export is in ShadowId order, the seed in its own: match entries.
    EXPECT_EQ(seed["shadows"].Size(), out["shadows"].Size());
    for (const auto& entry : out["shadows"].GetArray()) {
      bool found = false;
      for (const auto& candidate : seed["shadows"].GetArray()) {
        if (JsonEquals(entry, candidate)) found = true;
      }
      EXPECT_TRUE(found) << ToCompactJson(entry);
    }
  }
}

TEST(StoreFileTest, ExportIsPrettySortedAndStable) {
  MemoryStore store;
  ShadowDocument document;
  document.ApplyState(MustParse(R"({"desired":{"on":true,"rgb":[1,2]}})"), kNow);
  document.set_version(2);
  ASSERT_TRUE(IsOk(store.Save({"b", "cfg"}, document)));
  ASSERT_TRUE(IsOk(store.Delete({"b", std::nullopt}, Tombstone{4, kNow})));
  ASSERT_TRUE(IsOk(store.Save({"a", std::nullopt}, ShadowDocument(document))));
  Result<std::string> text = StoreFileText(store);
  ASSERT_TRUE(IsOk(text));
  EXPECT_EQ(*text, R"({
  "shadows": [
    {
      "thing": "a",
      "shadow": null,
      "document": {
        "state": {
          "desired": {
            "on": true,
            "rgb": [
              1,
              2
            ]
          }
        },
        "metadata": {
          "desired": {
            "on": {
              "timestamp": 1700000000
            },
            "rgb": [
              {
                "timestamp": 1700000000
              },
              {
                "timestamp": 1700000000
              }
            ]
          }
        },
        "version": 2
      }
    },
    {
      "thing": "b",
      "shadow": null,
      "deleted_version": 4,
      "deleted_at": 1700000000
    },
    {
      "thing": "b",
      "shadow": "cfg",
      "document": {
        "state": {
          "desired": {
            "on": true,
            "rgb": [
              1,
              2
            ]
          }
        },
        "metadata": {
          "desired": {
            "on": {
              "timestamp": 1700000000
            },
            "rgb": [
              {
                "timestamp": 1700000000
              },
              {
                "timestamp": 1700000000
              }
            ]
          }
        },
        "version": 2
      }
    }
  ]
}
)");
  MemoryStore empty;
  text = StoreFileText(empty);
  ASSERT_TRUE(IsOk(text));
  EXPECT_EQ(*text, "{\n  \"shadows\": []\n}\n");
}

TEST(StoreFileTest, ExportReplacesTheFileAtomically) {
  ScratchDir scratch;
  const std::string path = scratch.File("export.json");
  WriteFile(path, "old contents");
  MemoryStore store;
  FillThroughService(store);
  ASSERT_TRUE(IsOk(ExportStoreFile(store, path)));
  EXPECT_EQ(ReadFile(path), *StoreFileText(store));
  EXPECT_FALSE(fs::exists(path + ".tmp"));
  // Only the file itself is in the directory afterwards.
  EXPECT_EQ(std::distance(fs::directory_iterator(scratch.path()), fs::directory_iterator()), 1);

  // A relative path (directory ".") works too.
  const fs::path cwd = fs::current_path();
  fs::current_path(scratch.path());
  const Status relative = ExportStoreFile(store, "relative.json");
  fs::current_path(cwd);
  ASSERT_TRUE(IsOk(relative));
  EXPECT_TRUE(fs::exists(scratch.path() / "relative.json"));
}

// A store whose reads fail, to make an export fail after it started.
class FailingStore : public MemoryStore {
 public:
  Result<StoredShadow> Load(const ShadowId& id) override {
    if (id.thing == "broken") return InternalError("disk on fire");
    return MemoryStore::Load(id);
  }
};

TEST(StoreFileTest, FailedExportLeavesTheOldFileAndNoTemporary) {
  ScratchDir scratch;
  const std::string path = scratch.File("export.json");
  WriteFile(path, "old contents");
  FailingStore store;
  ASSERT_TRUE(IsOk(store.Save({"broken", std::nullopt}, ShadowDocument())));
  Status status = ExportStoreFile(store, path);
  EXPECT_EQ(status.code(), StatusCode::kInternal);
  EXPECT_EQ(status.message(), path + ": disk on fire");
  EXPECT_EQ(ReadFile(path), "old contents");
  EXPECT_FALSE(fs::exists(path + ".tmp"));

  MemoryStore fine;
  const std::string nowhere = scratch.File("no/such/dir/export.json");
  status = ExportStoreFile(fine, nowhere);
  EXPECT_EQ(status.code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(status.message(),
            nowhere + ": cannot create " + nowhere + ".tmp: No such file or directory");

  // The temporary name is taken by a directory: the export fails before it
  // touches the old file.
  fs::create_directory(path + ".tmp");
  status = ExportStoreFile(fine, path);
  EXPECT_EQ(status.code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(status.message(), HasSubstr(path + ": cannot create " + path + ".tmp: "));
  EXPECT_EQ(ReadFile(path), "old contents");
}

TEST(StoreFileTest, ExportRefusesWhatASeedCouldNotHold) {
  // Every export must load again; these can only come from direct Store use.
  ScratchDir scratch;
  const std::string path = scratch.File("export.json");
  {
    MemoryStore store;
    ASSERT_TRUE(IsOk(store.Save({"lamp", std::nullopt}, ShadowDocument())));  // version 0
    const Status status = ExportStoreFile(store, path);
    EXPECT_EQ(status.code(), StatusCode::kFailedPrecondition);
    EXPECT_EQ(status.message(), path +
                                    ": cannot export thing \"lamp\", classic shadow: document "
                                    "version 0 (versions start at 1)");
  }
  {
    MemoryStore store;
    ASSERT_TRUE(IsOk(store.Delete({"my.lamp", "x"}, Tombstone{1, kNow})));
    const Status status = ExportStoreFile(store, path);
    EXPECT_EQ(status.code(), StatusCode::kFailedPrecondition);
    EXPECT_THAT(status.message(),
                HasSubstr("cannot export thing \"my.lamp\", shadow \"x\": thing name: character "
                          "'.' at position 2"));
  }
  {
    MemoryStore store;
    ASSERT_TRUE(IsOk(store.Delete({"lamp", "x"}, Tombstone{1, -5})));
    EXPECT_THAT(ExportStoreFile(store, path).message(), HasSubstr("negative deleted_at"));
  }
  EXPECT_FALSE(fs::exists(path));
  EXPECT_FALSE(fs::exists(path + ".tmp"));
}

// --- The schema file ----------------------------------------------------------

TEST(StoreFileSchemaTest, IsDraft04WithTitleAndDescription) {
  const rapidjson::Document& doc = Schema().source();
  ASSERT_TRUE(doc.IsObject());
  EXPECT_STREQ(doc["$schema"].GetString(), "http://json-schema.org/draft-04/schema#");
  EXPECT_TRUE(doc.HasMember("title"));
  EXPECT_TRUE(doc.HasMember("description"));
  // Keywords RapidJSON 1.1 ignores silently (toolchain.md section 6).
  ForEachMember(doc, [](const rapidjson::Value::Member& m) {
    const std::string name = m.name.GetString();
    EXPECT_NE(name, "const");
    EXPECT_NE(name, "format");
    if (name == "exclusiveMinimum" || name == "exclusiveMaximum") {
      EXPECT_TRUE(m.value.IsBool());
    }
  });
}

TEST(StoreFileSchemaTest, EveryRefIsLocalAndResolves) {
  // An unresolved $ref silently accepts everything in RapidJSON 1.1.
  const rapidjson::Document& doc = Schema().source();
  int refs = 0;
  ForEachMember(doc, [&](const rapidjson::Value::Member& m) {
    if (std::string(m.name.GetString()) != "$ref") return;
    ASSERT_TRUE(m.value.IsString());
    const std::string ref = m.value.GetString();
    ASSERT_EQ(ref.rfind("#/", 0), 0u) << "only local refs: " << ref;
    const rapidjson::Pointer pointer(ref.c_str() + 1);
    ASSERT_TRUE(pointer.IsValid()) << ref;
    EXPECT_NE(pointer.Get(doc), nullptr) << ref;
    ++refs;
  });
  EXPECT_GE(refs, 10);
}

TEST(StoreFileSchemaTest, PatternsCompileInBothRegexEngines) {
  int patterns = 0;
  ForEachMember(Schema().source(), [&](const rapidjson::Value::Member& m) {
    if (std::string(m.name.GetString()) != "pattern" || !m.value.IsString()) return;
    ++patterns;
    rapidjson::internal::GenericRegex<rapidjson::UTF8<>> internal_regex(m.value.GetString());
    EXPECT_TRUE(internal_regex.IsValid()) << "internal regex drops " << m.value.GetString();
    EXPECT_NO_THROW(std::regex(m.value.GetString(), std::regex::ECMAScript));
  });
  EXPECT_EQ(patterns, 2);
}

TEST(StoreFileSchemaTest, CopiedDefinitionsMatchTheDocumentSchema) {
  // The stored-document definitions are copies (no cross-file $ref in
  // RapidJSON 1.1); the description promises this test keeps them in sync.
  const std::string text = ReadFile(SourceDir() / "schemas" / "shadow-document.schema.json");
  rapidjson::Document original;
  original.Parse(text.c_str(), text.size());
  ASSERT_FALSE(original.HasParseError());
  const rapidjson::Value& mine = Schema().source()["definitions"];
  const rapidjson::Value& theirs = original["definitions"];
  int copied = 0;
  for (const auto& m : mine.GetObject()) {
    const std::string name = m.name.GetString();
    if (name == "thingName" || name == "shadowName" || name == "entry") continue;
    ASSERT_TRUE(theirs.HasMember(m.name)) << name << " is not in shadow-document.schema.json";
    EXPECT_TRUE(m.value == theirs[m.name]) << name << " differs from shadow-document.schema.json";
    ++copied;
  }
  EXPECT_GE(copied, 10);
  // And the copy is complete: every definition they reference is there.
  ForEachMember(mine, [&](const rapidjson::Value::Member& m) {
    if (std::string(m.name.GetString()) == "$ref") {
      const std::string ref = m.value.GetString();
      EXPECT_TRUE(mine.HasMember(ref.substr(ref.rfind('/') + 1).c_str())) << ref;
    }
  });
}

TEST(StoreFileSchemaTest, RejectsWronglyTypedRoots) {
  for (const char* json : {"42", "\"shadows\"", "[]", "null", "{}", R"({"shadows":{}})"}) {
    EXPECT_FALSE(Schema().ValidateText(json).valid) << json;
  }
  EXPECT_TRUE(Schema().ValidateText(R"({"shadows":[]})").valid);
}

TEST(StoreFileSchemaTest, NamePatternsAreEnforced) {
  const auto entry = [](const std::string& thing, const std::string& shadow) {
    return R"({"shadows":[{"thing":)" + thing + R"(,"shadow":)" + shadow +
           R"(,"deleted_version":1}]})";
  };
  const auto valid = [&](const std::string& thing, const std::string& shadow) {
    const bool schema = Schema().ValidateText(entry(thing, shadow)).valid;
    const bool loader = ParseStoreFile(entry(thing, shadow), "x.json", kLoadTime).ok();
    EXPECT_EQ(schema, loader) << thing << " " << shadow;  // the two agree on names
    return schema;
  };
  const std::string q = "\"";
  EXPECT_TRUE(valid(q + "a:b_c-D9" + q, "null"));
  EXPECT_TRUE(valid(q + std::string(128, 'x') + q, q + std::string(64, 'y') + q));
  EXPECT_TRUE(valid(q + "t" + q, q + "$x:y_z-0" + q));
  EXPECT_FALSE(valid(q + std::string(129, 'x') + q, "null"));
  EXPECT_FALSE(valid(q + q, "null"));
  EXPECT_FALSE(valid(q + "a.b" + q, "null"));
  EXPECT_FALSE(valid(q + "a b" + q, "null"));
  EXPECT_FALSE(valid(q + "$t" + q, "null"));  // $ only in shadow names (T4)
  EXPECT_FALSE(valid(q + "\\u00e9" + q, "null"));
  EXPECT_FALSE(valid(q + "t" + q, q + q));
  EXPECT_FALSE(valid(q + "t" + q, q + std::string(65, 'y') + q));
  EXPECT_FALSE(valid(q + "t" + q, q + "a/b" + q));
  EXPECT_FALSE(valid(q + "t" + q, q + "a+b" + q));
  EXPECT_FALSE(valid(q + "t" + q, "1"));
}

}  // namespace
}  // namespace shadowsync::host
