// SPDX-License-Identifier: Apache-2.0

#include "sensors/hwmon_sensor.h"

#include <algorithm>
#include <map>
#include <set>

#include "sensors/sensor_util.h"

namespace shadowsync::agent {
namespace {

struct KindInfo {
  const char* prefix;
  const char* key;
  double divisor;
};

constexpr KindInfo kKinds[] = {
    {"temp", "temp_c", 1000.0}, {"fan", "fan_rpm", 1.0},     {"in", "in_v", 1000.0},
    {"curr", "curr_a", 1000.0}, {"power", "power_w", 1.0e6},
};

// "temp3_input" -> kind "temp", stem "temp3"; nullptr when not a channel
// input of a kind we report.
const KindInfo* MatchInput(const std::string& file, std::string* stem) {
  constexpr std::string_view kSuffix = "_input";
  if (file.size() <= kSuffix.size() ||
      file.compare(file.size() - kSuffix.size(), kSuffix.size(), kSuffix) != 0) {
    return nullptr;
  }
  const std::string base = file.substr(0, file.size() - kSuffix.size());
  for (const KindInfo& kind : kKinds) {
    const std::string prefix = kind.prefix;
    if (base.size() > prefix.size() && base.compare(0, prefix.size(), prefix) == 0 &&
        std::all_of(base.begin() + static_cast<long>(prefix.size()), base.end(),
                    [](char c) { return c >= '0' && c <= '9'; })) {
      *stem = base;
      return &kind;
    }
  }
  return nullptr;
}

struct Chip {
  std::string name;
  std::string index;  // N of hwmonN
  std::string dir;    // where the *_input files are
};

}  // namespace

std::unique_ptr<HwmonSensor> HwmonSensor::Create(HwmonSensorOptions options,
                                                 const SensorEnvironment& env) {
  const std::string root = env.sys_root + "/class/hwmon";
  std::vector<Chip> chips;
  if (Result<std::vector<std::string>> entries = ListDirectory(root); entries.ok()) {
    for (const std::string& entry : *entries) {
      if (entry.rfind("hwmon", 0) != 0) continue;
      const std::string dir = root + "/" + entry;
      Chip chip{"", entry.substr(5), dir};
      Result<std::string> name = ReadTextFile(dir + "/name", 4096);
      if (!name.ok()) name = ReadTextFile(dir + "/device/name", 4096);
      if (name.ok()) chip.name = std::string(TrimWhitespace(*name));
      if (chip.name.empty()) chip.name = entry;
      // Old drivers keep the attributes in device/ rather than hwmonN/.
      Result<std::vector<std::string>> files = ListDirectory(dir);
      const bool has_inputs =
          files.ok() && std::any_of(files->begin(), files->end(), [](const std::string& f) {
            std::string stem;
            return MatchInput(f, &stem) != nullptr;
          });
      if (!has_inputs) chip.dir = dir + "/device";
      chips.push_back(std::move(chip));
    }
  }

  std::map<std::string, int> name_count;
  for (const Chip& chip : chips) ++name_count[chip.name];

  std::vector<Channel> channels;
  for (const Chip& chip : chips) {
    if (!options.chips.empty() &&
        std::find(options.chips.begin(), options.chips.end(), chip.name) == options.chips.end()) {
      continue;
    }
    const std::string chip_key =
        name_count[chip.name] > 1 ? chip.name + "_" + chip.index : chip.name;
    Result<std::vector<std::string>> files = ListDirectory(chip.dir);
    if (!files.ok()) continue;
    std::set<std::string> used;  // "kind/key" already taken on this chip
    for (const std::string& file : *files) {
      std::string stem;
      const KindInfo* kind = MatchInput(file, &stem);
      if (kind == nullptr) continue;
      std::string key = stem;
      if (Result<std::string> label = ReadTextFile(chip.dir + "/" + stem + "_label", 4096);
          label.ok() && !TrimWhitespace(*label).empty()) {
        key = std::string(TrimWhitespace(*label));
      }
      if (!used.insert(std::string(kind->key) + "/" + key).second) {
        key += " (" + stem + ")";
        used.insert(std::string(kind->key) + "/" + key);
      }
      channels.push_back(Channel{chip_key, kind->key, key, chip.dir + "/" + file, kind->divisor});
    }
  }
  return std::unique_ptr<HwmonSensor>(new HwmonSensor(std::move(options), std::move(channels)));
}

Status HwmonSensor::Sample(JsonValue& out, JsonAllocator& allocator) {
  out.SetObject();
  Status first_failure;
  std::size_t read = 0;
  for (const Channel& channel : channels_) {
    Result<std::string> text = ReadTextFile(channel.input_path, 4096);
    std::optional<long long> raw;
    if (text.ok()) raw = ParseInteger(TrimWhitespace(*text));
    if (!raw) {
      if (first_failure.ok()) {
        first_failure = text.ok() ? InvalidArgumentError("not an integer in " + channel.input_path +
                                                         ": " + QuoteForMessage(*text))
                                  : text.status();
      }
      continue;
    }
    ++read;
    auto add_object = [&allocator](JsonValue& parent, const std::string& key) -> JsonValue& {
      const JsonValue name(rapidjson::StringRef(key.data(), key.size()));
      auto it = parent.FindMember(name);
      if (it != parent.MemberEnd()) return it->value;
      parent.AddMember(
          JsonValue(key.c_str(), static_cast<rapidjson::SizeType>(key.size()), allocator),
          JsonValue(rapidjson::kObjectType), allocator);
      return (parent.MemberEnd() - 1)->value;
    };
    JsonValue& kind = add_object(add_object(out, channel.chip), channel.kind);
    const double value = static_cast<double>(*raw) / channel.divisor;
    kind.AddMember(
        JsonValue(channel.key.c_str(), static_cast<rapidjson::SizeType>(channel.key.size()),
                  allocator),
        channel.divisor == 1.0 ? JsonValue(static_cast<int64_t>(*raw)) : JsonValue(value),
        allocator);
  }
  if (read == 0 && !channels_.empty()) {
    return Status(StatusCode::kUnavailable,
                  "no hwmon channel could be read; first failure: " + first_failure.message());
  }
  return Status::Ok();
}

}  // namespace shadowsync::agent
