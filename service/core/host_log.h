// SPDX-License-Identifier: Apache-2.0
//
// The service hosts' log: one vocabulary of levels for shadowsync-emulator
// and the mosquitto plugin, and a Logger that prefixes every line with the
// program's name. The emulator writes to stderr; the plugin hands its lines
// to mosquitto's log through a sink.
//
// Thread safety: Logger is safe for concurrent use (its sink must be too).

#ifndef SHADOWSYNC_SERVICE_CORE_HOST_LOG_H_
#define SHADOWSYNC_SERVICE_CORE_HOST_LOG_H_

#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace shadowsync::host {

/// Log levels, most severe first: a logger at level L prints L and above.
enum class LogLevel { kError = 0, kWarn = 1, kInfo = 2, kDebug = 3 };

/// "error", "warn", "info", "debug".
const char* LogLevelName(LogLevel level);
/// Parses one of the names above.
std::optional<LogLevel> ParseLogLevel(std::string_view name);

/// Receives one finished log line (no trailing newline).
using LogSink = std::function<void(LogLevel level, const std::string& line)>;

/// Writes all of `text` to stderr with as few write() calls as the kernel
/// allows (one for a line), retrying on EINTR; lines from different threads
/// never interleave, which fprintf does not promise.
void WriteToStderr(std::string_view text);

/// A printable, bounded copy of untrusted text (a topic, a payload) for a
/// log line: bytes outside printable ASCII become \xNN, and text longer
/// than `max` bytes ends in "...".
std::string Printable(std::string_view text, std::size_t max = 300);

/// Writes `<program>: <level>: <text>` lines.
/// Thread safety: safe for concurrent use.
class Logger {
 public:
  /// `sink` empty means stderr, one write() per line.
  explicit Logger(LogLevel level = LogLevel::kInfo, LogSink sink = {},
                  std::string program = "shadowsync-emulator");

  bool Enabled(LogLevel level) const { return level <= level_; }
  /// Logs `text` when `level` is enabled.
  void Log(LogLevel level, std::string_view text) const;
  void Error(std::string_view text) const { Log(LogLevel::kError, text); }
  void Warn(std::string_view text) const { Log(LogLevel::kWarn, text); }
  void Info(std::string_view text) const { Log(LogLevel::kInfo, text); }
  void Debug(std::string_view text) const { Log(LogLevel::kDebug, text); }

  LogLevel level() const { return level_; }

 private:
  LogLevel level_;
  LogSink sink_;
  std::string prefix_;
};

}  // namespace shadowsync::host

#endif  // SHADOWSYNC_SERVICE_CORE_HOST_LOG_H_
