// SPDX-License-Identifier: Apache-2.0
//
// A mutex and its scoped lock that Clang's thread-safety analysis
// understands (thread_annotations.h); std::mutex and std::unique_lock carry
// no annotations in libstdc++. Waiting on a condition variable goes through
// the lock (MutexLock::Wait), which keeps the analysis exact: the mutex is
// held again whenever Wait returns.
//
//   Mutex mu_;
//   std::condition_variable_any cv_;
//   std::deque<Job> jobs_ SHADOWSYNC_GUARDED_BY(mu_);
//
//   MutexLock lock(mu_);
//   while (jobs_.empty()) lock.Wait(cv_);
//
// Thread safety: Mutex is a lock, safe for concurrent use; a MutexLock
// belongs to the thread that made it.

#ifndef SHADOWSYNC_MUTEX_H_
#define SHADOWSYNC_MUTEX_H_

#include <chrono>
#include <condition_variable>
#include <mutex>

#include "shadowsync/thread_annotations.h"

namespace shadowsync {

/// std::mutex with the annotations of a capability. Also BasicLockable, so
/// that std::condition_variable_any can wait on it.
class SHADOWSYNC_CAPABILITY("mutex") Mutex {
 public:
  Mutex() = default;
  Mutex(const Mutex&) = delete;
  Mutex& operator=(const Mutex&) = delete;

  void lock() SHADOWSYNC_ACQUIRE() { mu_.lock(); }
  void unlock() SHADOWSYNC_RELEASE() { mu_.unlock(); }
  bool try_lock() SHADOWSYNC_TRY_ACQUIRE(true) { return mu_.try_lock(); }

 private:
  std::mutex mu_;
};

/// Holds a Mutex from construction to destruction, except between Unlock()
/// and Lock(). Wait*() release it while waiting and hold it again on return.
class SHADOWSYNC_SCOPED_CAPABILITY MutexLock {
 public:
  explicit MutexLock(Mutex& mu) SHADOWSYNC_ACQUIRE(mu) : mu_(mu) { mu_.lock(); }
  ~MutexLock() SHADOWSYNC_RELEASE() {
    if (held_) mu_.unlock();
  }
  MutexLock(const MutexLock&) = delete;
  MutexLock& operator=(const MutexLock&) = delete;

  /// Lets go of the mutex early (for a call that must run without it).
  void Unlock() SHADOWSYNC_RELEASE() {
    mu_.unlock();
    held_ = false;
  }
  /// Takes it again after Unlock().
  void Lock() SHADOWSYNC_ACQUIRE() {
    mu_.lock();
    held_ = true;
  }

  /// Waits for a notification of `cv` (or a spurious wake-up).
  void Wait(std::condition_variable_any& cv) { cv.wait(mu_); }
  /// Waits until notified or `deadline`; false on timeout.
  template <class Clock, class Duration>
  bool WaitUntil(std::condition_variable_any& cv,
                 const std::chrono::time_point<Clock, Duration>& deadline) {
    return cv.wait_until(mu_, deadline) == std::cv_status::no_timeout;
  }
  /// Waits until notified or `timeout` passed; false on timeout.
  template <class Rep, class Period>
  bool WaitFor(std::condition_variable_any& cv, const std::chrono::duration<Rep, Period>& timeout) {
    return cv.wait_for(mu_, timeout) == std::cv_status::no_timeout;
  }

 private:
  Mutex& mu_;
  bool held_ = true;
};

}  // namespace shadowsync

#endif  // SHADOWSYNC_MUTEX_H_
