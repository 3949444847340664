// SPDX-License-Identifier: Apache-2.0
//
// Diff, Merge and MergeOnto (diff.h) against the service's merge rules as
// ApplyPatch implements them (spec section 5: M2 null deletes, M3 objects
// merge, M4 everything else replaces, M5 {} is a value, M10 nulls in new
// subtrees are dropped, M11 / 12a.13 emptied objects stay {}, M14 / 12a.14
// numbers by value; 12a.3 null-only object over a scalar deletes; 12a.4
// arrays stored as sent).
//
// Property tests use seeded std::mt19937 generators (support/random_json.h);
// a failure prints the seed and the JSON of every value involved.

#include "shadowsync/diff.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <initializer_list>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "support/json_expect.h"
#include "support/random_json.h"

namespace shadowsync {
namespace {

using testing_support::IsStorableSection;
using testing_support::kUnusedKey;
using testing_support::MustParse;
using testing_support::RandomJson;
using testing_support::Reencoded;

constexpr std::uint32_t kCases = 5000;

JsonDocument Clone(const JsonValue& value) {
  JsonDocument doc;
  doc.CopyFrom(value, doc.GetAllocator());
  return doc;
}

JsonDocument Apply(const JsonValue& base, const JsonValue& patch) {
  JsonDocument doc = Clone(base);
  ApplyPatch(doc, patch, doc.GetAllocator());
  return doc;
}

JsonDocument Apply2(const JsonValue& base, const JsonValue& first, const JsonValue& second) {
  JsonDocument doc = Clone(base);
  ApplyPatch(doc, first, doc.GetAllocator());
  ApplyPatch(doc, second, doc.GetAllocator());
  return doc;
}

std::string Describe(std::uint32_t seed,
                     std::initializer_list<std::pair<const char*, const JsonValue*>> values) {
  std::string out = "\n  seed: " + std::to_string(seed);
  for (const auto& [name, value] : values) {
    out += "\n  ";
    out += name;
    out += ": ";
    out += ToCompactJson(*value);
  }
  return out;
}

std::string DiffText(const char* from, const char* to) {
  return ToCompactJson(Diff(MustParse(from), MustParse(to)));
}

// ---------------------------------------------------------------------------
// Examples: Diff

TEST(DiffTest, RemovedKeyGivesNullM2) {
  EXPECT_JSON_EQ(DiffText(R"({"a":1,"b":2})", R"({"a":1})"), R"({"b":null})");
  EXPECT_JSON_EQ(DiffText(R"({"a":{"b":{"c":1}}})", R"({})"), R"({"a":null})");
}

TEST(DiffTest, NestedChangeGivesOnlyThePathM3) {
  EXPECT_JSON_EQ(DiffText(R"({"a":{"b":{"c":1,"d":2},"e":3},"f":4})",
                          R"({"a":{"b":{"c":5,"d":2},"e":3},"f":4})"),
                 R"({"a":{"b":{"c":5}}})");
  EXPECT_JSON_EQ(DiffText(R"({"a":{"b":1}})", R"({"a":{"b":1,"c":{"d":true}}})"),
                 R"({"a":{"c":{"d":true}}})");
}

TEST(DiffTest, ChangedArrayIsSentWholeM4) {
  EXPECT_JSON_EQ(DiffText(R"({"a":[1,2,3],"b":0})", R"({"a":[1,2,4],"b":0})"), R"({"a":[1,2,4]})");
  EXPECT_JSON_EQ(DiffText(R"({"a":[{"x":1}]})", R"({"a":[{"x":1,"y":null}]})"),
                 R"({"a":[{"x":1,"y":null}]})");  // 12a.4: arrays as sent
  EXPECT_JSON_EQ(DiffText(R"({"a":[1,2]})", R"({"a":[2,1]})"), R"({"a":[2,1]})");
  EXPECT_JSON_EQ(DiffText(R"({"a":[[1],{"b":[]}]})", R"({"a":[[1],{"b":[]}]})"), "{}");
}

TEST(DiffTest, NumbersCompareByValueM14Decision12a14) {
  EXPECT_JSON_EQ(
      DiffText(R"({"a":1,"b":[1,2.0],"c":{"d":-0.0}})", R"({"a":1.0,"b":[1.0,2],"c":{"d":0}})"),
      "{}");
  EXPECT_JSON_EQ(DiffText(R"({"a":1})", R"({"a":1.5})"), R"({"a":1.5})");
  // 2^53 + 1 has no double of equal value.
  EXPECT_JSON_EQ(DiffText(R"({"a":9007199254740993})", R"({"a":9007199254740992.0})"),
                 R"({"a":9007199254740992.0})");
}

TEST(DiffTest, BooleanVersusNumberIsAChangeM14) {
  EXPECT_JSON_EQ(DiffText(R"({"a":true,"b":0})", R"({"a":1,"b":false})"), R"({"a":1,"b":false})");
  EXPECT_JSON_EQ(DiffText(R"({"a":"1"})", R"({"a":1})"), R"({"a":1})");
}

TEST(DiffTest, EmptyObjectVersusMissingM5) {
  EXPECT_JSON_EQ(DiffText(R"({})", R"({"a":{}})"), R"({"a":{}})");
  EXPECT_JSON_EQ(DiffText(R"({"a":{}})", R"({})"), R"({"a":null})");
  EXPECT_JSON_EQ(DiffText(R"({"a":{}})", R"({"a":{}})"), "{}");
  EXPECT_JSON_EQ(DiffText(R"({"a":3})", R"({"a":{}})"), R"({"a":{}})");
  EXPECT_JSON_EQ(DiffText(R"({"a":{"b":{}}})", R"({"a":{"b":{},"c":[]}})"), R"({"a":{"c":[]}})");
}

TEST(DiffTest, ObjectEmptiedGetsNullsForItsMembersM11Decision12a13) {
  // {} over an object changes nothing (M5); the object must keep existing as
  // {} (M11), so the patch deletes its members one by one.
  const JsonDocument from = MustParse(R"({"a":{"b":1,"c":{"d":2}}})");
  const JsonDocument to = MustParse(R"({"a":{}})");
  const JsonDocument patch = Diff(from, to);
  EXPECT_JSON_EQ(ToCompactJson(patch), R"({"a":{"b":null,"c":null}})");
  EXPECT_TRUE(JsonEquals(Apply(from, patch), to));
}

TEST(DiffTest, ObjectToScalarAndBackM4) {
  const JsonDocument object = MustParse(R"({"a":{"b":1,"c":[2]}})");
  const JsonDocument scalar = MustParse(R"({"a":"off"})");
  const JsonDocument array = MustParse(R"({"a":[{"b":1}]})");
  EXPECT_JSON_EQ(ToCompactJson(Diff(object, scalar)), R"({"a":"off"})");
  EXPECT_JSON_EQ(ToCompactJson(Diff(scalar, object)), R"({"a":{"b":1,"c":[2]}})");
  EXPECT_JSON_EQ(ToCompactJson(Diff(object, array)), R"({"a":[{"b":1}]})");
  EXPECT_JSON_EQ(ToCompactJson(Diff(array, object)), R"({"a":{"b":1,"c":[2]}})");
  for (const JsonValue* from : {&object, &scalar, &array}) {
    for (const JsonValue* to : {&object, &scalar, &array}) {
      EXPECT_TRUE(JsonEquals(Apply(*from, Diff(*from, *to)), *to))
          << ToCompactJson(*from) << " -> " << ToCompactJson(*to);
    }
  }
}

TEST(DiffTest, IdenticalSectionsGiveEmptyPatch) {
  const JsonDocument doc = MustParse(R"({"a":{"b":[1,{"c":null}],"d":{}},"e":"\u00fc"})");
  EXPECT_EQ(ToCompactJson(Diff(doc, doc)), "{}");
  EXPECT_EQ(ToCompactJson(Diff(MustParse("{}"), MustParse("{}"))), "{}");
}

TEST(DiffTest, KeysNeedingPointerEscapesAndNonAscii) {
  EXPECT_JSON_EQ(DiffText(R"({"a/b":{"~0":1},"ключ":2})", R"({"a/b":{"~0":2},"ключ":2,"":3})"),
                 R"({"a/b":{"~0":2},"":3})");
}

// ---------------------------------------------------------------------------
// Examples: Merge and MergeOnto

std::string MergeText(const char* first, const char* second) {
  Result<JsonDocument> merged = Merge(MustParse(first), MustParse(second));
  if (!merged.ok()) return merged.status().ToString();
  return ToCompactJson(*merged);
}

TEST(DiffTest, MergeDisjointAndLastWriteWinsM2M4) {
  EXPECT_JSON_EQ(MergeText(R"({"a":1})", R"({"b":2})"), R"({"a":1,"b":2})");
  EXPECT_JSON_EQ(MergeText(R"({"a":1,"b":{"c":1}})", R"({"a":null,"b":[1]})"),
                 R"({"a":null,"b":[1]})");
  EXPECT_JSON_EQ(MergeText(R"({"a":{"x":1}})", R"({"a":5})"), R"({"a":5})");
  EXPECT_JSON_EQ(MergeText(R"({})", R"({"a":{"b":null}})"), R"({"a":{"b":null}})");
  EXPECT_JSON_EQ(MergeText(R"({"a":{"b":null}})", R"({})"), R"({"a":{"b":null}})");
}

TEST(DiffTest, MergeObjectsRecursivelyM3) {
  EXPECT_JSON_EQ(MergeText(R"({"a":{"x":1,"y":{"z":1}}})", R"({"a":{"y":{"w":2},"v":3}})"),
                 R"({"a":{"x":1,"y":{"z":1,"w":2},"v":3}})");
  EXPECT_JSON_EQ(MergeText(R"({"a":{"x":1,"y":2}})", R"({"a":{"x":null}})"),
                 R"({"a":{"x":null,"y":2}})");
  EXPECT_JSON_EQ(MergeText(R"({"a":{"m":null}})", R"({"a":{"n":null}})"),
                 R"({"a":{"m":null,"n":null}})");
  EXPECT_JSON_EQ(MergeText(R"({"a":{}})", R"({"a":{}})"), R"({"a":{}})");
}

TEST(DiffTest, MergeNullOnlyObjectAfterNonObjectIsDeleteDecision12a3M10) {
  // {"a":5} then {"a":{"b":null}}: the null-only object over the scalar
  // deletes it (12a.3); after a delete it creates nothing (M10).
  EXPECT_JSON_EQ(MergeText(R"({"a":5})", R"({"a":{"b":null}})"), R"({"a":null})");
  EXPECT_JSON_EQ(MergeText(R"({"a":null})", R"({"a":{"b":{"c":null}}})"), R"({"a":null})");
  EXPECT_JSON_EQ(MergeText(R"({"a":[1]})", R"({"a":{"b":null}})"), R"({"a":null})");
}

void ExpectRefusedAt(const char* first, const char* second, const std::string& pointer) {
  Result<JsonDocument> merged = Merge(MustParse(first), MustParse(second));
  ASSERT_FALSE(merged.ok()) << first << " + " << second << " gave " << ToCompactJson(*merged);
  EXPECT_EQ(merged.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(merged.status().message().find("at '" + pointer + "': "), std::string::npos)
      << merged.status().message();
  EXPECT_NE(merged.status().message().find("MergeOnto"), std::string::npos);
}

TEST(DiffTest, MergeRefusesObjectAfterNonObjectM3M4) {
  // As one patch, {"x":1} would merge into whatever object the section holds.
  ExpectRefusedAt(R"({"a":null})", R"({"a":{"x":1}})", "/a");
  ExpectRefusedAt(R"({"a":5})", R"({"a":{"x":1}})", "/a");
  ExpectRefusedAt(R"({"a":[1]})", R"({"a":{}})", "/a");
  ExpectRefusedAt(R"({"a":{"b":true}})", R"({"a":{"b":{"c":null,"d":1}}})", "/a/b");
  ExpectRefusedAt(R"({"a/b":{"~c":"s"}})", R"({"a/b":{"~c":{"d":1}}})", "/a~1b/~0c");
}

TEST(DiffTest, MergeRefusesWhereOneObjectCannotBothCreateAndDeleteM5M10M11) {
  // On a section without "k" the sequence leaves "k":{}, but a single
  // {"k":{"m":null}} creates nothing (M10).
  ExpectRefusedAt(R"({"k":{}})", R"({"k":{"m":null}})", "/k");
  ExpectRefusedAt(R"({"k":{"x":1}})", R"({"k":{"x":null}})", "/k");
  ExpectRefusedAt(R"({"k":{"m":null}})", R"({"k":{}})", "/k");
  ExpectRefusedAt(R"({"k":{"j":{"m":null}}})", R"({"k":{"j":{}}})", "/k/j");
  // Same shapes, but expressible: the sequence creates nothing either way,
  // or the combined object still creates something.
  EXPECT_JSON_EQ(MergeText(R"({"k":{"m":null}})", R"({"k":{"m":null}})"), R"({"k":{"m":null}})");
  EXPECT_JSON_EQ(MergeText(R"({"k":{"x":1}})", R"({"k":{"x":null,"y":2}})"),
                 R"({"k":{"x":null,"y":2}})");
  EXPECT_JSON_EQ(MergeText(R"({"k":{"m":null}})", R"({"k":{"n":1}})"), R"({"k":{"m":null,"n":1}})");
}

TEST(DiffTest, MergeRejectsNonObjectPatches) {
  Result<JsonDocument> merged = Merge(MustParse("[1]"), MustParse("{}"));
  ASSERT_FALSE(merged.ok());
  EXPECT_EQ(merged.status().code(), StatusCode::kInvalidArgument);
  merged = Merge(MustParse("{}"), MustParse("null"));
  ASSERT_FALSE(merged.ok());
  EXPECT_EQ(merged.status().code(), StatusCode::kInvalidArgument);
}

TEST(DiffTest, ResultsOwnTheirTextWhenInputsHoldStringReferences) {
  // Values built with rapidjson::StringRef point into the caller's buffer;
  // the patches Diff, Merge and MergeOnto return must not.
  std::string key = "temperature";
  std::string text = "warm";
  JsonDocument first;
  first.SetObject();
  JsonValue inner(rapidjson::kObjectType);
  inner.AddMember(JsonValue(rapidjson::StringRef(key.data(), key.size())),
                  JsonValue(rapidjson::StringRef(text.data(), text.size())), first.GetAllocator());
  first.AddMember("room", inner, first.GetAllocator());
  const JsonDocument second = MustParse(R"({"room":{"humidity":40}})");
  const JsonDocument empty = MustParse("{}");

  Result<JsonDocument> merged = Merge(first, second);
  ASSERT_TRUE(merged.ok());
  const JsonDocument diff = Diff(empty, first);
  const JsonDocument onto = MergeOnto(empty, first, second);
  key.assign("XXXXXXXXXXX");
  text.assign("XXXX");
  EXPECT_EQ(ToCompactJson(*merged), R"({"room":{"temperature":"warm","humidity":40}})");
  EXPECT_EQ(ToCompactJson(diff), R"({"room":{"temperature":"warm"}})");
  EXPECT_EQ(ToCompactJson(onto), R"({"room":{"temperature":"warm","humidity":40}})");
}

// Suspected bug in merge.cc, reported rather than fixed here: ApplyPatch
// copies patch values and member names with RapidJSON 1.1's copy, which
// shares constant-string references instead of copying their text, so the
// target keeps pointers into the caller's patch buffers. Patches from
// ParseJson are safe (their strings are copied). Enable once merge.cc copies
// text (e.g. JsonValue(s.GetString(), s.GetStringLength(), allocator)).
TEST(DiffTest, ApplyPatchOwnsTheTextItInserts) {
  std::string key = "temperature";
  std::string text = "warm";
  JsonDocument target;
  target.SetObject();
  {
    JsonDocument patch;
    patch.SetObject();
    patch.AddMember(JsonValue(rapidjson::StringRef(key.data(), key.size())),
                    JsonValue(rapidjson::StringRef(text.data(), text.size())),
                    patch.GetAllocator());
    ApplyPatch(target, patch, target.GetAllocator());
  }
  key.assign("XXXXXXXXXXX");
  text.assign("XXXX");
  EXPECT_EQ(ToCompactJson(target), R"({"temperature":"warm"})");  // gives {"XXXXXXXXXXX":"XXXX"}
}

TEST(DiffTest, MergeOntoHandlesWhatMergeRefuses) {
  const JsonDocument base = MustParse(R"({"k":{"x":1,"y":2},"z":3})");
  const JsonDocument first = MustParse(R"({"k":null})");
  const JsonDocument second = MustParse(R"({"k":{"y":2,"w":4}})");
  const JsonDocument merged = MergeOnto(base, first, second);
  EXPECT_JSON_EQ(ToCompactJson(merged), R"({"k":{"x":null,"w":4}})");
  EXPECT_TRUE(JsonEquals(Apply(base, merged), Apply2(base, first, second)));

  const JsonDocument empty = MustParse("{}");
  EXPECT_JSON_EQ(
      ToCompactJson(MergeOnto(empty, MustParse(R"({"k":{}})"), MustParse(R"({"k":{"m":null}})"))),
      R"({"k":{}})");
  EXPECT_JSON_EQ(ToCompactJson(MergeOnto(base, MustParse(R"({"z":1})"), MustParse(R"({"z":3})"))),
                 "{}");
}

// ---------------------------------------------------------------------------
// Property machinery

// Every member of `patch`, at every level, as a path of names.
void CollectMemberPaths(const JsonValue& patch, std::vector<std::string>& prefix,
                        std::vector<std::vector<std::string>>& out) {
  for (const auto& m : patch.GetObject()) {
    prefix.emplace_back(m.name.GetString(), m.name.GetStringLength());
    out.push_back(prefix);
    if (m.value.IsObject()) CollectMemberPaths(m.value, prefix, out);
    prefix.pop_back();
  }
}

JsonValue::MemberIterator FindMember(JsonValue& object, const std::string& name) {
  return object.FindMember(
      JsonValue(rapidjson::StringRef(name.data(), static_cast<rapidjson::SizeType>(name.size()))));
}

const JsonValue* FindConst(const JsonValue& object, const std::string& name) {
  if (!object.IsObject()) return nullptr;
  auto it = object.FindMember(
      JsonValue(rapidjson::StringRef(name.data(), static_cast<rapidjson::SizeType>(name.size()))));
  return it == object.MemberEnd() ? nullptr : &it->value;
}

// Minimality, structurally: every member of `patch` is needed. A null
// deletes a key that `from` has and `to` lacks; an object where both sides
// are objects is a non-empty sub-diff; anything else is `to`'s value where it
// differs from `from`'s.
::testing::AssertionResult IsMinimalDiff(const JsonValue& from, const JsonValue& to,
                                         const JsonValue& patch, const std::string& where = "") {
  for (const auto& m : patch.GetObject()) {
    const std::string name(m.name.GetString(), m.name.GetStringLength());
    const std::string pointer = JsonPointerAppend(where, name);
    const JsonValue* f = FindConst(from, name);
    const JsonValue* t = FindConst(to, name);
    if (m.value.IsNull()) {
      if (f == nullptr || t != nullptr) {
        return ::testing::AssertionFailure() << "needless null at " << pointer;
      }
    } else if (f != nullptr && f->IsObject() && t != nullptr && t->IsObject()) {
      if (!m.value.IsObject() || m.value.MemberCount() == 0) {
        return ::testing::AssertionFailure()
               << "not a non-empty sub-diff at " << pointer << ": " << ToCompactJson(m.value);
      }
      ::testing::AssertionResult sub = IsMinimalDiff(*f, *t, m.value, pointer);
      if (!sub) return sub;
    } else if (t == nullptr || (f != nullptr && JsonEquals(*f, *t)) || !JsonEquals(m.value, *t)) {
      return ::testing::AssertionFailure() << "unchanged or wrong value at " << pointer;
    }
  }
  return ::testing::AssertionSuccess();
}

// Minimality, behaviourally: removing any one member (at any level) of
// `patch` stops it from turning `from` into `to`.
::testing::AssertionResult EveryMemberMatters(const JsonValue& from, const JsonValue& to,
                                              const JsonValue& patch) {
  std::vector<std::vector<std::string>> paths;
  std::vector<std::string> prefix;
  CollectMemberPaths(patch, prefix, paths);
  for (const auto& path : paths) {
    JsonDocument smaller = Clone(patch);
    JsonValue* parent = &smaller;
    for (std::size_t i = 0; i + 1 < path.size(); ++i) parent = &FindMember(*parent, path[i])->value;
    parent->EraseMember(FindMember(*parent, path.back()));
    if (JsonEquals(Apply(from, smaller), to)) {
      std::string pointer;
      for (const auto& token : path) pointer = JsonPointerAppend(pointer, token);
      return ::testing::AssertionFailure() << "member " << pointer << " is not needed";
    }
  }
  return ::testing::AssertionSuccess();
}

// The JSON pointer of a Merge refusal, split into unescaped tokens.
std::optional<std::vector<std::string>> RefusedPointer(const Status& status) {
  const std::string& message = status.message();
  const std::size_t begin = message.find("at '");
  if (begin == std::string::npos) return std::nullopt;
  const std::size_t end = message.find("': ", begin + 4);
  if (end == std::string::npos) return std::nullopt;
  const std::string pointer = message.substr(begin + 4, end - begin - 4);
  if (pointer.empty() || pointer[0] != '/') return std::nullopt;
  std::vector<std::string> tokens(1);
  for (std::size_t i = 1; i < pointer.size(); ++i) {
    if (pointer[i] == '/') {
      tokens.emplace_back();
    } else if (pointer[i] == '~' && i + 1 < pointer.size()) {
      tokens.back().push_back(pointer[++i] == '1' ? '/' : '~');
    } else {
      tokens.back().push_back(pointer[i]);
    }
  }
  return tokens;
}

using Slot = std::optional<JsonDocument>;  // the value at a key; nullopt: absent

bool SameSlot(const Slot& a, const Slot& b) {
  if (!a || !b) return !a && !b;
  return JsonEquals(*a, *b);
}

bool SlotIs(const Slot& slot, const JsonValue* value) {
  if (value == nullptr || !slot) return value == nullptr && !slot;
  return JsonEquals(*slot, *value);
}

std::string SlotText(const Slot& slot) { return slot ? ToCompactJson(*slot) : "(absent)"; }

// What `first` then `second` leave at `path` of a section that holds `held`
// there (nullptr: nothing), with objects along the way.
Slot SequentialAt(const JsonValue& first, const JsonValue& second,
                  const std::vector<std::string>& path, const JsonValue* held) {
  JsonDocument base;
  base.SetObject();
  JsonAllocator& allocator = base.GetAllocator();
  JsonValue* at = &base;
  for (std::size_t i = 0; i < path.size(); ++i) {
    const std::string& token = path[i];
    JsonValue name(token.data(), static_cast<rapidjson::SizeType>(token.size()), allocator);
    if (i + 1 < path.size()) {
      at->AddMember(name, JsonValue(rapidjson::kObjectType), allocator);
      at = &(at->MemberEnd() - 1)->value;
    } else if (held != nullptr) {
      at->AddMember(name, JsonValue(*held, allocator), allocator);
    }
  }
  ApplyPatch(base, first, allocator);
  ApplyPatch(base, second, allocator);
  const JsonValue* result = &base;
  for (const std::string& token : path) {
    result = FindConst(*result, token);
    if (result == nullptr) return std::nullopt;
  }
  return Clone(*result);
}

// A storable object holding a value wherever the patch `value` names a key:
// what the patch's nulls and null-only objects would delete.
JsonDocument ShapeOf(const JsonValue& value) {
  JsonDocument doc;
  doc.SetObject();
  if (!value.IsObject()) return doc;
  for (const auto& m : value.GetObject()) {
    JsonValue member;
    if (m.value.IsObject()) {
      member.CopyFrom(ShapeOf(m.value), doc.GetAllocator());
    } else if (m.value.IsNull()) {
      member.SetInt(1);
    } else {
      member.CopyFrom(m.value, doc.GetAllocator());
    }
    doc.AddMember(JsonValue(m.name, doc.GetAllocator()), member, doc.GetAllocator());
  }
  return doc;
}

// An independent proof, from ApplyPatch's behaviour alone, that no single
// patch value at `path` does what `first` then `second` do there. One value
// v acting on the value t held at its key (M2 to M5, M10, 12a.3) is either
//   F1 no member at all: every t is kept;
//   F2 null, scalar or array: one result for every t, never an object;
//   F3 an object: one result R for every non-object t (absent, scalar,
//      array); an object for every object t; a member of t that v does not
//      name is kept, so a fresh name (kUnusedKey; renaming names v1 and v2
//      do not use changes nothing, and v names finitely many) survives;
//      R is merge({}, v), or nothing only when merge({}, v) is {} (v
//      null-only); R == {} only for v == {}, which leaves every object as is.
// Probing the sequence with a few held values and finding none of F1 to F3
// consistent proves the refusal right. Returns the reason it is not proven.
std::string NotProvenInexpressible(const JsonValue& first, const JsonValue& second,
                                   const std::vector<std::string>& path) {
  const JsonValue* v1 = &first;
  const JsonValue* v2 = &second;
  for (const std::string& token : path) {
    if (!v1->IsObject() || !v2->IsObject()) return "the pointer does not run through objects";
    v1 = FindConst(*v1, token);
    v2 = FindConst(*v2, token);
    if (v1 == nullptr || v2 == nullptr) return "the pointer is not in both patches";
  }
  if (!v2->IsObject()) return "the second patch holds no object at the pointer";
  if (FindConst(*v1, std::string(kUnusedKey)) || FindConst(*v2, std::string(kUnusedKey))) {
    return "the fresh probe name is used";
  }

  std::vector<JsonDocument> non_objects;
  for (const char* text : {"7", "\"s\"", "true", "[1]", "[]"}) {
    non_objects.push_back(MustParse(text));
  }
  std::vector<JsonDocument> objects;
  objects.push_back(MustParse("{}"));
  JsonDocument fresh;
  fresh.SetObject();
  fresh.AddMember(JsonValue(kUnusedKey.data(), static_cast<rapidjson::SizeType>(kUnusedKey.size())),
                  JsonValue(1), fresh.GetAllocator());
  objects.push_back(Clone(fresh));
  objects.push_back(ShapeOf(*v1));
  objects.push_back(ShapeOf(*v2));

  const Slot on_absent = SequentialAt(first, second, path, nullptr);
  std::vector<Slot> on_non_objects;
  for (const auto& t : non_objects) on_non_objects.push_back(SequentialAt(first, second, path, &t));
  std::vector<Slot> on_objects;
  for (const auto& t : objects) on_objects.push_back(SequentialAt(first, second, path, &t));

  // F1: nothing changes.
  bool f1 = !on_absent;
  for (std::size_t i = 0; i < non_objects.size(); ++i) {
    f1 = f1 && SlotIs(on_non_objects[i], &non_objects[i]);
  }
  for (std::size_t i = 0; i < objects.size(); ++i) f1 = f1 && SlotIs(on_objects[i], &objects[i]);
  if (f1) return "F1: the sequence leaves everything as is";

  // F2: one non-object result.
  bool f2 = !on_absent || !on_absent->IsObject();
  for (const Slot& s : on_non_objects) f2 = f2 && SameSlot(s, on_absent);
  for (const Slot& s : on_objects) f2 = f2 && SameSlot(s, on_absent);
  if (f2) return "F2: the sequence gives one non-object result " + SlotText(on_absent);

  // F3: an object.
  std::string why = "F3: the sequence is consistent with an object patch value:";
  for (const Slot& s : on_non_objects) {
    if (!SameSlot(s, on_absent)) return "";  // non-object targets disagree
  }
  for (const Slot& s : on_objects) {
    if (!s || !s->IsObject()) return "";
  }
  const JsonValue* kept = FindConst(*on_objects[1], std::string(kUnusedKey));
  if (kept == nullptr || !JsonEquals(*kept, JsonValue(1))) return "";
  const Slot& on_empty = on_objects[0];
  const bool empty_result = on_empty->MemberCount() == 0;
  if (!(SameSlot(on_absent, on_empty) || (!on_absent && empty_result))) return "";
  if (on_absent && on_absent->IsObject() && on_absent->MemberCount() == 0) {
    for (std::size_t i = 0; i < objects.size(); ++i) {
      if (!SlotIs(on_objects[i], &objects[i])) return "";  // only {} gives {}, and it keeps objects
    }
  }
  return why + " non-object -> " + SlotText(on_absent) + ", {} -> " + SlotText(on_empty);
}

struct MergeCounts {
  std::uint32_t merged = 0;
  std::uint32_t refused = 0;
  std::uint32_t refused_object_after_non_object = 0;
  std::uint32_t refused_null_only = 0;
};

// Checks one Merge(first, second) against applying both to each of `bases`
// (or the refusal against the proof above), and counts the outcome.
void CheckMerge(std::uint32_t seed, const JsonValue& first, const JsonValue& second,
                const std::vector<const JsonValue*>& bases, MergeCounts& counts) {
  Result<JsonDocument> merged = Merge(first, second);
  if (merged.ok()) {
    ++counts.merged;
    for (const JsonValue* base : bases) {
      const JsonDocument expected = Apply2(*base, first, second);
      const JsonDocument actual = Apply(*base, *merged);
      ASSERT_TRUE(JsonEquals(actual, expected)) << "Merge is not exact (spec M2-M5, M10, 12a.3)"
                                                << Describe(seed, {{"first", &first},
                                                                   {"second", &second},
                                                                   {"merged", &*merged},
                                                                   {"base", base},
                                                                   {"base+first+second", &expected},
                                                                   {"base+merged", &actual}});
    }
    return;
  }
  ++counts.refused;
  ASSERT_EQ(merged.status().code(), StatusCode::kFailedPrecondition)
      << merged.status().ToString() << Describe(seed, {{"first", &first}, {"second", &second}});
  ASSERT_NE(merged.status().message().find("MergeOnto"), std::string::npos);
  const std::optional<std::vector<std::string>> path = RefusedPointer(merged.status());
  ASSERT_TRUE(path.has_value()) << merged.status().message();
  const std::string not_proven = NotProvenInexpressible(first, second, *path);
  ASSERT_EQ(not_proven, "") << "Merge refused a case it could express: "
                            << merged.status().message()
                            << Describe(seed, {{"first", &first}, {"second", &second}});
  if (merged.status().message().find("writes an object there") != std::string::npos) {
    ++counts.refused_object_after_non_object;
  } else {
    ++counts.refused_null_only;
  }
}

void PrintCounts(const char* what, std::uint32_t cases, const MergeCounts& counts) {
  std::printf(
      "[ counts   ] %s: %u cases, Merge exact %u, refused %u (%.2f%%: %u object after "
      "non-object, %u null-only)\n",
      what, cases, counts.merged, counts.refused, 100.0 * counts.refused / cases,
      counts.refused_object_after_non_object, counts.refused_null_only);
}

// ---------------------------------------------------------------------------
// Properties

TEST(DiffTest, GeneratorMakesStorableSectionsDecision12a4) {
  std::uint32_t with_null_in_array_object = 0;
  for (std::uint32_t seed = 1; seed <= kCases; ++seed) {
    RandomJson g(seed);
    const JsonDocument a = g.Section();
    const JsonDocument b = g.Edit(a, 15);
    ASSERT_TRUE(IsStorableSection(a)) << Describe(seed, {{"a", &a}});
    ASSERT_TRUE(IsStorableSection(b)) << Describe(seed, {{"a", &a}, {"b", &b}});
    if (ToCompactJson(a).find("null") != std::string::npos) ++with_null_in_array_object;
  }
  EXPECT_GT(with_null_in_array_object, kCases / 50);  // 12a.4 is exercised
}

struct DiffCounts {
  std::uint32_t pairs = 0;
  std::uint32_t nonempty = 0;
  std::uint32_t with_null = 0;
  std::uint32_t nested = 0;
  std::uint32_t checked_member_by_member = 0;
};

// Properties 1 to 3 for one pair of storable sections.
void CheckDiff(std::uint32_t seed, const JsonValue& a, const JsonValue& b, bool member_by_member,
               DiffCounts& counts) {
  ++counts.pairs;
  const JsonDocument patch = Diff(a, b);
  const JsonDocument applied = Apply(a, patch);
  // (1) ApplyPatch(a, Diff(a, b)) == b.
  ASSERT_TRUE(JsonEquals(applied, b))
      << "apply(a, Diff(a, b)) != b"
      << Describe(seed, {{"a", &a}, {"b", &b}, {"patch", &patch}, {"applied", &applied}});
  // (2) Diff(x, x) is empty, also when numbers change form (M14, 12a.14).
  ASSERT_EQ(Diff(a, a).MemberCount(), 0u) << Describe(seed, {{"a", &a}});
  const JsonDocument b_reencoded = Reencoded(b);
  const JsonDocument same = Diff(b, b_reencoded);
  ASSERT_EQ(same.MemberCount(), 0u)
      << Describe(seed, {{"b", &b}, {"reencoded", &b_reencoded}, {"patch", &same}});
  // (3) Only what changed: no unchanged key, no {} for an unchanged subtree;
  // on a sample, dropping any one member breaks (1).
  ASSERT_TRUE(IsMinimalDiff(a, b, patch))
      << Describe(seed, {{"a", &a}, {"b", &b}, {"patch", &patch}});
  if (member_by_member) {
    ++counts.checked_member_by_member;
    ASSERT_TRUE(EveryMemberMatters(a, b, patch))
        << Describe(seed, {{"a", &a}, {"b", &b}, {"patch", &patch}});
  }
  if (patch.MemberCount() > 0) ++counts.nonempty;
  const std::string text = ToCompactJson(patch);
  if (text.find(":null") != std::string::npos) ++counts.with_null;
  if (text.find(":{") != std::string::npos) ++counts.nested;
}

void PrintCounts(const char* what, const DiffCounts& counts) {
  std::printf(
      "[ counts   ] %s: %u pairs, %u non-empty patches, %u with nulls, %u with nested "
      "objects, %u checked member by member\n",
      what, counts.pairs, counts.nonempty, counts.with_null, counts.nested,
      counts.checked_member_by_member);
}

// Property 4 for one chain a -> b -> c of storable sections: the patches a
// device queues while offline, p1 = Diff(a, b) and p2 = Diff(b, c). Merge,
// when it succeeds, is exact for a and for any other section;
// MergeOnto(a, p1, p2) always gives c and equals Diff(a, c).
void CheckQueuedDiffs(std::uint32_t seed, RandomJson& g, const JsonValue& a, const JsonValue& b,
                      const JsonValue& c, MergeCounts& counts) {
  const JsonDocument p1 = Diff(a, b);
  const JsonDocument p2 = Diff(b, c);
  const JsonDocument other = g.Section();
  const JsonDocument shaped1 = g.SectionShapedLike(p1);
  const JsonDocument shaped2 = g.SectionShapedLike(p2);
  CheckMerge(seed, p1, p2, {&a, &b, &c, &other, &shaped1, &shaped2}, counts);
  if (::testing::Test::HasFatalFailure()) {
    ADD_FAILURE() << Describe(seed, {{"a", &a}, {"b", &b}, {"c", &c}});
    return;
  }
  const JsonDocument onto = MergeOnto(a, p1, p2);
  const JsonDocument applied = Apply(a, onto);
  ASSERT_TRUE(JsonEquals(applied, c))
      << "apply(a, MergeOnto(a, p1, p2)) != c"
      << Describe(seed, {{"a", &a}, {"b", &b}, {"c", &c}, {"onto", &onto}, {"applied", &applied}});
  const JsonDocument direct = Diff(a, c);
  ASSERT_TRUE(JsonEquals(onto, direct))
      << Describe(seed, {{"onto", &onto}, {"Diff(a,c)", &direct}});
}

// Properties 1 to 3 over pairs of storable sections: edits of one another
// (the device's case: small changes) and unrelated ones (type changes).
TEST(DiffTest, PropertyApplyingDiffGivesTargetAndDiffIsMinimalM2M3M4M5M11M14) {
  DiffCounts counts;
  for (std::uint32_t seed = 1; seed <= kCases; ++seed) {
    RandomJson g(seed);
    const JsonDocument a = g.Section();
    const JsonDocument b = seed % 3 == 0 ? g.Section() : g.Edit(a, seed % 3 == 1 ? 10 : 30);
    CheckDiff(seed, a, b, seed % 5 == 0, counts);
    if (HasFatalFailure()) return;
  }
  PrintCounts("Diff", counts);
  EXPECT_GT(counts.nonempty, kCases / 2);
  EXPECT_GT(counts.with_null, kCases / 10);
  EXPECT_GT(counts.nested, kCases / 10);
}

// Property 4 (see CheckQueuedDiffs), with a refusal rate that must stay small.
TEST(DiffTest, PropertyMergeOfQueuedDiffsM2M3M4M10Decision12a3) {
  MergeCounts counts;
  for (std::uint32_t seed = 1; seed <= kCases; ++seed) {
    RandomJson g(seed);
    const JsonDocument a = g.Section();
    const JsonDocument b = g.Edit(a, 10);
    const JsonDocument c = g.Edit(b, 10);
    CheckQueuedDiffs(seed, g, a, b, c, counts);
    if (HasFatalFailure()) return;
  }
  PrintCounts("Merge(Diff(a,b), Diff(b,c))", kCases, counts);
  EXPECT_GT(counts.merged, 0u);
  // Most refusals are an object whose members the first patch set and the
  // second deleted (the sequence leaves {} where the section held no object).
  EXPECT_LT(counts.refused, kCases / 20) << "more than 5% of queued diffs cannot be coalesced";
}

// Properties 1 to 4 on wide objects (up to ~100 members), which Diff and
// Merge look up through a hash table rather than linearly.
TEST(DiffTest, PropertyWideObjectsM2M3M4) {
  DiffCounts diff_counts;
  MergeCounts merge_counts;
  constexpr std::uint32_t kWideCases = 300;
  for (std::uint32_t seed = 1; seed <= kWideCases; ++seed) {
    testing_support::RandomJsonOptions options;
    options.max_level = 3;
    options.max_members = seed % 2 == 0 ? 40 : 130;
    options.wide_keys = 150;
    options.container_percent = 15;
    RandomJson g(seed, options);
    const JsonDocument a = g.Section();
    const JsonDocument b = g.Edit(a, 5);
    const JsonDocument c = g.Edit(b, 5);
    CheckDiff(seed, a, b, seed % 20 == 0, diff_counts);
    if (HasFatalFailure()) return;
    CheckQueuedDiffs(seed, g, a, b, c, merge_counts);
    if (HasFatalFailure()) return;
  }
  PrintCounts("Diff, wide objects", diff_counts);
  PrintCounts("Merge, wide objects", kWideCases, merge_counts);
  EXPECT_GT(merge_counts.merged, kWideCases / 4);
}

// Property 5: arbitrary patches (nulls, null-only objects, {}) on arbitrary
// storable sections. Merge is exact whenever it succeeds, and each refusal
// names a position proven inexpressible.
TEST(DiffTest, PropertyMergeOfArbitraryPatchesM2M3M4M5M10M11Decision12a3) {
  MergeCounts counts;
  for (std::uint32_t seed = 1; seed <= kCases; ++seed) {
    RandomJson g(seed);
    const JsonDocument p1 = g.Patch();
    const JsonDocument p2 = seed % 8 == 0 ? Clone(p1) : g.Patch();
    const JsonDocument x = g.Section();
    const JsonDocument shaped1 = g.SectionShapedLike(p1);
    const JsonDocument shaped2 = g.SectionShapedLike(p2);
    const JsonDocument empty = MustParse("{}");
    CheckMerge(seed, p1, p2, {&x, &shaped1, &shaped2, &empty}, counts);
    if (HasFatalFailure()) return;

    // MergeOnto is exact for its base, whatever the patches.
    for (const JsonValue* base : {&x, &shaped1}) {
      const JsonDocument expected = Apply2(*base, p1, p2);
      const JsonDocument onto = MergeOnto(*base, p1, p2);
      const JsonDocument applied = Apply(*base, onto);
      ASSERT_TRUE(JsonEquals(applied, expected))
          << Describe(seed, {{"base", base}, {"p1", &p1}, {"p2", &p2}, {"onto", &onto}});
    }
    // {} is neutral on either side.
    Result<JsonDocument> left = Merge(empty, p1);
    Result<JsonDocument> right = Merge(p1, empty);
    ASSERT_TRUE(left.ok() && right.ok()) << Describe(seed, {{"p1", &p1}});
    ASSERT_TRUE(JsonEquals(*left, p1) && JsonEquals(*right, p1)) << Describe(seed, {{"p1", &p1}});
  }
  PrintCounts("Merge(arbitrary, arbitrary)", kCases, counts);
  EXPECT_GT(counts.merged, kCases / 4);
  EXPECT_GT(counts.refused_object_after_non_object, 0u);
  EXPECT_GT(counts.refused_null_only, 0u);
}

}  // namespace
}  // namespace shadowsync
