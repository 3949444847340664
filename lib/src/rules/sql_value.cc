// SPDX-License-Identifier: Apache-2.0
//
// Conversions between AWS IoT SQL values (iot-sql-data-types.md,
// "Conversions"). RapidJSON's number kinds map onto AWS's types: integers
// that fit int64 are Int, every other number is Decimal (a double here, not
// AWS's 34-digit decimal: docs/rules.md lists the deviation).

#include "rules/sql_value.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <string>

#include "ascii.h"

namespace shadowsync::rules_internal {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// AWS: ^-?\d+(\.\d+)?((?i)E-?\d+)?$ ; also tells whether it is an integer.
bool MatchesDecimalPattern(std::string_view s, bool* integral) {
  std::size_t i = 0;
  if (i < s.size() && s[i] == '-') ++i;
  const std::size_t digits_start = i;
  while (i < s.size() && IsDigit(s[i])) ++i;
  if (i == digits_start) return false;
  *integral = true;
  if (i < s.size() && s[i] == '.') {
    ++i;
    const std::size_t fraction_start = i;
    while (i < s.size() && IsDigit(s[i])) ++i;
    if (i == fraction_start) return false;
    *integral = false;
  }
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && s[i] == '-') ++i;
    const std::size_t exponent_start = i;
    while (i < s.size() && IsDigit(s[i])) ++i;
    if (i == exponent_start) return false;
    *integral = false;
  }
  return i == s.size();
}

}  // namespace

std::optional<SqlNumber> ToNumber(const SqlValue& value) {
  if (value.is_undefined()) return std::nullopt;
  const JsonValue& v = value.json();
  SqlNumber n;
  if (v.IsInt64()) {
    n.is_int = true;
    n.int_value = v.GetInt64();
    return n;
  }
  if (v.IsNumber()) {
    n.decimal = v.GetDouble();
    return n;
  }
  if (!v.IsString()) return std::nullopt;
  const std::string text(v.GetString(), v.GetStringLength());
  bool integral = false;
  if (!MatchesDecimalPattern(text, &integral)) return std::nullopt;
  if (integral) {
    errno = 0;
    char* end = nullptr;
    const long long parsed = std::strtoll(text.c_str(), &end, 10);
    if (errno == 0 && end == text.c_str() + text.size()) {
      n.is_int = true;
      n.int_value = parsed;
      return n;
    }
  }
  n.decimal = std::strtod(text.c_str(), nullptr);
  if (!std::isfinite(n.decimal)) return std::nullopt;
  return n;
}

std::optional<bool> ToBoolean(const SqlValue& value) {
  if (value.is_undefined()) return std::nullopt;
  const JsonValue& v = value.json();
  if (v.IsBool()) return v.GetBool();
  if (v.IsString()) {
    const std::string_view s(v.GetString(), v.GetStringLength());
    if (ascii::EqualsIgnoreCase(s, "true")) return true;
    if (ascii::EqualsIgnoreCase(s, "false")) return false;
  }
  return std::nullopt;
}

std::optional<std::string> ToSqlString(const SqlValue& value) {
  if (value.is_undefined() || value.json().IsNull()) return std::nullopt;
  const JsonValue& v = value.json();
  if (v.IsString()) return std::string(v.GetString(), v.GetStringLength());
  return ToCompactJson(v);
}

SqlValue NumberValue(const SqlNumber& number) {
  if (number.is_int) return SqlValue::Of(JsonValue(static_cast<std::int64_t>(number.int_value)));
  if (!std::isfinite(number.decimal)) return SqlValue::Undefined();
  return SqlValue::Of(JsonValue(number.decimal));
}

SqlValue StringValue(std::string_view text, JsonAllocator& allocator) {
  JsonValue v;
  // An empty view may have a null data(); RapidJSON memcpy()s from it even
  // for 0 bytes, which is undefined behaviour (found by the evaluation fuzzer).
  v.SetString(text.empty() ? "" : text.data(), static_cast<rapidjson::SizeType>(text.size()),
              allocator);
  return SqlValue::Of(std::move(v));
}

}  // namespace shadowsync::rules_internal
