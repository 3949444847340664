// SPDX-License-Identifier: Apache-2.0

#include "documents.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "shadowsync/diff.h"
#include "shadowsync/json.h"

namespace shadowsync {
namespace bench {
namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

// How much of each repeated part a document has. Zero leaves a part out.
struct Profile {
  int zones;       // sensor zones (reported) and their thresholds (desired)
  int history;     // samples in each zone's temperature and humidity history
  int interfaces;  // network interfaces with counters
  int components;  // firmware components
  int days;        // schedule days
  int actions;     // schedule actions per day
  bool mqtt;       // the MQTT connection block
  bool policy;     // the firmware update policy (configuration)
  bool humidity;   // humidity sensing and thresholds
};

// The setup cannot go wrong on purpose; if it does the figures would be
// meaningless, so stop loudly.
[[noreturn]] void Die(const std::string& what) {
  std::fprintf(stderr, "shadowsync-bench: document setup: %s\n", what.c_str());
  std::abort();
}

// A deterministic integer in [lo, lo + span), different for each seed and
// (almost always) for each variant. Callers pick ranges whose values all have
// the same number of digits, so that a document's size does not depend on
// the variant.
int Pick(int lo, int span, int seed, int variant) {
  std::uint32_t h = static_cast<std::uint32_t>(seed) * 2654435761u +
                    static_cast<std::uint32_t>(variant) * 2246822519u + 374761393u;
  h ^= h >> 15;
  h *= 2246822519u;
  h ^= h >> 13;
  return lo + static_cast<int>(h % static_cast<std::uint32_t>(span));
}

// A double with one decimal: Pick(lo, span) tenths. RapidJSON writes k/10.0
// as its shortest round-trip form, "21.5" or "21.0", so the width is fixed
// too.
double Tenths(int lo, int span, int seed, int variant) {
  return Pick(lo, span, seed, variant) / 10.0;
}

void Member(Writer& w, const char* key, const char* value) {
  w.Key(key);
  w.String(value);
}
void Member(Writer& w, const char* key, const std::string& value) {
  w.Key(key);
  w.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
}
void Member(Writer& w, const char* key, int value) {
  w.Key(key);
  w.Int(value);
}
void Member(Writer& w, const char* key, double value) {
  w.Key(key);
  w.Double(value);
}
void Flag(Writer& w, const char* key, bool value) {
  w.Key(key);
  w.Bool(value);
}

std::string TwoDigits(const char* prefix, int n) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%s%02d", prefix, n % 100);
  return buffer;
}

std::string ZoneId(int zone) { return TwoDigits("zone-", zone + 1); }

// The configuration: the members of `desired`, and the mirror a device
// reports once it applied them. `cv` is the configuration variant: 0 is the
// stored one, 1 and 2 are the desired changes of the benchmark.
constexpr int kIntervals[] = {30, 45, 60};
constexpr double kHighTemperatures[] = {28.5, 27.0, 29.5};
constexpr int kBrightness[] = {80, 65, 95};
constexpr const char* kDays[] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};
constexpr const char* kTimes[] = {"06:30", "09:00", "12:15", "17:45", "22:00"};
constexpr const char* kFanModes[] = {"auto", "low", "high"};

void WriteConfigMembers(Writer& w, const Profile& p, int cv) {
  w.Key("sampling");
  w.StartObject();
  Member(w, "interval_s", kIntervals[cv]);
  Member(w, "batch", 10);
  w.Key("zones");
  w.StartObject();
  for (int z = 0; z < p.zones; ++z) {
    w.Key(ZoneId(z).c_str());
    w.StartObject();
    Flag(w, "enabled", true);
    Member(w, "priority", 1 + z % 3);
    w.Key("thresholds");
    w.StartObject();
    w.Key("temperature");
    w.StartObject();
    Member(w, "high", z == 0 ? kHighTemperatures[cv] : 28.5);
    Member(w, "low", 16.0);
    w.EndObject();
    if (p.humidity) {
      w.Key("humidity");
      w.StartObject();
      Member(w, "high", 70.0);
      Member(w, "low", 30.0);
      w.EndObject();
    }
    w.EndObject();
    w.EndObject();
  }
  w.EndObject();
  w.EndObject();

  w.Key("led");
  w.StartObject();
  Member(w, "mode", "auto");
  Member(w, "brightness", kBrightness[cv]);
  w.Key("color");
  w.StartArray();
  w.Int(255);
  w.Int(128);
  w.Int(0);
  w.EndArray();
  w.EndObject();

  if (p.policy) {
    w.Key("update_policy");
    w.StartObject();
    Member(w, "channel", "stable");
    Flag(w, "auto", true);
    w.Key("window");
    w.StartObject();
    Member(w, "start", "02:00");
    Member(w, "end", "04:00");
    w.Key("days");
    w.StartArray();
    w.String("sat");
    w.String("sun");
    w.EndArray();
    w.EndObject();
    w.EndObject();
  }

  if (p.days > 0) {
    w.Key("schedule");
    w.StartObject();
    Member(w, "timezone", "Europe/Berlin");
    w.Key("weekly");
    w.StartArray();
    for (int d = 0; d < p.days; ++d) {
      w.StartObject();
      Member(w, "day", kDays[d % 7]);
      w.Key("actions");
      w.StartArray();
      for (int a = 0; a < p.actions; ++a) {
        w.StartObject();
        Member(w, "at", kTimes[a % 5]);
        Member(w, "setpoint", 17.0 + (a % 5) * 1.5);
        Member(w, "fan", kFanModes[(d + a) % 3]);
        w.EndObject();
      }
      w.EndArray();
      w.EndObject();
    }
    w.EndArray();
    w.EndObject();
  }
}

// Seeds of the telemetry leaves that the small report also writes, so that
// both give the same values for a variant.
constexpr int kUptimeSeed = 1;
constexpr int kBatterySeed = 3;
constexpr int kVoltageSeed = 4;
constexpr int kRssiSeed = 6;

int Uptime(int v) { return Pick(1000000, 8999999, kUptimeSeed, v); }
int Battery(int v) { return Pick(50, 50, kBatterySeed, v); }
int Voltage(int v) { return Pick(3500, 700, kVoltageSeed, v); }
int Rssi(int v) { return -Pick(40, 50, kRssiSeed, v); }

// Telemetry variant `v` (0 is stored, 1 and 2 are the reports of the
// benchmark), with the configuration mirror of variant 0: the device has not
// applied a desired change yet. `clears` writes null over two fields that a
// previous report set (the second merge patch).
void WriteReported(Writer& w, const Profile& p, int v, const std::string& location, bool clears) {
  w.StartObject();

  w.Key("device");
  w.StartObject();
  Member(w, "model", "TH-200");
  Member(w, "serial", "SN-0004211");
  Member(w, "hw_rev", 3);
  Member(w, "uptime_s", Uptime(v));
  Member(w, "boot_count", Pick(10, 90, 2, v));
  Flag(w, "healthy", true);
  Member(w, "location", location);
  w.EndObject();

  w.Key("power");
  w.StartObject();
  Member(w, "source", "battery");
  Member(w, "battery_pct", Battery(v));
  Member(w, "voltage_mv", Voltage(v));
  Member(w, "temperature_c", Tenths(200, 150, 5, v));
  Flag(w, "charging", v % 2 == 1);
  w.EndObject();

  w.Key("network");
  w.StartObject();
  w.Key("wifi");
  w.StartObject();
  Member(w, "ssid", "plant-floor-3");
  Member(w, "rssi", Rssi(v));
  Member(w, "channel", 6);
  Member(w, "ip", "10.0.3.17");
  Flag(w, "connected", true);
  w.EndObject();
  if (p.mqtt) {
    w.Key("mqtt");
    w.StartObject();
    Member(w, "endpoint", "a1b2c3d4e5f6g7-ats.iot.eu-west-1.amazonaws.com");
    Member(w, "keepalive_s", 60);
    Member(w, "reconnects", Pick(10, 90, 7, v));
    w.Key("last_error");
    if (clears) {
      w.Null();
    } else {
      w.String("ECONNRESET");
    }
    w.EndObject();
  }
  if (p.interfaces > 0) {
    w.Key("interfaces");
    w.StartArray();
    for (int i = 0; i < p.interfaces; ++i) {
      const int seed = 100 + 10 * i;
      w.StartObject();
      Member(w, "name", TwoDigits("if", i));
      Member(w, "mac", TwoDigits("02:00:5e:10:00:", i));
      Flag(w, "up", true);
      Member(w, "mtu", 1500);
      w.Key("stats");
      w.StartObject();
      Member(w, "rx_bytes", Pick(10000000, 89999999, seed, v));
      Member(w, "tx_bytes", Pick(10000000, 89999999, seed + 1, v));
      w.Key("errors");
      w.StartObject();
      Member(w, "crc", Pick(10, 90, seed + 2, v));
      Member(w, "dropped", Pick(10, 90, seed + 3, v));
      Member(w, "overruns", Pick(10, 90, seed + 4, v));
      w.EndObject();
      w.EndObject();
      w.EndObject();
    }
    w.EndArray();
  }
  w.EndObject();

  w.Key("firmware");
  w.StartObject();
  Member(w, "version", "2.4.1");
  Member(w, "build", "2024-05-12T10:22:00Z");
  w.Key("pending");
  if (clears) {
    w.Null();
  } else {
    w.String("2.5.0");
  }
  if (p.components > 0) {
    w.Key("components");
    w.StartArray();
    for (int c = 0; c < p.components; ++c) {
      w.StartObject();
      Member(w, "name", TwoDigits("module-", c));
      Member(w, "version", "1.2.0");
      Member(w, "crc32", TwoDigits("9f3a12", c));
      Member(w, "size_kb", Pick(100, 900, 300 + c, 0));
      w.EndObject();
    }
    w.EndArray();
  }
  w.EndObject();

  w.Key("sensors");
  w.StartObject();
  Member(w, "sample_count", Pick(100000, 900000, 8, v));
  w.Key("zones");
  w.StartArray();
  for (int z = 0; z < p.zones; ++z) {
    const int seed = 1000 + 100 * z;
    w.StartObject();
    Member(w, "id", ZoneId(z));
    Flag(w, "active", true);
    w.Key("flags");
    w.StartArray();
    w.String("calibrated");
    w.String(z % 2 == 0 ? "ok" : "warm");
    w.EndArray();
    w.Key("temperature");
    w.StartObject();
    Member(w, "value", Tenths(150, 150, seed, v));
    Member(w, "unit", "C");
    w.Key("history");
    w.StartArray();
    for (int h = 0; h < p.history; ++h) w.Double(Tenths(150, 150, seed + 1 + h, v));
    w.EndArray();
    w.EndObject();
    if (p.humidity) {
      w.Key("humidity");
      w.StartObject();
      Member(w, "value", Tenths(300, 400, seed + 50, v));
      Member(w, "unit", "%");
      w.Key("history");
      w.StartArray();
      for (int h = 0; h < p.history; ++h) w.Double(Tenths(300, 400, seed + 51 + h, v));
      w.EndArray();
      w.EndObject();
    }
    Member(w, "pressure_hpa", Tenths(10000, 300, seed + 99, v));
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();

  WriteConfigMembers(w, p, 0);
  w.EndObject();
}

std::string Take(const rapidjson::StringBuffer& buffer) {
  return std::string(buffer.GetString(), buffer.GetSize());
}

std::string ReportedJson(const Profile& p, int v, const std::string& location, bool clears) {
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  WriteReported(w, p, v, location, clears);
  return Take(buffer);
}

std::string DesiredJson(const Profile& p, int cv) {
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  w.StartObject();
  WriteConfigMembers(w, p, cv);
  w.EndObject();
  return Take(buffer);
}

// {"state":{"<section>":<body>},"clientToken":"<token>"}
std::string UpdateRequestJson(const char* section, const std::string& body,
                              const std::string& token) {
  return std::string("{\"state\":{\"") + section + "\":" + body + "},\"clientToken\":\"" + token +
         "\"}";
}

std::string SmallReport(int v) {
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  w.StartObject();
  w.Key("device");
  w.StartObject();
  Member(w, "uptime_s", Uptime(v));
  w.EndObject();
  w.Key("power");
  w.StartObject();
  Member(w, "battery_pct", Battery(v));
  Member(w, "voltage_mv", Voltage(v));
  w.EndObject();
  w.Key("network");
  w.StartObject();
  w.Key("wifi");
  w.StartObject();
  Member(w, "rssi", Rssi(v));
  w.EndObject();
  w.EndObject();
  w.EndObject();
  return UpdateRequestJson("reported", Take(buffer), "small-report-" + std::to_string(v));
}

std::string DesiredChange(int cv) {
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  w.StartObject();
  w.Key("sampling");
  w.StartObject();
  Member(w, "interval_s", kIntervals[cv]);
  w.Key("zones");
  w.StartObject();
  w.Key(ZoneId(0).c_str());
  w.StartObject();
  w.Key("thresholds");
  w.StartObject();
  w.Key("temperature");
  w.StartObject();
  Member(w, "high", kHighTemperatures[cv]);
  w.EndObject();
  w.EndObject();
  w.EndObject();
  w.EndObject();
  w.EndObject();
  w.Key("led");
  w.StartObject();
  Member(w, "brightness", kBrightness[cv]);
  w.EndObject();
  w.EndObject();
  return UpdateRequestJson("desired", Take(buffer), "desired-change-" + std::to_string(cv));
}

// Free text of exactly `bytes` bytes (ASCII, nothing to escape).
std::string Location(std::size_t bytes) {
  static constexpr std::string_view kText =
      "Plant 3, hall B, line 2, cell 14; rack B-07 by the north door, shelf 3 of 5. ";
  std::string out;
  while (out.size() < bytes) out.append(kText.substr(0, bytes - out.size()));
  return out;
}

JsonDocument MustParse(const std::string& text) {
  Result<JsonDocument> parsed = ParseJson(text);
  if (!parsed.ok()) Die(parsed.status().ToString());
  return std::move(parsed).value();
}

BenchShadow BuildShadow(const std::string& label, const Profile& p, const std::string& location) {
  BenchShadow shadow;
  shadow.label = label;
  const std::string state = "{\"desired\":" + DesiredJson(p, 0) +
                            ",\"reported\":" + ReportedJson(p, 0, location, false) + "}";
  shadow.stored.ApplyState(MustParse(state), kStoredAt);
  shadow.stored.set_version(kStoredVersion);
  shadow.stored_json = shadow.stored.ToJson();
  shadow.state_bytes = shadow.stored.StateSize();
  shadow.desired_bytes = CompactJsonSize(*shadow.stored.desired());
  shadow.reported_bytes = CompactJsonSize(*shadow.stored.reported());
  shadow.desired_depth = NestingDepth(*shadow.stored.desired());
  shadow.reported_depth = NestingDepth(*shadow.stored.reported());
  for (int i = 0; i < 2; ++i) {
    const int v = i + 1;
    shadow.updates[static_cast<int>(UpdateKind::kSmallReport)][i] = SmallReport(v);
    shadow.updates[static_cast<int>(UpdateKind::kFullReport)][i] = UpdateRequestJson(
        "reported", ReportedJson(p, v, location, false), "full-report-" + std::to_string(v));
    shadow.updates[static_cast<int>(UpdateKind::kDesiredChange)][i] = DesiredChange(v);
  }
  return shadow;
}

// Builds the shadow of profile `p` with the location text sized so that the
// state is exactly `state_bytes`.
BenchShadow FitShadow(const std::string& label, const Profile& p, std::size_t state_bytes) {
  const std::size_t bare = BuildShadow(label, p, "").state_bytes;
  if (bare > state_bytes) {
    Die(label + ": the profile needs " + std::to_string(bare) + " bytes, more than " +
        std::to_string(state_bytes));
  }
  BenchShadow shadow = BuildShadow(label, p, Location(state_bytes - bare));
  if (shadow.state_bytes != state_bytes) {
    Die(label + ": state is " + std::to_string(shadow.state_bytes) + " bytes, not " +
        std::to_string(state_bytes));
  }
  return shadow;
}

// The profiles. The 1 KB device has one temperature zone and the basic
// blocks only; the 8 KB one adds zones, humidity, MQTT, interfaces,
// components, an update policy and a weekly schedule. The location text
// takes up what the profile leaves.
constexpr Profile kProfile1KB = {1, 3, 0, 0, 0, 0, false, false, false};
constexpr Profile kProfile8KB = {6, 8, 2, 4, 5, 3, true, true, true};
// A device that reports a lot: its `reported` section alone is 8 KB.
constexpr Profile kProfileReport8KB = {8, 8, 3, 4, 5, 3, true, true, true};
constexpr std::size_t kReport8KBBytes = 8160;

std::string Report8KB(int v, bool clears) {
  const std::size_t bare = ReportedJson(kProfileReport8KB, 0, "", false).size();
  if (bare > kReport8KBBytes) Die("8 KB report: the profile needs " + std::to_string(bare));
  return ReportedJson(kProfileReport8KB, v, Location(kReport8KBBytes - bare), clears);
}

}  // namespace

const char* UpdateKindName(UpdateKind kind) {
  switch (kind) {
    case UpdateKind::kSmallReport:
      return "small_report";
    case UpdateKind::kFullReport:
      return "full_report";
    case UpdateKind::kDesiredChange:
      return "desired_change";
  }
  return "?";
}

const BenchShadow& Shadow1KB() {
  static const BenchShadow shadow = FitShadow("1KB", kProfile1KB, 1024);
  return shadow;
}

const BenchShadow& Shadow8KB() {
  static const BenchShadow shadow = FitShadow("8KB", kProfile8KB, 8160);
  return shadow;
}

const PatchPair& FullReportPatches8KB() {
  static const PatchPair pair = {"full_reports", Report8KB(1, false), Report8KB(2, true)};
  return pair;
}

const PatchPair& DiffPatches8KB() {
  static const PatchPair pair = [] {
    const JsonDocument r0 = MustParse(Report8KB(0, false));
    const JsonDocument r1 = MustParse(Report8KB(1, false));
    const JsonDocument r2 = MustParse(Report8KB(2, false));
    return PatchPair{"diff_patches", ToCompactJson(Diff(r0, r1)), ToCompactJson(Diff(r1, r2))};
  }();
  return pair;
}

}  // namespace bench
}  // namespace shadowsync
