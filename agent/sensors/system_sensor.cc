// SPDX-License-Identifier: Apache-2.0

#include "sensors/system_sensor.h"

#include <sys/statvfs.h>

#include <cerrno>
#include <cmath>
#include <map>
#include <sstream>

#include "sensors/sensor_util.h"

namespace shadowsync::agent {
namespace {

void AddNumber(JsonValue& out, const char* key, double value, JsonAllocator& allocator) {
  out.AddMember(JsonValue(rapidjson::StringRef(key)), JsonValue(value), allocator);
}

void AddNumber(JsonValue& out, const std::string& key, double value, JsonAllocator& allocator) {
  out.AddMember(JsonValue(key.c_str(), static_cast<rapidjson::SizeType>(key.size()), allocator),
                JsonValue(value), allocator);
}

// Splits on white space.
std::vector<std::string_view> Fields(std::string_view text) {
  std::vector<std::string_view> fields;
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && (text[i] == ' ' || text[i] == '\t' || text[i] == '\n')) ++i;
    std::size_t end = i;
    while (end < text.size() && text[end] != ' ' && text[end] != '\t' && text[end] != '\n') ++end;
    if (end > i) fields.push_back(text.substr(i, end - i));
    i = end;
  }
  return fields;
}

double RoundToTenth(double value) { return std::round(value * 10.0) / 10.0; }

}  // namespace

std::unique_ptr<SystemSensor> SystemSensor::Create(SystemSensorOptions options,
                                                   const SensorEnvironment& env) {
  std::vector<Zone> zones;
  if (options.temperatures) {
    const std::string thermal = env.sys_root + "/class/thermal";
    Result<std::vector<std::string>> names = ListDirectory(thermal);
    std::map<std::string, int> type_count;
    std::vector<std::pair<std::string, std::string>> found;  // (type, zone directory name)
    if (names.ok()) {
      for (const std::string& entry : *names) {
        if (entry.rfind("thermal_zone", 0) != 0) continue;
        const std::string dir = thermal + "/" + entry;
        Result<std::string> type = ReadTextFile(dir + "/type", 4096);
        std::string type_name = type.ok() ? std::string(TrimWhitespace(*type)) : std::string();
        if (type_name.empty()) type_name = entry;
        ++type_count[type_name];
        found.emplace_back(type_name, entry);
      }
    }
    for (const auto& [type_name, entry] : found) {
      std::string key = type_name;
      if (type_count[type_name] > 1) key += "_" + entry.substr(std::string("thermal_zone").size());
      zones.push_back(Zone{key, thermal + "/" + entry + "/temp"});
    }
  }
  return std::unique_ptr<SystemSensor>(
      new SystemSensor(std::move(options), env.proc_root, std::move(zones)));
}

Status SystemSensor::Sample(JsonValue& out, JsonAllocator& allocator) {
  out.SetObject();
  if (Status s = SampleLoad(out, allocator); !s.ok()) return s;
  if (Status s = SampleMemory(out, allocator); !s.ok()) return s;
  if (Status s = SampleUptime(out, allocator); !s.ok()) return s;
  SampleZones(out, allocator);
  return SampleDisks(out, allocator);
}

Status SystemSensor::SampleLoad(JsonValue& out, JsonAllocator& allocator) const {
  const std::string path = proc_root_ + "/loadavg";
  Result<std::string> text = ReadTextFile(path, 4096);
  if (!text.ok()) return text.status();
  // "0.52 0.58 0.59 1/467 12345"
  const std::vector<std::string_view> fields = Fields(*text);
  const char* keys[] = {"load_1m", "load_5m", "load_15m"};
  for (int i = 0; i < 3; ++i) {
    const std::optional<double> value =
        i < static_cast<int>(fields.size()) ? ParseDouble(fields[i]) : std::nullopt;
    if (!value) {
      return InvalidArgumentError("malformed " + path + ": " + QuoteForMessage(*text));
    }
    AddNumber(out, keys[i], *value, allocator);
  }
  return Status::Ok();
}

Status SystemSensor::SampleMemory(JsonValue& out, JsonAllocator& allocator) const {
  const std::string path = proc_root_ + "/meminfo";
  Result<std::string> text = ReadTextFile(path, 64 * 1024);
  if (!text.ok()) return text.status();
  // Lines like "MemTotal:       16303412 kB".
  std::optional<long long> total;
  std::optional<long long> available;
  std::istringstream lines(*text);
  std::string line;
  while (std::getline(lines, line)) {
    const std::vector<std::string_view> fields = Fields(line);
    if (fields.size() < 2) continue;
    if (fields[0] == "MemTotal:") total = ParseInteger(fields[1]);
    if (fields[0] == "MemAvailable:") available = ParseInteger(fields[1]);
  }
  if (!total || !available) {
    return InvalidArgumentError(path + " has no valid " +
                                std::string(!total ? "MemTotal" : "MemAvailable") + " line");
  }
  out.AddMember("mem_total_kb", JsonValue(static_cast<int64_t>(*total)), allocator);
  out.AddMember("mem_available_kb", JsonValue(static_cast<int64_t>(*available)), allocator);
  return Status::Ok();
}

Status SystemSensor::SampleUptime(JsonValue& out, JsonAllocator& allocator) const {
  const std::string path = proc_root_ + "/uptime";
  Result<std::string> text = ReadTextFile(path, 4096);
  if (!text.ok()) return text.status();
  // "350735.47 234388.90": seconds up, seconds idle (summed over CPUs).
  const std::vector<std::string_view> fields = Fields(*text);
  const std::optional<double> up = fields.empty() ? std::nullopt : ParseDouble(fields[0]);
  if (!up) return InvalidArgumentError("malformed " + path + ": " + QuoteForMessage(*text));
  AddNumber(out, "uptime_s", *up, allocator);
  return Status::Ok();
}

void SystemSensor::SampleZones(JsonValue& out, JsonAllocator& allocator) const {
  if (zones_.empty()) return;
  JsonValue temps(rapidjson::kObjectType);
  for (const Zone& zone : zones_) {
    Result<std::string> text = ReadTextFile(zone.temp_path, 4096);
    if (!text.ok()) continue;
    const std::optional<long long> millidegrees = ParseInteger(TrimWhitespace(*text));
    if (!millidegrees) continue;
    AddNumber(temps, zone.key, static_cast<double>(*millidegrees) / 1000.0, allocator);
  }
  out.AddMember("temp_c", temps, allocator);
}

Status SystemSensor::SampleDisks(JsonValue& out, JsonAllocator& allocator) const {
  if (options_.mounts.empty()) return Status::Ok();
  JsonValue free_mb(rapidjson::kObjectType);
  JsonValue total_mb(rapidjson::kObjectType);
  for (const std::string& mount : options_.mounts) {
    struct statvfs info {};
    if (::statvfs(mount.c_str(), &info) != 0) {
      const int error = errno;
      const std::string message = "statvfs(" + mount + "): " + ErrnoText(error);
      if (error == ENOENT) return NotFoundError(message);
      return Status(StatusCode::kUnavailable, message);
    }
    constexpr double kMiB = 1024.0 * 1024.0;
    const double block = static_cast<double>(info.f_frsize);
    AddNumber(free_mb, mount, RoundToTenth(static_cast<double>(info.f_bavail) * block / kMiB),
              allocator);
    AddNumber(total_mb, mount, RoundToTenth(static_cast<double>(info.f_blocks) * block / kMiB),
              allocator);
  }
  out.AddMember("disk_free_mb", free_mb, allocator);
  out.AddMember("disk_total_mb", total_mb, allocator);
  return Status::Ok();
}

}  // namespace shadowsync::agent
