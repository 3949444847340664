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
//
// Assumptions shared with ApplyPatch: objects have unique member names (as
// ParseJson leaves them), and recursion goes as deep as the values nest, so
// callers validate depth first (L2).

#include "shadowsync/diff.h"

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "json_copy.h"

namespace shadowsync {
namespace {

using internal::CopyString;
using internal::DeepCopy;

// Pairs the members of one object with names looked up from another: Take()
// finds the member of `object` with a name (linear for small objects, the
// common case; an open-addressing table for wide ones, so that Diff and Merge
// stay linear) and marks it taken, so that the caller can then visit the
// members nobody asked for. Assumes unique names, as ParseJson leaves them.
class MemberPairing {
 public:
  explicit MemberPairing(const JsonValue& object)
      : members_(object.MemberBegin()), count_(object.MemberCount()) {
    if (count_ > 64) taken_.assign(count_, 0);
    if (count_ <= kLinearLimit) return;
    std::size_t size = 2;
    while (size < 2 * static_cast<std::size_t>(count_)) size *= 2;
    slots_.assign(size, kEmpty);
    for (rapidjson::SizeType i = 0; i < count_; ++i) {
      std::size_t slot = Hash(members_[i].name) & (size - 1);
      while (slots_[slot] != kEmpty) slot = (slot + 1) & (size - 1);
      slots_[slot] = i;
    }
  }

  const JsonValue* Take(const JsonValue& name) {
    const rapidjson::SizeType i = Find(name);
    if (i == kEmpty) return nullptr;
    if (count_ > 64) {
      taken_[i] = 1;
    } else {
      taken_mask_ |= std::uint64_t{1} << i;
    }
    return &members_[i].value;
  }

  bool Taken(rapidjson::SizeType i) const {
    return count_ > 64 ? taken_[i] != 0 : ((taken_mask_ >> i) & 1) != 0;
  }

 private:
  static constexpr rapidjson::SizeType kLinearLimit = 16;
  static constexpr rapidjson::SizeType kEmpty = ~rapidjson::SizeType{0};

  static bool SameName(const JsonValue& a, const JsonValue& b) {
    return a.GetStringLength() == b.GetStringLength() &&
           std::memcmp(a.GetString(), b.GetString(), a.GetStringLength()) == 0;
  }

  static std::size_t Hash(const JsonValue& name) {  // FNV-1a
    std::uint64_t h = 14695981039346656037ull;
    const char* s = name.GetString();
    for (rapidjson::SizeType i = 0; i < name.GetStringLength(); ++i) {
      h = (h ^ static_cast<unsigned char>(s[i])) * 1099511628211ull;
    }
    return static_cast<std::size_t>(h ^ (h >> 32));
  }

  rapidjson::SizeType Find(const JsonValue& name) const {
    if (count_ <= kLinearLimit) {
      for (rapidjson::SizeType i = 0; i < count_; ++i) {
        if (SameName(members_[i].name, name)) return i;
      }
      return kEmpty;
    }
    const std::size_t mask = slots_.size() - 1;
    for (std::size_t slot = Hash(name) & mask; slots_[slot] != kEmpty; slot = (slot + 1) & mask) {
      if (SameName(members_[slots_[slot]].name, name)) return slots_[slot];
    }
    return kEmpty;
  }

  JsonValue::ConstMemberIterator members_;
  rapidjson::SizeType count_;
  std::uint64_t taken_mask_ = 0;
  std::vector<char> taken_;
  std::vector<rapidjson::SizeType> slots_;
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

// JsonEquals (M14), with the common scalar cases answered without the
// work list JsonEquals allocates.
bool SameValue(const JsonValue& a, const JsonValue& b) {
  if (a.IsString() && b.IsString()) {
    return a.GetStringLength() == b.GetStringLength() &&
           std::memcmp(a.GetString(), b.GetString(), a.GetStringLength()) == 0;
  }
  if (a.IsBool() || a.IsNull()) return a.GetType() == b.GetType();
  if (a.IsInt64() && b.IsInt64()) return a.GetInt64() == b.GetInt64();
  if (a.IsString() != b.IsString()) return false;
  return JsonEquals(a, b);
}

// Adds to `out` what turns the object `from` into the object `to`.
void DiffObjects(const JsonValue& from, const JsonValue& to, JsonValue& out,
                 JsonAllocator& allocator) {
  MemberPairing pairing(to);
  for (const auto& m : from.GetObject()) {
    const JsonValue* target = pairing.Take(m.name);
    if (target == nullptr) {  // M2: gone, so delete it
      out.AddMember(CopyString(m.name, allocator), JsonValue(), allocator);
      continue;
    }
    if (m.value.IsObject() && target->IsObject()) {
      // M3: the sub-patch merges; {} over an object would change nothing
      // (M5), so an emptied object needs its members' nulls (M11, 12a.13).
      JsonValue sub(rapidjson::kObjectType);
      DiffObjects(m.value, *target, sub, allocator);
      if (sub.MemberCount() > 0) {
        out.AddMember(CopyString(m.name, allocator), std::move(sub), allocator);
      }
      continue;
    }
    // M4: replaced whole. An object over a non-object is inserted as is,
    // which is exact because a storable object has no null members (M10).
    if (!SameValue(m.value, *target)) {  // M14: 1 and 1.0 are equal
      out.AddMember(CopyString(m.name, allocator), DeepCopy(*target, allocator), allocator);
    }
  }
  rapidjson::SizeType i = 0;
  for (const auto& m : to.GetObject()) {
    if (!pairing.Taken(i++)) {
      out.AddMember(CopyString(m.name, allocator), DeepCopy(m.value, allocator), allocator);
    }
  }
}

using OwningHandler = internal::OwningHandler<JsonDocument>;

// Writes Merge(first, second) as SAX events into a document (through
// JsonDocument::Populate, which sizes every object and array exactly; values
// built member by member would reserve 16 members per object).
class Merger {
 public:
  Merger(const JsonValue& first, const JsonValue& second) : first_(first), second_(second) {}

  // The generator Populate calls. False, with error() set, when some position
  // is inexpressible.
  bool operator()(JsonDocument& document) {
    OwningHandler out(document);
    bool nullish = false;
    return MergeObjects(first_, second_, out, &nullish);
  }

  const Status& error() const { return error_; }

 private:
  void Key(const JsonValue& name, OwningHandler& out) {
    out.Key(name.GetString(), name.GetStringLength(), true);
  }

  // Writes the coalesced object of the objects `first` and `second`; sets
  // `*null_only` to whether it is null-only.
  bool MergeObjects(const JsonValue& first, const JsonValue& second, OwningHandler& out,
                    bool* null_only) {
    out.StartObject();
    rapidjson::SizeType count = 0;
    bool all_null = true;
    MemberPairing pairing(second);
    for (const auto& m : first.GetObject()) {
      const JsonValue* other = pairing.Take(m.name);
      Key(m.name, out);
      ++count;
      if (other == nullptr) {  // only in `first`: the sequence keeps it
        if (all_null) all_null = m.value.IsNull() || IsNullOnly(m.value);
        m.value.Accept(out);
        continue;
      }
      path_.push_back(&m.name);
      bool nullish = false;
      if (!MergeValues(m.value, *other, out, &nullish)) return false;
      path_.pop_back();
      all_null = all_null && nullish;
    }
    rapidjson::SizeType i = 0;
    for (const auto& m : second.GetObject()) {
      if (pairing.Taken(i++)) continue;
      if (all_null) all_null = m.value.IsNull() || IsNullOnly(m.value);
      Key(m.name, out);
      ++count;
      m.value.Accept(out);
    }
    out.EndObject(count);
    *null_only = all_null && count > 0;
    return true;
  }

  // One key present in both patches (see the comment at the top of the
  // file). Sets `*nullish` to whether the written value is null or null-only.
  bool MergeValues(const JsonValue& first, const JsonValue& second, OwningHandler& out,
                   bool* nullish) {
    if (!second.IsObject()) {  // null, scalar or array: the last write wins
      *nullish = second.IsNull();
      second.Accept(out);
      return true;
    }
    if (!first.IsObject()) {
      if (IsNullOnly(second)) {
        // Whatever `first` left there, `second` removes it (12a.3) or
        // creates nothing (M10): a plain delete.
        *nullish = true;
        out.Null();
        return true;
      }
      std::string what =
          first.IsNull() ? std::string("deletes the key")
                         : std::string("sets it to ") + Article(first) + " " + JsonTypeName(first);
      return Fail("the first patch " + what +
                  " and the second writes an object there; as one patch that object would merge "
                  "into any object the section holds instead of replacing it (M3, M4)");
    }
    bool null_only = false;
    if (!MergeObjects(first, second, out, &null_only)) return false;
    *nullish = null_only;
    if (!IsNullOnly(first)) {
      if (null_only) {
        return Fail(
            "where the section holds no object here, the first patch creates one and the second "
            "deletes all of its members, leaving {} (M11); the combined object holds only nulls "
            "and would create nothing (M10) or delete a scalar (12a.3)");
      }
    } else if (null_only != IsNullOnly(second)) {
      return Fail(
          null_only
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

  const JsonValue& first_;
  const JsonValue& second_;
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
  Merger merger(first, second);
  merged.Populate(merger);
  if (!merger.error().ok()) return merger.error();
  return merged;
}

JsonDocument MergeOnto(const JsonValue& base, const JsonValue& first, const JsonValue& second) {
  JsonDocument state;
  static_cast<JsonValue&>(state) = DeepCopy(AsSection(base), state.GetAllocator());
  ApplyPatch(state, first, state.GetAllocator());
  ApplyPatch(state, second, state.GetAllocator());
  return Diff(base, state);
}

}  // namespace shadowsync
