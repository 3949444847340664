// SPDX-License-Identifier: Apache-2.0
#include "support/thread_asleep.h"

#include <sys/syscall.h>
#include <unistd.h>

#include <string>

#include "support/eventually.h"
#include "support/temp_dir.h"

namespace shadowsync::testing_support {
namespace {

// The state letter of /proc/self/task/<tid>/stat ("tid (comm) S ..."; comm
// may hold spaces and parentheses, so it is found after the last ')'), or
// '\0' when the thread is gone.
char ThreadState(pid_t tid) {
  Result<std::string> stat = ReadFileToString("/proc/self/task/" + std::to_string(tid) + "/stat");
  if (!stat.ok()) return '\0';
  const std::string::size_type paren = stat->rfind(')');
  if (paren == std::string::npos || paren + 2 >= stat->size()) return '\0';
  return (*stat)[paren + 2];
}

}  // namespace

pid_t ThisThreadId() { return static_cast<pid_t>(syscall(SYS_gettid)); }

bool WaitUntilThreadAsleep(pid_t tid, std::chrono::milliseconds timeout) {
  bool gone = false;
  const bool asleep = Eventually(
      [&] {
        const char state = ThreadState(tid);
        gone = state == '\0';
        return gone || state == 'S' || state == 'D';
      },
      timeout);
  return asleep && !gone;
}

}  // namespace shadowsync::testing_support
