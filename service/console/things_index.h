// SPDX-License-Identifier: Apache-2.0
//
// What the console knows about every shadow, kept in memory from the
// broker's traffic: the gateway's console subscribes to
// `$aws/things/+/shadow/#` and `$aws/events/#` and hands each message to
// OnMessage(). Per shadow: the version, the time of the last report, the
// activity (accepted updates and their documents, deltas, rejections,
// deletes; newest first, at most kActivityLimit) and the recent values of
// its busiest numeric reading (the sparkline). Per client id: connected or
// not, from the lifecycle events. A thing is connected when a client whose
// id is the thing's name is (AWS's convention; the agent's default).
//
// Thread safety: safe for concurrent use.
#ifndef SHADOWSYNC_SERVICE_CONSOLE_THINGS_INDEX_H_
#define SHADOWSYNC_SERVICE_CONSOLE_THINGS_INDEX_H_

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "shadowsync/mutex.h"

namespace shadowsync::console {

/// A change worth pushing to the pages.
struct IndexChange {
  std::string thing;
  std::string shadow;         ///< "" for the classic shadow
  std::string kind;           ///< "shadow", "presence"
  std::string summary_json;   ///< the thing's row (ThingJson) after the change
  std::string activity_json;  ///< the new activity entry, "" when none
  /// The numeric leaves of the report, (path, value), for the history.
  std::vector<std::pair<std::string, double>> readings;
};

/// The in-memory index of things, shadows and presence.
///
/// Thread safety: safe for concurrent use.
class ThingsIndex {
 public:
  static constexpr std::size_t kActivityLimit = 100;
  static constexpr std::size_t kSparkPoints = 40;
  static constexpr std::size_t kMaxShadows = 20000;

  /// Updates the index from one broker message received at `now_ms`;
  /// nullopt when the message changed nothing.
  std::optional<IndexChange> OnMessage(const std::string& topic, const std::string& payload,
                                       std::int64_t now_ms);
  /// Makes a shadow known without traffic (from the history or registry).
  void Touch(const std::string& thing, const std::string& shadow);
  /// Makes a thing known without a shadow (from the registry).
  void TouchThing(const std::string& thing);

  /// {"things":[ThingJson...]}, sorted by name.
  std::string ThingsJson() const;
  /// The activity of one shadow, newest first: {"activity":[...]}.
  std::string ActivityJson(const std::string& thing, const std::string& shadow) const;

 private:
  struct ShadowState {
    std::optional<std::uint64_t> version;
    std::int64_t last_report_ms = 0;
    std::int64_t last_update_ms = 0;
    bool deleted = false;
    std::deque<std::string> activity;  // newest first, JSON entries
    std::map<std::string, std::uint64_t> leaf_counts;
    std::string busiest;
    std::map<std::string, std::deque<double>> recent;  // per leaf, oldest first
  };
  struct ThingState {
    std::map<std::string, ShadowState> shadows;  // "" first
  };
  std::string ThingJsonLocked(const std::string& name, const ThingState& thing) const
      SHADOWSYNC_REQUIRES(mu_);

  mutable Mutex mu_;
  std::map<std::string, ThingState> things_ SHADOWSYNC_GUARDED_BY(mu_);
  std::map<std::string, bool> connected_ SHADOWSYNC_GUARDED_BY(mu_);  // by client id
  std::size_t shadow_count_ SHADOWSYNC_GUARDED_BY(mu_) = 0;
};

}  // namespace shadowsync::console

#endif  // SHADOWSYNC_SERVICE_CONSOLE_THINGS_INDEX_H_
