// SPDX-License-Identifier: Apache-2.0
//
// Checks the JSON Schemas in schemas/ (docs/schemas.md) against the golden
// documents in tests/data/: every file of a valid-kind directory must
// validate, and every file of tests/data/invalid/ must fail at the document
// pointer (and keyword) that tests/data/invalid/expected.json names.
//
// Regex engine: this file defines no RAPIDJSON_SCHEMA_* macro, so schema.h
// uses RapidJSON's internal regex engine, the default for every translation
// unit of the project. The choice changes the layout of schema.h's class
// templates (internal::Schema::RegexType), so it must be the same in every
// translation unit of a binary that includes schema.h (ODR); document.h and
// pointer.h do not depend on it. The schemas use only patterns that both
// engines accept, and EveryPatternCompilesInBothRegexEngines checks that the
// internal engine did not silently drop one (toolchain.md section 6: it
// ignores patterns with \d or \w).

#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <rapidjson/internal/regex.h>
#include <rapidjson/pointer.h>
#include <rapidjson/schema.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <memory>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

namespace {

namespace fs = std::filesystem;

constexpr const char kRequestSchema[] = "shadow-update-request.schema.json";
constexpr const char kDocumentSchema[] = "shadow-document.schema.json";
constexpr const char kRegistrySchema[] = "registry.schema.json";
constexpr const char kTopicRuleSchema[] = "topic-rule.schema.json";

fs::path SourceDir() { return fs::path(SHADOWSYNC_SOURCE_DIR); }
fs::path SchemaDir() { return SourceDir() / "schemas"; }
fs::path DataDir() { return SourceDir() / "tests" / "data"; }

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// Parses `text`; on error records a failure naming `what` and returns a null
// document.
rapidjson::Document ParseText(const std::string& text, const std::string& what) {
  rapidjson::Document doc;
  doc.Parse(text.c_str(), text.size());
  if (doc.HasParseError()) {
    ADD_FAILURE() << what << ": JSON parse error at offset " << doc.GetErrorOffset() << ": "
                  << rapidjson::GetParseError_En(doc.GetParseError());
    doc.SetNull();
  }
  return doc;
}

rapidjson::Document ParseFile(const fs::path& path) {
  EXPECT_TRUE(fs::is_regular_file(path)) << path;
  return ParseText(ReadFile(path), path.string());
}

std::string PointerToString(const rapidjson::Pointer& pointer) {
  rapidjson::StringBuffer buffer;
  pointer.Stringify(buffer);
  return buffer.GetString();
}

// A compiled schema together with the JSON it was compiled from.
struct LoadedSchema {
  rapidjson::Document source;
  std::unique_ptr<rapidjson::SchemaDocument> schema;
};

// Loads "file" or "file#/definitions/<kind>" from schemas/. RapidJSON 1.1
// always starts validation at the root of a SchemaDocument, so a kind is
// selected by pointing the root "$ref" at its definition; the definitions
// stay where they are, so their own "#/definitions/..." references still
// resolve (docs/schemas.md).
std::unique_ptr<LoadedSchema> LoadSchema(const std::string& spec) {
  const std::string::size_type hash = spec.find('#');
  const std::string file = spec.substr(0, hash);
  auto loaded = std::make_unique<LoadedSchema>();
  loaded->source = ParseFile(SchemaDir() / file);
  if (!loaded->source.IsObject()) {
    ADD_FAILURE() << spec << ": schema is not an object";
    return nullptr;
  }
  if (hash != std::string::npos) {
    const std::string ref = spec.substr(hash);
    // An unresolved $ref silently accepts everything in RapidJSON 1.1.
    const rapidjson::Pointer pointer(ref.c_str() + 1);
    if (!pointer.IsValid() || pointer.Get(loaded->source) == nullptr) {
      ADD_FAILURE() << spec << ": no such definition";
      return nullptr;
    }
    auto& alloc = loaded->source.GetAllocator();
    loaded->source.RemoveMember("$ref");
    loaded->source.AddMember("$ref", rapidjson::Value(ref.c_str(), alloc), alloc);
  }
  loaded->schema = std::make_unique<rapidjson::SchemaDocument>(loaded->source);
  return loaded;
}

struct Outcome {
  bool valid = false;
  std::string document_pointer;  // JSON Pointer into the validated document
  std::string schema_pointer;    // URI fragment into the schema
  std::string keyword;
};

Outcome Validate(const rapidjson::SchemaDocument& schema, const rapidjson::Value& document) {
  rapidjson::SchemaValidator validator(schema);
  Outcome outcome;
  outcome.valid = document.Accept(validator) && validator.IsValid();
  if (!outcome.valid) {
    outcome.document_pointer = PointerToString(validator.GetInvalidDocumentPointer());
    rapidjson::StringBuffer schema_pointer;
    validator.GetInvalidSchemaPointer().StringifyUriFragment(schema_pointer);
    outcome.schema_pointer = schema_pointer.GetString();
    outcome.keyword = validator.GetInvalidSchemaKeyword();
  }
  return outcome;
}

Outcome ValidateText(const LoadedSchema& schema, const std::string& json) {
  const rapidjson::Document doc = ParseText(json, json);
  return Validate(*schema.schema, doc);
}

std::string Describe(const Outcome& outcome) {
  if (outcome.valid) return "valid";
  return "invalid at document pointer \"" + outcome.document_pointer + "\", keyword \"" +
         outcome.keyword + "\", schema " + outcome.schema_pointer;
}

std::vector<fs::path> JsonFilesIn(const fs::path& dir) {
  std::vector<fs::path> files;
  if (!fs::is_directory(dir)) return files;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.is_regular_file() && entry.path().extension() == ".json") {
      files.push_back(entry.path());
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

// Validates every file of tests/data/<dir>/ against `spec`; returns how many.
size_t ExpectDirectoryValid(const std::string& dir, const std::string& spec) {
  const std::unique_ptr<LoadedSchema> schema = LoadSchema(spec);
  if (schema == nullptr) return 0;
  const std::vector<fs::path> files = JsonFilesIn(DataDir() / dir);
  EXPECT_FALSE(files.empty()) << "no golden documents in tests/data/" << dir;
  for (const fs::path& file : files) {
    const rapidjson::Document doc = ParseFile(file);
    const Outcome outcome = Validate(*schema->schema, doc);
    EXPECT_TRUE(outcome.valid) << dir << "/" << file.filename().string() << " against " << spec
                               << ": " << Describe(outcome);
  }
  return files.size();
}

// The document kinds of shadow-document.schema.json (spec section 4, E1).
const std::vector<std::string>& DocumentKinds() {
  static const std::vector<std::string> kinds = {
      "storedDocument",  "updateAccepted", "getAccepted",  "updateDelta",
      "updateDocuments", "deleteAccepted", "errorDocument"};
  return kinds;
}

std::string Kind(const std::string& name) {
  return std::string(kDocumentSchema) + "#/definitions/" + name;
}

// Calls `visit(object, member)` for every member of every object under `v`.
template <typename Visit>
void ForEachMember(const rapidjson::Value& v, const Visit& visit) {
  if (v.IsObject()) {
    for (auto m = v.MemberBegin(); m != v.MemberEnd(); ++m) {
      visit(v, *m);
      ForEachMember(m->value, visit);
    }
  } else if (v.IsArray()) {
    for (const auto& element : v.GetArray()) ForEachMember(element, visit);
  }
}

// ---------------------------------------------------------------------------
// The schema files themselves.

TEST(SchemaTest, SchemasAreDraft04WithTitles) {
  for (const char* file : {kRequestSchema, kDocumentSchema, kRegistrySchema, kTopicRuleSchema}) {
    SCOPED_TRACE(file);
    const rapidjson::Document doc = ParseFile(SchemaDir() / file);
    ASSERT_TRUE(doc.IsObject());
    ASSERT_TRUE(doc.HasMember("$schema"));
    // RapidJSON 1.1 implements draft-04 only (toolchain.md section 6).
    EXPECT_STREQ(doc["$schema"].GetString(), "http://json-schema.org/draft-04/schema#");
    EXPECT_TRUE(doc.HasMember("title"));
    EXPECT_TRUE(doc.HasMember("description"));
    // Keywords RapidJSON 1.1 ignores silently (toolchain.md section 6) must
    // not be relied on anywhere.
    ForEachMember(doc, [](const rapidjson::Value&, const rapidjson::Value::Member& m) {
      const std::string name = m.name.GetString();
      EXPECT_NE(name, "const");
      EXPECT_NE(name, "format");
      if (name == "exclusiveMinimum" || name == "exclusiveMaximum") {
        EXPECT_TRUE(m.value.IsBool()) << "draft-06 numeric " << name << " is ignored";
      }
    });
  }
}

TEST(SchemaTest, EveryLocalRefResolves) {
  // RapidJSON 1.1 turns a $ref it cannot resolve into a schema that accepts
  // everything, without an error; so resolve every one here.
  for (const char* file : {kRequestSchema, kDocumentSchema, kRegistrySchema, kTopicRuleSchema}) {
    SCOPED_TRACE(file);
    const rapidjson::Document doc = ParseFile(SchemaDir() / file);
    int refs = 0;
    ForEachMember(doc, [&](const rapidjson::Value&, const rapidjson::Value::Member& m) {
      if (std::string(m.name.GetString()) != "$ref") return;
      ASSERT_TRUE(m.value.IsString());
      const std::string ref = m.value.GetString();
      ASSERT_EQ(ref.rfind("#/", 0), 0u) << "only local refs: " << ref;
      const rapidjson::Pointer pointer(ref.c_str() + 1);
      ASSERT_TRUE(pointer.IsValid()) << ref;
      EXPECT_NE(pointer.Get(doc), nullptr) << ref;
      ++refs;
    });
    EXPECT_GT(refs, 0);
  }
}

TEST(SchemaTest, EveryKindRejectsWronglyTypedRoots) {
  // Guards the kind selection of LoadSchema and the root $ref: a schema that
  // compiled to "accept everything" would pass these.
  std::vector<std::string> specs = {kRequestSchema, kDocumentSchema, kRegistrySchema,
                                    kTopicRuleSchema};
  for (const std::string& kind : DocumentKinds()) specs.push_back(Kind(kind));
  for (const std::string& spec : specs) {
    SCOPED_TRACE(spec);
    const std::unique_ptr<LoadedSchema> schema = LoadSchema(spec);
    ASSERT_NE(schema, nullptr);
    for (const char* json : {"42", "\"state\"", "[]", "null", "{}"}) {
      EXPECT_FALSE(ValidateText(*schema, json).valid) << json;
    }
  }
}

// ---------------------------------------------------------------------------
// Golden valid documents, one directory per kind.

TEST(SchemaTest, GoldenUpdateRequestsAreValid) {
  // 4.1: desired-only, reported-only, both, nulls (M2, M7, M8), {} (M9),
  // arrays (M12), the named-shadow SmartLamp example (S8), clientToken (V6),
  // version (V3), unknown top-level keys (M1), every value type (M14).
  EXPECT_GE(ExpectDirectoryValid("update-request", kRequestSchema), 15u);
}

TEST(SchemaTest, GoldenStoredDocumentsAreValid) {
  // 4.7 and MD1: metadata mirrors state, arrays of metadata, {} (M5, MD5),
  // emptied shadow (M6, M8), a state key named "timestamp".
  EXPECT_GE(ExpectDirectoryValid("stored-document", kDocumentSchema), 5u);
  EXPECT_GE(ExpectDirectoryValid("stored-document", Kind("storedDocument")), 5u);
}

TEST(SchemaTest, GoldenUpdateAcceptedAreValid) {
  // 4.2: echo with nulls, "state": null with metadata {"timestamp": T} (M8).
  EXPECT_GE(ExpectDirectoryValid("update-accepted", Kind("updateAccepted")), 5u);
}

TEST(SchemaTest, GoldenGetAcceptedAreValid) {
  // 4.3: delta with and without metadata.delta (optional), emptied state.
  EXPECT_GE(ExpectDirectoryValid("get-accepted", Kind("getAccepted")), 4u);
}

TEST(SchemaTest, GoldenUpdateDeltasAreValid) {
  // 4.4, D2, D4 (desired-side timestamps).
  EXPECT_GE(ExpectDirectoryValid("update-delta", Kind("updateDelta")), 3u);
}

TEST(SchemaTest, GoldenUpdateDocumentsAreValid) {
  // 4.5: previous null on creation (S4, S6), emptied current.
  EXPECT_GE(ExpectDirectoryValid("update-documents", Kind("updateDocuments")), 3u);
}

TEST(SchemaTest, GoldenDeleteAcceptedAreValid) {
  // 4.6, V5.
  EXPECT_GE(ExpectDirectoryValid("delete-accepted", Kind("deleteAccepted")), 2u);
}

TEST(SchemaTest, GoldenErrorDocumentsAreValid) {
  // E1, E2: every code of the table with its message.
  EXPECT_GE(ExpectDirectoryValid("error", Kind("errorDocument")), 15u);
}

// ---------------------------------------------------------------------------
// Golden invalid documents, driven by tests/data/invalid/expected.json:
// {"<file>": {"schema": "<file>[#/definitions/<kind>]", "pointer": "<JSON
// Pointer of the value RapidJSON reports>", "keyword": "<failing keyword>",
// "rule": "<spec rule ids>"}}.

TEST(SchemaTest, GoldenInvalidDocumentsFailWhereExpected) {
  const fs::path dir = DataDir() / "invalid";
  const rapidjson::Document manifest = ParseFile(dir / "expected.json");
  ASSERT_TRUE(manifest.IsObject());

  std::set<std::string> on_disk;
  for (const fs::path& file : JsonFilesIn(dir)) {
    if (file.filename() != "expected.json") on_disk.insert(file.filename().string());
  }
  std::set<std::string> listed;
  for (auto m = manifest.MemberBegin(); m != manifest.MemberEnd(); ++m) {
    listed.insert(m->name.GetString());
  }
  EXPECT_EQ(on_disk, listed) << "every invalid document needs exactly one manifest entry";
  EXPECT_GE(listed.size(), 40u);

  for (auto m = manifest.MemberBegin(); m != manifest.MemberEnd(); ++m) {
    const std::string file = m->name.GetString();
    const rapidjson::Value& expected = m->value;
    SCOPED_TRACE(file);
    ASSERT_TRUE(expected.IsObject());
    ASSERT_TRUE(expected.HasMember("schema") && expected["schema"].IsString());
    ASSERT_TRUE(expected.HasMember("pointer") && expected["pointer"].IsString());
    ASSERT_TRUE(expected.HasMember("rule") && expected["rule"].IsString());
    const std::unique_ptr<LoadedSchema> schema = LoadSchema(expected["schema"].GetString());
    ASSERT_NE(schema, nullptr);
    const rapidjson::Document doc = ParseFile(dir / file);
    const Outcome outcome = Validate(*schema->schema, doc);
    EXPECT_FALSE(outcome.valid) << "rule " << expected["rule"].GetString();
    if (outcome.valid) continue;
    EXPECT_EQ(outcome.document_pointer, expected["pointer"].GetString()) << Describe(outcome);
    if (expected.HasMember("keyword")) {
      EXPECT_EQ(outcome.keyword, expected["keyword"].GetString()) << Describe(outcome);
    }
    // The pointer names a value that exists in the document.
    const rapidjson::Pointer pointer(expected["pointer"].GetString());
    ASSERT_TRUE(pointer.IsValid()) << expected["pointer"].GetString();
    EXPECT_NE(pointer.Get(doc), nullptr);
  }
}

// ---------------------------------------------------------------------------
// The regex trap (toolchain.md section 6, pitfall 11).

TEST(SchemaTest, EveryPatternCompilesInBothRegexEngines) {
  // The internal engine drops a pattern it cannot parse (\d, \w, ...) and
  // then accepts every string; IsValid() is the only sign of it. Patterns
  // must also compile as ECMAScript, the std::regex grammar schema.h uses
  // when RAPIDJSON_SCHEMA_USE_INTERNALREGEX is defined.
  int patterns = 0;
  for (const char* file : {kRequestSchema, kDocumentSchema, kRegistrySchema}) {
    const rapidjson::Document doc = ParseFile(SchemaDir() / file);
    ForEachMember(doc, [&](const rapidjson::Value&, const rapidjson::Value::Member& m) {
      std::vector<std::string> sources;
      const std::string name = m.name.GetString();
      if (name == "pattern" && m.value.IsString()) sources.push_back(m.value.GetString());
      if (name == "patternProperties" && m.value.IsObject()) {
        for (auto p = m.value.MemberBegin(); p != m.value.MemberEnd(); ++p) {
          sources.push_back(p->name.GetString());
        }
      }
      for (const std::string& source : sources) {
        ++patterns;
        rapidjson::internal::GenericRegex<rapidjson::UTF8<>> internal_regex(source.c_str());
        EXPECT_TRUE(internal_regex.IsValid()) << file << ": internal regex drops " << source;
        EXPECT_NO_THROW(std::regex(source, std::regex::ECMAScript)) << file << ": " << source;
      }
    });
  }
  EXPECT_GE(patterns, 4);
}

TEST(SchemaTest, InternalRegexIgnoresBackslashD) {
  // Pins the trap itself, so that nobody "simplifies" [0-9] into \d.
  rapidjson::internal::GenericRegex<rapidjson::UTF8<>> digits("^\\d+$");
  EXPECT_FALSE(digits.IsValid());
  rapidjson::Document schema_json = ParseText(R"({"type":"string","pattern":"^\\d+$"})", "trap");
  const rapidjson::SchemaDocument schema(schema_json);
  const rapidjson::Document abc = ParseText(R"("abc")", "abc");
  rapidjson::SchemaValidator validator(schema);
#if RAPIDJSON_SCHEMA_USE_INTERNALREGEX
  EXPECT_TRUE(abc.Accept(validator)) << "internal regex: \\d pattern silently accepts \"abc\"";
#else
  EXPECT_FALSE(abc.Accept(validator)) << "std::regex enforces \\d";
#endif
}

TEST(SchemaTest, ErrorMessagePatternsRejectBadValues) {
  // The errorDocument definition relies on patterns for the depth message
  // (E2, L2: "[0-9]+"), the 404 name (E2, T3, T4) and the invalid-node
  // prefix (E2). Each must accept the right text and reject a wrong one;
  // a dropped pattern would accept both.
  const std::unique_ptr<LoadedSchema> schema = LoadSchema(Kind("errorDocument"));
  ASSERT_NE(schema, nullptr);
  const auto check = [&](int code, const std::string& message, bool valid) {
    rapidjson::Document doc(rapidjson::kObjectType);
    doc.AddMember("code", code, doc.GetAllocator());
    doc.AddMember("message", rapidjson::Value(message.c_str(), doc.GetAllocator()),
                  doc.GetAllocator());
    const Outcome outcome = Validate(*schema->schema, doc);
    EXPECT_EQ(outcome.valid, valid) << code << " " << message << ": " << Describe(outcome);
  };
  check(400, "JSON contains too many levels of nesting; maximum is 6", true);
  check(400, "JSON contains too many levels of nesting; maximum is 12", true);
  check(400, "JSON contains too many levels of nesting; maximum is six", false);
  check(400, "JSON contains too many levels of nesting; maximum is ", false);
  check(400, "JSON contains too many levels of nesting; maximum is 6 levels", false);
  check(400, "State contains an invalid node: 'delta'", true);
  check(400, "The state contains an invalid node", false);
  check(400, "Invalid JSON: arrays may not contain null (at /state/desired/a/0)", true);
  check(400, "Invalid JSONx", false);
  check(404, "No shadow exists with name: 'myLightBulb'", true);
  check(404, "No shadow exists with name: '$shadow:v1_a-b'", true);  // T4 allows $
  check(404, "No shadow exists with name: 'my thing'", false);
  check(404, "No shadow exists with name: ''", false);
  check(404, "No shadow exists with name: '" + std::string(128, 'a') + "'", true);
  check(404, "No shadow exists with name: '" + std::string(129, 'a') + "'", false);
  check(404, "No shadow exists with name: 'a/b'", false);
  check(404, "Thing not found", true);
  check(404, "Thing not found.", false);
  check(429, "any text: [UNVERIFIED] in E2", true);
}

// ---------------------------------------------------------------------------
// What the schemas cannot express (docs/schemas.md), pinned so that the
// documentation stays true.

TEST(SchemaTest, ClientTokenMaxLengthCountsCharactersNotBytes) {
  // V6, L3: the limit is 64 UTF-8 bytes; maxLength counts code points.
  const std::unique_ptr<LoadedSchema> schema = LoadSchema(kRequestSchema);
  ASSERT_NE(schema, nullptr);
  const auto with_token = [&](const std::string& token) {
    return ValidateText(*schema,
                        R"({"state":{"reported":{"a":1}},"clientToken":")" + token + R"("})");
  };
  const auto repeat = [](const std::string& s, int n) {
    std::string out;
    for (int i = 0; i < n; ++i) out += s;
    return out;
  };
  EXPECT_TRUE(with_token(std::string(64, 'x')).valid);
  const Outcome too_long = with_token(std::string(65, 'x'));
  EXPECT_FALSE(too_long.valid);
  EXPECT_EQ(too_long.document_pointer, "/clientToken");
  EXPECT_EQ(too_long.keyword, "maxLength");
  EXPECT_TRUE(with_token(repeat("\xC3\xA9", 32)).valid);   // 32 x U+00E9 = 64 bytes
  EXPECT_FALSE(with_token(repeat("\xC3\xA9", 65)).valid);  // 65 characters
  // Not expressible: 33 x U+00E9 is 66 bytes, 64 x U+1F321 is 256 bytes; the
  // engine must reject both (E2 Invalid clientToken), the schema cannot.
  EXPECT_TRUE(with_token(repeat("\xC3\xA9", 33)).valid);
  EXPECT_TRUE(with_token(repeat("\xF0\x9F\x8C\xA1", 64)).valid);
}

TEST(SchemaTest, DepthAndSizeLimitsAreNotExpressed) {
  const std::unique_ptr<LoadedSchema> schema = LoadSchema(kRequestSchema);
  ASSERT_NE(schema, nullptr);
  // L2, 12a.2: 20 levels is far over the limit of 6, yet schema-valid.
  std::string deep = "1";
  for (int i = 0; i < 20; ++i) deep = R"({"k":)" + deep + "}";
  EXPECT_TRUE(ValidateText(*schema, R"({"state":{"desired":)" + deep + "}}").valid);
  // ... and an array of nulls is still caught at any depth (M12).
  std::string deep_null = "[null]";
  std::string null_pointer = "/state/desired";
  for (int i = 0; i < 20; ++i) {
    deep_null = R"({"k":)" + deep_null + "}";
    null_pointer += "/k";
  }
  const Outcome outcome = ValidateText(*schema, R"({"state":{"desired":)" + deep_null + "}}");
  EXPECT_FALSE(outcome.valid);
  EXPECT_EQ(outcome.document_pointer, null_pointer + "/0");
  // L1, 12a.1: 9000 bytes of reported state (limit 8192, checked after the
  // merge, 413) is schema-valid.
  EXPECT_TRUE(ValidateText(*schema,
                           R"({"state":{"reported":{"blob":")" + std::string(9000, 'x') + R"("}}})")
                  .valid);
}

TEST(SchemaTest, MetadataMirroringIsOnlyCheckedForSections) {
  // MD1: metadata must mirror the keys of its state; the schema checks that
  // the sections match (desired/reported present in both or neither) but not
  // the keys inside them.
  const std::unique_ptr<LoadedSchema> schema = LoadSchema(Kind("storedDocument"));
  ASSERT_NE(schema, nullptr);
  EXPECT_TRUE(ValidateText(*schema, R"({"state":{"reported":{"a":1}},
      "metadata":{"reported":{"b":{"timestamp":1}}},"version":1})")
                  .valid);
  const Outcome missing = ValidateText(*schema, R"({"state":{"reported":{"a":1}},
      "metadata":{"desired":{"a":{"timestamp":1}}},"version":1})");
  EXPECT_FALSE(missing.valid);
  EXPECT_EQ(missing.document_pointer, "");
}

// ---------------------------------------------------------------------------
// The two files repeat a few definitions (RapidJSON 1.1 cannot share them
// without a remote-reference provider); they must agree.

TEST(SchemaTest, RequestAndEchoDefinitionsAgree) {
  // What a request may carry in desired (M2, M12, M14) is what
  // update/accepted may echo (4.2); the clientToken rule is the same (V6).
  const std::unique_ptr<LoadedSchema> request = LoadSchema(kRequestSchema);
  const std::unique_ptr<LoadedSchema> echo = LoadSchema(Kind("updateAccepted"));
  ASSERT_NE(request, nullptr);
  ASSERT_NE(echo, nullptr);
  const std::vector<std::string> sections = {"{}",
                                             "null",
                                             R"({"a":null})",
                                             R"({"a":[1,"x",true,1.5,{},[]]})",
                                             R"({"a":[null]})",
                                             R"({"a":[[1],[null]]})",
                                             R"({"a":[{"b":null}]})",
                                             R"({"a":[{"b":[null]}]})",
                                             R"({"a":{"b":{"c":[{"d":[[{"e":null}]]}]}}})",
                                             R"({"a":{"b":[1,[2,[3,null]]]}})",
                                             "[]",
                                             "\"on\"",
                                             "1"};
  for (const std::string& section : sections) {
    const bool request_valid =
        ValidateText(*request, R"({"state":{"desired":)" + section + "}}").valid;
    const bool echo_valid =
        ValidateText(*echo, R"({"state":{"desired":)" + section +
                                R"(},"metadata":{"desired":{}},"version":1,"timestamp":1})")
            .valid;
    EXPECT_EQ(request_valid, echo_valid) << section;
  }
  const std::vector<std::string> tokens = {
      "\"\"", "\"abc\"", "\"" + std::string(64, 'x') + "\"", "\"" + std::string(65, 'x') + "\"",
      "42",   "null"};
  for (const std::string& token : tokens) {
    const bool request_valid =
        ValidateText(*request, R"({"state":{},"clientToken":)" + token + "}").valid;
    const bool echo_valid =
        ValidateText(
            *echo,
            R"({"state":{},"metadata":{},"version":1,"timestamp":1,"clientToken":)" + token + "}")
            .valid;
    EXPECT_EQ(request_valid, echo_valid) << token;
  }
}

// ---------------------------------------------------------------------------
// topic-rule.schema.json (docs/rules.md): the example rules are valid, and
// each mistake of a rule file that a schema can express fails here at the
// place the loader (lib/src/rules/topic_rule.cc) reports it.

TEST(SchemaTest, ExampleRulesAreValid) {
  const std::unique_ptr<LoadedSchema> schema = LoadSchema(kTopicRuleSchema);
  ASSERT_NE(schema, nullptr);
  const std::vector<fs::path> files = JsonFilesIn(SourceDir() / "examples" / "rules");
  EXPECT_GE(files.size(), 2u);
  for (const fs::path& file : files) {
    const rapidjson::Document doc = ParseFile(file);
    const Outcome outcome = Validate(*schema->schema, doc);
    EXPECT_TRUE(outcome.valid) << file.filename().string() << ": " << Describe(outcome);
  }
}

TEST(SchemaTest, RuleMistakesFailWhereTheLoaderReportsThem) {
  const std::unique_ptr<LoadedSchema> schema = LoadSchema(kTopicRuleSchema);
  ASSERT_NE(schema, nullptr);
  struct Bad {
    std::string json;
    std::string pointer;
  };
  const std::string sql = R"("sql":"SELECT * FROM 'a'",)";
  const std::vector<Bad> cases = {
      {R"({"actions":[{"republish":{"topic":"t"}}]})", ""},
      {"{" + sql + R"("actions":[]})", "/actions"},
      {"{" + sql + R"("Sql":"x","actions":[{"republish":{"topic":"t"}}]})", "/Sql"},
      {"{" + sql + R"("ruleDisabled":"no","actions":[{"republish":{"topic":"t"}}]})",
       "/ruleDisabled"},
      {"{" + sql + R"("awsIotSqlVersion":"beta","actions":[{"republish":{"topic":"t"}}]})",
       "/awsIotSqlVersion"},
      {"{" + sql + R"("actions":[{"republish":{"topic":"t","qos":2}}]})",
       "/actions/0/republish/qos"},
      {"{" + sql + R"("actions":[{"republish":{"qos":1}}]})", "/actions/0/republish"},
      {"{" + sql + R"("actions":[{"lambda":{"functionArn":"f"}}]})", "/actions/0/lambda"},
      {"{" + sql +
           R"("actions":[{"republish":{"topic":"t"},"dynamoDBv2":{"putItem":{"tableName":"t"}}}]})",
       "/actions/0"},
      {"{" + sql + R"("actions":[{"dynamoDBv2":{"putItem":{}}}]})",
       "/actions/0/dynamoDBv2/putItem"},
      {"{" + sql + R"("actions":[{"dynamoDB":{"tableName":"t","hashKeyField":"k",
          "hashKeyValue":"v","hashKeyType":"BINARY"}}]})",
       "/actions/0/dynamoDB/hashKeyType"},
      {"{" + sql + R"("actions":[{"republish":{"topic":"t"}}],"errorAction":{"sns":{}}})",
       "/errorAction/sns"},
  };
  for (const Bad& bad : cases) {
    const Outcome outcome = ValidateText(*schema, bad.json);
    EXPECT_FALSE(outcome.valid) << bad.json;
    if (!outcome.valid) {
      EXPECT_EQ(outcome.document_pointer, bad.pointer) << Describe(outcome);
    }
  }
  // Everything the loader accepts, the schema accepts.
  const Outcome full = ValidateText(*schema, "{" + sql + R"("description":"d",
      "ruleDisabled":true,"awsIotSqlVersion":"2015-10-08",
      "actions":[{"republish":{"roleArn":"r","topic":"$$aws/things/${topic(2)}/x","qos":1}},
                 {"dynamoDBv2":{"roleArn":"r","putItem":{"tableName":"t"}}},
                 {"dynamoDB":{"roleArn":"r","tableName":"t","operation":"UPDATE",
                   "hashKeyField":"k","hashKeyValue":"${topic()}","hashKeyType":"NUMBER",
                   "rangeKeyField":"r","rangeKeyValue":"${timestamp()}","rangeKeyType":"NUMBER",
                   "payloadField":"p"}}],
      "errorAction":{"republish":{"topic":"errors"}}})");
  EXPECT_TRUE(full.valid) << Describe(full);
}

// ---------------------------------------------------------------------------
// The spec's public vectors (section 13), when the spec directory is known.

#ifdef SHADOWSYNC_SPEC_DIR
std::string ToJson(const rapidjson::Value& value) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  value.Accept(writer);
  return buffer.GetString();
}

// Replaces every "<ts>" string (section 13) with a concrete timestamp.
void ReplaceTimestampPlaceholders(rapidjson::Value& v) {
  if (v.IsString() && std::string(v.GetString()) == "<ts>") {
    v.SetInt64(1700000000);
  } else if (v.IsObject()) {
    for (auto m = v.MemberBegin(); m != v.MemberEnd(); ++m) ReplaceTimestampPlaceholders(m->value);
  } else if (v.IsArray()) {
    for (auto& element : v.GetArray()) ReplaceTimestampPlaceholders(element);
  }
}
#endif  // SHADOWSYNC_SPEC_DIR

TEST(SchemaTest, PublicVectorsConform) {
#ifndef SHADOWSYNC_SPEC_DIR
  FAIL() << "SHADOWSYNC_SPEC_DIR not defined (the unit test target defines it)";
#else
  const fs::path path = fs::path(SHADOWSYNC_SPEC_DIR) / "vectors" / "shadow_vectors.json";
  ASSERT_TRUE(fs::is_regular_file(path)) << path << " not found";
  rapidjson::Document vectors = ParseFile(path);
  ASSERT_TRUE(vectors.IsArray());
  ReplaceTimestampPlaceholders(vectors);

  const std::unique_ptr<LoadedSchema> request = LoadSchema(kRequestSchema);
  ASSERT_NE(request, nullptr);
  std::vector<std::pair<std::string, std::unique_ptr<LoadedSchema>>> kinds;
  for (const std::string& kind : DocumentKinds()) {
    kinds.emplace_back(kind, LoadSchema(Kind(kind)));
    ASSERT_NE(kinds.back().second, nullptr);
  }
  const auto schema_of = [&](const std::string& kind) -> const rapidjson::SchemaDocument& {
    for (const auto& k : kinds) {
      if (k.first == kind) return *k.second->schema;
    }
    ADD_FAILURE() << "unknown kind " << kind;
    return *kinds.front().second->schema;
  };
  const auto expect_kind = [&](const std::string& kind, const rapidjson::Value& value,
                               const std::string& what) {
    const Outcome outcome = Validate(schema_of(kind), value);
    EXPECT_TRUE(outcome.valid) << what << " as " << kind << ": " << Describe(outcome) << "\n"
                               << ToJson(value);
  };

  int checked = 0;
  for (const rapidjson::Value& vector : vectors.GetArray()) {
    const std::string name = vector["name"].GetString();
    SCOPED_TRACE(name);
    for (const char* stored : {"initial", "state_after"}) {
      if (vector.HasMember(stored) && !vector[stored].IsNull()) {
        expect_kind("storedDocument", vector[stored], stored);
        ++checked;
      }
    }
    const rapidjson::Value& req = vector["request"];
    const std::string suffix = req["topic_suffix"].GetString();
    const rapidjson::Value& expect = vector["expect"];
    if (suffix == "update" && req.HasMember("payload")) {
      // A 400 other than the depth error (L2, not expressible) is a schema
      // failure; every other outcome starts from a schema-valid request.
      bool schema_reject = false;
      if (expect.HasMember("rejected") && expect["rejected"]["code"].GetInt() == 400) {
        const std::string message = expect["rejected"]["message"].GetString();
        schema_reject = message.rfind("JSON contains too many levels", 0) != 0;
      }
      const Outcome outcome = Validate(*request->schema, req["payload"]);
      EXPECT_EQ(outcome.valid, !schema_reject) << "request: " << Describe(outcome);
      ++checked;
    }
    for (auto m = expect.MemberBegin(); m != expect.MemberEnd(); ++m) {
      const std::string topic = m->name.GetString();
      std::string kind;
      if (topic == "rejected") kind = "errorDocument";
      if (topic == "delta") kind = "updateDelta";
      if (topic == "documents") kind = "updateDocuments";
      if (topic == "accepted") {
        kind = suffix == "update" ? "updateAccepted"
               : suffix == "get"  ? "getAccepted"
                                  : "deleteAccepted";
      }
      ASSERT_FALSE(kind.empty()) << topic;
      expect_kind(kind, m->value, "expect." + topic);
      ++checked;
    }
  }
  EXPECT_GT(checked, 40);
#endif
}

// ---------------------------------------------------------------------------
// registry.schema.json (docs/policies.md): the example registry is valid,
// and each mistake the loader reports that a schema can express fails here
// at the same place. Names of things and policies are checked by the loader
// only: RapidJSON 1.1 crashes on patternProperties next to
// additionalProperties false.

TEST(SchemaTest, ExampleRegistryIsValid) {
  const std::unique_ptr<LoadedSchema> schema = LoadSchema(kRegistrySchema);
  ASSERT_NE(schema, nullptr);
  const rapidjson::Document doc =
      ParseFile(SourceDir() / "examples" / "registry" / "registry.json");
  const Outcome outcome = Validate(*schema->schema, doc);
  EXPECT_TRUE(outcome.valid) << Describe(outcome);
  // Region, account, fingerprints with and without colons, a single
  // Statement object, NotAction/NotResource and conditions.
  std::string colons = "AB";
  for (int i = 1; i < 32; ++i) colons += ":ab";
  const Outcome full = ValidateText(*schema, R"({"region":"us-east-1","account":"123456789012",
      "certificates":[{"sha256":")" + std::string(64, 'a') +
                                                 R"(","policies":[]},
                      {"sha256":")" + colons + R"(","commonName":"x","policies":["p"]}],
      "policies":{"p":{"Version":"2012-10-17","Statement":{"Effect":"Deny","NotAction":"iot:*",
        "NotResource":["*"],"Condition":{"BoolIfExists":{"iot:Connection.Thing.IsAttached":true},
        "StringLike":{"iot:ClientId":["a*","b"]}}}}}})");
  EXPECT_TRUE(full.valid) << Describe(full);
}

TEST(SchemaTest, RegistryMistakesFailWhereTheLoaderReportsThem) {
  const std::unique_ptr<LoadedSchema> schema = LoadSchema(kRegistrySchema);
  ASSERT_NE(schema, nullptr);
  const std::string policy =
      R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]})";
  const std::string ok_policies = R"("policies":{"p":)" + policy + "}";
  struct Bad {
    std::string json;
    std::string pointer;
  };
  const std::vector<Bad> cases = {
      {R"({"certificates":[],"policies":{},"thingz":{}})", "/thingz"},
      {R"({"account":"12345","certificates":[],"policies":{}})", "/account"},
      {R"({"certificates":[{"policies":[]}],"policies":{}})", "/certificates/0"},
      {R"({"certificates":[{"commonName":"a","policies":[],"polices":[]}],"policies":{}})",
       "/certificates/0/polices"},
      {R"({"certificates":[{"sha256":"abc","policies":[]}],"policies":{}})",
       "/certificates/0/sha256"},
      {R"({"things":{"t":{"attributes":{"n":1}}},"certificates":[],"policies":{}})",
       "/things/t/attributes/n"},
      {R"({"certificates":[],"policies":{"p":{"Version":"2013","Statement":[]}}})",
       "/policies/p/Version"},
      {R"({"certificates":[],"policies":{"p":{"Version":"2012-10-17","Statement":[
          {"Effect":"allow","Action":"*","Resource":"*"}]}}})",
       "/policies/p/Statement"},
      {R"({"certificates":[],"policies":{"p":{"Version":"2012-10-17","Statement":{
          "Effect":"Allow","Action":"*","NotAction":"*","Resource":"*"}}}})",
       "/policies/p/Statement"},
      {R"({"certificates":[],"policies":{"p":{"Version":"2012-10-17","Statement":{
          "Effect":"Allow","Action":"*","Resource":"*",
          "Condition":{"NumericEquals":{"iot:ClientId":"1"}}}}}})",
       "/policies/p/Statement"},
  };
  for (const Bad& bad : cases) {
    const Outcome outcome = ValidateText(*schema, bad.json);
    EXPECT_FALSE(outcome.valid) << bad.json;
    if (!outcome.valid) {
      EXPECT_EQ(outcome.document_pointer, bad.pointer) << Describe(outcome);
    }
  }
  EXPECT_TRUE(ValidateText(*schema, R"({"certificates":[],)" + ok_policies + "}").valid);
}

}  // namespace
