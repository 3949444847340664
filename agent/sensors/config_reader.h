// SPDX-License-Identifier: Apache-2.0
//
// Typed access to one sensor's configuration object with errors that name
// the JSON pointer, what was expected and what was found:
//   /sensors/2/scale: expected a number, found string "x"
// Internal to the sensors library (the factory and its tests use it).
//
// Thread safety: const methods may run concurrently; others need external
// synchronization.

#ifndef SHADOWSYNC_AGENT_SENSORS_CONFIG_READER_H_
#define SHADOWSYNC_AGENT_SENSORS_CONFIG_READER_H_

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "shadowsync/json.h"
#include "shadowsync/status.h"

namespace shadowsync::agent {

/// "string \"x\"", "number 3", "array [1,2]": a value for an error message,
/// its JSON cut to a readable length.
std::string DescribeFoundValue(const JsonValue& value);

/// Reads keys of one JSON object and remembers which were read, so that
/// CheckNoUnknownKeys() can reject typos ("scle") instead of ignoring them.
/// Every error is kInvalidArgument and starts with the key's pointer.
///
/// Borrows `object`, which must outlive the reader.
///
/// Thread safety: not thread-safe; confine to one thread.
class ConfigReader {
 public:
  /// kInvalidArgument unless `value` is an object.
  static Result<ConfigReader> Make(const JsonValue& value, std::string pointer);

  /// The object's pointer, e.g. "/sensors/2".
  const std::string& pointer() const { return pointer_; }
  /// pointer() + "/" + key (escaped).
  std::string PointerTo(const std::string& key) const;

  bool Has(const std::string& key) const;

  /// A required string; `what` says what it is for in the error message.
  Result<std::string> RequiredString(const std::string& key, const std::string& what);
  Result<std::string> String(const std::string& key, const std::string& default_value);
  /// A non-empty string (names, paths).
  Result<std::string> NonEmptyString(const std::string& key, const std::string& default_value);
  Result<std::optional<std::string>> OptionalString(const std::string& key);
  /// One of `choices`.
  Result<std::string> Choice(const std::string& key, std::initializer_list<const char*> choices,
                             const std::string& default_value);

  Result<double> Number(const std::string& key, double default_value);
  Result<double> PositiveNumber(const std::string& key, double default_value);
  Result<double> RequiredPositiveNumber(const std::string& key);
  Result<std::uint64_t> Uint64(const std::string& key, std::uint64_t default_value);
  Result<bool> Bool(const std::string& key, bool default_value);

  /// An array of non-empty strings.
  Result<std::vector<std::string>> StringArray(const std::string& key,
                                               std::vector<std::string> default_value);

  /// The value of `key`, which must be an object (nullptr when absent and
  /// not required).
  Result<const JsonValue*> Object(const std::string& key, bool required);

  /// kInvalidArgument naming the first key that no accessor above read,
  /// and listing the keys that a `kind` sensor accepts. Keys starting with
  /// '_' are comments (the agent configuration's convention) and pass.
  Status CheckNoUnknownKeys(const std::string& kind) const;

 private:
  ConfigReader(const JsonValue& object, std::string pointer)
      : object_(&object), pointer_(std::move(pointer)) {}
  const JsonValue* Find(const std::string& key);
  Status Error(const std::string& key, const std::string& text) const;
  Status WrongType(const std::string& key, const std::string& expected,
                   const JsonValue& found) const;

  const JsonValue* object_;
  std::string pointer_;
  std::set<std::string> known_;
};

}  // namespace shadowsync::agent

#endif  // SHADOWSYNC_AGENT_SENSORS_CONFIG_READER_H_
