// SPDX-License-Identifier: Apache-2.0
//
// PooledJson: one long-lived JSON value in a memory pool of its own, with
// small chunks. A RapidJSON Document's pool starts with a 64 KB chunk, so a
// client that keeps two ~1 KB states per shadow would hold 128 KB of mostly
// untouched heap; and a pool never frees a value that is replaced, so a
// value patched in place for months must be copied into a fresh pool now
// and then (CompactIfBloated).
//
// Thread safety: not thread-safe; confine to one thread.

#ifndef SHADOWSYNC_POOLED_JSON_H_
#define SHADOWSYNC_POOLED_JSON_H_

#include <memory>
#include <utility>

#include "shadowsync/json.h"

namespace shadowsync::internal {

class PooledJson {
 public:
  /// Bytes per pool chunk: a typical shadow section fits in one or two.
  static constexpr std::size_t kChunkBytes = 4096;

  /// An empty object.
  PooledJson() : pool_(NewPool()), value_(rapidjson::kObjectType) {}
  /// A deep copy of `value`.
  explicit PooledJson(const JsonValue& value) : pool_(NewPool()) { value_.CopyFrom(value, *pool_); }
  PooledJson(const PooledJson&) = delete;
  PooledJson& operator=(const PooledJson&) = delete;
  PooledJson(PooledJson&& other) noexcept = default;
  PooledJson& operator=(PooledJson&& other) noexcept {
    value_ = std::move(other.value_);  // first: nothing reads the old pool
    pool_ = std::move(other.pool_);
    return *this;
  }

  JsonValue& value() { return value_; }
  const JsonValue& value() const { return value_; }
  JsonAllocator& allocator() { return *pool_; }

  /// Copies the value into a fresh pool once the pool holds more than twice
  /// the value plus two chunks (garbage left by in-place patches).
  void CompactIfBloated() {
    if (pool_->Size() > 2 * CompactJsonSize(value_) + 2 * kChunkBytes) {
      *this = PooledJson(value_);
    }
  }

 private:
  static std::unique_ptr<JsonAllocator> NewPool() {
    return std::make_unique<JsonAllocator>(kChunkBytes);
  }

  std::unique_ptr<JsonAllocator> pool_;  // declared first: outlives value_
  JsonValue value_;
};

}  // namespace shadowsync::internal

#endif  // SHADOWSYNC_POOLED_JSON_H_
