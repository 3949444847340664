// SPDX-License-Identifier: Apache-2.0

#include "json_copy.h"

namespace shadowsync {
namespace internal {
namespace {

// A document that builds into the caller's pool, with its SAX stack in a
// second pool (backed by a local buffer, so small copies never call malloc).
using CopyDocument = rapidjson::GenericDocument<rapidjson::UTF8<>, JsonAllocator, JsonAllocator>;

struct CopyGenerator {
  const JsonValue& source;
  bool operator()(CopyDocument& doc) {
    OwningHandler<CopyDocument> handler(doc);
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
