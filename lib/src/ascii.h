// SPDX-License-Identifier: Apache-2.0
//
// ASCII case folding for names that AWS compares case-insensitively (IAM
// action names, AWS IoT SQL keywords and functions). Bytes outside A-Z and
// a-z are left alone, so UTF-8 passes through unchanged. Private to the
// library.
//
// Thread safety: pure functions; safe for concurrent use.

#ifndef SHADOWSYNC_ASCII_H_
#define SHADOWSYNC_ASCII_H_

#include <cstddef>
#include <string_view>

namespace shadowsync::ascii {

inline char ToLower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }
inline char ToUpper(char c) { return c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c; }

/// True when `a` and `b` are equal, ASCII letters folded.
inline bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (ToLower(a[i]) != ToLower(b[i])) return false;
  }
  return true;
}

}  // namespace shadowsync::ascii

#endif  // SHADOWSYNC_ASCII_H_
