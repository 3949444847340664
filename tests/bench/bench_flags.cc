// SPDX-License-Identifier: Apache-2.0

#include "bench_flags.h"

#include <cstdio>

namespace shadowsync {
namespace bench {

void AddEmulatorFlags(CLI::App& app, EmulatorFlags* flags) {
  const char* const group = "Emulator";
  app.add_option("--emulator", flags->path, "shadowsync-emulator (default: the one of this build)")
      ->type_name("PATH")
      ->group(group);
  app.add_option("--emulator-log-level", flags->log_level,
                 "the emulator's --log-level (default info, its own default)")
      ->type_name("L")
      ->group(group);
  // One argument per flag, whatever it looks like: --emulator-arg --workers
  // --emulator-arg 0, or --emulator-arg=--workers=0.
  app.add_option("--emulator-arg", flags->args, "one more argument for the emulator (repeatable)")
      ->allow_extra_args(false)
      ->type_name("ARG")
      ->group(group);
}

int CheckEmulatorFlags(const EmulatorFlags& flags) {
  if (!flags.path.empty()) return 0;
  std::fprintf(stderr, "error: --emulator: no default in this build; give the path\n");
  return 2;
}

void AddPluginFlags(CLI::App& app, PluginFlags* flags) {
  const char* const group = "Broker plugin";
  app.add_option("--plugin", flags->path,
                 "shadowsync_mosquitto.so (default: the one of this build)")
      ->type_name("PATH")
      ->group(group);
  app.add_option("--plugin-log-level", flags->log_level,
                 "its plugin_opt_log_level (default info, its own default)")
      ->type_name("L")
      ->group(group);
  const CLI::Validator name_equals_value(
      [](const std::string& value) {
        const auto eq = value.find('=');
        return eq == std::string::npos || eq == 0
                   ? "invalid value '" + value + "': expected NAME=VALUE"
                   : std::string();
      },
      "");
  app.add_option_function<std::vector<std::string>>(
         "--plugin-opt",
         [flags](const std::vector<std::string>& values) {
           for (const std::string& value : values) {
             const auto eq = value.find('=');
             flags->options.emplace_back(value.substr(0, eq), value.substr(eq + 1));
           }
         },
         "one more plugin_opt_NAME VALUE line (repeatable)")
      ->allow_extra_args(false)
      ->check(name_equals_value)
      ->type_name("NAME=VALUE")
      ->group(group);
}

}  // namespace bench
}  // namespace shadowsync
