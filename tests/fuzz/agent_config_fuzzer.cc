// SPDX-License-Identifier: Apache-2.0
//
// libFuzzer target: arbitrary bytes as the agent's configuration file
// (agent::ParseConfig: schema, then the semantic checks, including the
// SparkFun DataLogger "AWS IoT" block). Properties beyond "no crash":
//   - a rejection is kInvalidArgument with a message that starts with the
//     source name;
//   - ParseConfig is deterministic: a configuration that loads loads again,
//     to the same values, and an error is the same error;
//   - a configuration that loads is consistent: a port in range, a positive
//     interval, QoS 1, an output path when output is on, every sensor with
//     a type, a name, a pointer and its settings;
//   - the inline private key ("AWS IoT" / "Client Key") and the "Password"
//     never appear in an error message or a note.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_check.h"
#include "shadowsync/json.h"
#include "src/config.h"

namespace {

using shadowsync::StatusCode;
using shadowsync::agent::AgentConfig;
using shadowsync::agent::ParseConfig;
using shadowsync::fuzz::Check;
using shadowsync::fuzz::StartsWith;

constexpr const char kSource[] = "/fuzz/agent.json";

// The secrets of the input's "AWS IoT" block, if it is JSON with one.
std::vector<std::string> Secrets(std::string_view input) {
  std::vector<std::string> secrets;
  auto doc = shadowsync::ParseJson(input);
  if (!doc.ok() || !doc->IsObject()) return secrets;
  auto block = doc->FindMember("AWS IoT");
  if (block == doc->MemberEnd() || !block->value.IsObject()) return secrets;
  for (const char* key : {"Client Key", "Password"}) {
    auto it = block->value.FindMember(key);
    if (it == block->value.MemberEnd() || !it->value.IsString()) continue;
    std::string value(it->value.GetString(), it->value.GetStringLength());
    // Short values may occur in a message by chance ("true", a key name).
    if (value.size() >= 12) secrets.push_back(std::move(value));
  }
  return secrets;
}

std::string Summary(const AgentConfig& c) {
  std::string s = c.source + '|' + c.connection.endpoint + '|' + c.connection.host + '|' +
                  std::to_string(c.connection.port) + '|' + (c.connection.tls ? "tls" : "tcp") +
                  '|' + c.connection.client_id + '|' + c.connection.thing_name + '|' +
                  c.connection.shadow_name + '|' + c.journal_path + '|' +
                  std::to_string(c.reporting.interval_seconds) + '|' +
                  std::to_string(c.reporting.thresholds.size()) + '|' +
                  std::to_string(c.sensors.size()) + '|' + c.output.path;
  for (const auto& sensor : c.sensors) s += '|' + sensor.type + ':' + sensor.name;
  for (const auto& note : c.notes) s += '|' + note;
  return s;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  auto config = ParseConfig(input, kSource);
  auto again = ParseConfig(input, kSource);
  Check(config.ok() == again.ok(), "ParseConfig is deterministic", input);
  const std::vector<std::string> secrets = Secrets(input);

  if (!config.ok()) {
    const std::string message = config.status().message();
    Check(config.status().code() == StatusCode::kInvalidArgument, "rejection is InvalidArgument",
          input, config.status().ToString());
    Check(StartsWith(message, kSource) && message.size() > sizeof kSource,
          "error message names the file and says what is wrong", input, message);
    Check(message == again.status().message(), "the same error twice", input, message);
    for (const std::string& secret : secrets) {
      Check(message.find(secret) == std::string::npos, "an error message shows a secret", input,
            message);
    }
    return 0;
  }

  const AgentConfig& c = *config;
  Check(Summary(c) == Summary(*again), "a configuration that loads loads again alike", input);
  Check(c.source == kSource, "the source is kept", input);
  Check(c.connection.port >= 1 && c.connection.port <= 65535, "port in range", input,
        std::to_string(c.connection.port));
  Check(c.reporting.interval_seconds > 0, "a positive reporting interval", input);
  Check(c.reporting.qos == 1, "QoS 1 only", input);
  if (c.output.enabled) Check(!c.output.path.empty(), "enabled output has a path", input);
  for (const auto& sensor : c.sensors) {
    Check(!sensor.type.empty() && !sensor.name.empty() && !sensor.pointer.empty() &&
              sensor.settings != nullptr,
          "a sensor has a type, a name, a pointer and settings", input, sensor.pointer);
    Check(c.FindSensor(sensor.name) != nullptr, "a sensor is findable by its name", input,
          sensor.name);
    (void)shadowsync::agent::LookupThreshold(c.reporting.thresholds, sensor.name, "value");
  }
  for (const auto& note : c.notes) {
    for (const std::string& secret : secrets) {
      Check(note.find(secret) == std::string::npos, "a note shows a secret", input, note);
    }
  }
  return 0;
}
