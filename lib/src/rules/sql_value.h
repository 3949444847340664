// SPDX-License-Identifier: Apache-2.0
//
// The values AWS IoT SQL computes with: a JSON value, or Undefined (which
// JSON cannot hold), and the conversions the AWS reference defines between
// them (iot-sql-data-types: "Conversions").

#ifndef SHADOWSYNC_RULES_SQL_VALUE_H_
#define SHADOWSYNC_RULES_SQL_VALUE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "shadowsync/json.h"

namespace shadowsync::rules_internal {

/// A value during evaluation: Undefined, or a JSON value whose strings and
/// children live in the evaluation's allocator.
class SqlValue {
 public:
  static SqlValue Undefined() { return SqlValue(); }
  static SqlValue Of(JsonValue&& value) {
    SqlValue v;
    v.defined_ = true;
    v.json_ = std::move(value);
    return v;
  }
  static SqlValue Bool(bool b) { return Of(JsonValue(b)); }

  bool is_undefined() const { return !defined_; }
  const JsonValue& json() const { return json_; }
  JsonValue& json() { return json_; }

 private:
  bool defined_ = false;
  JsonValue json_;
};

/// A number as AWS IoT SQL sees it: an Int or a Decimal (held as double).
struct SqlNumber {
  bool is_int = false;
  std::int64_t int_value = 0;
  double decimal = 0;

  double AsDouble() const { return is_int ? static_cast<double>(int_value) : decimal; }
};

/// Conversion to Decimal: numbers as they are; strings matching AWS's
/// `^-?\d+(\.\d+)?((?i)E-?\d+)?$`; everything else (Boolean, Array,
/// Object, Null, Undefined) std::nullopt.
std::optional<SqlNumber> ToNumber(const SqlValue& value);

/// Conversion to Boolean for AND, OR, NOT: booleans, and the strings
/// "true"/"false" in any case; else std::nullopt (the operator's result is
/// then Undefined).
std::optional<bool> ToBoolean(const SqlValue& value);

/// Conversion to String: strings as they are, numbers and booleans as JSON
/// writes them, arrays and objects as compact JSON; Null and Undefined
/// std::nullopt.
std::optional<std::string> ToSqlString(const SqlValue& value);

/// A number as a value: Int when `number.is_int`, else Decimal; a
/// non-finite Decimal is Undefined.
SqlValue NumberValue(const SqlNumber& number);

/// A string value copied into `allocator`.
SqlValue StringValue(std::string_view text, JsonAllocator& allocator);

}  // namespace shadowsync::rules_internal

#endif  // SHADOWSYNC_RULES_SQL_VALUE_H_
