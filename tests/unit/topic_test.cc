// SPDX-License-Identifier: Apache-2.0
//
// Tests for lib/src/topic.cc against spec section 1 (T1 to T10), section 9
// (L4, L6), the embedded-C unit-test cases of section 11.3, and
// spec/vectors/topic_vectors.json.

#include "shadowsync/topic.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <rapidjson/error/en.h>

#include <algorithm>
#include <cstddef>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#ifndef SHADOWSYNC_SPEC_DIR
#define SHADOWSYNC_SPEC_DIR ""
#endif

namespace shadowsync {
namespace {

using ::testing::HasSubstr;

struct Stub {
  Operation op;
  Suffix suffix;
  const char* text;  // what follows the prefix
};

// T2: the eleven stubs.
const std::vector<Stub>& AllStubs() {
  static const std::vector<Stub> stubs = {
      {Operation::kGet, Suffix::kNone, "/get"},
      {Operation::kGet, Suffix::kAccepted, "/get/accepted"},
      {Operation::kGet, Suffix::kRejected, "/get/rejected"},
      {Operation::kUpdate, Suffix::kNone, "/update"},
      {Operation::kUpdate, Suffix::kAccepted, "/update/accepted"},
      {Operation::kUpdate, Suffix::kRejected, "/update/rejected"},
      {Operation::kUpdate, Suffix::kDelta, "/update/delta"},
      {Operation::kUpdate, Suffix::kDocuments, "/update/documents"},
      {Operation::kDelete, Suffix::kNone, "/delete"},
      {Operation::kDelete, Suffix::kAccepted, "/delete/accepted"},
      {Operation::kDelete, Suffix::kRejected, "/delete/rejected"},
  };
  return stubs;
}

ShadowId Classic(std::string thing) { return ShadowId{std::move(thing), std::nullopt}; }
ShadowId Named(std::string thing, std::string shadow) {
  return ShadowId{std::move(thing), std::move(shadow)};
}

// The error message of ParseTopic(topic); fails the test when it parses.
std::string ParseError(std::string_view topic) {
  Result<ShadowTopic> r = ParseTopic(topic);
  EXPECT_FALSE(r.ok()) << "expected an error for '" << topic << "'";
  if (r.ok()) return "";
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << topic;
  return r.status().message();
}

void ExpectParses(std::string_view topic, const ShadowTopic& expected) {
  Result<ShadowTopic> r = ParseTopic(topic);
  ASSERT_TRUE(r.ok()) << topic << ": " << r.status().ToString();
  EXPECT_EQ(*r, expected) << topic;
}

std::size_t CountSlashes(std::string_view s) {
  return static_cast<std::size_t>(std::count(s.begin(), s.end(), '/'));
}

// ---------------------------------------------------------------------------
// Names and round trips (T1, T2)

TEST(TopicTest, OperationAndSuffixNames) {
  EXPECT_STREQ(OperationName(Operation::kGet), "get");
  EXPECT_STREQ(OperationName(Operation::kUpdate), "update");
  EXPECT_STREQ(OperationName(Operation::kDelete), "delete");
  EXPECT_STREQ(SuffixName(Suffix::kNone), "");
  EXPECT_STREQ(SuffixName(Suffix::kAccepted), "accepted");
  EXPECT_STREQ(SuffixName(Suffix::kRejected), "rejected");
  EXPECT_STREQ(SuffixName(Suffix::kDelta), "delta");
  EXPECT_STREQ(SuffixName(Suffix::kDocuments), "documents");
}

// T1, T2: all eleven classic topics, build then parse.
TEST(TopicTest, T1T2ClassicElevenTopicsRoundTrip) {
  const ShadowId id = Classic("TestThingName");
  ASSERT_EQ(AllStubs().size(), 11u);
  for (const Stub& stub : AllStubs()) {
    const std::string expected = std::string("$aws/things/TestThingName/shadow") + stub.text;
    Result<std::string> built = BuildTopic(id, stub.op, stub.suffix);
    ASSERT_TRUE(built.ok()) << built.status().ToString();
    EXPECT_EQ(*built, expected);
    ShadowTopic topic{id, stub.op, stub.suffix};
    ExpectParses(expected, topic);
    EXPECT_EQ(topic.is_request(), stub.suffix == Suffix::kNone);
    Result<std::string> built2 = BuildTopic(topic);
    ASSERT_TRUE(built2.ok());
    EXPECT_EQ(*built2, expected);
  }
}

// T1, T2: all eleven named-shadow topics, build then parse.
TEST(TopicTest, T1T2NamedElevenTopicsRoundTrip) {
  const ShadowId id = Named("TestThingName", "TestShadowName");
  for (const Stub& stub : AllStubs()) {
    const std::string expected =
        std::string("$aws/things/TestThingName/shadow/name/TestShadowName") + stub.text;
    Result<std::string> built = BuildTopic(id, stub.op, stub.suffix);
    ASSERT_TRUE(built.ok()) << built.status().ToString();
    EXPECT_EQ(*built, expected);
    ExpectParses(expected, ShadowTopic{id, stub.op, stub.suffix});
  }
}

// T1: a thing's classic and named shadows are distinct ids.
TEST(TopicTest, T1ClassicAndNamedAreDistinct) {
  const ShadowId classic = Classic("T");
  const ShadowId named = Named("T", "S");
  EXPECT_TRUE(classic.is_classic());
  EXPECT_FALSE(named.is_classic());
  EXPECT_NE(classic, named);
  EXPECT_TRUE(classic < named);  // nullopt sorts first
  EXPECT_EQ(classic.display_name(), "T");
  EXPECT_EQ(named.display_name(), "S");
}

TEST(TopicTest, T1ShadowTopicPrefix) {
  Result<std::string> classic = ShadowTopicPrefix(Classic("T"));
  ASSERT_TRUE(classic.ok());
  EXPECT_EQ(*classic, "$aws/things/T/shadow");
  Result<std::string> named = ShadowTopicPrefix(Named("T", "$package"));
  ASSERT_TRUE(named.ok());
  EXPECT_EQ(*named, "$aws/things/T/shadow/name/$package");

  Result<std::string> bad_thing = ShadowTopicPrefix(Classic("a.b"));
  ASSERT_FALSE(bad_thing.ok());
  EXPECT_EQ(bad_thing.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(bad_thing.status().message(), HasSubstr("thing name"));
  Result<std::string> bad_shadow = ShadowTopicPrefix(Named("T", "a/b"));
  ASSERT_FALSE(bad_shadow.ok());
  EXPECT_THAT(bad_shadow.status().message(),
              HasSubstr("shadow name: character '/' at position 1 is not allowed"));
}

// T2: delta and documents exist only under update.
TEST(TopicTest, T2BuildRejectsDeltaAndDocumentsUnderGetAndDelete) {
  for (Operation op : {Operation::kGet, Operation::kDelete}) {
    for (Suffix suffix : {Suffix::kDelta, Suffix::kDocuments}) {
      for (const ShadowId& id : {Classic("T"), Named("T", "S")}) {
        Result<std::string> r = BuildTopic(id, op, suffix);
        ASSERT_FALSE(r.ok()) << OperationName(op) << "/" << SuffixName(suffix);
        EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
        EXPECT_THAT(r.status().message(),
                    HasSubstr(std::string("suffix '") + SuffixName(suffix) +
                              "' is not defined for '" + OperationName(op) + "'"));
      }
    }
  }
}

TEST(TopicTest, T2BuildRejectsOutOfRangeEnums) {
  EXPECT_FALSE(BuildTopic(Classic("T"), static_cast<Operation>(42)).ok());
  EXPECT_FALSE(BuildTopic(Classic("T"), Operation::kGet, static_cast<Suffix>(42)).ok());
}

TEST(TopicTest, T3T4BuildRejectsInvalidNames) {
  Result<std::string> r = BuildTopic(Classic(""), Operation::kGet);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr("thing name: empty"));

  r = BuildTopic(Named("T", "my.shadow"), Operation::kUpdate);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr("shadow name: character '.' at position 2"));

  // The classic shadow is std::nullopt; an empty name is not a second way
  // to say "classic" (unlike the embedded-C length 0).
  r = BuildTopic(Named("T", ""), Operation::kUpdate);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr("shadow name: empty"));
}

// ---------------------------------------------------------------------------
// Spec vectors (T1 to T7, T3, T4)

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return "";
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Operation OperationFromName(std::string_view name) {
  if (name == "get") return Operation::kGet;
  if (name == "update") return Operation::kUpdate;
  EXPECT_EQ(name, "delete");
  return Operation::kDelete;
}

Suffix SuffixFromJson(const rapidjson::Value& v) {
  if (v.IsNull()) return Suffix::kNone;
  const std::string_view name(v.GetString(), v.GetStringLength());
  if (name == "accepted") return Suffix::kAccepted;
  if (name == "rejected") return Suffix::kRejected;
  if (name == "delta") return Suffix::kDelta;
  EXPECT_EQ(name, "documents");
  return Suffix::kDocuments;
}

// Every entry of topic_vectors.json, checked against `expect` (the strict
// reading), not against `sdk_match_topic_string` (the embedded-C library).
TEST(TopicTest, SpecTopicVectors) {
  const std::string path = std::string(SHADOWSYNC_SPEC_DIR) + "/vectors/topic_vectors.json";
  const std::string text = ReadFile(path);
  ASSERT_FALSE(text.empty()) << "cannot read " << path << " (SHADOWSYNC_SPEC_DIR)";
  rapidjson::Document doc;
  doc.Parse(text.data(), text.size());
  ASSERT_FALSE(doc.HasParseError()) << rapidjson::GetParseError_En(doc.GetParseError());
  ASSERT_TRUE(doc.IsArray());
  ASSERT_GE(doc.Size(), 24u);

  int valid = 0;
  int invalid = 0;
  for (const rapidjson::Value& v : doc.GetArray()) {
    ASSERT_TRUE(v.IsObject());
    const std::string topic(v["topic"].GetString(), v["topic"].GetStringLength());
    const rapidjson::Value& expect = v["expect"];
    SCOPED_TRACE(topic);
    Result<ShadowTopic> r = ParseTopic(topic);
    if (expect["valid"].GetBool()) {
      ++valid;
      ASSERT_TRUE(r.ok()) << r.status().ToString();
      EXPECT_EQ(r->id.thing, expect["thing"].GetString());
      if (expect["shadow"].IsNull()) {
        EXPECT_TRUE(r->id.is_classic());
      } else {
        ASSERT_FALSE(r->id.is_classic());
        EXPECT_EQ(*r->id.shadow, expect["shadow"].GetString());
      }
      EXPECT_EQ(r->operation, OperationFromName(expect["operation"].GetString()));
      EXPECT_EQ(r->suffix, SuffixFromJson(expect["suffix"]));
      // The direction column follows from the suffix (T2).
      const std::string direction = expect["direction"].GetString();
      EXPECT_EQ(r->is_request(), direction.rfind("request", 0) == 0) << direction;
      // And it builds back to the same bytes.
      Result<std::string> built = BuildTopic(*r);
      ASSERT_TRUE(built.ok());
      EXPECT_EQ(*built, topic);
    } else {
      ++invalid;
      ASSERT_FALSE(r.ok()) << "reason: " << expect["reason"].GetString();
      EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
      EXPECT_FALSE(r.status().message().empty());
    }
  }
  EXPECT_GT(valid, 0);
  EXPECT_GT(invalid, 0);
}

// ---------------------------------------------------------------------------
// Embedded-C unit-test cases (spec 11.3), as strict C++ tests. Where the C
// library reports a different level than we do, the comment says why.

TEST(TopicTest, EmbeddedCClassicAndNamedUpdateAccepted) {
  Result<ShadowTopic> classic = ParseTopic("$aws/things/TestThingName/shadow/update/accepted");
  ASSERT_TRUE(classic.ok());
  EXPECT_EQ(classic->id.thing, "TestThingName");
  EXPECT_TRUE(classic->id.is_classic());
  EXPECT_EQ(classic->operation, Operation::kUpdate);
  EXPECT_EQ(classic->suffix, Suffix::kAccepted);

  Result<ShadowTopic> named =
      ParseTopic("$aws/things/TestThingName/shadow/name/TestShadowName/update/accepted");
  ASSERT_TRUE(named.ok());
  EXPECT_EQ(named->id.thing, "TestThingName");
  ASSERT_FALSE(named->id.is_classic());
  EXPECT_EQ(*named->id.shadow, "TestShadowName");
  EXPECT_EQ(named->operation, Operation::kUpdate);
  EXPECT_EQ(named->suffix, Suffix::kAccepted);
}

// The C library rejects request topics (it only matches responses); we
// accept them because the emulator handles requests (spec 11.4).
TEST(TopicTest, EmbeddedCRequestTopicsAreValidForUs) {
  ExpectParses("$aws/things/TestThingName/shadow/update",
               ShadowTopic{Classic("TestThingName"), Operation::kUpdate, Suffix::kNone});
  ExpectParses("$aws/things/TestThingName/shadow/name/TestShadowName/get",
               ShadowTopic{Named("TestThingName", "TestShadowName"), Operation::kGet});
}

TEST(TopicTest, EmbeddedCPrefixFailure) {
  EXPECT_THAT(ParseError("$aws/jobs/TestThingName/shadow/get/rejected"),
              HasSubstr("prefix: topic '$aws/jobs/TestThingName/shadow/get/rejected' does not "
                        "start with '$aws/things/'"));
  EXPECT_THAT(ParseError(""), HasSubstr("prefix"));
  EXPECT_THAT(ParseError("$aws/things"), HasSubstr("prefix"));
}

TEST(TopicTest, EmbeddedCThingNameFailures) {
  EXPECT_THAT(ParseError("$aws/things/"), HasSubstr("thing name: empty"));
  EXPECT_THAT(ParseError("$aws/things//"), HasSubstr("thing name: empty"));
  // 153 characters: "TestThingName" then 14 times "1234567890".
  std::string thing = "TestThingName";
  for (int i = 0; i < 14; ++i) thing += "1234567890";
  ASSERT_EQ(thing.size(), 153u);
  EXPECT_THAT(ParseError("$aws/things/" + thing + "/shadow/name/TestShadowName/delete/rejected"),
              HasSubstr("thing name: length 153 exceeds the maximum of 128"));
}

// The C library calls "$aws/things/TestThingName" a thing-name failure
// (unterminated); the vector file and we call it a missing root.
TEST(TopicTest, EmbeddedCRootFailures) {
  EXPECT_THAT(ParseError("$aws/things/TestThingName"),
              HasSubstr("root: missing '/shadow' after the thing name"));
  EXPECT_THAT(ParseError("$aws/things/TestThingName/"),
              HasSubstr("root: expected 'shadow' after the thing name, found an empty level"));
  EXPECT_THAT(ParseError("$aws/things/TestThingName/invalid"),
              HasSubstr("root: expected 'shadow' after the thing name, found 'invalid'"));
}

// "shadow/name/TestShadowName" (unterminated) is a shadow-name failure in C;
// the name itself is fine, so we report the missing operation.
TEST(TopicTest, EmbeddedCShadowNameFailures) {
  EXPECT_THAT(ParseError("$aws/things/TestThingName/shadow/name"),
              HasSubstr("shadow name: missing shadow name after '/shadow/name'"));
  EXPECT_THAT(ParseError("$aws/things/TestThingName/shadow/name/"),
              HasSubstr("shadow name: empty"));
  EXPECT_THAT(ParseError("$aws/things/TestThingName/shadow/name//"),
              HasSubstr("shadow name: empty"));
  EXPECT_THAT(ParseError("$aws/things/TestThingName/shadow/name/TestShadowName"),
              HasSubstr("missing operation after '/shadow/name/TestShadowName'"));
  // 74 characters: "TestShadowName" then 6 times "1234567890".
  std::string shadow = "TestShadowName";
  for (int i = 0; i < 6; ++i) shadow += "1234567890";
  ASSERT_EQ(shadow.size(), 74u);
  EXPECT_THAT(ParseError("$aws/things/TestThingName/shadow/name/" + shadow + "/delete/rejected"),
              HasSubstr("shadow name: length 74 exceeds the maximum of 64"));
}

TEST(TopicTest, EmbeddedCMessageTypeFailures) {
  for (const std::string base : {"$aws/things/TestThingName/shadow",
                                 "$aws/things/TestThingName/shadow/name/TestShadowName"}) {
    SCOPED_TRACE(base);
    // Missing.
    EXPECT_THAT(ParseError(base), HasSubstr("missing operation after"));
    EXPECT_THAT(ParseError(base + "/"), HasSubstr("missing operation after"));
    // Unknown.
    EXPECT_THAT(ParseError(base + "/invalid/invalid"), HasSubstr("unknown operation 'invalid'"));
    // Extended.
    EXPECT_THAT(ParseError(base + "/get/rejected/gibberish"),
                HasSubstr("extra level 'gibberish' after suffix 'rejected'"));
    // Truncated by one byte: the C test passes topicLength - 1.
    for (const Stub& stub : AllStubs()) {
      const std::string full = base + stub.text;
      ASSERT_TRUE(ParseTopic(full).ok()) << full;
      const std::string truncated = full.substr(0, full.size() - 1);
      EXPECT_FALSE(ParseTopic(truncated).ok()) << truncated;
    }
    EXPECT_THAT(ParseError(base + "/update/accepte"),
                HasSubstr("suffix 'accepte' is not defined for 'update'"));
  }
}

// Shadow_AssembleTopicString's parameter errors, as BuildTopic errors.
TEST(TopicTest, EmbeddedCAssembleParameterErrors) {
  EXPECT_FALSE(BuildTopic(Classic(""), Operation::kGet).ok());                       // empty thing
  EXPECT_FALSE(BuildTopic(Classic(std::string(129, 'a')), Operation::kGet).ok());    // > 128
  EXPECT_FALSE(BuildTopic(Named("T", std::string(65, 'a')), Operation::kGet).ok());  // > 64
  EXPECT_TRUE(BuildTopic(Classic(std::string(128, 'a')), Operation::kGet).ok());
  EXPECT_TRUE(BuildTopic(Named("T", std::string(64, 'a')), Operation::kGet).ok());
}

// ---------------------------------------------------------------------------
// Name edge cases (T3, T4, L4)

TEST(TopicTest, T3L4ThingNameLength) {
  EXPECT_TRUE(ValidateThingName("a").ok());
  EXPECT_TRUE(ValidateThingName(std::string(128, 'x')).ok());
  Status s = ValidateThingName(std::string(129, 'x'));
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("thing name: length 129 exceeds the maximum of 128"));
  s = ValidateThingName("");
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("thing name: empty (must be 1 to 128 characters)"));
}

TEST(TopicTest, T4L4ShadowNameLength) {
  EXPECT_TRUE(ValidateShadowName("a").ok());
  EXPECT_TRUE(ValidateShadowName(std::string(64, 'x')).ok());
  Status s = ValidateShadowName(std::string(65, 'x'));
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("shadow name: length 65 exceeds the maximum of 64"));
  EXPECT_THAT(ValidateShadowName("").message(),
              HasSubstr("shadow name: empty (must be 1 to 64 characters)"));
}

TEST(TopicTest, T3T4AllowedCharacters) {
  const std::string all_thing = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789:_-";
  ASSERT_EQ(all_thing.size(), 65u);  // one more than a shadow name may hold
  EXPECT_TRUE(ValidateThingName(all_thing).ok());
  EXPECT_TRUE(ValidateShadowName(all_thing.substr(0, 64)).ok());
  EXPECT_TRUE(ValidateShadowName("$" + all_thing.substr(2)).ok());
  // Every other byte is refused, in both kinds of name.
  for (int b = 0; b < 256; ++b) {
    const char c = static_cast<char>(b);
    const std::string name = std::string("ab") + c;
    const bool thing_ok = all_thing.find(c) != std::string::npos;
    EXPECT_EQ(ValidateThingName(name).ok(), thing_ok) << b;
    EXPECT_EQ(ValidateShadowName(name).ok(), thing_ok || c == '$') << b;
  }
}

// T3 vs T4: '$' is allowed in shadow names only.
TEST(TopicTest, T3T4DollarInShadowNameOnly) {
  EXPECT_TRUE(ValidateShadowName("$package").ok());
  EXPECT_TRUE(ValidateShadowName("$").ok());
  Status s = ValidateThingName("$thing");
  EXPECT_THAT(s.message(), HasSubstr("thing name: character '$' at position 0 is not allowed "
                                     "(allowed: a-z A-Z 0-9 : _ -)"));
  ExpectParses("$aws/things/T/shadow/name/$package/get/accepted",
               ShadowTopic{Named("T", "$package"), Operation::kGet, Suffix::kAccepted});
  EXPECT_THAT(ParseError("$aws/things/$thing/shadow/get"),
              HasSubstr("thing name: character '$' at position 0"));
}

// T3, T4, T5: '/', '+', '#', spaces, non-ASCII and control bytes name the
// character and its 0-based position.
TEST(TopicTest, T3T4ForbiddenCharactersNamePosition) {
  EXPECT_THAT(ValidateThingName("my.thing").message(),
              HasSubstr("thing name: character '.' at position 2 is not allowed "
                        "(allowed: a-z A-Z 0-9 : _ -)"));
  EXPECT_THAT(ValidateThingName("a/b").message(), HasSubstr("character '/' at position 1"));
  EXPECT_THAT(ValidateThingName("ab+").message(), HasSubstr("character '+' at position 2"));
  EXPECT_THAT(ValidateThingName("#").message(), HasSubstr("character '#' at position 0"));
  EXPECT_THAT(ValidateThingName("my thing").message(), HasSubstr("character ' ' at position 2"));
  EXPECT_THAT(ValidateShadowName("caf\xC3\xA9").message(),
              HasSubstr("shadow name: byte 0xC3 (non-ASCII) at position 3 is not allowed "
                        "(allowed: $ a-z A-Z 0-9 : _ -)"));
  EXPECT_THAT(ValidateShadowName(std::string("a\0b", 3)).message(),
              HasSubstr("byte 0x00 (control character) at position 1"));
  EXPECT_THAT(ValidateShadowName("tab\there").message(), HasSubstr("byte 0x09"));
  // A bad character is reported even in a name that is also too long.
  EXPECT_THAT(ValidateThingName(std::string(200, 'a') + ".").message(),
              HasSubstr("character '.' at position 200"));
}

TEST(TopicTest, T3T4ForbiddenCharactersInTopics) {
  EXPECT_THAT(ParseError("$aws/things/my.thing/shadow/get"),
              HasSubstr("thing name: character '.' at position 2 is not allowed"));
  EXPECT_THAT(ParseError("$aws/things/+/shadow/get"),
              HasSubstr("thing name: character '+' at position 0"));
  EXPECT_THAT(ParseError("$aws/things/#"), HasSubstr("thing name: character '#' at position 0"));
  EXPECT_THAT(ParseError("$aws/things/my thing/shadow/get"),
              HasSubstr("thing name: character ' ' at position 2"));
  EXPECT_THAT(ParseError("$aws/things/th\xE2\x82\xAC/shadow/get"),
              HasSubstr("thing name: byte 0xE2 (non-ASCII) at position 2"));
  EXPECT_THAT(ParseError("$aws/things/T/shadow/name/my.shadow/update"),
              HasSubstr("shadow name: character '.' at position 2"));
  EXPECT_THAT(ParseError("$aws/things/T/shadow/name/+/update"),
              HasSubstr("shadow name: character '+' at position 0"));
  // Error messages stay printable: raw bytes never leak into them.
  const std::string m = ParseError("\xFF\x01garbage");
  for (char c : m) {
    EXPECT_TRUE(static_cast<unsigned char>(c) >= 0x20 && static_cast<unsigned char>(c) < 0x7F) << m;
  }
  EXPECT_THAT(m, HasSubstr("\\xFF\\x01garbage"));
}

// ---------------------------------------------------------------------------
// T5, L6: topic length and slashes

// T5: the longest valid topic (128-char thing, 64-char shadow,
// /update/documents) is 234 bytes with exactly 7 slashes, within L6.
TEST(TopicTest, T5L6LongestValidTopicIs234BytesWith7Slashes) {
  const ShadowId longest = Named(std::string(128, 'T'), std::string(64, 'S'));
  Result<std::string> topic = BuildTopic(longest, Operation::kUpdate, Suffix::kDocuments);
  ASSERT_TRUE(topic.ok()) << topic.status().ToString();
  EXPECT_EQ(topic->size(), 234u);
  EXPECT_EQ(CountSlashes(*topic), 7u);
  EXPECT_LE(topic->size(), 256u);  // L6
  ExpectParses(*topic, ShadowTopic{longest, Operation::kUpdate, Suffix::kDocuments});

  // Every other topic of every valid name pair is no longer (L6 is never hit).
  std::size_t max_size = 0;
  for (const Stub& stub : AllStubs()) {
    for (const ShadowId& id : {Classic(std::string(128, 'T')), longest}) {
      Result<std::string> t = BuildTopic(id, stub.op, stub.suffix);
      ASSERT_TRUE(t.ok());
      EXPECT_LE(CountSlashes(*t), 7u);
      max_size = std::max(max_size, t->size());
    }
  }
  EXPECT_EQ(max_size, 234u);

  // One more character in either name is not a valid shadow topic.
  EXPECT_FALSE(BuildTopic(Named(std::string(129, 'T'), std::string(64, 'S')), Operation::kUpdate,
                          Suffix::kDocuments)
                   .ok());
  EXPECT_FALSE(BuildTopic(Named(std::string(128, 'T'), std::string(65, 'S')), Operation::kUpdate,
                          Suffix::kDocuments)
                   .ok());
}

// T5: names cannot contain '/', so a topic never has more than 7 slashes.
TEST(TopicTest, T5SlashInNamesIsRejected) {
  EXPECT_FALSE(BuildTopic(Classic("a/b"), Operation::kGet).ok());
  EXPECT_FALSE(BuildTopic(Named("a", "b/c"), Operation::kGet).ok());
  EXPECT_THAT(ParseError("$aws/things/a/b/shadow/get"),
              HasSubstr("root: expected 'shadow' after the thing name, found 'b'"));
}

// L6: input far beyond 256 bytes is rejected on its merits.
TEST(TopicTest, L6OverlongTopicsAreRejected) {
  EXPECT_THAT(ParseError("$aws/things/" + std::string(300, 'a') + "/shadow/get"),
              HasSubstr("thing name: length 300"));
  EXPECT_THAT(ParseError("$aws/things/T/shadow/get/accepted" + std::string(300, '/')),
              HasSubstr("extra level '' after suffix 'accepted'"));
  // Long echoes are cut in messages.
  const std::string m = ParseError("$aws/things/T/shadow/" + std::string(1000, 'x'));
  EXPECT_THAT(m, HasSubstr("(1000 bytes)"));
  EXPECT_LT(m.size(), 300u);
}

// ---------------------------------------------------------------------------
// T6: strict grammar

TEST(TopicTest, T6CaseSensitive) {
  EXPECT_THAT(ParseError("$AWS/things/T/shadow/get"), HasSubstr("prefix"));
  EXPECT_THAT(ParseError("$aws/Things/T/shadow/get"), HasSubstr("prefix"));
  EXPECT_THAT(ParseError("$aws/things/T/Shadow/get"), HasSubstr("root"));
  EXPECT_THAT(ParseError("$aws/things/T/shadow/GET"), HasSubstr("unknown operation 'GET'"));
  EXPECT_THAT(ParseError("$aws/things/T/shadow/get/Accepted"),
              HasSubstr("suffix 'Accepted' is not defined for 'get'"));
  EXPECT_THAT(ParseError("$aws/things/T/shadow/Name/S/get"), HasSubstr("unknown operation 'Name'"));
  // Names keep their case.
  Result<ShadowTopic> r = ParseTopic("$aws/things/MyThing/shadow/name/MyShadow/get");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->id, Named("MyThing", "MyShadow"));
}

TEST(TopicTest, T6EmptyLevelsTrailingSlashAndExtraLevels) {
  EXPECT_THAT(ParseError("$aws/things/T/shadow//update"),
              HasSubstr("missing operation after '/shadow' (empty level"));
  EXPECT_THAT(ParseError("$aws/things/T/shadow/update/"),
              HasSubstr("suffix '' is not defined for 'update'"));
  EXPECT_THAT(ParseError("$aws/things/T/shadow/update//accepted"),
              HasSubstr("suffix '' is not defined for 'update'"));
  EXPECT_THAT(ParseError("$aws/things/T/shadow/update/accepted/"),
              HasSubstr("extra level '' after suffix 'accepted' (trailing '/'?)"));
  EXPECT_THAT(ParseError("$aws/things/T/shadow/get/rejected/gibberish"),
              HasSubstr("extra level 'gibberish' after suffix"));
  EXPECT_THAT(ParseError("$aws/things/T/shadow/get/accepted/more/levels"),
              HasSubstr("extra level 'more' after suffix 'accepted'"));
  EXPECT_THAT(ParseError("$aws/things/T/shadow/name/S//get"),
              HasSubstr("missing operation after '/shadow/name/S' (empty level"));
  EXPECT_THAT(ParseError("$aws/things/T/shadow/name/S/get/"),
              HasSubstr("suffix '' is not defined for 'get'"));
  EXPECT_THAT(ParseError("/$aws/things/T/shadow/get"), HasSubstr("prefix"));
  EXPECT_THAT(ParseError("$aws/things/T//shadow/get"),
              HasSubstr("root: expected 'shadow' after the thing name, found an empty level"));
}

TEST(TopicTest, T6UnknownOperationOrSuffix) {
  EXPECT_THAT(ParseError("$aws/things/T/shadow/list"),
              HasSubstr("operation: unknown operation 'list' after '/shadow' "
                        "(expected get, update or delete)"));
  EXPECT_THAT(ParseError("$aws/things/T/shadow/named/S/update/accepted"),
              HasSubstr("unknown operation 'named'"));
  EXPECT_THAT(ParseError("$aws/things/T/shadow/get/delta"),
              HasSubstr("suffix 'delta' is not defined for 'get' (allowed: accepted, rejected)"));
  EXPECT_THAT(ParseError("$aws/things/T/shadow/delete/documents"),
              HasSubstr("suffix 'documents' is not defined for 'delete'"));
  EXPECT_THAT(ParseError("$aws/things/T/shadow/update/foo"),
              HasSubstr("suffix 'foo' is not defined for 'update' "
                        "(allowed: accepted, rejected, delta, documents)"));
  EXPECT_THAT(ParseError("$aws/things/T/shadow/update/delta/accepted"),
              HasSubstr("extra level 'accepted' after suffix 'delta'"));
}

// ---------------------------------------------------------------------------
// T7: "name" after "shadow" always starts the named form

TEST(TopicTest, T7ThingCalledShadowOrName) {
  ExpectParses("$aws/things/shadow/shadow/get",
               ShadowTopic{Classic("shadow"), Operation::kGet, Suffix::kNone});
  ExpectParses("$aws/things/name/shadow/update/delta",
               ShadowTopic{Classic("name"), Operation::kUpdate, Suffix::kDelta});
  ExpectParses("$aws/things/shadow/shadow/name/name/delete/accepted",
               ShadowTopic{Named("shadow", "name"), Operation::kDelete, Suffix::kAccepted});
  for (const char* thing : {"shadow", "name"}) {
    for (const Stub& stub : AllStubs()) {
      Result<std::string> t = BuildTopic(Classic(thing), stub.op, stub.suffix);
      ASSERT_TRUE(t.ok());
      ExpectParses(*t, ShadowTopic{Classic(thing), stub.op, stub.suffix});
    }
  }
}

TEST(TopicTest, T7ShadowCalledNameOrUpdate) {
  ExpectParses("$aws/things/T/shadow/name/name/update",
               ShadowTopic{Named("T", "name"), Operation::kUpdate, Suffix::kNone});
  ExpectParses("$aws/things/T/shadow/name/update/update/accepted",
               ShadowTopic{Named("T", "update"), Operation::kUpdate, Suffix::kAccepted});
  for (const char* shadow : {"name", "update", "shadow", "get", "accepted"}) {
    for (const Stub& stub : AllStubs()) {
      const ShadowId id = Named("T", shadow);
      Result<std::string> t = BuildTopic(id, stub.op, stub.suffix);
      ASSERT_TRUE(t.ok());
      ExpectParses(*t, ShadowTopic{id, stub.op, stub.suffix});
    }
  }
}

TEST(TopicTest, T7NameUpdateAcceptedIsNotClassicUpdateAccepted) {
  // A shadow called "update" followed by the invalid operation "accepted".
  EXPECT_THAT(ParseError("$aws/things/T/shadow/name/update/accepted"),
              HasSubstr("unknown operation 'accepted' after '/shadow/name/update'"));
  // A shadow called "update" with no operation at all.
  EXPECT_THAT(ParseError("$aws/things/T/shadow/name/update"),
              HasSubstr("missing operation after '/shadow/name/update'"));
  // "name" alone is never an operation.
  EXPECT_THAT(ParseError("$aws/things/T/shadow/name"), HasSubstr("shadow name: missing"));
}

// ---------------------------------------------------------------------------
// TopicMatchesFilter (MQTT 3.1.1 section 4.7, T8, T10)

TEST(TopicTest, MatchExactAndCase) {
  EXPECT_TRUE(TopicMatchesFilter("a/b/c", "a/b/c"));
  EXPECT_FALSE(TopicMatchesFilter("a/b/c", "a/b/C"));
  EXPECT_FALSE(TopicMatchesFilter("a/b", "a/b/c"));
  EXPECT_FALSE(TopicMatchesFilter("a/b/c", "a/b"));
  EXPECT_TRUE(TopicMatchesFilter("/", "/"));
  EXPECT_FALSE(TopicMatchesFilter("a/", "a"));
  EXPECT_FALSE(TopicMatchesFilter("a", "a/"));
  // A space is an ordinary character.
  EXPECT_TRUE(TopicMatchesFilter("a b", "a b"));
}

// MQTT 3.1.1 4.7.1.2: the multi-level wildcard.
TEST(TopicTest, MatchMultiLevelWildcard) {
  EXPECT_TRUE(TopicMatchesFilter("sport/tennis/player1/#", "sport/tennis/player1"));
  EXPECT_TRUE(TopicMatchesFilter("sport/tennis/player1/#", "sport/tennis/player1/ranking"));
  EXPECT_TRUE(TopicMatchesFilter("sport/tennis/player1/#", "sport/tennis/player1/score/wimbledon"));
  EXPECT_TRUE(TopicMatchesFilter("sport/#", "sport"));
  EXPECT_TRUE(TopicMatchesFilter("sport/#", "sport/"));
  EXPECT_FALSE(TopicMatchesFilter("sport/#", "sports"));
  EXPECT_TRUE(TopicMatchesFilter("#", "anything/at/all"));
  EXPECT_TRUE(TopicMatchesFilter("#", "/"));
  EXPECT_FALSE(TopicMatchesFilter("sport/tennis/#", "sport"));
}

// MQTT 3.1.1 4.7.1.3: the single-level wildcard, which also matches an empty level.
TEST(TopicTest, MatchSingleLevelWildcard) {
  EXPECT_TRUE(TopicMatchesFilter("sport/tennis/+", "sport/tennis/player1"));
  EXPECT_TRUE(TopicMatchesFilter("sport/tennis/+", "sport/tennis/player2"));
  EXPECT_FALSE(TopicMatchesFilter("sport/tennis/+", "sport/tennis/player1/ranking"));
  EXPECT_FALSE(TopicMatchesFilter("sport/+", "sport"));
  EXPECT_TRUE(TopicMatchesFilter("sport/+", "sport/"));
  EXPECT_TRUE(TopicMatchesFilter("+", "a"));
  EXPECT_FALSE(TopicMatchesFilter("+", "a/b"));
  EXPECT_TRUE(TopicMatchesFilter("+/+", "/finance"));
  EXPECT_TRUE(TopicMatchesFilter("/+", "/finance"));
  EXPECT_FALSE(TopicMatchesFilter("+", "/finance"));
  EXPECT_TRUE(TopicMatchesFilter("+/+", "/"));
  EXPECT_TRUE(TopicMatchesFilter("a/+/c", "a//c"));
  EXPECT_TRUE(TopicMatchesFilter("+/tennis/#", "sport/tennis/player1"));
  EXPECT_TRUE(TopicMatchesFilter("a/+/#", "a/b"));
  EXPECT_FALSE(TopicMatchesFilter("a/+/#", "a"));
}

// Invalid filters (4.7.1) and invalid topic names (4.7.3) match nothing.
TEST(TopicTest, MatchInvalidFiltersAndTopicsMatchNothing) {
  for (const char* filter : {"a/#/b", "a+", "a/b+", "+a/b", "a#", "#/", "##", "a/#/", "++", "",
                             "sport/tennis#", "a/+b/c"}) {
    EXPECT_FALSE(TopicMatchesFilter(filter, "a/b")) << filter;
    EXPECT_FALSE(TopicMatchesFilter(filter, "a")) << filter;
    EXPECT_FALSE(TopicMatchesFilter(filter, "a/#/b")) << filter;
  }
  EXPECT_FALSE(TopicMatchesFilter("#", ""));
  EXPECT_FALSE(TopicMatchesFilter("a/+", "a/+"));  // topics have no wildcards
  EXPECT_FALSE(TopicMatchesFilter("#", "a/#"));
  EXPECT_FALSE(TopicMatchesFilter(std::string_view("a\0b", 3), std::string_view("a\0b", 3)));
}

// T10 (MQTT 3.1.1 4.7.2): wildcard-first filters do not match '$' topics.
TEST(TopicTest, T10WildcardFirstFiltersSkipDollarTopics) {
  const std::string topic = "$aws/things/T/shadow/update/accepted";
  EXPECT_FALSE(TopicMatchesFilter("#", topic));
  EXPECT_FALSE(TopicMatchesFilter("+/things/T/shadow/update/accepted", topic));
  EXPECT_FALSE(TopicMatchesFilter("+/things/+/shadow/#", topic));
  EXPECT_FALSE(TopicMatchesFilter("+/#", "$SYS/broker/uptime"));
  EXPECT_TRUE(TopicMatchesFilter("$aws/#", topic));
  EXPECT_TRUE(TopicMatchesFilter("$aws/things/+/shadow/#", topic));
  EXPECT_TRUE(TopicMatchesFilter("$aws/things/T/shadow/update/accepted", topic));
  EXPECT_TRUE(TopicMatchesFilter("$aws/things/+/shadow/+/+", topic));
  // '$' later in the topic, or topics without '$', are unaffected.
  EXPECT_TRUE(TopicMatchesFilter("#", "a/$b"));
  EXPECT_TRUE(TopicMatchesFilter("+/things/T/shadow/name/$package/get",
                                 "x/things/T/shadow/name/$package/get"));
}

// T8: ".../shadow/#" matches all eleven topics, classic and named.
TEST(TopicTest, T8ShadowWildcardMatchesAllElevenTopics) {
  for (const Stub& stub : AllStubs()) {
    const std::string classic = std::string("$aws/things/T/shadow") + stub.text;
    const std::string named = std::string("$aws/things/T/shadow/name/S") + stub.text;
    EXPECT_TRUE(TopicMatchesFilter("$aws/things/T/shadow/#", classic)) << classic;
    EXPECT_TRUE(TopicMatchesFilter("$aws/things/T/shadow/#", named)) << named;
    EXPECT_TRUE(TopicMatchesFilter("$aws/things/+/shadow/#", classic)) << classic;
    EXPECT_TRUE(TopicMatchesFilter("$aws/things/T/shadow/name/S/#", named)) << named;
    EXPECT_FALSE(TopicMatchesFilter("$aws/things/T/shadow/name/S/#", classic)) << classic;
    EXPECT_FALSE(TopicMatchesFilter("$aws/things/U/shadow/#", classic)) << classic;
    EXPECT_FALSE(TopicMatchesFilter("#", classic)) << classic;  // T10
  }
  // The prefix filter in the form a client would subscribe with.
  Result<std::string> prefix = ShadowTopicPrefix(Named("T", "S"));
  ASSERT_TRUE(prefix.ok());
  EXPECT_TRUE(TopicMatchesFilter(*prefix + "/#", "$aws/things/T/shadow/name/S/update/delta"));
  EXPECT_TRUE(
      TopicMatchesFilter(*prefix + "/+/accepted", "$aws/things/T/shadow/name/S/update/accepted"));
}

// One check for every publisher and subscriber (PahoTransport, the loopback
// broker, the gateway): MQTT 3.1.1 4.7 and 1.5.3.
TEST(TopicTest, ValidateTopicNameNamesTheRuleThatFailed) {
  EXPECT_TRUE(ValidateTopicName("sensors/lamp/\xc3\xa9t\xc3\xa9").ok());
  EXPECT_TRUE(ValidateTopicName("$aws/things/lamp/shadow/update").ok());
  EXPECT_EQ(ValidateTopicName("").message(), "topic is empty");
  EXPECT_EQ(ValidateTopicName(std::string("a\0b", 3)).message(), "topic contains a NUL character");
  EXPECT_EQ(ValidateTopicName("a/\xc6\xc6").message(), "topic is not valid UTF-8");
  EXPECT_EQ(ValidateTopicName(std::string(65536, 'a')).message(),
            "topic is longer than 65535 bytes");
  EXPECT_TRUE(ValidateTopicName(std::string(65535, 'a')).ok());
  EXPECT_EQ(ValidateTopicName("a/+").message(), "topic \"a/+\" contains a wildcard (+ or #)");
  EXPECT_EQ(ValidateTopicName("a/#").code(), StatusCode::kInvalidArgument);
}

TEST(TopicTest, ValidateTopicFilterAllowsWholeLevelWildcardsOnly) {
  EXPECT_TRUE(ValidateTopicFilter("a/+/c").ok());
  EXPECT_TRUE(ValidateTopicFilter("#").ok());
  EXPECT_TRUE(ValidateTopicFilter("a/#").ok());
  EXPECT_EQ(ValidateTopicFilter("a+/b").message(),
            "filter \"a+/b\": a wildcard must be a whole level");
  EXPECT_EQ(ValidateTopicFilter("a/#/b").message(), "filter \"a/#/b\": '#' must be the last level");
  EXPECT_EQ(ValidateTopicFilter("a/\xff").message(), "filter is not valid UTF-8");
  EXPECT_EQ(ValidateTopicFilter("").message(), "filter is empty");
  EXPECT_FALSE(IsValidTopicFilter(std::string("a\0", 2)));
  EXPECT_FALSE(TopicMatchesFilter("a/+", "a/\xff"));
}

}  // namespace
}  // namespace shadowsync
