// SPDX-License-Identifier: Apache-2.0

#include "src/resident_memory.h"

#include <malloc.h>
#include <sys/mman.h>

#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string_view>

namespace shadowsync::agent {
namespace {

// One mapping of /proc/self/smaps, from its header line.
struct Mapping {
  std::uintptr_t start = 0;
  std::uintptr_t end = 0;
  bool candidate = false;  // read-only, private, backed by a file that exists
  std::size_t rss_kib = 0;
};

// "start-end perms offset major:minor inode [path]" -> true for a header.
bool ParseHeader(const std::string& line, Mapping* mapping) {
  std::uintptr_t start = 0, end = 0;
  char perms[5] = {};
  unsigned long long offset = 0, inode = 0;
  unsigned major = 0, minor = 0;
  int path_at = -1;
  if (std::sscanf(line.c_str(), "%" SCNxPTR "-%" SCNxPTR " %4s %llx %x:%x %llu %n", &start, &end,
                  perms, &offset, &major, &minor, &inode, &path_at) < 7) {
    return false;
  }
  const std::string_view path =
      path_at >= 0 ? std::string_view(line).substr(static_cast<std::size_t>(path_at))
                   : std::string_view();
  *mapping = Mapping();
  mapping->start = start;
  mapping->end = end;
  mapping->candidate = perms[0] == 'r' && perms[1] == '-' && perms[3] == 'p' && inode != 0 &&
                       !path.empty() && path[0] == '/' &&
                       path.find(" (deleted)") == std::string_view::npos;
  return true;
}

// "Key:   N kB" -> N when the line is that key.
bool FieldKib(const std::string& line, std::string_view key, std::size_t* kib) {
  if (line.compare(0, key.size(), key) != 0 || line.size() <= key.size() ||
      line[key.size()] != ':') {
    return false;
  }
  unsigned long long value = 0;
  if (std::sscanf(line.c_str() + key.size() + 1, "%llu", &value) != 1) return false;
  *kib = static_cast<std::size_t>(value);
  return true;
}

}  // namespace

Result<TrimResult> TrimResidentMemory() {
  std::ifstream smaps("/proc/self/smaps");
  if (!smaps) {
    return Status(StatusCode::kUnavailable,
                  std::string("cannot read /proc/self/smaps: ") + std::strerror(errno));
  }
  (void)malloc_trim(0);
  TrimResult result;
  Mapping mapping;
  std::string line;
  while (std::getline(smaps, line)) {
    if (ParseHeader(line, &mapping)) continue;
    if (!mapping.candidate) continue;
    std::size_t kib = 0;
    if (FieldKib(line, "Rss", &kib)) {
      mapping.rss_kib = kib;
    } else if (FieldKib(line, "Anonymous", &kib)) {
      // Private copies (relocations, breakpoints) would be lost: keep it.
      // Rss comes before Anonymous in every smaps entry.
      if (kib == 0 && mapping.rss_kib > 0 &&
          ::madvise(reinterpret_cast<void*>(mapping.start), mapping.end - mapping.start,
                    MADV_DONTNEED) == 0) {
        ++result.mappings;
        result.released_kib += mapping.rss_kib;
      }
      mapping.candidate = false;
    }
  }
  return result;
}

}  // namespace shadowsync::agent
