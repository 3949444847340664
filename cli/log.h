// SPDX-License-Identifier: Apache-2.0
//
// The log every program writes (shadowsync-agent, shadowsync-emulator,
// shadowsync-gateway, the mosquitto plugin through its sink): one line per
// event, "[<component>: ]<level>: <message>", with one vocabulary of levels.
//
// When stderr is the systemd journal (JOURNAL_STREAM names stderr's device
// and inode, as systemd sets it for a service), each line starts with its
// syslog priority, "<3>" for error to "<7>" for debug: journald strips the
// prefix and stores the priority, so `journalctl -p warning` works.
//
// Never log a private key, a secret or a payload at info: payloads go to
// debug, through Printable().
//
// Thread safety: Logger is safe for concurrent use (whole lines, never
// interleaved; its sink must be safe too); the free functions are pure
// except WriteToStderr and StderrIsTheJournal.

#ifndef SHADOWSYNC_CLI_LOG_H_
#define SHADOWSYNC_CLI_LOG_H_

#include <atomic>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace shadowsync::cli {

/// Log levels, most severe first: a logger at level L writes L and above.
enum class LogLevel { kError = 0, kWarning = 1, kInfo = 2, kDebug = 3 };

/// "error", "warning", "info", "debug".
const char* LogLevelName(LogLevel level);
/// Parses one of the names above; "warn" is accepted for "warning".
std::optional<LogLevel> ParseLogLevel(std::string_view name);
/// The syslog priority of a level: 3 (err), 4 (warning), 6 (info), 7 (debug).
int SyslogPriority(LogLevel level);

/// Whether JOURNAL_STREAM ("<device>:<inode>") names this process's stderr.
bool StderrIsTheJournal();

/// Writes all of `text` to stderr with as few write() calls as the kernel
/// allows (one for a line), retrying on EINTR; lines from different threads
/// never interleave, which fprintf does not promise.
void WriteToStderr(std::string_view text);

/// A printable, bounded copy of untrusted text (a topic, a payload) for a
/// log line: bytes outside printable ASCII become \xNN, and text longer
/// than `max` bytes ends in "...".
std::string Printable(std::string_view text, std::size_t max = 300);

/// Receives one finished line, without the priority prefix and without a
/// trailing newline (the mosquitto plugin hands it to mosquitto's log).
using LogSink = std::function<void(LogLevel level, const std::string& line)>;

/// Writes "[<component>: ]<level>: <text>" lines to stderr, or to a sink.
/// Thread safety: safe for concurrent use; the level may change at any time
/// (remote configuration, SIGHUP).
class Logger {
 public:
  /// `sink` empty means stderr, one write() per line, with the journal's
  /// priority prefix when stderr is the journal. `component` empty: lines
  /// start with the level (journald already records the unit's name).
  explicit Logger(LogLevel level = LogLevel::kInfo, LogSink sink = {}, std::string component = {});

  void set_level(LogLevel level) { level_.store(level); }
  LogLevel level() const { return level_.load(); }
  bool Enabled(LogLevel level) const { return level <= level_.load(); }

  /// Logs `text` when `level` is enabled.
  void Log(LogLevel level, std::string_view text) const;
  void Error(std::string_view text) const { Log(LogLevel::kError, text); }
  void Warning(std::string_view text) const { Log(LogLevel::kWarning, text); }
  void Info(std::string_view text) const { Log(LogLevel::kInfo, text); }
  void Debug(std::string_view text) const { Log(LogLevel::kDebug, text); }

 private:
  std::atomic<LogLevel> level_;
  LogSink sink_;
  std::string prefix_;
  bool journal_;
};

}  // namespace shadowsync::cli

#endif  // SHADOWSYNC_CLI_LOG_H_
