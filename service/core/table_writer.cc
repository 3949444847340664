// SPDX-License-Identifier: Apache-2.0

#include "table_writer.h"

#include <algorithm>
#include <exception>
#include <utility>

namespace shadowsync::host {

TableWriter::TableWriter(std::unique_ptr<TableSink> sink, std::size_t capacity,
                         std::size_t max_batch)
    : sink_(std::move(sink)),
      capacity_(std::max<std::size_t>(capacity, 1)),
      max_batch_(std::max<std::size_t>(max_batch, 1)) {
  worker_ = std::thread([this] { Run(); });
}

TableWriter::~TableWriter() { Stop(); }

bool TableWriter::Enqueue(TableWrite write) {
  {
    MutexLock lock(mu_);
    if (stopping_ || queue_.size() >= capacity_) return false;
    queue_.push_back(std::move(write));
    ++enqueued_;
  }
  work_.notify_one();
  return true;
}

std::map<std::string, std::uint64_t> TableWriter::TakeWritten() {
  MutexLock lock(mu_);
  std::map<std::string, std::uint64_t> out;
  out.swap(written_by_rule_);
  return out;
}

std::vector<TableFailure> TableWriter::TakeFailures() {
  MutexLock lock(mu_);
  std::vector<TableFailure> out;
  out.swap(failures_);
  return out;
}

void TableWriter::Flush() {
  MutexLock lock(mu_);
  const std::uint64_t target = enqueued_;
  while (done_ < target) lock.Wait(written_);
}

void TableWriter::Stop() {
  {
    MutexLock lock(mu_);
    stopping_ = true;
  }
  work_.notify_one();
  if (worker_.joinable()) worker_.join();
}

std::uint64_t TableWriter::written() const {
  MutexLock lock(mu_);
  return written_count_;
}

std::uint64_t TableWriter::failed() const {
  MutexLock lock(mu_);
  return failed_count_;
}

void TableWriter::Run() {
  std::vector<TableWrite> batch;
  std::vector<TableFailure> failures;
  for (;;) {
    {
      MutexLock lock(mu_);
      while (!stopping_ && queue_.empty()) lock.Wait(work_);
      if (queue_.empty()) return;  // stopping, and everything is written
      const std::size_t n = std::min(queue_.size(), max_batch_);
      batch.clear();
      batch.reserve(n);
      for (std::size_t i = 0; i < n; ++i) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    // The database is touched without the lock: Enqueue never waits for it.
    failures.clear();
    const std::size_t rows = batch.size();
    std::map<std::string, std::uint64_t> by_rule;  // rows per rule, less the failures below
    for (const TableWrite& w : batch) ++by_rule[w.rule];
    try {
      sink_->WriteBatch(batch, failures);
    } catch (const std::exception& e) {
      // No exception leaves the worker (it would end the broker). The whole
      // batch is reported failed: its transaction did not finish.
      failures.clear();
      for (TableWrite& w : batch) failures.push_back({std::move(w), e.what()});
    }
    {
      MutexLock lock(mu_);
      done_ += rows;
      failed_count_ += failures.size();
      written_count_ += rows - failures.size();
      for (TableFailure& f : failures) {
        --by_rule[f.write.rule];
        failures_.push_back(std::move(f));
      }
      for (const auto& [rule, n] : by_rule) {
        if (n > 0) written_by_rule_[rule] += n;
      }
    }
    written_.notify_all();
  }
}

}  // namespace shadowsync::host
