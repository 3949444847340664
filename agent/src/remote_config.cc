// SPDX-License-Identifier: Apache-2.0

#include "src/remote_config.h"

#include <string>
#include <string_view>
#include <utility>

#include "src/schema_check.h"

namespace shadowsync::agent {
namespace {

constexpr char kBase[] = "/desired/agent";

std::string_view Name(const JsonValue& v) { return {v.GetString(), v.GetStringLength()}; }

std::string Quote(std::string_view s) {
  JsonValue v(rapidjson::StringRef(s.data(), s.size()));
  return ToCompactJson(v);
}

// Builds the acknowledgement while the keys are processed.
class Acker {
 public:
  explicit Acker(RemoteConfigResult* result) : result_(result) {}
  JsonAllocator& alloc() { return result_->ack.GetAllocator(); }

  // The applied value, a copy of what was asked.
  JsonValue Applied(const JsonValue& asked) { return JsonValue(asked, alloc()); }

  JsonValue Rejected(const JsonValue& asked, const std::string& reason) {
    ++result_->rejected;
    JsonValue r(rapidjson::kObjectType);
    r.AddMember("value", JsonValue(asked, alloc()), alloc());
    r.AddMember("status", "rejected", alloc());
    r.AddMember("reason", JsonValue(reason.c_str(), alloc()), alloc());
    return r;
  }

  void Add(JsonValue& object, std::string_view key, JsonValue value) {
    object.AddMember(JsonValue(key.data(), static_cast<rapidjson::SizeType>(key.size()), alloc()),
                     value, alloc());
  }

 private:
  RemoteConfigResult* result_;
};

std::string SensorNames(const AgentConfig& config) {
  std::string names;
  for (const SensorConfig& s : config.sensors) {
    names += (names.empty() ? "" : ", ") + Quote(s.name);
  }
  return names.empty() ? "none configured" : names;
}

JsonValue AckThresholds(const JsonValue& asked, AgentConfig& config, Acker& acker,
                        RemoteConfigResult& result) {
  const std::string where = std::string(kBase) + "/thresholds";
  if (!asked.IsObject()) {
    return acker.Rejected(asked, where +
                                     ": expected an object of \"<sensor>/<param>\" keys, found " +
                                     internal::DescribeFound(asked, where));
  }
  JsonValue ack(rapidjson::kObjectType);
  for (const auto& m : asked.GetObject()) {
    const std::string key(Name(m.name));
    const std::string pointer = JsonPointerAppend(where, key);
    if (!key.empty() && key[0] == '_') {
      acker.Add(ack, key, acker.Applied(m.value));
      continue;
    }
    const JsonValue key_value(rapidjson::StringRef(key.data(), key.size()));
    Status status =
        internal::ValidateWithSchema(key_value, internal::SchemaPart::kThresholdKey, pointer);
    if (status.ok()) {
      const std::string sensor = key.substr(0, key.find('/'));
      const std::string param = key.substr(key.find('/') + 1);
      if (sensor == "*" ? param != "*"
                        : sensor != "General" && config.FindSensor(sensor) == nullptr) {
        status = InvalidArgumentError(
            pointer + ": expected a key \"<sensor>/<param>\", \"<sensor>/*\" or \"*/*\" naming a " +
            "configured sensor (" + SensorNames(config) + ") or \"General\", found " + Quote(key));
      }
    }
    if (status.ok()) {
      // Comments are allowed as in the file; like the file loader, remove
      // them before validating (RapidJSON 1.1 mishandles members matched
      // only by patternProperties).
      JsonDocument entry;
      entry.CopyFrom(m.value, entry.GetAllocator());
      if (entry.IsObject()) {
        for (auto it = entry.MemberBegin(); it != entry.MemberEnd();) {
          it = Name(it->name).substr(0, 1) == "_" ? entry.EraseMember(it) : it + 1;
        }
      }
      status = internal::ValidateWithSchema(entry, internal::SchemaPart::kThreshold, pointer);
    }
    if (!status.ok()) {
      acker.Add(ack, key, acker.Rejected(m.value, status.message()));
      continue;
    }
    Threshold threshold;
    if (auto it = m.value.FindMember("min_change"); it != m.value.MemberEnd()) {
      threshold.min_change = it->value.GetDouble();
    }
    if (auto it = m.value.FindMember("heartbeat_seconds"); it != m.value.MemberEnd()) {
      threshold.heartbeat_seconds = it->value.GetDouble();
    }
    auto [slot, inserted] = config.reporting.thresholds.try_emplace(key, threshold);
    if (inserted || !(slot->second == threshold)) result.thresholds_changed = true;
    slot->second = threshold;
    acker.Add(ack, key, acker.Applied(m.value));
  }
  return ack;
}

JsonValue AckSensors(const JsonValue& asked, AgentConfig& config, Acker& acker,
                     RemoteConfigResult& result) {
  const std::string where = std::string(kBase) + "/sensors";
  if (!asked.IsObject()) {
    return acker.Rejected(asked, where + ": expected an object of sensor names, found " +
                                     internal::DescribeFound(asked, where));
  }
  JsonValue ack(rapidjson::kObjectType);
  for (const auto& m : asked.GetObject()) {
    const std::string name(Name(m.name));
    const std::string pointer = JsonPointerAppend(where, name);
    if (!name.empty() && name[0] == '_') {
      acker.Add(ack, name, acker.Applied(m.value));
      continue;
    }
    SensorConfig* sensor = config.FindSensor(name);
    if (sensor == nullptr) {
      acker.Add(ack, name,
                acker.Rejected(m.value, pointer + ": expected the name of a configured sensor (" +
                                            SensorNames(config) + "), found " + Quote(name)));
      continue;
    }
    if (!m.value.IsObject()) {
      acker.Add(ack, name,
                acker.Rejected(m.value, pointer +
                                            ": expected an object such as {\"enabled\": "
                                            "false}, found " +
                                            internal::DescribeFound(m.value, pointer)));
      continue;
    }
    JsonValue sensor_ack(rapidjson::kObjectType);
    for (const auto& field : m.value.GetObject()) {
      const std::string key(Name(field.name));
      const std::string field_pointer = JsonPointerAppend(pointer, key);
      if (key == "enabled" && field.value.IsBool()) {
        if (sensor->enabled != field.value.GetBool()) result.sensors_changed = true;
        sensor->enabled = field.value.GetBool();
        acker.Add(sensor_ack, key, acker.Applied(field.value));
      } else if (key == "enabled") {
        acker.Add(
            sensor_ack, key,
            acker.Rejected(field.value, field_pointer + ": expected a boolean, found " +
                                            internal::DescribeFound(field.value, field_pointer)));
      } else if (!key.empty() && key[0] == '_') {
        acker.Add(sensor_ack, key, acker.Applied(field.value));
      } else {
        acker.Add(sensor_ack, key,
                  acker.Rejected(field.value, field_pointer +
                                                  ": expected \"enabled\" (the only remote "
                                                  "setting of a sensor), found the unknown key " +
                                                  Quote(key)));
      }
    }
    acker.Add(ack, name, std::move(sensor_ack));
  }
  return ack;
}

}  // namespace

RemoteConfigResult ApplyRemoteConfig(const AgentConfig& current, const JsonValue& desired_agent,
                                     std::optional<std::int64_t> desired_version) {
  RemoteConfigResult result;
  result.config = current;
  Acker acker(&result);
  JsonDocument& ack = result.ack;

  if (!desired_agent.IsObject()) {
    JsonValue rejected =
        acker.Rejected(desired_agent, std::string(kBase) + ": expected an object, found " +
                                          internal::DescribeFound(desired_agent, kBase));
    static_cast<JsonValue&>(ack) = rejected;
    return result;
  }

  AgentConfig& config = result.config;
  for (const auto& m : desired_agent.GetObject()) {
    const std::string key(Name(m.name));
    const std::string pointer = JsonPointerAppend(kBase, key);
    if (key == "interval_seconds") {
      Status s = internal::ValidateWithSchema(m.value, internal::SchemaPart::kInterval, pointer);
      if (!s.ok()) {
        acker.Add(ack, key, acker.Rejected(m.value, s.message()));
        continue;
      }
      if (config.reporting.interval_seconds != m.value.GetDouble()) result.interval_changed = true;
      config.reporting.interval_seconds = m.value.GetDouble();
      acker.Add(ack, key, acker.Applied(m.value));
    } else if (key == "log_level") {
      Status s = internal::ValidateWithSchema(m.value, internal::SchemaPart::kLogLevel, pointer);
      if (!s.ok()) {
        acker.Add(ack, key, acker.Rejected(m.value, s.message()));
        continue;
      }
      const LogLevel level = ParseLogLevel(Name(m.value)).value_or(config.log_level);
      if (level != config.log_level) result.log_level_changed = true;
      config.log_level = level;
      acker.Add(ack, key, acker.Applied(m.value));
    } else if (key == "thresholds") {
      acker.Add(ack, key, AckThresholds(m.value, config, acker, result));
    } else if (key == "sensors") {
      acker.Add(ack, key, AckSensors(m.value, config, acker, result));
    } else if (!key.empty() && key[0] == '_') {
      acker.Add(ack, key, acker.Applied(m.value));
    } else {
      acker.Add(ack, key,
                acker.Rejected(m.value, pointer +
                                            ": expected one of \"interval_seconds\", "
                                            "\"log_level\", \"thresholds\", \"sensors\", found "
                                            "the unknown key " +
                                            Quote(key)));
    }
  }
  if (desired_version) {
    ack.RemoveMember("desired_version");  // a desired key of that name was rejected above
    ack.AddMember("desired_version", JsonValue(static_cast<std::int64_t>(*desired_version)),
                  ack.GetAllocator());
  }
  return result;
}

}  // namespace shadowsync::agent
