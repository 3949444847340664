// SPDX-License-Identifier: Apache-2.0

#include "sensors/sensor_util.h"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>

namespace shadowsync::agent {

Result<std::string> ReadTextFile(const std::string& path, std::size_t max_bytes) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    const int error = errno;
    const std::string message = "cannot open " + path + ": " + ErrnoText(error);
    if (error == ENOENT || error == ENOTDIR) return NotFoundError(message);
    return Status(StatusCode::kUnavailable, message);
  }
  std::string text;
  char buffer[4096];
  while (text.size() < max_bytes) {
    const ssize_t n = ::read(fd, buffer, std::min(sizeof buffer, max_bytes - text.size()));
    if (n < 0) {
      if (errno == EINTR) continue;
      // sysfs reports a sensor that cannot be read now (ENODATA, EIO, EAGAIN)
      // on read(), not on open().
      const std::string message = "cannot read " + path + ": " + ErrnoText(errno);
      ::close(fd);
      return Status(StatusCode::kUnavailable, message);
    }
    if (n == 0) break;
    text.append(buffer, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return text;
}

std::string_view TrimWhitespace(std::string_view text) {
  constexpr std::string_view kSpace = " \t\n\r\f\v";
  const auto first = text.find_first_not_of(kSpace);
  if (first == std::string_view::npos) return {};
  const auto last = text.find_last_not_of(kSpace);
  return text.substr(first, last - first + 1);
}

std::optional<double> ParseDouble(std::string_view text) {
  if (text.empty()) return std::nullopt;
  // from_chars rejects a leading '+', which strtod and humans accept.
  if (text.front() == '+') text.remove_prefix(1);
  double value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || !std::isfinite(value)) {
    return std::nullopt;
  }
  return value;
}

std::optional<long long> ParseInteger(std::string_view text) {
  if (text.empty()) return std::nullopt;
  if (text.front() == '+') text.remove_prefix(1);
  long long value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

Result<std::vector<std::string>> ListDirectory(const std::string& path) {
  DIR* dir = ::opendir(path.c_str());
  if (dir == nullptr) {
    const int error = errno;
    const std::string message = "cannot list " + path + ": " + ErrnoText(error);
    if (error == ENOENT || error == ENOTDIR) return NotFoundError(message);
    return Status(StatusCode::kUnavailable, message);
  }
  std::vector<std::string> names;
  while (const dirent* entry = ::readdir(dir)) {
    const std::string name = entry->d_name;
    if (name != "." && name != "..") names.push_back(name);
  }
  ::closedir(dir);
  std::sort(names.begin(), names.end(), NaturalLess);
  return names;
}

bool NaturalLess(const std::string& a, const std::string& b) {
  std::size_t i = 0;
  std::size_t j = 0;
  auto is_digit = [](char c) { return c >= '0' && c <= '9'; };
  while (i < a.size() && j < b.size()) {
    if (is_digit(a[i]) && is_digit(b[j])) {
      std::size_t i_end = i;
      std::size_t j_end = j;
      while (i_end < a.size() && is_digit(a[i_end])) ++i_end;
      while (j_end < b.size() && is_digit(b[j_end])) ++j_end;
      // Compare by value: strip leading zeros, then longer is larger.
      std::size_t i_start = i;
      std::size_t j_start = j;
      while (i_start + 1 < i_end && a[i_start] == '0') ++i_start;
      while (j_start + 1 < j_end && b[j_start] == '0') ++j_start;
      const std::size_t i_len = i_end - i_start;
      const std::size_t j_len = j_end - j_start;
      if (i_len != j_len) return i_len < j_len;
      const int cmp = a.compare(i_start, i_len, b, j_start, j_len);
      if (cmp != 0) return cmp < 0;
      i = i_end;
      j = j_end;
    } else {
      if (a[i] != b[j]) return a[i] < b[j];
      ++i;
      ++j;
    }
  }
  if ((a.size() - i) != (b.size() - j)) return (a.size() - i) < (b.size() - j);
  return a < b;  // equal by value ("a01" vs "a1"): fall back to bytes for a strict order
}

std::string QuoteForMessage(std::string_view text, std::size_t max_chars) {
  std::string out = "\"";
  std::size_t count = 0;
  for (char c : text) {
    if (count == max_chars) {
      out += "...";
      break;
    }
    const auto byte = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(c);
    } else if (byte < 0x20 || byte == 0x7f) {
      char escaped[8];
      std::snprintf(escaped, sizeof escaped, "\\u%04x", byte);
      out += escaped;
    } else {
      out.push_back(c);
    }
    ++count;
  }
  out.push_back('"');
  return out;
}

std::string ErrnoText(int error_number) {
  char buffer[256];
  // GNU strerror_r returns the message, which may or may not be `buffer`.
  return ::strerror_r(error_number, buffer, sizeof buffer);
}

}  // namespace shadowsync::agent
