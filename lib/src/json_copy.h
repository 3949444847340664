// SPDX-License-Identifier: Apache-2.0
//
// DeepCopy: the one way the library copies JSON values between documents.

#ifndef SHADOWSYNC_SRC_JSON_COPY_H_
#define SHADOWSYNC_SRC_JSON_COPY_H_

#include "shadowsync/json.h"

namespace shadowsync {
namespace internal {

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
