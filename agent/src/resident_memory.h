// SPDX-License-Identifier: Apache-2.0
//
// Keeps the agent's resident set to what it uses. Most of a small daemon's
// RSS is not its own memory but the pages of its program and shared
// libraries that it has touched once (docs/performance.md, "Where the
// memory is"): start-up code (configuration, schema checks, OpenSSL's
// initialisation and error strings) stays mapped for the process's life.
// TrimResidentMemory() gives the heap's free pages back (malloc_trim) and
// unmaps the pages of read-only file mappings that hold no private copy;
// they stay in the page cache, and a page used again is mapped again by a
// minor fault. Writable mappings, and read-only ones with private copies
// (relocated data), are never touched, so nothing the process wrote is lost.
//
// Thread safety: safe to call from any thread; other threads keep running.

#ifndef SHADOWSYNC_AGENT_SRC_RESIDENT_MEMORY_H_
#define SHADOWSYNC_AGENT_SRC_RESIDENT_MEMORY_H_

#include <chrono>
#include <cstddef>
#include <string>

#include "shadowsync/status.h"

namespace shadowsync::agent {

/// What one TrimResidentMemory() did.
struct TrimResult {
  std::size_t mappings = 0;      ///< read-only file mappings released
  std::size_t released_kib = 0;  ///< their resident KiB before the release
};

/// Releases the resident pages described above. kUnavailable when
/// /proc/self/smaps cannot be read (then nothing is released).
Result<TrimResult> TrimResidentMemory();

/// When to trim: `first` after start, then every `period`, and after a
/// configuration reload (Reloaded()).
///
/// Thread safety: not thread-safe; confine to one thread.
class ResidentMemoryTrimmer {
 public:
  using Clock = std::chrono::steady_clock;

  ResidentMemoryTrimmer(Clock::time_point start, std::chrono::seconds first,
                        std::chrono::seconds period)
      : next_(start + first), period_(period) {}

  /// True when a trim is due at `now`; the next one is then a period later.
  bool Due(Clock::time_point now) {
    if (now < next_) return false;
    next_ = now + period_;
    return true;
  }

  /// A reload ran its start-up code again: trim at `now` + `after`.
  void Reloaded(Clock::time_point now, std::chrono::seconds after) {
    if (now + after < next_) next_ = now + after;
  }

 private:
  Clock::time_point next_;
  std::chrono::seconds period_;
};

}  // namespace shadowsync::agent

#endif  // SHADOWSYNC_AGENT_SRC_RESIDENT_MEMORY_H_
