// SPDX-License-Identifier: Apache-2.0
#include "support/process_output.h"

#include <thread>

namespace shadowsync::testing_support {

std::string LogTail(const std::string& log, const std::string& name, std::size_t max_lines) {
  std::size_t start = log.size();
  std::size_t lines = 0;
  while (start > 0 && lines <= max_lines) {
    start = log.rfind('\n', start - 1);
    if (start == std::string::npos) {
      start = 0;
      break;
    }
    ++lines;
  }
  if (start > 0) ++start;
  return "--- " + name + " (tail) ---\n" + log.substr(start);
}

std::size_t CountOccurrences(const std::string& text, const std::string& needle) {
  if (needle.empty()) return 0;
  std::size_t count = 0;
  for (std::size_t at = text.find(needle); at != std::string::npos;
       at = text.find(needle, at + needle.size())) {
    ++count;
  }
  return count;
}

bool WaitForOutput(ChildProcess& process, const std::string& needle,
                   std::chrono::milliseconds timeout, std::size_t count,
                   const std::function<void()>& between) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    // Whether it still runs is read before the log, so that the last look
    // after it ended sees everything it printed.
    const bool running = process.IsRunning();
    if (CountOccurrences(process.ReadLog(), needle) >= count) return true;
    if (!running || std::chrono::steady_clock::now() >= deadline) return false;
    if (between) {
      between();
    } else {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
}

}  // namespace shadowsync::testing_support
