// SPDX-License-Identifier: Apache-2.0
//
// JSON helpers over RapidJSON, the document currency of shadowsync:
// parsing with errors that name the byte offset, UTF-8 validation (spec E2
// 415), value equality with numbers compared by value (M14), nesting depth as
// the spec counts it (L2) and the compact serialised size (L1).
//
// Thread safety: free functions over caller-owned values; safe for concurrent
// use on distinct values.

#ifndef SHADOWSYNC_JSON_H_
#define SHADOWSYNC_JSON_H_

#include <rapidjson/document.h>

#include <cstddef>
#include <string>
#include <string_view>

#include "shadowsync/status.h"

namespace shadowsync {

using JsonValue = rapidjson::Value;
using JsonDocument = rapidjson::Document;
using JsonAllocator = rapidjson::Document::AllocatorType;

/// True when `bytes` is well-formed UTF-8 (no overlong forms, no surrogates,
/// nothing above U+10FFFF).
bool IsValidUtf8(std::string_view bytes);

/// Parses `text` as one JSON value with the strict rules of the spec (12a.8):
/// no NaN or Infinity, no numbers beyond double range, no byte-order mark,
/// duplicate object keys resolved with the last one winning. Parsing is
/// iterative, so hostile nesting cannot overflow the stack.
/// On failure: kInvalidArgument, "JSON parse error at offset N: <reason>".
Result<JsonDocument> ParseJson(std::string_view text);

/// `message`, a ParseJson(text) error, with " (line L, column C)" appended
/// for its "at offset N" (columns count bytes from 1); unchanged when it
/// names no offset. For errors about files a person edits.
std::string WithLineAndColumn(std::string_view text, const std::string& message);

/// Compact serialisation (no spaces, non-ASCII kept as raw UTF-8).
std::string ToCompactJson(const JsonValue& value);

/// Size in bytes of ToCompactJson(value), computed without building it.
std::size_t CompactJsonSize(const JsonValue& value);

/// Equality of JSON values: numbers by mathematical value (1 == 1.0),
/// booleans never equal to numbers, arrays element by element in order,
/// objects as unordered maps (spec M14).
bool JsonEquals(const JsonValue& a, const JsonValue& b);

/// Nesting depth as spec L2 counts it: a non-empty object or array is one
/// level more than its deepest child; scalars and empty {} / [] are 0.
/// So {"a":1} is 1 and {"a":{"b":1}} is 2. Iterative: safe on any input.
int NestingDepth(const JsonValue& value);

/// Renders a JSON pointer (RFC 6901) for diagnostics: "/state/desired/a~1b".
std::string JsonPointerAppend(const std::string& base, std::string_view token);

/// A short human-readable name of a value's type: "object", "string", ...
const char* JsonTypeName(const JsonValue& value);

}  // namespace shadowsync

#endif  // SHADOWSYNC_JSON_H_
