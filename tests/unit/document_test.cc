// SPDX-License-Identifier: Apache-2.0
//
// Tests of lib/src/document.cc and merge.cc: merge rules (M2 to M14),
// metadata (MD1 to MD5), delta (D1 to D6) and the stored form (4.7).

#include "shadowsync/document.h"

#include <gtest/gtest.h>

#include <string>

#include "support/json_expect.h"

namespace shadowsync {
namespace {

using testing_support::MustParse;

constexpr Timestamp kT0 = 1000;
constexpr Timestamp kT1 = 2000;

// Applies each state in turn, at kT0 for the first and kT1 for the rest.
ShadowDocument Apply(std::initializer_list<const char*> states) {
  ShadowDocument doc;
  Timestamp t = kT0;
  for (const char* state : states) {
    doc.ApplyState(MustParse(state), t);
    t = kT1;
  }
  return doc;
}

std::string StateOf(const ShadowDocument& doc) { return ToCompactJson(doc.state()); }
std::string MetadataOf(const ShadowDocument& doc) { return ToCompactJson(doc.metadata()); }

std::string DeltaOf(const ShadowDocument& doc, std::string* metadata = nullptr) {
  JsonDocument scratch;
  JsonValue delta, meta;
  const bool has = doc.ComputeDelta(&delta, &meta, scratch.GetAllocator());
  if (metadata) *metadata = ToCompactJson(meta);
  EXPECT_EQ(has, delta.MemberCount() > 0);
  return ToCompactJson(delta);
}

TEST(DocumentTest, NewDocumentIsEmptyAtVersionZero) {
  ShadowDocument doc;
  EXPECT_EQ(doc.version(), 0u);
  EXPECT_EQ(doc.desired(), nullptr);
  EXPECT_EQ(doc.reported(), nullptr);
  EXPECT_EQ(doc.ToJson(), R"({"state":{},"metadata":{},"version":0})");
}

TEST(DocumentTest, UpdateTouchesOnlyNamedKeys_M2) {
  ShadowDocument doc = Apply({R"({"reported":{"a":1,"b":2}})", R"({"reported":{"b":3}})"});
  EXPECT_JSON_EQ(StateOf(doc), R"({"reported":{"a":1,"b":3}})");
  EXPECT_JSON_EQ(MetadataOf(doc),
                 R"({"reported":{"a":{"timestamp":1000},"b":{"timestamp":2000}}})");
}

TEST(DocumentTest, NullDeletesKeyAndItsMetadata_M2) {
  ShadowDocument doc = Apply({R"({"reported":{"a":1,"b":2}})", R"({"reported":{"a":null}})"});
  EXPECT_JSON_EQ(StateOf(doc), R"({"reported":{"b":2}})");
  EXPECT_JSON_EQ(MetadataOf(doc), R"({"reported":{"b":{"timestamp":1000}}})");
  // A null for a key that does not exist is a no-op.
  doc.ApplyState(MustParse(R"({"reported":{"zzz":null}})"), kT1);
  EXPECT_JSON_EQ(StateOf(doc), R"({"reported":{"b":2}})");
}

TEST(DocumentTest, ObjectsMergeRecursively_M3) {
  ShadowDocument doc = Apply({R"({"desired":{"l":{"color":"red","on":true}}})",
                              R"({"desired":{"l":{"color":"blue","dim":5}}})"});
  EXPECT_JSON_EQ(StateOf(doc), R"({"desired":{"l":{"color":"blue","on":true,"dim":5}}})");
  EXPECT_JSON_EQ(
      MetadataOf(doc),
      R"({"desired":{"l":{"color":{"timestamp":2000},"on":{"timestamp":1000},"dim":{"timestamp":2000}}}})");
}

TEST(DocumentTest, EverythingElseReplacesWhole_M4) {
  // Arrays are atomic.
  ShadowDocument doc = Apply({R"({"reported":{"a":[1,2,3]}})", R"({"reported":{"a":[9]}})"});
  EXPECT_JSON_EQ(StateOf(doc), R"({"reported":{"a":[9]}})");
  EXPECT_JSON_EQ(MetadataOf(doc), R"({"reported":{"a":[{"timestamp":2000}]}})");
  // Object over scalar (S18: {"b":{"c":3}} then {"b":{"c":{"d":3}}}).
  doc = Apply({R"({"desired":{"b":{"c":3}}})", R"({"desired":{"b":{"c":{"d":3}}}})"});
  EXPECT_JSON_EQ(StateOf(doc), R"({"desired":{"b":{"c":{"d":3}}}})");
  EXPECT_JSON_EQ(MetadataOf(doc), R"({"desired":{"b":{"c":{"d":{"timestamp":2000}}}}})");
  // Scalar over object, array over object.
  doc = Apply({R"({"desired":{"x":{"y":1},"z":{"w":1}}})", R"({"desired":{"x":5,"z":[1]}})"});
  EXPECT_JSON_EQ(StateOf(doc), R"({"desired":{"x":5,"z":[1]}})");
  EXPECT_JSON_EQ(MetadataOf(doc),
                 R"({"desired":{"x":{"timestamp":2000},"z":[{"timestamp":2000}]}})");
}

TEST(DocumentTest, EmptyObjectIsAnOrdinaryValue_M5_MD5) {
  // Stored, replaces a scalar, shows in the delta; metadata of {} is {}.
  ShadowDocument doc = Apply({R"({"desired":{"a":1,"b":{"c":3}}})",
                              R"({"desired":{"a":1,"b":{"c":{}},"d":{}}})"});
  EXPECT_JSON_EQ(StateOf(doc), R"({"desired":{"a":1,"b":{"c":{}},"d":{}}})");
  EXPECT_JSON_EQ(MetadataOf(doc),
                 R"({"desired":{"a":{"timestamp":2000},"b":{"c":{}},"d":{}}})");
  EXPECT_JSON_EQ(DeltaOf(doc), R"({"a":1,"b":{"c":{}},"d":{}})");
  // Merging {} into an existing object changes nothing.
  doc = Apply({R"({"reported":{"o":{"k":1}}})", R"({"reported":{"o":{}}})"});
  EXPECT_JSON_EQ(StateOf(doc), R"({"reported":{"o":{"k":1}}})");
  EXPECT_JSON_EQ(MetadataOf(doc), R"({"reported":{"o":{"k":{"timestamp":1000}}}})");
}

TEST(DocumentTest, EmptiedSectionDisappears_M6) {
  ShadowDocument doc = Apply({R"({"desired":{"a":1},"reported":{"b":1}})",
                              R"({"desired":{"a":null}})"});
  EXPECT_EQ(doc.desired(), nullptr);
  EXPECT_EQ(doc.desired_metadata(), nullptr);
  EXPECT_JSON_EQ(StateOf(doc), R"({"reported":{"b":1}})");
  doc.ApplyState(MustParse(R"({"reported":{"b":null}})"), kT1);
  EXPECT_EQ(doc.ToJson(), R"({"state":{},"metadata":{},"version":0})");
}

TEST(DocumentTest, NullSectionRemovesIt_M7) {
  ShadowDocument doc = Apply({R"({"desired":{"a":1},"reported":{"a":2}})",
                              R"({"desired":null})"});
  EXPECT_JSON_EQ(StateOf(doc), R"({"reported":{"a":2}})");
  EXPECT_JSON_EQ(MetadataOf(doc), R"({"reported":{"a":{"timestamp":1000}}})");
}

TEST(DocumentTest, NullStateRemovesBothSections_M8) {
  ShadowDocument doc = Apply({R"({"desired":{"a":1},"reported":{"a":2}})"});
  doc.ApplyState(MustParse("null"), kT1);
  EXPECT_EQ(doc.ToJson(), R"({"state":{},"metadata":{},"version":0})");
}

TEST(DocumentTest, EmptySectionsAreNotCreated_M9) {
  for (const char* state : {"{}", R"({"desired":{}})", R"({"reported":{}})",
                            R"({"desired":{},"reported":{}})"}) {
    ShadowDocument doc = Apply({state});
    EXPECT_EQ(doc.ToJson(), R"({"state":{},"metadata":{},"version":0})") << state;
  }
}

TEST(DocumentTest, NullsInsideNewSubtreesAreDropped_M10) {
  ShadowDocument doc = Apply({R"({"desired":{"a":{"b":1,"c":null},"n":{"x":null}}})"});
  EXPECT_JSON_EQ(StateOf(doc), R"({"desired":{"a":{"b":1}}})");
  EXPECT_JSON_EQ(MetadataOf(doc), R"({"desired":{"a":{"b":{"timestamp":1000}}}})");
  // Recursively: an object whose members were only null-only objects.
  doc = Apply({R"({"desired":{"k":{"m":{"z":null}},"e":{"f":{}}}})"});
  EXPECT_JSON_EQ(StateOf(doc), R"({"desired":{"e":{"f":{}}}})");
  // A section made only of nulls is not created either.
  doc = Apply({R"({"reported":{"a":null}})"});
  EXPECT_EQ(doc.reported(), nullptr);
}

TEST(DocumentTest, NullOnlyObjectOverScalarRemovesKey_12a3) {
  ShadowDocument doc = Apply({R"({"reported":{"a":5,"b":[1],"c":1}})",
                              R"({"reported":{"a":{"x":null},"b":{"y":null}}})"});
  EXPECT_JSON_EQ(StateOf(doc), R"({"reported":{"c":1}})");
  EXPECT_JSON_EQ(MetadataOf(doc), R"({"reported":{"c":{"timestamp":1000}}})");
}

TEST(DocumentTest, ObjectEmptiedByDeletesIsKept_M11_12a13) {
  ShadowDocument doc = Apply({R"({"reported":{"a":{"b":1},"z":1}})",
                              R"({"reported":{"a":{"b":null}}})"});
  EXPECT_JSON_EQ(StateOf(doc), R"({"reported":{"a":{},"z":1}})");
  EXPECT_JSON_EQ(MetadataOf(doc), R"({"reported":{"a":{},"z":{"timestamp":1000}}})");
}

TEST(DocumentTest, ArraysAreStoredAsSent_M12_12a4_MD1) {
  ShadowDocument doc = Apply({R"({"reported":{"l":[1,{"a":null,"b":[2,3]},[4]]}})"});
  EXPECT_JSON_EQ(StateOf(doc), R"({"reported":{"l":[1,{"a":null,"b":[2,3]},[4]]}})");
  EXPECT_JSON_EQ(
      MetadataOf(doc),
      R"({"reported":{"l":[{"timestamp":1000},{"a":{"timestamp":1000},"b":[{"timestamp":1000},{"timestamp":1000}]},[{"timestamp":1000}]]}})");
}

TEST(DocumentTest, SectionsAreNeverDerivedFromEachOther_M13_P9) {
  ShadowDocument doc = Apply({R"({"desired":{"a":1}})", R"({"reported":{"a":1}})"});
  // desired stays although reported caught up; only the delta is gone.
  EXPECT_JSON_EQ(StateOf(doc), R"({"desired":{"a":1},"reported":{"a":1}})");
  EXPECT_EQ(DeltaOf(doc), "{}");
}

TEST(DocumentTest, ValuesMayBeAnyJsonType_M14) {
  ShadowDocument doc = Apply(
      {R"({"reported":{"s":"x","i":-3,"u":18446744073709551615,"d":2.5,"t":true,"f":false,"e":""}})"});
  EXPECT_JSON_EQ(StateOf(doc),
                 R"({"reported":{"s":"x","i":-3,"u":18446744073709551615,"d":2.5,"t":true,"f":false,"e":""}})");
}

TEST(DocumentTest, WrittenLeavesAreRestampedEvenIfUnchanged_MD2) {
  ShadowDocument doc = Apply({R"({"reported":{"a":1,"b":2}})", R"({"reported":{"a":1}})"});
  EXPECT_JSON_EQ(MetadataOf(doc),
                 R"({"reported":{"a":{"timestamp":2000},"b":{"timestamp":1000}}})");
}

TEST(DocumentTest, ReplacedSubtreesGetFreshMetadata_MD3) {
  ShadowDocument doc =
      Apply({R"({"reported":{"a":[1,2],"o":{"x":1,"y":2}}})", R"({"reported":{"a":[1,2,3],"o":7}})"});
  EXPECT_JSON_EQ(
      MetadataOf(doc),
      R"({"reported":{"a":[{"timestamp":2000},{"timestamp":2000},{"timestamp":2000}],"o":{"timestamp":2000}}})");
  doc.ApplyState(MustParse(R"({"reported":{"o":{"n":{"m":1}}}})"), 3000);
  EXPECT_JSON_EQ(ToCompactJson(*doc.reported_metadata()),
                 R"({"a":[{"timestamp":2000},{"timestamp":2000},{"timestamp":2000}],"o":{"n":{"m":{"timestamp":3000}}}})");
}

TEST(DocumentTest, MetadataIsNotCountedInSize_MD4_L1) {
  ShadowDocument doc = Apply({R"({"desired":{"a":"xy"},"reported":{"b":[1,2]}})"});
  // {"a":"xy"} is 10 bytes, {"b":[1,2]} is 11 bytes: 12a.1 counts the two
  // section values only.
  EXPECT_EQ(doc.StateSize(), 21u);
  ShadowDocument unicode = Apply({R"({"reported":{"e":"\u00e9"}})"});
  EXPECT_EQ(unicode.StateSize(), 10u);  // é is two raw UTF-8 bytes
}

TEST(DocumentTest, SizeMeasuredWhileSerialisingMatchesCounting_L1) {
  ShadowDocument doc = Apply({R"({"desired":{"a":"xy","o":{"k":[1,2.5,"\u00e9"]}},"reported":{"b":[1,{"c":null}]}})"});
  const std::size_t counted = doc.StateSize();
  EXPECT_EQ(counted, CompactJsonSize(*doc.desired()) + CompactJsonSize(*doc.reported()));
  const std::string json = doc.CachedJson();
  EXPECT_EQ(json, doc.ToJson());
  EXPECT_EQ(doc.StateSize(), counted);  // now from the cache
  ShadowDocument copy = doc;
  EXPECT_EQ(copy.StateSize(), counted);
  // A change drops the cache; the size follows the document.
  doc.ApplyState(MustParse(R"({"reported":null})"), kT1);
  EXPECT_EQ(doc.StateSize(), CompactJsonSize(*doc.desired()));
  EXPECT_EQ(doc.CachedJson(), doc.ToJson());
  EXPECT_EQ(doc.StateSize(), CompactJsonSize(*doc.desired()));
}

TEST(DocumentTest, DeltaIsComputedFromTheWholeDocument_D1) {
  ShadowDocument doc = Apply({R"({"desired":{"Status":"on","Color":"red"},"reported":{"Color":"red"}})",
                              R"({"reported":{"Other":1}})"});
  // The update did not mention Status; it is still out of sync.
  EXPECT_JSON_EQ(DeltaOf(doc), R"({"Status":"on"})");
}

TEST(DocumentTest, DeltaAlgorithm_D2) {
  struct Case {
    const char* state;
    const char* delta;
  } cases[] = {
      // No desired: no delta. Desired without reported: all of desired.
      {R"({"reported":{"a":1}})", "{}"},
      {R"({"desired":{"a":1,"b":{"c":2}}})", R"({"a":1,"b":{"c":2}})"},
      // Keys only in reported never appear.
      {R"({"desired":{"a":1},"reported":{"a":1,"z":2}})", "{}"},
      // The path to a changed leaf, nothing else.
      {R"({"desired":{"l":{"c":"RED","x":1}},"reported":{"l":{"c":"GREEN","x":1}}})",
       R"({"l":{"c":"RED"}})"},
      // A desired object that is a subset of an equal reported one: no entry
      // (moto emits "a":{} here, AWS does not).
      {R"({"desired":{"a":{"b":1}},"reported":{"a":{"b":1,"c":2}}})", "{}"},
      // Arrays whole, order matters.
      {R"({"desired":{"l":["v1"]},"reported":{"l":["v1","v2"]}})", R"({"l":["v1"]})"},
      {R"({"desired":{"l":[1,2]},"reported":{"l":[2,1]}})", R"({"l":[1,2]})"},
      {R"({"desired":{"l":[[1]]},"reported":{"l":[[1],[2]]}})", R"({"l":[[1]]})"},
      {R"({"desired":{"a":{"b":["c","d"]}},"reported":{"a":{"b":["d"]}}})",
       R"({"a":{"b":["c","d"]}})"},
      // Type differences take the desired value whole.
      {R"({"desired":{"a":{"b":1}},"reported":{"a":5}})", R"({"a":{"b":1}})"},
      {R"({"desired":{"a":5},"reported":{"a":{"b":1}}})", R"({"a":5})"},
      // Numbers by value, booleans never equal numbers (M14, 12a.14).
      {R"({"desired":{"n":1},"reported":{"n":1.0}})", "{}"},
      {R"({"desired":{"b":true},"reported":{"b":1}})", R"({"b":true})"},
      // Appendix A rows: new nested key; sibling added.
      {R"({"desired":{"a1":{"b1":{"c":"d"}},"a2":{"b2":"sth"}},"reported":{"a1":{"b1":{"c":"d"}}}})",
       R"({"a2":{"b2":"sth"}})"},
      {R"({"desired":{"a":{"b1":{"c":"d"},"b2":"sth"}},"reported":{"a":{"b1":{"c":"d"}}}})",
       R"({"a":{"b2":"sth"}})"},
  };
  for (const Case& c : cases) {
    ShadowDocument doc = Apply({c.state});
    EXPECT_JSON_EQ(DeltaOf(doc), c.delta) << c.state;
  }
}

TEST(DocumentTest, KeyRemovedFromReportedReturnsToDelta_D3) {
  ShadowDocument doc = Apply({R"({"desired":{"a":1},"reported":{"a":1}})"});
  EXPECT_EQ(DeltaOf(doc), "{}");
  doc.ApplyState(MustParse(R"({"reported":{"a":null}})"), kT1);
  EXPECT_JSON_EQ(DeltaOf(doc), R"({"a":1})");
}

TEST(DocumentTest, DeltaMetadataCarriesDesiredTimestamps_D4) {
  ShadowDocument doc = Apply({R"({"desired":{"Status":"on","o":{"x":[1,2]}}})",
                              R"({"reported":{"Status":"off","o":{"x":[1]}}})"});
  std::string meta;
  EXPECT_JSON_EQ(DeltaOf(doc, &meta), R"({"Status":"on","o":{"x":[1,2]}})");
  // Old desired timestamps (1000), not the time of the update (2000); a
  // whole array takes its whole metadata subtree.
  EXPECT_JSON_EQ(meta,
                 R"({"Status":{"timestamp":1000},"o":{"x":[{"timestamp":1000},{"timestamp":1000}]}})");
}

TEST(DocumentTest, NoDeltaWhenInSync_D5) {
  ShadowDocument doc = Apply({R"({"desired":{"a":{"b":[1]}},"reported":{"a":{"b":[1]}}})"});
  std::string meta;
  EXPECT_EQ(DeltaOf(doc, &meta), "{}");
  EXPECT_EQ(meta, "{}");
}

TEST(DocumentTest, DeltaIsNeverStored_D6) {
  ShadowDocument doc = Apply({R"({"desired":{"a":1}})"});
  EXPECT_JSON_EQ(DeltaOf(doc), R"({"a":1})");
  EXPECT_FALSE(doc.state().HasMember("delta"));
  EXPECT_FALSE(doc.metadata().HasMember("delta"));
  EXPECT_EQ(doc.ToJson().find("delta"), std::string::npos);
}

TEST(DocumentTest, DocumentOwnsTheTextItStores) {
  // A state built with StringRef points into the caller's buffers; the
  // document must copy, or it would change when they do.
  std::string key = "temperature";
  std::string text = "warm";
  std::string array_text = "item";
  JsonDocument state(rapidjson::kObjectType);
  JsonValue reported(rapidjson::kObjectType);
  JsonValue list(rapidjson::kArrayType);
  list.PushBack(rapidjson::StringRef(array_text.data(), array_text.size()), state.GetAllocator());
  reported.AddMember(rapidjson::StringRef(key.data(), key.size()),
                     rapidjson::StringRef(text.data(), text.size()), state.GetAllocator());
  reported.AddMember("list", list, state.GetAllocator());
  state.AddMember("reported", reported, state.GetAllocator());
  ShadowDocument doc;
  doc.ApplyState(state, kT0);
  ShadowDocument copy = doc;
  key.assign("XXXXXXXXXXX");
  text.assign("XXXX");
  array_text.assign("XXXX");
  EXPECT_EQ(ToCompactJson(*doc.reported()), R"({"temperature":"warm","list":["item"]})");
  EXPECT_EQ(ToCompactJson(*copy.reported()), R"({"temperature":"warm","list":["item"]})");
  EXPECT_JSON_EQ(ToCompactJson(*doc.reported_metadata()),
                 R"({"temperature":{"timestamp":1000},"list":[{"timestamp":1000}]})");
}

TEST(DocumentTest, StoredFormRoundTrips_4_7) {
  ShadowDocument doc = Apply({R"({"desired":{"a":{"b":[1,{"c":null}]},"e":{}}})",
                              R"({"reported":{"a":1.5,"u":"\u00e9"}})"});
  doc.set_version(42);
  Result<ShadowDocument> back = ShadowDocument::FromJsonText(doc.ToJson());
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_TRUE(*back == doc);
  EXPECT_EQ(back->ToJson(), doc.ToJson());
  ShadowDocument copy = doc;
  EXPECT_TRUE(copy == doc);
  copy.ApplyState(MustParse(R"({"reported":{"a":2}})"), kT1);
  EXPECT_FALSE(copy == doc);  // deep copy: the original is untouched
  EXPECT_JSON_EQ(ToCompactJson(*doc.reported()), R"({"a":1.5,"u":"\u00e9"})");
}

TEST(DocumentTest, FromJsonNamesThePointerOfTheProblem) {
  struct Case {
    const char* text;
    const char* pointer;
  } cases[] = {
      {R"({"state":{},"metadata":{}})", "/version"},
      {R"({"state":{},"metadata":{},"version":-1})", "/version"},
      {R"({"state":[],"version":1})", "/state"},
      {R"({"state":{"desired":1},"version":1})", "/state/desired"},
      {R"({"state":{"delta":{}},"version":1})", "/state/delta"},
      {R"({"state":{},"version":1,"extra":1})", "/extra"},
      {R"({"state":{"reported":{"a":1}},"version":1})", "/metadata/reported"},
      {R"({"state":{"reported":{"a":1}},"metadata":{"reported":{}},"version":1})",
       "/metadata/reported/a"},
      {R"({"state":{"reported":{"a":1}},"metadata":{"reported":{"a":{"timestamp":"x"}}},"version":1})",
       "/metadata/reported/a"},
      {R"({"state":{"reported":{"a":[1,2]}},"metadata":{"reported":{"a":[{"timestamp":1}]}},"version":1})",
       "/metadata/reported/a"},
      {R"({"state":{"reported":{"a":null}},"metadata":{"reported":{"a":{"timestamp":1}}},"version":1})",
       "/state/reported/a"},
      {R"({"state":{"reported":{"a":[null]}},"metadata":{"reported":{"a":[{"timestamp":1}]}},"version":1})",
       "/state/reported/a/0"},
      {R"({"state":{"reported":{"a":1}},"metadata":{"reported":{"a":{"timestamp":1},"b":{"timestamp":1}}},"version":1})",
       "/metadata/reported/b"},
  };
  for (const Case& c : cases) {
    Result<ShadowDocument> doc = ShadowDocument::FromJsonText(c.text);
    ASSERT_FALSE(doc.ok()) << c.text;
    EXPECT_EQ(doc.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(doc.status().message().rfind(c.pointer, 0), 0u)
        << c.text << " -> " << doc.status().message();
  }
  EXPECT_FALSE(ShadowDocument::FromJsonText("{nope").ok());
}

TEST(DocumentTest, FromJsonDropsEmptySectionsAndNormalisesEmptyObjectMetadata_M6_MD5) {
  Result<ShadowDocument> doc = ShadowDocument::FromJsonText(
      R"({"state":{"desired":{},"reported":{"e":{}}},"metadata":{"reported":{"e":{"timestamp":5}}},"version":3})");
  ASSERT_TRUE(doc.ok()) << doc.status().ToString();
  EXPECT_EQ(doc->ToJson(), R"({"state":{"reported":{"e":{}}},"metadata":{"reported":{"e":{}}},"version":3})");
}

TEST(DocumentTest, ManyUpdatesKeepMemoryBounded) {
  // The pool allocator never frees; CompactIfBloated must keep a long-lived
  // document from growing without bound while keeping its content.
  ShadowDocument doc;
  const std::string big = std::string(2000, 'x');
  for (int i = 0; i < 5000; ++i) {
    doc.ApplyState(MustParse(R"({"reported":{"blob":")" + big + R"(","i":)" +
                             std::to_string(i) + "}}"),
                   i);
  }
  EXPECT_JSON_EQ(ToCompactJson(*doc.reported()),
                 R"({"blob":")" + big + R"(","i":4999})");
  // Each update leaves ~2 KB garbage: 5000 updates would be ~10 MB unbounded.
  EXPECT_LT(doc.allocated_bytes(), 512u * 1024u);
  ShadowDocument copy = doc;
  EXPECT_TRUE(copy == doc);
}

}  // namespace
}  // namespace shadowsync
