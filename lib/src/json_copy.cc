// SPDX-License-Identifier: Apache-2.0

#include "json_copy.h"

#include <cstdint>

namespace shadowsync {
namespace internal {
namespace {

// A document that builds into the caller's pool, with its SAX stack in a
// second pool (backed by a local buffer, so small copies never call malloc).
using CopyDocument = rapidjson::GenericDocument<rapidjson::UTF8<>, JsonAllocator, JsonAllocator>;

// Forwards SAX events to the document, forcing every string to be copied.
class OwningHandler {
 public:
  explicit OwningHandler(CopyDocument& doc) : doc_(doc) {}
  bool Null() { return doc_.Null(); }
  bool Bool(bool b) { return doc_.Bool(b); }
  bool Int(int i) { return doc_.Int(i); }
  bool Uint(unsigned u) { return doc_.Uint(u); }
  bool Int64(std::int64_t i) { return doc_.Int64(i); }
  bool Uint64(std::uint64_t u) { return doc_.Uint64(u); }
  bool Double(double d) { return doc_.Double(d); }
  bool RawNumber(const char* s, rapidjson::SizeType n, bool) { return doc_.RawNumber(s, n, true); }
  bool String(const char* s, rapidjson::SizeType n, bool) { return doc_.String(s, n, true); }
  bool StartObject() { return doc_.StartObject(); }
  bool Key(const char* s, rapidjson::SizeType n, bool) { return doc_.Key(s, n, true); }
  bool EndObject(rapidjson::SizeType n) { return doc_.EndObject(n); }
  bool StartArray() { return doc_.StartArray(); }
  bool EndArray(rapidjson::SizeType n) { return doc_.EndArray(n); }

 private:
  CopyDocument& doc_;
};

struct CopyGenerator {
  const JsonValue& source;
  bool operator()(CopyDocument& doc) {
    OwningHandler handler(doc);
    return source.Accept(handler);
  }
};

}  // namespace

JsonValue DeepCopy(const JsonValue& value, JsonAllocator& allocator) {
  if (value.IsString()) return CopyString(value, allocator);
  if (!value.IsObject() && !value.IsArray()) return JsonValue(value, allocator);
  alignas(std::max_align_t) char stack_buffer[4096];
  JsonAllocator stack_pool(stack_buffer, sizeof(stack_buffer));
  CopyDocument doc(&allocator, sizeof(stack_buffer) / 2, &stack_pool);
  CopyGenerator generator{value};
  doc.Populate(generator);
  JsonValue out;
  out.Swap(doc);  // the tree lives in `allocator`; the document owns neither
  return out;
}

}  // namespace internal
}  // namespace shadowsync
