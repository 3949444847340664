// SPDX-License-Identifier: Apache-2.0
//
// Private to the agent: validation against the embedded
// schemas/agent-config.schema.json, with RapidJSON's validator outcome
// turned into "<pointer>: expected <...>, found <...>".
//
// RapidJSON 1.1 reports only the failing keyword, the schema pointer and the
// document pointer, so the "expected" text is written from the schema node
// at that pointer (type, bounds, enum, pattern) and "found" from the
// document value at the document pointer.
//
// Regex engine: like the rest of the project (tests/unit/schema_test.cc),
// this defines no RAPIDJSON_SCHEMA_* macro, so rapidjson/schema.h uses its
// internal regex engine; it must be the same in every translation unit of a
// binary (ODR). The schema's patterns use only explicit character classes.

#ifndef SHADOWSYNC_AGENT_SRC_SCHEMA_CHECK_H_
#define SHADOWSYNC_AGENT_SRC_SCHEMA_CHECK_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "shadowsync/json.h"
#include "shadowsync/status.h"

namespace shadowsync::agent::internal {

/// Which part of the schema to validate against: the whole file, or one
/// definition (the DataLogger block, and those used by remote
/// configuration).
enum class SchemaPart {
  kRoot,
  kInterval,
  kThreshold,
  kThresholdKey,
  kLogLevel,
  kDataLoggerAwsIot,
};

/// Validates `value` against `part`. On failure: kInvalidArgument with
/// "<base_pointer><pointer in value>: expected ..., found ...". The compiled
/// schemas are built once, on first use (thread-safe).
Status ValidateWithSchema(const JsonValue& value, SchemaPart part, std::string_view base_pointer);

/// A short rendering of a value for "found ...": compact JSON cut at about
/// 60 bytes. Values at pointers whose last token is "Client Key" or
/// "Password" are never shown.
std::string DescribeFound(const JsonValue& value, std::string_view pointer);

/// The expected-text for a schema node: "a number from 0.1 to 86400", "one
/// of \"jsonl\", \"csv\"", "a string matching ^...$".
std::string DescribeExpected(const JsonValue& schema_node);

}  // namespace shadowsync::agent::internal

#endif  // SHADOWSYNC_AGENT_SRC_SCHEMA_CHECK_H_
