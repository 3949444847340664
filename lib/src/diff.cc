// SPDX-License-Identifier: Apache-2.0
//
// Diff, Merge and MergeOnto (diff.h). ApplyPatch, the service's merge rules,
// lives in merge.cc; everything here is defined by what ApplyPatch does.
//
// How one patch value v acts on the value t held at its key (M2 to M5, M10,
// 12a.3), with "nothing" meaning the key is absent afterwards:
//   v null            -> nothing
//   v scalar or array -> v
//   v object          -> t is an object ? merge(t, v) : ins(v)
// where ins(v) is v with its nulls dropped, or nothing when v is null-only:
// non-empty and made only of nulls and null-only objects (CopyWithoutNulls).
// For a non-object t (absent, scalar, array) the result does not depend on t.
//
// Merge(first, second) works key by key. The only interesting position is a
// key where `second` holds an object v2:
//  * `first` holds a non-object v1 (null, scalar, array): the sequence always
//    gives ins(v2). That is expressible only when ins(v2) is nothing (then the
//    answer is null); an object would need a value that replaces whatever
//    object the section holds, and a lone object merges into it instead.
//  * `first` holds an object v1: the combined value u is Merge(v1, v2), which
//    is exact for every object t by induction. For a non-object t the
//    sequence gives ins(v1) followed by v2, the combined value gives ins(u).
//    Every patch value that is exact for all object t gives the same result
//    for non-object t as u does, so u is the answer or there is none:
//      - v1 not null-only: the sequence creates an object (merge(ins(v1), v2)
//        equals merge({}, u)), so u must not be null-only. Fails for
//        {"x":1} then {"x":null} (the sequence leaves {}) and {} then
//        {"m":null}.
//      - v1 null-only: the sequence gives ins(v2), so u must be null-only
//        exactly when v2 is. Fails for {"m":null} then {} (the sequence
//        leaves {}, u = {"m":null} creates nothing).
// The top level needs no such check: a section is always an object.

#include "shadowsync/diff.h"

#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace shadowsync {
namespace {

// Finds members by name: linear for small objects (the common case), hashed
// for large ones so that wide objects do not make Diff and Merge quadratic.
class MemberIndex {
 public:
  explicit MemberIndex(const JsonValue& object) : object_(object) {
    if (object.MemberCount() <= kLinearLimit) return;
    map_.reserve(object.MemberCount());
    for (const auto& m : object.GetObject()) {
      // emplace keeps the first of duplicate names, as FindMember would.
      map_.emplace(std::string_view(m.name.GetString(), m.name.GetStringLength()), &m.value);
    }
  }

  const JsonValue* Find(const JsonValue& name) const {
    if (object_.MemberCount() <= kLinearLimit) {
      auto it = object_.FindMember(name);
      return it == object_.MemberEnd() ? nullptr : &it->value;
    }
    auto it = map_.find(std::string_view(name.GetString(), name.GetStringLength()));
    return it == map_.end() ? nullptr : it->second;
  }

 private:
  static constexpr rapidjson::SizeType kLinearLimit = 16;
  const JsonValue& object_;
  std::unordered_map<std::string_view, const JsonValue*> map_;
};

// True for a non-empty object made only of nulls and null-only objects:
// ApplyPatch creates nothing from it (M10) and deletes a scalar with it
// (12a.3).
bool IsNullOnly(const JsonValue& value) {
  if (!value.IsObject() || value.MemberCount() == 0) return false;
  for (const auto& m : value.GetObject()) {
    if (!m.value.IsNull() && !IsNullOnly(m.value)) return false;
  }
  return true;
}

const JsonValue& EmptyObject() {
  static const JsonValue empty(rapidjson::kObjectType);
  return empty;
}

const JsonValue& AsSection(const JsonValue& value) {
  return value.IsObject() ? value : EmptyObject();
}

// Adds to `out` what turns the object `from` into the object `to`.
void DiffObjects(const JsonValue& from, const JsonValue& to, JsonValue& out,
                 JsonAllocator& allocator) {
  const MemberIndex to_index(to);
  for (const auto& m : from.GetObject()) {
    const JsonValue* target = to_index.Find(m.name);
    if (target == nullptr) {  // M2: gone, so delete it
      out.AddMember(JsonValue(m.name, allocator), JsonValue(), allocator);
      continue;
    }
    if (m.value.IsObject() && target->IsObject()) {
      // M3: the sub-patch merges; {} over an object would change nothing
      // (M5), so an emptied object needs its members' nulls (M11, 12a.13).
      JsonValue sub(rapidjson::kObjectType);
      DiffObjects(m.value, *target, sub, allocator);
      if (sub.MemberCount() > 0) {
        out.AddMember(JsonValue(m.name, allocator), std::move(sub), allocator);
      }
      continue;
    }
    // M4: replaced whole. An object over a non-object is inserted as is,
    // which is exact because a storable object has no null members (M10).
    if (!JsonEquals(m.value, *target)) {  // M14: 1 and 1.0 are equal
      out.AddMember(JsonValue(m.name, allocator), JsonValue(*target, allocator), allocator);
    }
  }
  const MemberIndex from_index(from);
  for (const auto& m : to.GetObject()) {
    if (from_index.Find(m.name) == nullptr) {
      out.AddMember(JsonValue(m.name, allocator), JsonValue(m.value, allocator), allocator);
    }
  }
}

class Merger {
 public:
  explicit Merger(JsonAllocator& allocator) : allocator_(allocator) {}

  // Sets `out` to the coalesced object of the objects `first` and `second`
  // and `*null_only` to whether it is null-only. On an inexpressible
  // position returns false with error() set.
  bool MergeObjects(const JsonValue& first, const JsonValue& second, JsonValue& out,
                    bool* null_only) {
    out.SetObject();
    bool all_null = true;
    const MemberIndex second_index(second);
    for (const auto& m : first.GetObject()) {
      const JsonValue* other = second_index.Find(m.name);
      if (other == nullptr) {  // only in `first`: the sequence keeps it
        if (all_null) all_null = m.value.IsNull() || IsNullOnly(m.value);
        out.AddMember(JsonValue(m.name, allocator_), JsonValue(m.value, allocator_), allocator_);
        continue;
      }
      path_.push_back(&m.name);
      JsonValue value;
      bool value_null_only = false;
      if (!MergeValues(m.value, *other, value, &value_null_only)) return false;
      path_.pop_back();
      if (all_null) all_null = value.IsNull() || value_null_only;
      out.AddMember(JsonValue(m.name, allocator_), std::move(value), allocator_);
    }
    const MemberIndex first_index(first);
    for (const auto& m : second.GetObject()) {
      if (first_index.Find(m.name) != nullptr) continue;
      if (all_null) all_null = m.value.IsNull() || IsNullOnly(m.value);
      out.AddMember(JsonValue(m.name, allocator_), JsonValue(m.value, allocator_), allocator_);
    }
    *null_only = all_null && out.MemberCount() > 0;
    return true;
  }

  const Status& error() const { return error_; }

 private:
  // One key present in both patches; see the comment at the top of the file.
  bool MergeValues(const JsonValue& first, const JsonValue& second, JsonValue& out,
                   bool* null_only) {
    if (!second.IsObject()) {  // null, scalar or array: the last write wins
      out.CopyFrom(second, allocator_);
      return true;
    }
    if (!first.IsObject()) {
      if (IsNullOnly(second)) {
        // Whatever `first` left there, `second` removes it (12a.3) or
        // creates nothing (M10): a plain delete.
        out.SetNull();
        return true;
      }
      std::string what =
          first.IsNull() ? std::string("deletes the key")
                         : std::string("sets it to ") + Article(first) + " " + JsonTypeName(first);
      return Fail("the first patch " + what +
                  " and the second writes an object there; as one patch that object would merge "
                  "into any object the section holds instead of replacing it (M3, M4)");
    }
    if (!MergeObjects(first, second, out, null_only)) return false;
    if (!IsNullOnly(first)) {
      if (*null_only) {
        return Fail(
            "where the section holds no object here, the first patch creates one and the second "
            "deletes all of its members, leaving {} (M11); the combined object holds only nulls "
            "and would create nothing (M10) or delete a scalar (12a.3)");
      }
    } else if (*null_only != IsNullOnly(second)) {
      return Fail(
          *null_only
              ? "where the section holds no object here, the first patch creates nothing (its "
                "object holds only nulls, M10) and the second writes {} (M5); the combined object "
                "holds only nulls and would create nothing"
              : "where the section holds no object here, the sequence creates nothing but the "
                "combined object would create one");
    }
    return true;
  }

  static const char* Article(const JsonValue& value) { return value.IsArray() ? "an" : "a"; }

  bool Fail(const std::string& reason) {
    std::string pointer;
    for (const JsonValue* name : path_) {
      pointer =
          JsonPointerAppend(pointer, std::string_view(name->GetString(), name->GetStringLength()));
    }
    error_ = FailedPreconditionError("Merge: no single patch is equivalent at '" + pointer +
                                     "': " + reason + "; use MergeOnto with the base section");
    return false;
  }

  JsonAllocator& allocator_;
  std::vector<const JsonValue*> path_;
  Status error_;
};

}  // namespace

JsonDocument Diff(const JsonValue& from, const JsonValue& to) {
  JsonDocument patch;
  patch.SetObject();
  DiffObjects(AsSection(from), AsSection(to), patch, patch.GetAllocator());
  return patch;
}

Result<JsonDocument> Merge(const JsonValue& first, const JsonValue& second) {
  if (!first.IsObject()) {
    return InvalidArgumentError(std::string("Merge: the first patch is ") + JsonTypeName(first) +
                                ", not an object");
  }
  if (!second.IsObject()) {
    return InvalidArgumentError(std::string("Merge: the second patch is ") + JsonTypeName(second) +
                                ", not an object");
  }
  JsonDocument merged;
  Merger merger(merged.GetAllocator());
  bool null_only = false;
  if (!merger.MergeObjects(first, second, merged, &null_only)) return merger.error();
  return merged;
}

JsonDocument MergeOnto(const JsonValue& base, const JsonValue& first, const JsonValue& second) {
  JsonDocument state;
  state.CopyFrom(AsSection(base), state.GetAllocator());
  ApplyPatch(state, first, state.GetAllocator());
  ApplyPatch(state, second, state.GetAllocator());
  return Diff(base, state);
}

}  // namespace shadowsync
