// SPDX-License-Identifier: Apache-2.0
//
// The console's sensor history: every numeric leaf of a shadow's `reported`
// section, one sample per report, in a SQLite file. Series are named by
// thing, shadow ("" for the classic shadow) and the leaf's path with `/`
// between the keys (`greenhouse/temperature_c`).
//
// Retention: samples older than `max_age` and the oldest beyond `max_rows`
// are deleted (checked every `prune_every` inserts and at open), so the
// file stops growing once it holds `max_rows` samples: SQLite reuses the
// freed pages. A sample costs about 61 bytes with the indexes; one report
// every 10 s with 20 leaves is 170,000 samples a day. The default keeps 7
// days and at most 2 M samples (about 120 MB).
//
// Thread safety: safe for concurrent use (one connection behind a mutex).
#ifndef SHADOWSYNC_SERVICE_CONSOLE_HISTORY_STORE_H_
#define SHADOWSYNC_SERVICE_CONSOLE_HISTORY_STORE_H_

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "shadowsync/json.h"
#include "shadowsync/mutex.h"
#include "shadowsync/status.h"

struct sqlite3;

namespace shadowsync::console {

struct HistoryOptions {
  std::string path;                             ///< --history; ":memory:" keeps nothing on disk
  std::chrono::seconds max_age{7 * 24 * 3600};  ///< --history-max-age
  std::int64_t max_rows = 2'000'000;            ///< --history-max-rows
  std::int64_t prune_every = 1000;              ///< inserts between two retention checks
};

/// One sample of one series.
struct HistorySample {
  std::int64_t time_ms = 0;  ///< Unix time, milliseconds
  double value = 0;
};

/// A named series and its samples, oldest first.
struct HistorySeries {
  std::string leaf;
  std::vector<HistorySample> samples;
};

/// The numeric leaves of a JSON object, as (path, value), depth first in
/// member order; booleans and strings are left out. At most `limit` leaves.
std::vector<std::pair<std::string, double>> NumericLeaves(const JsonValue& object,
                                                          std::size_t limit = 200);

/// The SQLite history of numeric readings.
///
/// Thread safety: safe for concurrent use.
class HistoryStore {
 public:
  /// Opens (creates) the file and its tables, then applies the retention.
  /// kUnavailable naming the path and SQLite's message when it cannot.
  static Result<std::unique_ptr<HistoryStore>> Open(HistoryOptions options);
  ~HistoryStore();
  HistoryStore(const HistoryStore&) = delete;
  HistoryStore& operator=(const HistoryStore&) = delete;

  /// Records one report's numeric leaves at `time_ms`, in one transaction.
  Status Record(const std::string& thing, const std::string& shadow, std::int64_t time_ms,
                const std::vector<std::pair<std::string, double>>& leaves);

  /// The leaves recorded for a shadow, sorted.
  Result<std::vector<std::string>> Leaves(const std::string& thing, const std::string& shadow);
  /// Every (thing, shadow) with a series, sorted.
  Result<std::vector<std::pair<std::string, std::string>>> Shadows();

  /// The samples of `leaves` in [from_ms, to_ms], oldest first, at most
  /// `max_points` per series (the newest ones when there are more).
  Result<std::vector<HistorySeries>> Query(const std::string& thing, const std::string& shadow,
                                           const std::vector<std::string>& leaves,
                                           std::int64_t from_ms, std::int64_t to_ms,
                                           std::size_t max_points = 20000);

  /// Applies the retention now (also done every prune_every inserts).
  Status Prune(std::int64_t now_ms);
  /// Samples stored (for tests and the status line).
  Result<std::int64_t> Count();

 private:
  explicit HistoryStore(HistoryOptions options);
  Status Exec(const char* sql) SHADOWSYNC_REQUIRES(mu_);
  Status PruneLocked(std::int64_t now_ms) SHADOWSYNC_REQUIRES(mu_);
  Result<std::int64_t> SeriesId(const std::string& thing, const std::string& shadow,
                                const std::string& leaf) SHADOWSYNC_REQUIRES(mu_);

  const HistoryOptions options_;
  Mutex mu_;
  sqlite3* db_ SHADOWSYNC_GUARDED_BY(mu_) = nullptr;
  std::int64_t inserts_since_prune_ SHADOWSYNC_GUARDED_BY(mu_) = 0;
};

/// The series as CSV: a header `time,<leaf>,...` (ISO 8601 UTC times with
/// milliseconds), one row per distinct time, empty cells where a series has
/// no sample at that time.
std::string HistoryCsv(const std::vector<HistorySeries>& series);

}  // namespace shadowsync::console

#endif  // SHADOWSYNC_SERVICE_CONSOLE_HISTORY_STORE_H_
