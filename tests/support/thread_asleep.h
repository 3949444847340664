// SPDX-License-Identifier: Apache-2.0
//
// Test helper: waits until another thread of this process is asleep in the
// kernel, e.g. blocked inside a call that waits for an event (Flush()
// waiting for acknowledgements), so that a test can act on "the other thread
// is now waiting" instead of sleeping a fixed time and hoping it is. The
// other thread records its id with ThisThreadId() right before the call.
//
// What "asleep" proves is up to the test: a thread is also asleep while it
// waits for a mutex, so the test must know that the call's only possible
// sleep, in the situation it sets up, is the wait it means.
//
// Thread safety: free functions; safe to call from any thread.

#ifndef SHADOWSYNC_TESTS_SUPPORT_THREAD_ASLEEP_H_
#define SHADOWSYNC_TESTS_SUPPORT_THREAD_ASLEEP_H_

#include <sys/types.h>

#include <chrono>

namespace shadowsync::testing_support {

/// The kernel's id of the calling thread (gettid()).
pid_t ThisThreadId();

/// Waits until thread `tid` of this process is in state S (interruptible
/// sleep: a futex, poll or read wait) or D, per /proc/self/task/<tid>/stat.
/// False when `timeout` passes first or the thread no longer exists (it
/// returned from the call instead of waiting, and ended).
bool WaitUntilThreadAsleep(pid_t tid, std::chrono::milliseconds timeout);

}  // namespace shadowsync::testing_support

#endif  // SHADOWSYNC_TESTS_SUPPORT_THREAD_ASLEEP_H_
