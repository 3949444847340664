// SPDX-License-Identifier: Apache-2.0
#include "src/local_output.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <map>

namespace shadowsync::agent {
namespace {

// "a/b" columns of every leaf, nested objects joined with '/'.
void Flatten(const JsonValue& value, const std::string& prefix,
             std::map<std::string, std::string>* out) {
  if (value.IsObject()) {
    for (const auto& member : value.GetObject()) {
      const std::string name(member.name.GetString(), member.name.GetStringLength());
      Flatten(member.value, prefix.empty() ? name : prefix + "/" + name, out);
    }
    return;
  }
  std::string text = value.IsString() ? std::string(value.GetString(), value.GetStringLength())
                                      : ToCompactJson(value);
  (*out)[prefix] = std::move(text);
}

// RFC 4180 quoting where needed.
std::string CsvField(const std::string& text) {
  if (text.find_first_of(",\"\n\r") == std::string::npos) return text;
  std::string quoted = "\"";
  for (const char c : text) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  return quoted + "\"";
}

}  // namespace

LocalOutput::~LocalOutput() {
  if (file_ != nullptr) std::fclose(file_);
}

Status LocalOutput::Open(std::chrono::system_clock::time_point now) {
  file_ = std::fopen(config_.path.c_str(), "a");
  if (file_ == nullptr) {
    return FailedPreconditionError("local output " + config_.path +
                                   ": cannot open: " + std::strerror(errno));
  }
  struct stat info {};
  bytes_ = ::fstat(fileno(file_), &info) == 0 ? static_cast<std::uint64_t>(info.st_size) : 0;
  opened_at_ = now;
  columns_.clear();  // a CSV file starts with its header
  return Status::Ok();
}

Status LocalOutput::Rotate(std::chrono::system_clock::time_point now) {
  std::fclose(file_);
  file_ = nullptr;
  const auto numbered = [this](int n) { return config_.path + "." + std::to_string(n); };
  std::remove(numbered(config_.keep_files).c_str());
  for (int n = config_.keep_files - 1; n >= 1; --n) {
    std::rename(numbered(n).c_str(), numbered(n + 1).c_str());
  }
  if (config_.keep_files > 0) {
    std::rename(config_.path.c_str(), numbered(1).c_str());
  } else {
    std::remove(config_.path.c_str());
  }
  return Open(now);
}

std::string LocalOutput::CsvLine(const JsonValue& observation, bool* columns_changed) {
  std::map<std::string, std::string> fields;
  Flatten(observation, "", &fields);
  std::vector<std::string> columns;
  for (const auto& [name, value] : fields) columns.push_back(name);
  *columns_changed = columns != columns_;
  std::string text;
  if (*columns_changed) {
    columns_ = columns;
    for (std::size_t i = 0; i < columns_.size(); ++i) {
      text += (i ? "," : "") + CsvField(columns_[i]);
    }
    text += '\n';
  }
  for (std::size_t i = 0; i < columns_.size(); ++i) {
    text += (i ? "," : "") + CsvField(fields[columns_[i]]);
  }
  text += '\n';
  return text;
}

Status LocalOutput::Write(const JsonValue& observation, std::chrono::system_clock::time_point now) {
  if (file_ == nullptr) {
    if (Status opened = Open(now); !opened.ok()) return opened;
  } else {
    const bool too_big = config_.rotate_bytes > 0 && bytes_ >= config_.rotate_bytes;
    const bool too_old = config_.rotate_seconds > 0 &&
                         now - opened_at_ >= std::chrono::seconds(config_.rotate_seconds);
    if (too_big || too_old) {
      if (Status rotated = Rotate(now); !rotated.ok()) return rotated;
    }
  }
  bool unused = false;
  const std::string line = config_.format == OutputFormat::kCsv ? CsvLine(observation, &unused)
                                                                : ToCompactJson(observation) + "\n";
  if (std::fwrite(line.data(), 1, line.size(), file_) != line.size() || std::fflush(file_) != 0) {
    return FailedPreconditionError("local output " + config_.path +
                                   ": cannot write: " + std::strerror(errno));
  }
  bytes_ += line.size();
  return Status::Ok();
}

}  // namespace shadowsync::agent
