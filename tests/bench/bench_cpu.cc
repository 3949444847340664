// SPDX-License-Identifier: Apache-2.0

#include "bench_cpu.h"

#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <string>

#include "shadowsync/status.h"
#include "support/temp_dir.h"

namespace shadowsync {
namespace bench {

std::optional<double> CpuSeconds(pid_t pid) {
  Result<std::string> stat =
      testing_support::ReadFileToString("/proc/" + std::to_string(pid) + "/stat");
  if (!stat.ok()) return std::nullopt;
  const std::size_t paren = stat->rfind(')');
  if (paren == std::string::npos) return std::nullopt;
  // Fields after the command: state is field 3; utime and stime are 14, 15.
  const char* p = stat->c_str() + paren + 2;
  unsigned long long utime = 0, stime = 0;
  for (int field = 3; field <= 15 && *p; ++field) {
    char* end = nullptr;
    if (field == 14) utime = std::strtoull(p, &end, 10);
    if (field == 15) stime = std::strtoull(p, &end, 10);
    const char* space = std::strchr(p, ' ');
    if (!space) break;
    p = space + 1;
  }
  return static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

}  // namespace bench
}  // namespace shadowsync
