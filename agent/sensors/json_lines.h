// SPDX-License-Identifier: Apache-2.0
//
// JSON lines for the push sensors ("socket", "stdin"): splitting a byte
// stream into lines and keeping the latest value of each key. Internal to the
// sensors library.
//
// Thread safety: not thread-safe; confine to one thread.

#ifndef SHADOWSYNC_AGENT_SENSORS_JSON_LINES_H_
#define SHADOWSYNC_AGENT_SENSORS_JSON_LINES_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>

#include "shadowsync/json.h"
#include "shadowsync/status.h"

namespace shadowsync::agent {

/// Longest line accepted (without its newline). Longer lines are dropped and
/// reported, so one runaway client cannot grow the agent without bound.
inline constexpr std::size_t kMaxJsonLineBytes = 64 * 1024;

/// Deepest nesting accepted in a line (as NestingDepth() counts it). Copying
/// and serialising values recurses, so hostile nesting is refused here.
inline constexpr int kMaxJsonLineDepth = 32;

/// Splits one byte stream into lines ending in '\n' (a trailing '\r' is
/// trimmed with the rest of the white space by the consumer). Lines are
/// numbered from 1 per stream.
///
/// Thread safety: not thread-safe; confine to one thread.
class LineSplitter {
 public:
  /// Called with each complete line (without '\n'), its number, and whether
  /// it was longer than kMaxJsonLineBytes (then `line` is only its start).
  using LineHandler =
      std::function<void(std::string_view line, std::uint64_t number, bool too_long)>;

  void Feed(std::string_view bytes, const LineHandler& handler);
  /// End of stream: an unterminated last line still counts.
  void Finish(const LineHandler& handler);

 private:
  std::string partial_;
  bool too_long_ = false;
  std::uint64_t next_number_ = 1;
};

/// The latest value of each key seen in JSON-object lines. Each key owns its
/// value in its own document, so replacing a value frees the old one (a
/// single RapidJSON pool would grow for as long as the agent runs).
///
/// Thread safety: not thread-safe; confine to one thread.
class LatestValues {
 public:
  /// Parses `line` as one JSON object and merges its members: a key's new
  /// value replaces the old one, `null` removes the key. An empty (or
  /// all-white-space) line is ignored. kInvalidArgument, with the reason and
  /// the line quoted, for anything else: malformed JSON, invalid UTF-8, not
  /// an object, nesting deeper than kMaxJsonLineDepth. A rejected line
  /// changes nothing.
  Status ApplyLine(std::string_view line);

  /// Merges the members of `object` (an object) the same way.
  void Merge(const JsonValue& object);

  /// Replaces `out` with an object of every key's latest value.
  void WriteTo(JsonValue& out, JsonAllocator& allocator) const;

  std::size_t size() const { return values_.size(); }

 private:
  std::map<std::string, JsonDocument> values_;
};

/// Collects the malformed lines of one drain into a single error:
/// "malformed line 3 of <source>: <reason>; and 2 more malformed lines".
///
/// Thread safety: not thread-safe; confine to one thread.
class LineErrors {
 public:
  void Add(const std::string& where, std::uint64_t number, const std::string& reason);
  /// OK when nothing was added.
  Status ToStatus() const;

 private:
  std::string first_;
  std::size_t count_ = 0;
};

}  // namespace shadowsync::agent

#endif  // SHADOWSYNC_AGENT_SENSORS_JSON_LINES_H_
