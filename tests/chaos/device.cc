// SPDX-License-Identifier: Apache-2.0

#include "chaos/device.h"

#include <signal.h>
#include <stdio.h>

#include <cerrno>
#include <cstring>
#include <sstream>
#include <utility>

#include "support/temp_dir.h"

namespace shadowsync::chaos {
namespace {

// The number in "(version N)" at the end of `line`, if any.
std::optional<std::uint64_t> TrailingVersion(const std::string& line) {
  const std::string marker = "(version ";
  const std::size_t at = line.rfind(marker);
  if (at == std::string::npos) return std::nullopt;
  try {
    return std::stoull(line.substr(at + marker.size()));
  } catch (...) {
    return std::nullopt;
  }
}

}  // namespace

DeviceLog DeviceLog::Parse(const std::string& text) {
  DeviceLog log;
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.rfind("lamp: state ", 0) == 0) {
      log.state = line.substr(12);
    } else if (line == "lamp: ready") {
      log.ready = true;
    } else if (line.rfind("lamp: reported ", 0) == 0) {
      if (auto version = TrailingVersion(line)) {
        log.max_reported_version = std::max(log.max_reported_version, *version);
      }
    } else if (line.rfind("lamp: ", 0) == 0 &&
               line.find(" -> applied (version ") != std::string::npos) {
      // "lamp: brightness 30 -> applied (version 7)"
      const std::string rest = line.substr(6);
      const std::size_t space = rest.find(' ');
      const std::size_t arrow = rest.find(" -> ");
      if (space == std::string::npos || arrow == std::string::npos) continue;
      if (auto version = TrailingVersion(line)) {
        log.applied.push_back(
            {rest.substr(0, space), rest.substr(space + 1, arrow - space - 1), *version});
      }
    } else if (const std::size_t at = line.find("remote configuration v");
               at != std::string::npos) {
      // "info: remote configuration v12: {...} -> {...}"
      const std::string rest = line.substr(at + 22);
      try {
        const std::uint64_t version = std::stoull(rest);
        const std::size_t colon = rest.find(": ");
        log.applied.push_back(
            {"agent", colon == std::string::npos ? "" : rest.substr(colon + 2), version});
      } catch (...) {
      }
    } else if (line.find("online") != std::string::npos && line.find("lamp:") != 0) {
      log.ready = true;
    }
  }
  return log;
}

Device::Device(Kind kind, std::string name, std::string dir, std::string binary,
               std::string faketime_library)
    : kind_(kind),
      name_(std::move(name)),
      dir_(std::move(dir)),
      binary_(std::move(binary)),
      journal_(dir_ + "/" + name_ + ".journal"),
      faketime_library_(std::move(faketime_library)),
      clock_file_(dir_ + "/" + name_ + ".faketime") {}

std::string Device::LogPath(int life) const {
  return dir_ + "/" + name_ + "." + std::to_string(life) + ".log";
}

Status Device::Start(int port) {
  ++life_;
  const std::string broker = "tcp://127.0.0.1:" + std::to_string(port);
  const std::string client_id = name_ + "-" + std::to_string(life_);
  testing_support::ChildProcessOptions options;
  options.log_path = LogPath(life_);
  if (!faketime_library_.empty()) {
    if (life_ == 1) {
      if (Status written = WriteClockFile(); !written.ok()) return written;
    }
    options.env = {{"LD_PRELOAD", faketime_library_},
                   {"FAKETIME_TIMESTAMP_FILE", clock_file_},
                   {"FAKETIME_CACHE_DURATION", "1"},
                   // Only the wall clock steps, as with NTP; file times stay real.
                   {"FAKETIME_DONT_FAKE_MONOTONIC", "1"},
                   {"NO_FAKE_STAT", "1"}};
  }
  if (kind_ == Kind::kLamp) {
    options.argv = {binary_,       "--broker", broker,      "--thing", name_,
                    "--client-id", client_id,  "--journal", journal_};
  } else {
    // A random walk changes at every sample, so every tick reports.
    const std::string config = R"({"connection": {"endpoint": ")" + broker +
                               R"(", "thing_name": ")" + name_ + R"(", "client_id": ")" +
                               client_id + R"("},
  "reporting": {"interval_seconds": 1},
  "journal_path": ")" + journal_ +
                               R"(",
  "sensors": [{"type": "simulated", "name": "sim", "signals": {"level":
    {"waveform": "random_walk", "seed": 7, "start": 50, "step": 1, "min": 0, "max": 100}}}]})";
    const std::string path = dir_ + "/" + name_ + ".json";
    if (Status written = testing_support::WriteStringToFile(path, config, 0600); !written.ok()) {
      return written;
    }
    options.argv = {binary_, "--config", path};
  }
  return process_.Start(std::move(options));
}

Status Device::Kill() { return process_.Kill(); }

Status Device::StepClock(std::chrono::seconds by) {
  if (faketime_library_.empty()) {
    return Status(StatusCode::kFailedPrecondition, name_ + ": no libfaketime to step its clock");
  }
  clock_offset_ += by;
  return WriteClockFile();
}

// libfaketime's relative format, "+3600" or "-720" (seconds); written to a
// temporary file and renamed, so a reader never sees half of it.
Status Device::WriteClockFile() const {
  const std::string temporary = clock_file_ + ".new";
  const std::string text =
      (clock_offset_.count() < 0 ? "" : "+") + std::to_string(clock_offset_.count()) + "\n";
  if (Status written = testing_support::WriteStringToFile(temporary, text, 0600); !written.ok()) {
    return written;
  }
  if (::rename(temporary.c_str(), clock_file_.c_str()) != 0) {
    return Status(StatusCode::kInternal, "rename " + temporary + ": " + std::strerror(errno));
  }
  return Status::Ok();
}

Result<testing_support::ExitStatus> Device::Terminate(std::chrono::milliseconds timeout) {
  if (Status signalled = process_.Signal(SIGTERM); !signalled.ok()) return signalled;
  return process_.WaitForExit(timeout);
}

std::string Device::ReadLog(int life) const {
  Result<std::string> text = testing_support::ReadFileToString(LogPath(life));
  return text.ok() ? *text : std::string();
}

DeviceLog Device::CurrentLog() const {
  return life_ == 0 ? DeviceLog() : DeviceLog::Parse(ReadLog(life_));
}

}  // namespace shadowsync::chaos
