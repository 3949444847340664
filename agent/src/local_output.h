// SPDX-License-Identifier: Apache-2.0
//
// LocalOutput: every observation also written to a local file, like the
// DataLogger's SD card: JSON lines (one observation per line) or CSV (one
// column per "<sensor>/<parameter>", a new header line whenever the columns
// change). The file rotates when it reaches rotate_bytes or is older than
// rotate_seconds: <path> becomes <path>.1, <path>.1 becomes <path>.2, ...,
// and at most keep_files old files are kept.
//
// Thread safety: not thread-safe; confine to one thread (the agent's loop).

#ifndef SHADOWSYNC_AGENT_SRC_LOCAL_OUTPUT_H_
#define SHADOWSYNC_AGENT_SRC_LOCAL_OUTPUT_H_

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "shadowsync/json.h"
#include "shadowsync/status.h"
#include "src/config.h"

namespace shadowsync::agent {

class LocalOutput {
 public:
  explicit LocalOutput(OutputConfig config) : config_(std::move(config)) {}
  ~LocalOutput();
  LocalOutput(const LocalOutput&) = delete;
  LocalOutput& operator=(const LocalOutput&) = delete;

  /// Appends one observation, rotating first when due. kFailedPrecondition
  /// names the file and the error; the agent logs it and keeps reporting.
  Status Write(const JsonValue& observation, std::chrono::system_clock::time_point now);

 private:
  Status Open(std::chrono::system_clock::time_point now);
  Status Rotate(std::chrono::system_clock::time_point now);
  std::string CsvLine(const JsonValue& observation, bool* columns_changed);

  OutputConfig config_;
  std::FILE* file_ = nullptr;
  std::uint64_t bytes_ = 0;
  std::chrono::system_clock::time_point opened_at_;
  std::vector<std::string> columns_;  // CSV: the current header
};

}  // namespace shadowsync::agent

#endif  // SHADOWSYNC_AGENT_SRC_LOCAL_OUTPUT_H_
