// SPDX-License-Identifier: Apache-2.0
//
// Test helper: wait for a line in the output of a ChildProcess (a device or
// tool whose stdout and stderr go to its log file), e.g. "lamp: ready".

#ifndef SHADOWSYNC_TESTS_SUPPORT_PROCESS_OUTPUT_H_
#define SHADOWSYNC_TESTS_SUPPORT_PROCESS_OUTPUT_H_

#include <chrono>
#include <cstddef>
#include <functional>
#include <string>

#include "support/child_process.h"

namespace shadowsync::testing_support {

/// Occurrences of `needle` in `text`.
std::size_t CountOccurrences(const std::string& text, const std::string& needle);

/// The last `max_lines` lines of `log`, under a "--- <name> (tail) ---"
/// header: for failure messages.
std::string LogTail(const std::string& log, const std::string& name, std::size_t max_lines);

/// Waits until the log of `process` contains `needle` at least `count`
/// times. Between looks it runs `between` (for example an MQTT client's
/// RunFor(), so that the test's own client keeps working), or sleeps 20 ms
/// when `between` is empty. False when `timeout` passes first, or when the
/// process has ended without printing it.
bool WaitForOutput(ChildProcess& process, const std::string& needle,
                   std::chrono::milliseconds timeout, std::size_t count = 1,
                   const std::function<void()>& between = {});

}  // namespace shadowsync::testing_support

#endif  // SHADOWSYNC_TESTS_SUPPORT_PROCESS_OUTPUT_H_
