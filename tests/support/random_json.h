// SPDX-License-Identifier: Apache-2.0
//
// Seeded random JSON for property tests, fuzz seeds and benchmarks: shadow
// sections the service can store, edits of them, and arbitrary update
// patches. Header-only, so any target with tests/ on its include path can use
// it without build changes.
//
// Reproducible on every platform: only std::mt19937's raw output is used (its
// sequence is fixed by the standard), never the std distributions, whose
// results differ between standard libraries.

#ifndef SHADOWSYNC_TESTS_SUPPORT_RANDOM_JSON_H_
#define SHADOWSYNC_TESTS_SUPPORT_RANDOM_JSON_H_

#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <string_view>
#include <utility>

#include "shadowsync/json.h"

namespace shadowsync::testing_support {

/// A key RandomJson never generates: tests use it as a fresh member name.
inline constexpr std::string_view kUnusedKey = "__unused__";

/// Shape limits of generated values.
struct RandomJsonOptions {
  /// Highest level of a non-empty object or array, the section being level 1
  /// (spec L2, 12a.2).
  int max_level = 6;
  /// Most members of a generated object.
  std::uint32_t max_members = 4;
  /// Most elements of a generated array.
  std::uint32_t max_elements = 3;
  /// Percent chance that a member (where the level allows) is an object or
  /// an array rather than a scalar.
  std::uint32_t container_percent = 40;
  /// Percent chance that a key comes from the rare pool (non-ASCII, "/",
  /// "~", "", spaces) rather than "a" to "d". The small pool makes keys of
  /// independently generated values collide, as diffs and merges need.
  std::uint32_t rare_key_percent = 10;
  /// When non-zero, most keys are "w0" to "w<wide_keys - 1>" instead, so
  /// that objects can be wide (more members than the small pools hold).
  std::uint32_t wide_keys = 0;
};

/// True for a value the service stores in a section (12a.4, M12): an object
/// with no null member outside arrays, no null element in any array, and
/// non-empty containers at most `max_level` levels deep (L2).
inline bool IsStorableSection(const JsonValue& value, int max_level = 6);

/// A copy of `value` with every number that has both forms re-encoded:
/// integers as doubles and integral doubles as integers (1 <-> 1.0). Equal to
/// `value` by JsonEquals (M14).
inline JsonDocument Reencoded(const JsonValue& value);

/// The generator. Every method draws from one std::mt19937 seeded in the
/// constructor, so a seed reproduces the whole sequence.
class RandomJson {
 public:
  explicit RandomJson(std::uint32_t seed, RandomJsonOptions options = {})
      : rng_(seed), options_(options) {}

  /// A number in [0, n); 0 when n is 0.
  std::uint32_t Below(std::uint32_t n) {
    return n == 0 ? 0 : static_cast<std::uint32_t>(rng_() % n);
  }
  /// True with `percent` percent chance.
  bool Percent(std::uint32_t percent) { return Below(100) < percent; }

  /// A storable section (IsStorableSection): nested objects, scalars of every
  /// type (1 and 1.0, non-ASCII strings), arrays (nested, and holding objects
  /// with null members), empty {} and [].
  JsonDocument Section() {
    JsonDocument doc;
    doc.SetObject();
    FillStorableObject(doc, 1, doc.GetAllocator());
    return doc;
  }

  /// A storable edit of the storable section `section`: each member is, with
  /// `percent` percent chance each, deleted, replaced by a new value, or (for
  /// an object) emptied to {}; other objects are edited recursively; numbers
  /// are sometimes re-encoded (1 <-> 1.0, no change by M14); new members are
  /// sometimes added.
  JsonDocument Edit(const JsonValue& section, std::uint32_t percent) {
    JsonDocument doc;
    doc.SetObject();
    EditObject(section, doc, 1, percent, doc.GetAllocator());
    return doc;
  }

  /// An arbitrary update patch: nulls, objects made only of nulls (nested
  /// too), {}, scalars, arrays, nested patches. Arrays never hold null
  /// elements (those are rejected before merging, M12).
  JsonDocument Patch() {
    JsonDocument doc;
    doc.SetObject();
    FillPatchObject(doc, 1, doc.GetAllocator());
    return doc;
  }

  /// A storable section holding a value at most keys `patch` names, mostly
  /// objects where the patch has objects, so that applying the patch to it
  /// exercises merges, deletes and 12a.3 rather than only inserts.
  JsonDocument SectionShapedLike(const JsonValue& patch) {
    JsonDocument doc;
    doc.SetObject();
    if (patch.IsObject()) ShapeObject(patch, doc, 1, doc.GetAllocator());
    return doc;
  }

  /// A member name, unique only by chance.
  JsonValue Key(JsonAllocator& allocator) {
    static constexpr std::string_view kCommon[] = {"a", "b", "c", "d"};
    static constexpr std::string_view kRare[] = {"e",
                                                 "\xD0\xBA\xD0\xBB\xD1\x8E\xD1\x87",  // ключ
                                                 "a/b",
                                                 "~0",
                                                 "",
                                                 "x y",
                                                 "\xF0\x9F\x98\x80"};  // 😀
    if (options_.wide_keys > 0 && Percent(80)) {
      const std::string key = "w" + std::to_string(Below(options_.wide_keys));
      return JsonValue(key.data(), static_cast<rapidjson::SizeType>(key.size()), allocator);
    }
    std::string_view key = Percent(options_.rare_key_percent)
                               ? kRare[Below(sizeof(kRare) / sizeof(kRare[0]))]
                               : kCommon[Below(sizeof(kCommon) / sizeof(kCommon[0]))];
    return JsonValue(key.data(), static_cast<rapidjson::SizeType>(key.size()), allocator);
  }

  /// A scalar: small integers (often), the same values as doubles (1.0),
  /// other doubles (-0.0, 1e300, 2^53), 64-bit extremes, booleans, strings
  /// (empty, non-ASCII, escapes, an embedded NUL).
  JsonValue Scalar(JsonAllocator& allocator) {
    const std::uint32_t r = Below(100);
    if (r < 25) return JsonValue(static_cast<std::int64_t>(Below(5)) - 2);
    if (r < 35) return JsonValue(static_cast<double>(Below(5)) - 2.0);
    if (r < 42) {
      static constexpr double kDoubles[] = {2.5, -0.0, 0.1, 1e300, -1.5e-7, 9007199254740992.0};
      return JsonValue(kDoubles[Below(sizeof(kDoubles) / sizeof(kDoubles[0]))]);
    }
    if (r < 46) {
      switch (Below(4)) {
        case 0:
          return JsonValue(std::numeric_limits<std::int64_t>::min());
        case 1:
          return JsonValue(std::numeric_limits<std::int64_t>::max());
        case 2:
          return JsonValue(std::numeric_limits<std::uint64_t>::max());
        default:
          return JsonValue(static_cast<std::int64_t>(9007199254740993));  // 2^53 + 1
      }
    }
    if (r < 60) return JsonValue(Percent(50));
    static const std::string_view kStrings[] = {"",
                                                "on",
                                                "off",
                                                "\xC3\xBC" /* ü */,
                                                "\xE6\x97\xA5\xE6\x9C\xAC" /* 日本 */,
                                                "\xF0\x9F\x98\x80",
                                                "line\nbreak",
                                                "q\"uote",
                                                "back\\slash",
                                                std::string_view("nul\0x", 5)};
    std::string_view s = kStrings[Below(sizeof(kStrings) / sizeof(kStrings[0]))];
    return JsonValue(s.data(), static_cast<rapidjson::SizeType>(s.size()), allocator);
  }

  /// A storable member value of an object at `level`.
  JsonValue StorableValue(int level, JsonAllocator& allocator) {
    if (level + 1 <= options_.max_level && Percent(options_.container_percent)) {
      const std::uint32_t r = Below(10);
      if (r < 6) {
        JsonValue object(rapidjson::kObjectType);
        FillStorableObject(object, level + 1, allocator);
        return object;
      }
      if (r < 9) return Array(level + 1, allocator);
      return JsonValue(rapidjson::kObjectType);
    }
    if (Percent(5))
      return Percent(50) ? JsonValue(rapidjson::kObjectType) : JsonValue(rapidjson::kArrayType);
    return Scalar(allocator);
  }

 private:
  void AddUnique(JsonValue& object, JsonValue key, JsonValue value, JsonAllocator& allocator) {
    if (object.FindMember(key) != object.MemberEnd()) return;
    object.AddMember(std::move(key), std::move(value), allocator);
  }

  void FillStorableObject(JsonValue& object, int level, JsonAllocator& allocator) {
    const std::uint32_t n = Below(options_.max_members + 1);
    for (std::uint32_t i = 0; i < n; ++i) {
      JsonValue key = Key(allocator);
      AddUnique(object, std::move(key), StorableValue(level, allocator), allocator);
    }
  }

  // An array at `level` (non-empty only when the level allows it). Elements
  // are scalars, nested arrays and objects that may hold nulls (12a.4).
  JsonValue Array(int level, JsonAllocator& allocator) {
    JsonValue array(rapidjson::kArrayType);
    if (level > options_.max_level) return array;
    const std::uint32_t n = Below(options_.max_elements + 1);
    for (std::uint32_t i = 0; i < n; ++i) array.PushBack(InArray(level, allocator), allocator);
    return array;
  }

  // A value inside an array at `level`, never null itself.
  JsonValue InArray(int level, JsonAllocator& allocator) {
    if (level + 1 <= options_.max_level && Percent(30)) {
      if (Percent(40)) return Array(level + 1, allocator);
      JsonValue object(rapidjson::kObjectType);
      const std::uint32_t n = Below(options_.max_members + 1);
      for (std::uint32_t i = 0; i < n; ++i) {
        JsonValue key = Key(allocator);
        JsonValue value = Percent(30) ? JsonValue() : InArray(level + 1, allocator);
        AddUnique(object, std::move(key), std::move(value), allocator);
      }
      return object;
    }
    return Scalar(allocator);
  }

  void EditObject(const JsonValue& source, JsonValue& out, int level, std::uint32_t percent,
                  JsonAllocator& allocator) {
    for (const auto& m : source.GetObject()) {
      const std::uint32_t r = Below(100);
      if (r < percent) continue;  // deleted
      JsonValue value;
      if (r < 2 * percent) {
        value = StorableValue(level, allocator);
      } else if (m.value.IsObject() && r < 3 * percent) {
        value.SetObject();  // emptied
      } else if (m.value.IsObject()) {
        value.SetObject();
        EditObject(m.value, value, level + 1, percent, allocator);
      } else if (m.value.IsNumber() && Percent(percent)) {
        JsonDocument flipped = Reencoded(m.value);
        value.CopyFrom(flipped, allocator);
      } else {
        value.CopyFrom(m.value, allocator);
      }
      out.AddMember(JsonValue(m.name, allocator), std::move(value), allocator);
    }
    for (int i = 0; i < 2 && Percent(percent); ++i) {
      JsonValue key = Key(allocator);
      AddUnique(out, std::move(key), StorableValue(level, allocator), allocator);
    }
  }

  void FillPatchObject(JsonValue& object, int level, JsonAllocator& allocator) {
    const std::uint32_t n = Below(options_.max_members + 1);
    for (std::uint32_t i = 0; i < n; ++i) {
      JsonValue key = Key(allocator);
      AddUnique(object, std::move(key), PatchValue(level, allocator), allocator);
    }
  }

  JsonValue PatchValue(int level, JsonAllocator& allocator) {
    const bool can_nest = level + 1 <= options_.max_level;
    const std::uint32_t r = Below(100);
    if (r < 25) return JsonValue();
    if (!can_nest) return r < 35 ? JsonValue(rapidjson::kObjectType) : Scalar(allocator);
    if (r < 45) return Scalar(allocator);
    if (r < 52) return Array(level + 1, allocator);
    if (r < 60) return JsonValue(rapidjson::kObjectType);
    if (r < 72) return NullOnly(level + 1, allocator);
    JsonValue object(rapidjson::kObjectType);
    FillPatchObject(object, level + 1, allocator);
    return object;
  }

  // A non-empty object at `level` made only of nulls and such objects.
  JsonValue NullOnly(int level, JsonAllocator& allocator) {
    JsonValue object(rapidjson::kObjectType);
    const std::uint32_t n = 1 + Below(3);
    for (std::uint32_t i = 0; i < n; ++i) {
      JsonValue key = Key(allocator);
      JsonValue value = level + 1 <= options_.max_level && Percent(30)
                            ? NullOnly(level + 1, allocator)
                            : JsonValue();
      AddUnique(object, std::move(key), std::move(value), allocator);
    }
    return object;
  }

  void ShapeObject(const JsonValue& patch, JsonValue& out, int level, JsonAllocator& allocator) {
    for (const auto& m : patch.GetObject()) {
      const std::uint32_t r = Below(100);
      JsonValue value;
      if (m.value.IsObject() && r < 75) {
        value.SetObject();
        if (level + 1 <= options_.max_level) ShapeObject(m.value, value, level + 1, allocator);
      } else if (r < 50) {
        value = Scalar(allocator);
      } else if (r < 85) {
        value = StorableValue(level, allocator);
      } else {
        continue;  // absent
      }
      AddUnique(out, JsonValue(m.name, allocator), std::move(value), allocator);
    }
    if (Percent(30)) {
      JsonValue key = Key(allocator);
      AddUnique(out, std::move(key), StorableValue(level, allocator), allocator);
    }
  }

  std::mt19937 rng_;
  RandomJsonOptions options_;
};

namespace random_json_internal {

inline bool NoNulls(const JsonValue& value, bool in_array) {
  if (value.IsArray()) {
    for (const auto& e : value.GetArray()) {
      if (e.IsNull() || !NoNulls(e, true)) return false;
    }
  } else if (value.IsObject()) {
    for (const auto& m : value.GetObject()) {
      if (m.value.IsNull() && !in_array) return false;
      if (!NoNulls(m.value, in_array)) return false;
    }
  }
  return true;
}

inline void Reencode(JsonValue& value) {
  if (value.IsObject()) {
    for (auto& m : value.GetObject()) Reencode(m.value);
  } else if (value.IsArray()) {
    for (auto& e : value.GetArray()) Reencode(e);
  } else if (value.IsInt64() && !value.IsDouble()) {
    const std::int64_t i = value.GetInt64();
    const double d = static_cast<double>(i);
    // Only when exact: 2^63 - 1 and 2^53 + 1 have no double of equal value.
    if (d >= -9223372036854775808.0 && d < 9223372036854775808.0 &&
        static_cast<std::int64_t>(d) == i) {
      value.SetDouble(d);
    }
  } else if (value.IsDouble()) {
    const double d = value.GetDouble();
    if (std::floor(d) == d && d >= -9007199254740992.0 && d <= 9007199254740992.0 &&
        !std::signbit(d)) {
      value.SetInt64(static_cast<std::int64_t>(d));
    }
  }
}

}  // namespace random_json_internal

inline bool IsStorableSection(const JsonValue& value, int max_level) {
  return value.IsObject() && random_json_internal::NoNulls(value, false) &&
         NestingDepth(value) <= max_level;
}

inline JsonDocument Reencoded(const JsonValue& value) {
  JsonDocument doc;
  doc.CopyFrom(value, doc.GetAllocator());
  random_json_internal::Reencode(doc);
  return doc;
}

}  // namespace shadowsync::testing_support

#endif  // SHADOWSYNC_TESTS_SUPPORT_RANDOM_JSON_H_
