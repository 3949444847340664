// SPDX-License-Identifier: Apache-2.0
//
// The functions of the subset, after the AWS IoT SQL functions reference
// (iot-sql-functions.md). Each returns Undefined for arguments of a type it
// does not take, as AWS does.

#include "rules/sql_functions.h"

#include <array>
#include <cstdint>
#include <string>
#include <utility>

#include "ascii.h"

namespace shadowsync::rules_internal {
namespace {

constexpr std::size_t kManyArgs = 1000;

constexpr std::array<FunctionInfo, 9> kFunctions = {{
    {Function::kTopic, "topic", 0, 1},
    {Function::kTimestamp, "timestamp", 0, 0},
    {Function::kClientId, "clientid", 0, 0},
    {Function::kPrincipal, "principal", 0, 0},
    {Function::kNewUuid, "newuuid", 0, 0},
    {Function::kUpper, "upper", 1, 1},
    {Function::kLower, "lower", 1, 1},
    {Function::kConcat, "concat", 2, kManyArgs},
    {Function::kIsUndefined, "isUndefined", 1, 1},
}};

// topic(n): the n-th level, 1-based; Undefined when n is not a whole number
// in range.
SqlValue TopicLevel(const SqlValue& n, std::string_view topic, JsonAllocator& allocator) {
  const std::optional<SqlNumber> number = ToNumber(n);
  if (!number) return SqlValue::Undefined();
  // A topic has at most 65535 bytes (MQTT), so fewer levels than this; the
  // bound also keeps the double-to-integer conversion defined.
  constexpr double kMaxLevel = 65536;
  std::int64_t index = 0;
  if (number->is_int) {
    index = number->int_value;
  } else {
    const double d = number->decimal;
    if (!(d >= 1 && d <= kMaxLevel) || d != static_cast<double>(static_cast<std::int64_t>(d))) {
      return SqlValue::Undefined();
    }
    index = static_cast<std::int64_t>(d);
  }
  if (index < 1) return SqlValue::Undefined();
  std::size_t start = 0;
  for (std::int64_t level = 1; level < index; ++level) {
    const std::size_t slash = topic.find('/', start);
    if (slash == std::string_view::npos) return SqlValue::Undefined();
    start = slash + 1;
  }
  const std::size_t end = topic.find('/', start);
  return StringValue(topic.substr(start, end == std::string_view::npos ? end : end - start),
                     allocator);
}

// upper()/lower(): strings, numbers and booleans are converted to String
// first; arrays, objects, null and Undefined give Undefined (AWS:
// upper(["hello"]) = Undefined). Case mapping is ASCII only.
SqlValue ChangeCase(const SqlValue& arg, bool upper, JsonAllocator& allocator) {
  if (arg.is_undefined() || arg.json().IsArray() || arg.json().IsObject()) {
    return SqlValue::Undefined();
  }
  std::optional<std::string> text = ToSqlString(arg);
  if (!text) return SqlValue::Undefined();
  for (char& c : *text) c = upper ? ascii::ToUpper(c) : ascii::ToLower(c);
  return StringValue(*text, allocator);
}

// concat(): with an array among the arguments, an array (arrays spliced,
// other values appended); else the arguments converted to String and
// joined. Undefined or null arguments make it Undefined.
SqlValue Concat(std::vector<SqlValue>& args, JsonAllocator& allocator) {
  bool any_array = false;
  for (const SqlValue& a : args) {
    if (a.is_undefined() || a.json().IsNull()) return SqlValue::Undefined();
    any_array = any_array || a.json().IsArray();
  }
  if (any_array) {
    JsonValue out(rapidjson::kArrayType);
    for (SqlValue& a : args) {
      if (a.json().IsArray()) {
        for (JsonValue& element : a.json().GetArray()) out.PushBack(element.Move(), allocator);
      } else {
        out.PushBack(a.json().Move(), allocator);
      }
    }
    return SqlValue::Of(std::move(out));
  }
  std::string joined;
  for (const SqlValue& a : args) {
    std::optional<std::string> text = ToSqlString(a);
    if (!text) return SqlValue::Undefined();
    joined += *text;
  }
  return StringValue(joined, allocator);
}

}  // namespace

std::optional<FunctionInfo> LookUpFunction(std::string_view name) {
  for (const FunctionInfo& f : kFunctions) {
    if (ascii::EqualsIgnoreCase(name, f.name)) return f;
  }
  return std::nullopt;
}

std::string_view SupportedFunctionList() {
  return "topic(), topic(n), timestamp(), clientid(), principal(), newuuid(), upper(s), "
         "lower(s), concat(a, b, ...), isUndefined(x)";
}

SqlValue CallFunction(Function function, std::vector<SqlValue>& args, const SqlMessage& message,
                      JsonAllocator& allocator, Status* error) {
  switch (function) {
    case Function::kTopic:
      if (args.empty()) return StringValue(message.topic, allocator);
      return TopicLevel(args[0], message.topic, allocator);
    case Function::kTimestamp:
      return SqlValue::Of(JsonValue(static_cast<std::int64_t>(message.timestamp_ms)));
    case Function::kClientId:
      return StringValue(message.client_id, allocator);
    case Function::kPrincipal:
      return StringValue(message.principal, allocator);
    case Function::kNewUuid:
      if (!message.new_uuid) {
        *error = InvalidArgumentError("newuuid(): no uuid source was given to the evaluator");
        return SqlValue::Undefined();
      }
      return StringValue(message.new_uuid(), allocator);
    case Function::kUpper:
      return ChangeCase(args[0], /*upper=*/true, allocator);
    case Function::kLower:
      return ChangeCase(args[0], /*upper=*/false, allocator);
    case Function::kConcat:
      return Concat(args, allocator);
    case Function::kIsUndefined:
      return SqlValue::Bool(args[0].is_undefined());
  }
  return SqlValue::Undefined();
}

}  // namespace shadowsync::rules_internal
