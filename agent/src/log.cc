// SPDX-License-Identifier: Apache-2.0
#include "src/log.h"

#include <unistd.h>

#include <utility>

namespace shadowsync::agent {

Log::Log(LogLevel level, Sink sink) : level_(level), sink_(std::move(sink)) {}

void Log::Write(LogLevel level, std::string_view text) const {
  if (!Enabled(level)) return;
  std::string line = LogLevelName(level);
  line += ": ";
  line += text;
  line += '\n';
  if (sink_) {
    sink_(line);
    return;
  }
  // One write(2) per line: lines from several threads never interleave.
  std::string_view rest = line;
  while (!rest.empty()) {
    const ssize_t n = ::write(STDERR_FILENO, rest.data(), rest.size());
    if (n <= 0) return;
    rest.remove_prefix(static_cast<std::size_t>(n));
  }
}

}  // namespace shadowsync::agent
