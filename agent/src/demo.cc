// SPDX-License-Identifier: Apache-2.0
#include "src/demo.h"

#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>

#include <string>

#include "shadowsync/testing/loopback_broker.h"

namespace shadowsync::agent {
namespace {

using Clock = std::chrono::steady_clock;
constexpr char kThing[] = "shadowsync-demo";
constexpr char kAgentId[] = "shadowsync-agent";
constexpr char kUpdateTopic[] = "$aws/things/shadowsync-demo/shadow/update";
constexpr char kDeltaTopic[] = "$aws/things/shadowsync-demo/shadow/update/delta";

std::string Pretty(const JsonValue& value) {
  rapidjson::StringBuffer buffer;
  rapidjson::PrettyWriter<rapidjson::StringBuffer> writer(buffer);
  writer.SetIndent(' ', 2);
  value.Accept(writer);
  return std::string(buffer.GetString(), buffer.GetSize());
}

// The "state" of an update or delta payload, compact; the payload if none.
std::string StateOf(const std::string& payload) {
  Result<JsonDocument> doc = ParseJson(payload);
  if (!doc.ok() || !doc->IsObject()) return payload;
  const auto state = doc->FindMember("state");
  std::string text = ToCompactJson(state == doc->MemberEnd() ? *doc : state->value);
  const auto version = doc->FindMember("version");
  if (version != doc->MemberEnd() && version->value.IsUint64()) {
    text += "  (version " + std::to_string(version->value.GetUint64()) + ")";
  }
  return text;
}

}  // namespace

const char* DemoConfigText() {
  return R"json({
  "_comment": "The configuration of shadowsync-agent --demo.",
  "connection": {"endpoint": "tcp://loopback:1883", "thing_name": "shadowsync-demo"},
  "reporting": {
    "interval_seconds": 1,
    "thresholds": {"system/*": {"min_change": 0.05}}
  },
  "log_level": "info",
  "sensors": [
    {"type": "system", "name": "system", "mounts": ["/"]},
    {"type": "hwmon", "name": "hwmon"},
    {"type": "simulated", "name": "greenhouse", "signals": {
      "temperature_c": {"waveform": "sine", "period_s": 8, "amplitude": 3, "offset": 21},
      "humidity_pct": {"waveform": "random_walk", "start": 55, "step": 1, "min": 40, "max": 70, "seed": 7}
    }}
  ]
}
)json";
}

int RunDemo(const DemoOptions& options, cli::Logger& log) {
  std::FILE* out = options.out;
  Result<AgentConfig> config = ParseConfig(DemoConfigText(), "<demo>");
  if (!config.ok()) {
    std::fprintf(out, "demo: %s\n", config.status().ToString().c_str());
    return 1;
  }
  testkit::LoopbackBroker broker;
  ClientOptions client_options;
  client_options.shadow.thing = kThing;
  Result<std::unique_ptr<ShadowClient>> client =
      ShadowClient::Create(client_options, broker.NewTransport(kAgentId));
  if (!client.ok()) {
    std::fprintf(out, "demo: %s\n", client.status().ToString().c_str());
    return 1;
  }
  Result<std::unique_ptr<Agent>> agent =
      Agent::Create(*config, std::move(client).value(), log, options.environment);
  if (!agent.ok()) {
    std::fprintf(out, "demo: %s\n", agent.status().ToString().c_str());
    return 1;
  }
  std::fprintf(out,
               "shadowsync-agent demo: thing \"%s\" on an in-process shadow service "
               "(no broker, no AWS account); sampling every %.1f s for %lld s.\n"
               "Only what changed travels: watch the reports shrink.\n\n",
               kThing, config->reporting.interval_seconds,
               static_cast<long long>(options.duration.count() / 1000));
  std::fflush(out);

  const ShadowId id{kThing, std::nullopt};
  const auto start = Clock::now();
  const auto half = start + options.duration / 2;
  bool changed = false;
  std::size_t seen = 0;
  std::size_t reports = 0;
  while (Clock::now() - start < options.duration && !(options.stop && options.stop->load())) {
    (*agent)->RunFor(std::chrono::milliseconds(100));
    if (!changed && Clock::now() >= half) {
      changed = true;
      std::fprintf(out, "\ncloud: sets desired.agent.interval_seconds = 2\n");
      const Status set = broker.SetDesired(id, R"({"agent":{"interval_seconds":2}})");
      if (!set.ok()) std::fprintf(out, "cloud: %s\n", set.ToString().c_str());
    }
    // Everything on the wire, in order: the agent's reports and the
    // service's deltas.
    const auto published = broker.Published();
    for (; seen < published.size(); ++seen) {
      const auto& message = published[seen];
      if (message.publisher == kAgentId && message.topic == kUpdateTopic) {
        ++reports;
        std::fprintf(out, "report -> shadow: %s\n", StateOf(message.payload).c_str());
      } else if (message.topic == kDeltaTopic) {
        std::fprintf(out, "delta  -> agent:  %s\n", StateOf(message.payload).c_str());
      }
    }
    std::fflush(out);
  }
  (void)(*agent)->Stop(std::chrono::milliseconds(1000));
  Result<std::string> document = broker.GetDocumentJson(id);
  if (!document.ok()) {
    std::fprintf(out, "demo: no shadow: %s\n", document.status().ToString().c_str());
    return 1;
  }
  Result<JsonDocument> parsed = ParseJson(*document);
  std::fprintf(out, "\n%zu reports sent. The shadow now:\n%s\n", reports,
               parsed.ok() ? Pretty((*parsed)["state"]).c_str() : document->c_str());
  const bool acknowledged = (*agent)->config().reporting.interval_seconds == 2;
  if (changed && !acknowledged) {
    std::fprintf(out, "demo: the remote configuration was not applied\n");
    return 1;
  }
  return 0;
}

}  // namespace shadowsync::agent
