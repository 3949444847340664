// SPDX-License-Identifier: Apache-2.0

#include "bench_flags.h"

#include <cerrno>
#include <cstdio>
#include <cstdlib>

namespace shadowsync {
namespace bench {

bool ParseInt(const char* text, long min, long max, int* out) {
  char* end = nullptr;
  errno = 0;
  const long value = std::strtol(text, &end, 10);
  if (errno != 0 || end == text || *end != '\0' || value < min || value > max) return false;
  *out = static_cast<int>(value);
  return true;
}

bool ParseDouble(const char* text, double min, double* out) {
  char* end = nullptr;
  errno = 0;
  const double value = std::strtod(text, &end);
  if (errno != 0 || end == text || *end != '\0' || !(value >= min) || value > 1e6) return false;
  *out = value;
  return true;
}

int ParseFlagList(
    int argc, char** argv, const char* usage,
    const std::function<bool(const std::string& name)>& take_switch,
    const std::function<FlagValue(const std::string& name, const std::string& value)>& take_value) {
  for (int i = 1; i < argc; ++i) {
    std::string name = argv[i];
    std::string value;
    bool has_value = false;
    const auto eq = name.find('=');
    if (name.rfind("--", 0) == 0 && eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
      has_value = true;
    }
    if (name == "--help" || name == "-h") {
      std::fputs(usage, stdout);
      return 1;
    }
    if (take_switch(name)) continue;
    if (!has_value) {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "%s: missing value\n%s", name.c_str(), usage);
        return 2;
      }
      value = argv[++i];
    }
    switch (take_value(name, value)) {
      case FlagValue::kOk:
        break;
      case FlagValue::kUnknown:
        std::fprintf(stderr, "unknown flag %s\n%s", name.c_str(), usage);
        return 2;
      case FlagValue::kInvalid:
        std::fprintf(stderr, "%s: invalid value '%s'\n", name.c_str(), value.c_str());
        return 2;
    }
  }
  return 0;
}

bool TakeEmulatorFlag(const std::string& name, const std::string& value, EmulatorFlags* flags) {
  if (name == "--emulator") {
    flags->path = value;
  } else if (name == "--emulator-log-level") {
    flags->log_level = value;
  } else if (name == "--emulator-arg") {
    flags->args.push_back(value);
  } else {
    return false;
  }
  return true;
}

bool TakePluginFlag(const std::string& name, const std::string& value, PluginFlags* flags,
                    bool* valid) {
  *valid = true;
  if (name == "--plugin") {
    flags->path = value;
  } else if (name == "--plugin-log-level") {
    flags->log_level = value;
  } else if (name == "--plugin-opt") {
    const auto eq = value.find('=');
    if (eq == std::string::npos || eq == 0) {
      *valid = false;
    } else {
      flags->options.emplace_back(value.substr(0, eq), value.substr(eq + 1));
    }
  } else {
    return false;
  }
  return true;
}

int CheckEmulatorFlags(const EmulatorFlags& flags) {
  if (!flags.path.empty()) return 0;
  std::fprintf(stderr, "--emulator: no default in this build; give the path\n");
  return 2;
}

}  // namespace bench
}  // namespace shadowsync
