// SPDX-License-Identifier: Apache-2.0
//
// Command-line flags of the loopback benches (shadowsync-relay-bench and
// shadowsync-client-bench): number parsing, the loop over argv with its
// messages, and the flags that say which emulator and which broker plugin
// (shadowsync_mosquitto.so) to start and how.
//
// Thread safety: plain functions on their arguments; the callbacks run on the
// caller's thread.

#ifndef SHADOWSYNC_TESTS_BENCH_BENCH_FLAGS_H_
#define SHADOWSYNC_TESTS_BENCH_BENCH_FLAGS_H_

#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace shadowsync {
namespace bench {

/// A whole decimal number in [min, max] into *out; false (and *out as it
/// was) for anything else.
bool ParseInt(const char* text, long min, long max, int* out);

/// A number (strtod) in [min, 1e6] into *out; false (and *out as it was) for
/// anything else.
bool ParseDouble(const char* text, double min, double* out);

/// What a value flag's handler makes of it.
enum class FlagValue { kOk, kInvalid, kUnknown };

/// Walks argv[1..argc): "--help" or "-h" prints `usage` to stdout; then
/// `take_switch(name)` says whether `name` is a flag without a value (a
/// "=value" after it is ignored); any other flag takes its value after '='
/// or from the next argument and goes to `take_value(name, value)`. A
/// missing value, an unknown flag or an invalid value is reported on stderr.
/// Returns 0 to go on, 1 after --help, 2 on a usage error.
int ParseFlagList(
    int argc, char** argv, const char* usage,
    const std::function<bool(const std::string& name)>& take_switch,
    const std::function<FlagValue(const std::string& name, const std::string& value)>& take_value);

/// --emulator PATH, --emulator-log-level L, --emulator-arg ARG (repeatable).
struct EmulatorFlags {
  /// `default_path`: the emulator of this build, or "" when it has none.
  explicit EmulatorFlags(std::string default_path) : path(std::move(default_path)) {}

  std::string path;                ///< shadowsync-emulator
  std::string log_level = "info";  ///< its --log-level (its own default)
  std::vector<std::string> args;   ///< more arguments for it
};

/// Takes `name` if it is one of the EmulatorFlags; false if it is not.
bool TakeEmulatorFlag(const std::string& name, const std::string& value, EmulatorFlags* flags);

/// 0 when there is an emulator path; 2, with a message on stderr, when the
/// build has no default and --emulator was not given.
int CheckEmulatorFlags(const EmulatorFlags& flags);

/// --plugin PATH, --plugin-log-level L, --plugin-opt NAME=VALUE (repeatable):
/// shadowsync_mosquitto.so and what the bench's mosquitto.conf passes it.
struct PluginFlags {
  /// `default_path`: the plugin of this build, or "" when it has none.
  explicit PluginFlags(std::string default_path) : path(std::move(default_path)) {}

  std::string path;                ///< shadowsync_mosquitto.so
  std::string log_level = "info";  ///< plugin_opt_log_level (its own default)
  /// More plugin_opt_<name> <value> lines, after the bench's own (a later
  /// line of the same name wins in the plugin).
  std::vector<std::pair<std::string, std::string>> options;
};

/// Takes `name` if it is one of the PluginFlags; false if it is not.
/// *valid is false for a --plugin-opt without '=' or with an empty name.
bool TakePluginFlag(const std::string& name, const std::string& value, PluginFlags* flags,
                    bool* valid);

}  // namespace bench
}  // namespace shadowsync

#endif  // SHADOWSYNC_TESTS_BENCH_BENCH_FLAGS_H_
