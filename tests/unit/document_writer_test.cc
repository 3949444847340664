// SPDX-License-Identifier: Apache-2.0
//
// lib/src/document_writer.cc: the stored form (4.7) with its L1 size
// (12a.1), the metadata mirror of an update echo (MD1, 4.2) and the
// clientToken member (V7), written straight into one buffer.

#include "document_writer.h"

#include <gtest/gtest.h>

#include <string>

#include "support/json_expect.h"

namespace shadowsync::internal {
namespace {

using testing_support::MustParse;

template <typename Write>
std::string Written(Write write) {
  rapidjson::StringBuffer buffer;
  JsonWriter writer(buffer);
  writer.StartObject();
  write(writer);
  writer.EndObject();
  return TakeString(buffer);
}

TEST(DocumentWriterTest, StoredFormIsTheDocumentsJsonAndMeasuresL1) {
  ShadowDocument document;
  document.ApplyState(MustParse(R"({"desired":{"a":1},"reported":{"b":"xy"}})"), 100);
  document.set_version(5);
  std::size_t state_size = 0;
  const std::string stored = StoredFormJson(document, &state_size);
  EXPECT_EQ(stored, document.ToJson());
  EXPECT_EQ(state_size, std::string(R"({"a":1})").size() + std::string(R"({"b":"xy"})").size());
  EXPECT_EQ(state_size, document.StateSize());
  const JsonDocument parsed = MustParse(stored);
  EXPECT_EQ(parsed["version"].GetUint64(), 5u);
  EXPECT_EQ(parsed["metadata"]["reported"]["b"]["timestamp"].GetInt64(), 100);
}

TEST(DocumentWriterTest, MetadataMirrorHasATimestampForEveryLeafNullsIncluded) {
  const JsonDocument value = MustParse(R"({"a":null,"b":[1,{"c":true}],"e":{}})");
  const std::string mirror = Written([&](JsonWriter& w) {
    w.Key("m");
    WriteMetadataMirror(w, value, 7);
  });
  EXPECT_EQ(mirror, R"({"m":{"a":{"timestamp":7},"b":[{"timestamp":7},{"c":{"timestamp":7}}],)"
                    R"("e":{}}})");
}

TEST(DocumentWriterTest, ClientTokenOnlyWhenSet) {
  EXPECT_EQ(Written([](JsonWriter& w) { WriteClientToken(w, std::nullopt); }), "{}");
  EXPECT_EQ(Written([](JsonWriter& w) { WriteClientToken(w, std::string("t\"1")); }),
            R"({"clientToken":"t\"1"})");
}

}  // namespace
}  // namespace shadowsync::internal
