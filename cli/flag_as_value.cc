// SPDX-License-Identifier: Apache-2.0

#include "flag_as_value.h"

#include <string>

namespace shadowsync::cli {
namespace {

bool IsFlagOf(const CLI::App& app, const std::string& argument) {
  if (argument.size() < 2 || argument[0] != '-') return false;
  const std::string name = argument.substr(0, argument.find('='));
  for (const CLI::Option* option : app.get_options()) {
    for (const std::string& long_name : option->get_lnames()) {
      if (name == "--" + long_name) return true;
    }
    for (const std::string& short_name : option->get_snames()) {
      if (name == "-" + short_name) return true;
    }
  }
  return false;
}

}  // namespace

void RefuseFlagsAsValues(CLI::App& app) {
  const CLI::App* checked = &app;
  // No description: it would show in --help after the value's type.
  const CLI::Validator not_a_flag(
      [checked](const std::string& value) {
        return IsFlagOf(*checked, value) ? "needs a value (got the flag '" + value + "')"
                                         : std::string();
      },
      "");
  for (CLI::Option* option : app.get_options([](CLI::Option* o) {
         return o->get_type_size() != 0 && o->get_items_expected_max() > 0;
       })) {
    option->check(not_a_flag);
  }
}

}  // namespace shadowsync::cli
