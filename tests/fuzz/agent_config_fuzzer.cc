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
//     never appear in an error message or a note (unless the same file with
//     them masked gives a message with the same text: a coincidence).

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

// The secrets of the input's "AWS IoT" block ("Client Key", "Password"), if
// it is JSON with one, and the same document with each of them masked:
// every character '*' except a "-----BEGIN " in it, so that the PEM check
// sees the same thing.
struct Secrets {
  std::vector<std::string> values;
  std::string masked_text;
};

Secrets FindSecrets(std::string_view input) {
  Secrets secrets;
  auto doc = shadowsync::ParseJson(input);
  if (!doc.ok() || !doc->IsObject()) return secrets;
  auto block = doc->FindMember("AWS IoT");
  if (block == doc->MemberEnd() || !block->value.IsObject()) return secrets;
  for (auto& member : block->value.GetObject()) {
    const std::string_view key(member.name.GetString(), member.name.GetStringLength());
    if ((key != "Client Key" && key != "Password") || !member.value.IsString()) continue;
    std::string value(member.value.GetString(), member.value.GetStringLength());
    std::string masked(value.size(), '*');
    if (std::size_t begin = value.find("-----BEGIN "); begin != std::string::npos) {
      masked.replace(begin, 11, "-----BEGIN ");
    }
    member.value.SetString(masked.data(), static_cast<rapidjson::SizeType>(masked.size()),
                           doc->GetAllocator());
    // Short values may occur in a message by chance ("true", a key name).
    if (value.size() >= 12) secrets.values.push_back(std::move(value));
  }
  if (!secrets.values.empty()) secrets.masked_text = shadowsync::ToCompactJson(*doc);
  return secrets;
}

// A secret in `text` is a leak unless the same text, from the masked file,
// has it too (then it is the message's own wording: the fuzzer is good at
// making a "Password" that reads "expected a string").
void CheckNoSecret(const std::string& text, const std::string& masked_text, const Secrets& secrets,
                   const char* what, std::string_view input) {
  for (const std::string& secret : secrets.values) {
    if (text.find(secret) == std::string::npos) continue;
    Check(masked_text.find(secret) != std::string::npos, what, input, text);
  }
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
  const Secrets secrets = FindSecrets(input);
  std::string masked_output;  // the masked file's error message and notes
  if (!secrets.values.empty()) {
    auto masked = ParseConfig(secrets.masked_text, kSource);
    if (!masked.ok()) {
      masked_output = masked.status().message();
    } else {
      for (const auto& note : masked->notes) masked_output += note + '\n';
    }
  }

  if (!config.ok()) {
    const std::string message = config.status().message();
    Check(config.status().code() == StatusCode::kInvalidArgument, "rejection is InvalidArgument",
          input, config.status().ToString());
    Check(StartsWith(message, kSource) && message.size() > sizeof kSource,
          "error message names the file and says what is wrong", input, message);
    Check(message == again.status().message(), "the same error twice", input, message);
    CheckNoSecret(message, masked_output, secrets, "an error message shows a secret", input);
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
    CheckNoSecret(note, masked_output, secrets, "a note shows a secret", input);
  }
  return 0;
}
