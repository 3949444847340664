// SPDX-License-Identifier: Apache-2.0
//
// What the property-checking fuzzers share: Check() aborts with the broken
// property and the input (escaped), so libFuzzer saves a reproducer.

#ifndef SHADOWSYNC_TESTS_FUZZ_FUZZ_CHECK_H_
#define SHADOWSYNC_TESTS_FUZZ_FUZZ_CHECK_H_

#include <cstdio>
#include <cstdlib>
#include <string_view>

namespace shadowsync::fuzz {

[[noreturn]] inline void Fail(const char* what, std::string_view input, std::string_view detail) {
  std::fprintf(stderr, "property violated: %s\n", what);
  if (!detail.empty()) {
    std::fprintf(stderr, "detail: %.*s\n", static_cast<int>(detail.size()), detail.data());
  }
  std::fprintf(stderr, "input (%zu bytes): ", input.size());
  for (unsigned char c : input) {
    if (c >= 0x20 && c < 0x7f && c != '\\') {
      std::fputc(c, stderr);
    } else {
      std::fprintf(stderr, "\\x%02x", c);
    }
  }
  std::fputc('\n', stderr);
  std::abort();
}

inline void Check(bool condition, const char* what, std::string_view input,
                  std::string_view detail = {}) {
  if (!condition) Fail(what, input, detail);
}

inline bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

}  // namespace shadowsync::fuzz

#endif  // SHADOWSYNC_TESTS_FUZZ_FUZZ_CHECK_H_
