// SPDX-License-Identifier: Apache-2.0
//
// The agent's log: one line per event on stderr, "<level>: <text>", which
// journald stores with the unit's name and time. The level can change at run
// time (remote configuration, SIGHUP).
//
// Thread safety: safe for concurrent use (whole lines, never interleaved).

#ifndef SHADOWSYNC_AGENT_SRC_LOG_H_
#define SHADOWSYNC_AGENT_SRC_LOG_H_

#include <atomic>
#include <functional>
#include <string>
#include <string_view>

#include "src/config.h"

namespace shadowsync::agent {

class Log {
 public:
  /// Receives each finished line (with its trailing newline); empty: stderr.
  using Sink = std::function<void(std::string_view line)>;

  explicit Log(LogLevel level = LogLevel::kInfo, Sink sink = {});

  void set_level(LogLevel level) { level_.store(level); }
  LogLevel level() const { return level_.load(); }
  bool Enabled(LogLevel level) const { return level >= level_.load(); }

  void Write(LogLevel level, std::string_view text) const;
  void Debug(std::string_view text) const { Write(LogLevel::kDebug, text); }
  void Info(std::string_view text) const { Write(LogLevel::kInfo, text); }
  void Warning(std::string_view text) const { Write(LogLevel::kWarning, text); }
  void Error(std::string_view text) const { Write(LogLevel::kError, text); }

 private:
  std::atomic<LogLevel> level_;
  Sink sink_;
};

}  // namespace shadowsync::agent

#endif  // SHADOWSYNC_AGENT_SRC_LOG_H_
