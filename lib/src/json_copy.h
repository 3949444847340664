// SPDX-License-Identifier: Apache-2.0
//
// DeepCopy: the one way the library copies JSON values between documents.

#ifndef SHADOWSYNC_SRC_JSON_COPY_H_
#define SHADOWSYNC_SRC_JSON_COPY_H_

#include <cstdint>

#include "shadowsync/json.h"

namespace shadowsync {
namespace internal {

/// Forwards SAX events to a RapidJSON document (any allocator), always
/// copying strings, so what it builds owns all of its text even when the
/// events come from values holding StringRef strings.
template <typename Document>
class OwningHandler {
 public:
  explicit OwningHandler(Document& document) : document_(document) {}
  bool Null() { return document_.Null(); }
  bool Bool(bool b) { return document_.Bool(b); }
  bool Int(int i) { return document_.Int(i); }
  bool Uint(unsigned u) { return document_.Uint(u); }
  bool Int64(std::int64_t i) { return document_.Int64(i); }
  bool Uint64(std::uint64_t u) { return document_.Uint64(u); }
  bool Double(double d) { return document_.Double(d); }
  bool RawNumber(const char* s, rapidjson::SizeType n, bool) {
    return document_.RawNumber(s, n, true);
  }
  bool String(const char* s, rapidjson::SizeType n, bool) { return document_.String(s, n, true); }
  bool StartObject() { return document_.StartObject(); }
  bool Key(const char* s, rapidjson::SizeType n, bool) { return document_.Key(s, n, true); }
  bool EndObject(rapidjson::SizeType members) { return document_.EndObject(members); }
  bool StartArray() { return document_.StartArray(); }
  bool EndArray(rapidjson::SizeType elements) { return document_.EndArray(elements); }

 private:
  Document& document_;
};

/// A deep copy of `value` allocated with `allocator` that owns all of its
/// text. RapidJSON 1.1's own copy shares strings made with StringRef (so a
/// copy could outlive the caller's buffer) and replays containers through a
/// heap-allocated stack; this one copies every string, sizes every object
/// and array exactly and keeps its work stack in a local buffer.
JsonValue DeepCopy(const JsonValue& value, JsonAllocator& allocator);

/// A string value owning a copy of `text`'s characters.
inline JsonValue CopyString(const JsonValue& text, JsonAllocator& allocator) {
  return JsonValue(text.GetString(), text.GetStringLength(), allocator);
}

}  // namespace internal
}  // namespace shadowsync

#endif  // SHADOWSYNC_SRC_JSON_COPY_H_
