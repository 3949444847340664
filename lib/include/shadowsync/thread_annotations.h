// SPDX-License-Identifier: Apache-2.0
//
// Clang's thread-safety annotations (-Wthread-safety), as macros that are
// empty for other compilers. shadowsync's classes that are used from several
// threads mark each member with the mutex that guards it, and each function
// with the locks it needs; the Clang build of the suite checks them with
// -Wthread-safety -Werror. Use them with Mutex and MutexLock (mutex.h):
//
//   Mutex mu_;
//   int count_ SHADOWSYNC_GUARDED_BY(mu_) = 0;
//   void Bump() SHADOWSYNC_REQUIRES(mu_);
//
// Reference: https://clang.llvm.org/docs/ThreadSafetyAnalysis.html
//
// Thread safety: macros only.

#ifndef SHADOWSYNC_THREAD_ANNOTATIONS_H_
#define SHADOWSYNC_THREAD_ANNOTATIONS_H_

#if defined(__clang__)
#define SHADOWSYNC_THREAD_ANNOTATION(x) __attribute__((x))
#else
#define SHADOWSYNC_THREAD_ANNOTATION(x)
#endif

/// A type that is a lock ("mutex").
#define SHADOWSYNC_CAPABILITY(name) SHADOWSYNC_THREAD_ANNOTATION(capability(name))
/// An RAII type that holds a lock for its lifetime.
#define SHADOWSYNC_SCOPED_CAPABILITY SHADOWSYNC_THREAD_ANNOTATION(scoped_lockable)
/// The member is read and written only with `mu` held.
#define SHADOWSYNC_GUARDED_BY(mu) SHADOWSYNC_THREAD_ANNOTATION(guarded_by(mu))
/// What the pointer points to is read and written only with `mu` held.
#define SHADOWSYNC_PT_GUARDED_BY(mu) SHADOWSYNC_THREAD_ANNOTATION(pt_guarded_by(mu))
/// This lock is always taken before `...` (lock order).
#define SHADOWSYNC_ACQUIRED_BEFORE(...) SHADOWSYNC_THREAD_ANNOTATION(acquired_before(__VA_ARGS__))
/// The caller must hold the locks.
#define SHADOWSYNC_REQUIRES(...) SHADOWSYNC_THREAD_ANNOTATION(requires_capability(__VA_ARGS__))
/// The caller must not hold the locks (the function takes them).
#define SHADOWSYNC_EXCLUDES(...) SHADOWSYNC_THREAD_ANNOTATION(locks_excluded(__VA_ARGS__))
/// The function takes the locks (or, on a lock type, the lock itself).
#define SHADOWSYNC_ACQUIRE(...) SHADOWSYNC_THREAD_ANNOTATION(acquire_capability(__VA_ARGS__))
/// The function releases the locks (or, on a lock type, the lock itself).
#define SHADOWSYNC_RELEASE(...) SHADOWSYNC_THREAD_ANNOTATION(release_capability(__VA_ARGS__))
/// The function returns true when it took the lock.
#define SHADOWSYNC_TRY_ACQUIRE(...) \
  SHADOWSYNC_THREAD_ANNOTATION(try_acquire_capability(__VA_ARGS__))
/// The function returns a reference to the lock `x`.
#define SHADOWSYNC_RETURN_CAPABILITY(x) SHADOWSYNC_THREAD_ANNOTATION(lock_returned(x))
/// Turns the analysis off for one function; say why next to it.
#define SHADOWSYNC_NO_THREAD_SAFETY_ANALYSIS SHADOWSYNC_THREAD_ANNOTATION(no_thread_safety_analysis)

#endif  // SHADOWSYNC_THREAD_ANNOTATIONS_H_
