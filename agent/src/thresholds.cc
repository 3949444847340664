// SPDX-License-Identifier: Apache-2.0

#include "src/thresholds.h"

#include <cassert>
#include <cmath>
#include <string_view>

#include "src/observation.h"

namespace shadowsync::agent {
namespace {

std::string_view Name(const JsonValue& v) { return {v.GetString(), v.GetStringLength()}; }

const JsonValue* Find(const JsonValue& object, std::string_view key) {
  if (!object.IsObject()) return nullptr;
  const JsonValue k(rapidjson::StringRef(key.data(), key.size()));
  auto it = object.FindMember(k);
  return it == object.MemberEnd() ? nullptr : &it->value;
}

bool Moved(const JsonValue& now, const JsonValue& before, double min_change) {
  if (now.IsNumber() && before.IsNumber()) {
    if (JsonEquals(now, before)) return false;
    return std::fabs(now.GetDouble() - before.GetDouble()) >= min_change;
  }
  return !JsonEquals(now, before);
}

}  // namespace

bool ReportFilter::HeartbeatDue(const ParamKey& key, double heartbeat_seconds,
                                FilterClock::time_point now) const {
  if (heartbeat_seconds <= 0) return false;
  auto it = reported_at_.find(key);
  if (it == reported_at_.end()) return true;
  const std::chrono::duration<double> elapsed = now - it->second;
  return elapsed.count() >= heartbeat_seconds;
}

JsonDocument ReportFilter::Apply(const JsonValue& observation, FilterClock::time_point now) {
  assert(observation.IsObject());
  JsonDocument out(rapidjson::kObjectType);
  auto& alloc = out.GetAllocator();
  bool something_reported = false;

  for (const auto& sensor : observation.GetObject()) {
    const std::string_view sensor_name = Name(sensor.name);
    if (sensor_name == kGeneralKey) continue;
    const JsonValue* before = Find(reported_, sensor_name);
    if (!sensor.value.IsObject()) {
      // Not a parameter map (observation.h never makes one): all or nothing.
      if (before == nullptr || !JsonEquals(*before, sensor.value)) something_reported = true;
      out.AddMember(JsonValue(sensor.name, alloc), JsonValue(sensor.value, alloc), alloc);
      continue;
    }
    JsonValue filtered(rapidjson::kObjectType);
    for (const auto& param : sensor.value.GetObject()) {
      const std::string_view param_name = Name(param.name);
      ParamKey key{std::string(sensor_name), std::string(param_name)};
      const JsonValue* last = before != nullptr ? Find(*before, param_name) : nullptr;
      const Threshold threshold = LookupThreshold(thresholds_, sensor_name, param_name);
      const bool report = last == nullptr || Moved(param.value, *last, threshold.min_change) ||
                          HeartbeatDue(key, threshold.heartbeat_seconds, now);
      if (report) {
        something_reported = true;
        reported_at_[std::move(key)] = now;
      }
      filtered.AddMember(JsonValue(param.name, alloc),
                         JsonValue(report ? param.value : *last, alloc), alloc);
    }
    // Parameters that vanished: dropped from the view, so Diff deletes them.
    if (before != nullptr && before->IsObject()) {
      for (const auto& old : before->GetObject()) {
        if (Find(sensor.value, Name(old.name)) == nullptr) {
          something_reported = true;
          reported_at_.erase(ParamKey{std::string(sensor_name), std::string(Name(old.name))});
        }
      }
    }
    out.AddMember(JsonValue(sensor.name, alloc), filtered, alloc);
  }

  // Sensors that vanished.
  for (const auto& old : reported_.GetObject()) {
    const std::string_view name = Name(old.name);
    if (name == kGeneralKey || Find(observation, name) != nullptr) continue;
    something_reported = true;
    for (auto it = reported_at_.lower_bound(ParamKey{std::string(name), std::string()});
         it != reported_at_.end() && it->first.first == name;) {
      it = reported_at_.erase(it);
    }
  }

  if (const JsonValue* general = Find(observation, kGeneralKey); general != nullptr) {
    const JsonValue* last = Find(reported_, kGeneralKey);
    const ParamKey key{kGeneralKey, ""};
    bool take =
        last == nullptr || !last->IsObject() || !general->IsObject() || something_reported ||
        HeartbeatDue(key, LookupThreshold(thresholds_, kGeneralKey, kTimeKey).heartbeat_seconds,
                     now);
    if (!take) {
      // Host or Board (anything but the per-tick counters) changed.
      for (const auto& m : general->GetObject()) {
        const std::string_view name = Name(m.name);
        if (name == kTimeKey || name == kEntryKey) continue;
        const JsonValue* was = Find(*last, name);
        if (was == nullptr || !JsonEquals(*was, m.value)) take = true;
      }
    }
    if (take) reported_at_[key] = now;
    out.AddMember(JsonValue(kGeneralKey, alloc), JsonValue(take ? *general : *last, alloc), alloc);
  }

  // A fresh document each time: CopyFrom into the old one would keep the
  // old values' memory in its pool allocator, growing without bound.
  JsonDocument remembered;
  remembered.CopyFrom(out, remembered.GetAllocator());
  reported_.Swap(remembered);
  return out;
}

void ReportFilter::Reset() {
  JsonDocument empty(rapidjson::kObjectType);
  reported_.Swap(empty);
  reported_at_.clear();
}

}  // namespace shadowsync::agent
