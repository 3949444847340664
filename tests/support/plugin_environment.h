// SPDX-License-Identifier: Apache-2.0
//
// The environment of a mosquitto that loads this build's broker plugin. In a
// sanitizer build the plugin is instrumented but mosquitto is not, so the
// plugin's __asan_* / __ubsan_* symbols have no runtime to bind to and
// dlopen() fails. The build then names the sanitizer's shared runtime
// (SHADOWSYNC_PLUGIN_PRELOAD, tests/CMakeLists.txt), and such a mosquitto
// runs with it preloaded, with leak detection off (mosquitto's own leaks at
// exit are not ours to report). Header-only and free of gtest, so the
// conformance runner can use it too.
//
// Thread safety: a pure function; safe for concurrent use.

#ifndef SHADOWSYNC_TESTS_SUPPORT_PLUGIN_ENVIRONMENT_H_
#define SHADOWSYNC_TESTS_SUPPORT_PLUGIN_ENVIRONMENT_H_

#include <string>
#include <utility>
#include <vector>

namespace shadowsync::testing_support {

/// Variables to add to a plugin-loading mosquitto's environment; empty in
/// a build without sanitizers.
inline std::vector<std::pair<std::string, std::string>> PluginBrokerEnvironment() {
#ifdef SHADOWSYNC_PLUGIN_PRELOAD
  const std::string preload = SHADOWSYNC_PLUGIN_PRELOAD;
  if (!preload.empty()) {
    return {{"LD_PRELOAD", preload}, {"ASAN_OPTIONS", "detect_leaks=0:halt_on_error=1"}};
  }
#endif
  return {};
}

}  // namespace shadowsync::testing_support

#endif  // SHADOWSYNC_TESTS_SUPPORT_PLUGIN_ENVIRONMENT_H_
