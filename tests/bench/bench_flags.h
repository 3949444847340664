// SPDX-License-Identifier: Apache-2.0
//
// Command-line flags of the loopback benches (shadowsync-relay-bench and
// shadowsync-client-bench) that say which emulator and which broker plugin
// (shadowsync_mosquitto.so) to start and how, on the shared front end
// (cli/command_line.h). Each bench adds its own flags beside them.
//
// Thread safety: functions over one CLI::App; confine it to one thread.

#ifndef SHADOWSYNC_TESTS_BENCH_BENCH_FLAGS_H_
#define SHADOWSYNC_TESTS_BENCH_BENCH_FLAGS_H_

#include <CLI/CLI.hpp>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace shadowsync {
namespace bench {

/// Adds `--name TYPE` that stores into `*value`, a number in [min, max]
/// ("--window: Value 0 not in range 1 to 1000"). The range is checked, not
/// shown: `help` says the default.
template <typename Number>
CLI::Option* AddNumber(CLI::App& app, const std::string& name, Number* value,
                       const std::string& type, const std::string& help,
                       std::common_type_t<Number> min, std::common_type_t<Number> max) {
  return app.add_option(name, *value, help)
      ->type_name(type)
      ->check(CLI::Range(min, max).description(""));
}

/// --emulator PATH, --emulator-log-level L, --emulator-arg ARG (repeatable).
struct EmulatorFlags {
  /// `default_path`: the emulator of this build, or "" when it has none.
  explicit EmulatorFlags(std::string default_path) : path(std::move(default_path)) {}

  std::string path;                ///< shadowsync-emulator
  std::string log_level = "info";  ///< its --log-level (its own default)
  std::vector<std::string> args;   ///< more arguments for it
};

/// Adds the EmulatorFlags to `app` (group "Emulator"); `*flags` must
/// outlive the parse.
void AddEmulatorFlags(CLI::App& app, EmulatorFlags* flags);

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

/// Adds the PluginFlags to `app` (group "Broker plugin"); a --plugin-opt
/// without '=' or with an empty name is a usage error. `*flags` must
/// outlive the parse.
void AddPluginFlags(CLI::App& app, PluginFlags* flags);

}  // namespace bench
}  // namespace shadowsync

#endif  // SHADOWSYNC_TESTS_BENCH_BENCH_FLAGS_H_
