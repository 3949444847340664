// SPDX-License-Identifier: Apache-2.0
//
// TableWriter: the rules engine's table writes, off the broker thread. The
// broker thread Enqueue()s complete rows into a bounded queue and never
// waits for the database; one worker thread takes everything queued (up to
// `max_batch` rows) and hands it to the TableSink as one batch, one
// transaction. Rows the sink could not store come back through
// TakeFailures(), which the broker thread polls (MOSQ_EVT_TICK) to run the
// rules' error actions there. Stop() writes everything that was accepted
// before it returns, so a clean stop loses nothing.
//
// Thread safety: Enqueue, TakeFailures, Flush, Stop and the counters are
// safe for concurrent use; the sink is used by the worker thread only.

#ifndef SHADOWSYNC_SERVICE_CORE_TABLE_WRITER_H_
#define SHADOWSYNC_SERVICE_CORE_TABLE_WRITER_H_

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "shadowsync/mutex.h"
#include "table_sink.h"

namespace shadowsync::host {

class TableWriter {
 public:
  static constexpr std::size_t kDefaultCapacity = 10000;
  static constexpr std::size_t kDefaultMaxBatch = 500;

  /// Starts the worker thread.
  explicit TableWriter(std::unique_ptr<TableSink> sink, std::size_t capacity = kDefaultCapacity,
                       std::size_t max_batch = kDefaultMaxBatch);
  /// Stop()s.
  ~TableWriter();

  TableWriter(const TableWriter&) = delete;
  TableWriter& operator=(const TableWriter&) = delete;

  /// Queues `write` for the worker. Never waits for the database (only for
  /// the queue's mutex, which the worker holds just to move rows). False
  /// when the queue is full or the writer stopped: the row is not taken
  /// and the caller reports the drop.
  bool Enqueue(TableWrite write);
  /// The rows the sink refused since the last call, in order.
  std::vector<TableFailure> TakeFailures();
  /// The rows written since the last call, counted by TableWrite::rule.
  std::map<std::string, std::uint64_t> TakeWritten();
  /// Blocks until every row queued before the call is written or failed.
  /// For tests and Stop(); never call it on the broker thread otherwise.
  void Flush();
  /// Writes what is queued, then ends the worker. Idempotent.
  void Stop();

  std::uint64_t written() const;
  std::uint64_t failed() const;
  std::size_t capacity() const { return capacity_; }
  std::string Describe() const { return sink_->Describe(); }

 private:
  void Run();

  const std::unique_ptr<TableSink> sink_;
  const std::size_t capacity_;
  const std::size_t max_batch_;

  mutable Mutex mu_;
  std::condition_variable_any work_;     // the worker waits for rows or stop
  std::condition_variable_any written_;  // Flush waits for progress
  std::deque<TableWrite> queue_ SHADOWSYNC_GUARDED_BY(mu_);
  std::vector<TableFailure> failures_ SHADOWSYNC_GUARDED_BY(mu_);
  std::map<std::string, std::uint64_t> written_by_rule_ SHADOWSYNC_GUARDED_BY(mu_);
  std::uint64_t enqueued_ SHADOWSYNC_GUARDED_BY(mu_) = 0;  // rows ever queued
  std::uint64_t done_ SHADOWSYNC_GUARDED_BY(mu_) = 0;      // rows written or failed
  std::uint64_t written_count_ SHADOWSYNC_GUARDED_BY(mu_) = 0;
  std::uint64_t failed_count_ SHADOWSYNC_GUARDED_BY(mu_) = 0;
  bool stopping_ SHADOWSYNC_GUARDED_BY(mu_) = false;
  std::thread worker_;
};

}  // namespace shadowsync::host

#endif  // SHADOWSYNC_SERVICE_CORE_TABLE_WRITER_H_
