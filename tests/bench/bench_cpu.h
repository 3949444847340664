// SPDX-License-Identifier: Apache-2.0
//
// CPU time of the processes a loopback bench measures (itself, mosquitto,
// the emulator), read from /proc.
//
// Thread safety: a plain function; may run on any thread.

#ifndef SHADOWSYNC_TESTS_BENCH_BENCH_CPU_H_
#define SHADOWSYNC_TESTS_BENCH_BENCH_CPU_H_

#include <sys/types.h>

#include <optional>

namespace shadowsync {
namespace bench {

/// CPU time (user + system) of process `pid`, in seconds, from
/// /proc/<pid>/stat (utime + stime); nullopt when it cannot be read.
std::optional<double> CpuSeconds(pid_t pid);

}  // namespace bench
}  // namespace shadowsync

#endif  // SHADOWSYNC_TESTS_BENCH_BENCH_CPU_H_
