// SPDX-License-Identifier: Apache-2.0
//
// libFuzzer target for rule evaluation as the broker plugin runs it
// (service/core/rule_engine.h): a fixed set of typical rules (the ESP32
// tutorial, the agent's temperature, arithmetic, string functions, WHERE
// with AND/OR/NOT, a republish loop, an error action) and a fuzzed message.
// The input is a topic, a NUL, and the payload (the whole input is the
// payload when there is no NUL; the topic is then esp32/pub).
//
// Properties, beyond no crash and no sanitizer report:
//  - deterministic: two engines with the same clock, fed the same message,
//    publish exactly the same topics and payloads, and count alike;
//  - bounded: a message publishes at most what the loop cut allows
//    (every rule, every depth), so deep and huge payloads cannot run away;
//  - everything published is on a topic without wildcards, and every
//    republished SELECT result of a JSON payload is JSON;
//  - a payload nested deeper than kMaxPayloadDepth is refused (each rule
//    FROM its topic fails), never evaluated.
// Any broken property aborts, so libFuzzer reports it as a crash.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "rule_engine.h"
#include "rule_republish.h"
#include "shadowsync/json.h"
#include "shadowsync/topic.h"
#include "shadowsync/topic_rule.h"

namespace {

using shadowsync::host::RuleEngine;

void Check(bool condition) {
  if (!condition) std::abort();
}

const char* const kRules[][2] = {
    {"esp32", R"json({"sql": "SELECT *, topic() AS topic, timestamp() AS ts FROM 'esp32/pub'",
        "actions": [{"republish": {"topic": "out/esp32"}}]})json"},
    {"agent",
     R"json({"sql": "SELECT state.reported.greenhouse.temperature_c AS t, topic(3) AS thing, timestamp() AS ts FROM '$aws/things/+/shadow/update/accepted' WHERE NOT isUndefined(state.reported.greenhouse.temperature_c)",
        "actions": [{"republish": {"topic": "greenhouse/${topic(3)}/temperature", "qos": 1}}]})json"},
    {"math",
     R"json({"sql": "SELECT a * 2 + b / 3 - c % 5 AS x, -a AS neg, a.b.c AS deep FROM '#' WHERE a > 1 AND (b <> 'x' OR NOT c = 3)",
        "actions": [{"republish": {"topic": "math/${topic(1)}"}}],
        "errorAction": {"republish": {"topic": "errors/math"}}})json"},
    {"strings",
     R"json({"sql": "SELECT upper(s) AS u, lower(s) AS l, concat(s, a, topic()) AS c, clientid() AS id, principal() AS p FROM '+/+'",
        "actions": [{"republish": {"topic": "str/${upper(topic(2))}"}}]})json"},
    {"loop", R"json({"sql": "SELECT * FROM 'loop/#'",
        "actions": [{"republish": {"topic": "loop/again"}}],
        "errorAction": {"republish": {"topic": "errors/loop"}}})json"},
};
constexpr std::size_t kRuleCount = sizeof(kRules) / sizeof(kRules[0]);

struct Published {
  std::string topic;
  std::string payload;
  int qos;
  bool operator==(const Published& o) const {
    return topic == o.topic && payload == o.payload && qos == o.qos;
  }
};

struct Run {
  std::vector<Published> published;
  std::vector<shadowsync::host::RuleCounters> counters;
};

std::vector<shadowsync::TopicRule> Rules() {
  std::vector<shadowsync::TopicRule> rules;
  for (const auto& [name, text] : kRules) {
    shadowsync::Result<shadowsync::TopicRule> rule = shadowsync::ParseTopicRule(text, name);
    Check(rule.ok());
    rules.push_back(std::move(rule).value());
  }
  return rules;
}

Run Evaluate(std::string_view topic, std::string_view payload) {
  std::vector<shadowsync::TopicRule> rules = Rules();
  Run run;
  shadowsync::cli::Logger logger(shadowsync::cli::LogLevel::kError,
                                 [](shadowsync::cli::LogLevel, const std::string&) {});
  RuleEngine engine(
      std::move(rules), nullptr,
      [&run](const std::string& t, const std::string& p, int qos) {
        run.published.push_back({t, p, qos});
      },
      logger, [] { return std::int64_t{1700000000000}; });
  engine.OnMessage({topic, payload, "client-1", "principal-1"});
  engine.OnTick();
  for (std::size_t i = 0; i < kRuleCount; ++i) run.counters.push_back(engine.counters(i));
  return run;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const std::size_t nul = input.find('\0');
  const std::string_view topic = nul == std::string_view::npos ? "esp32/pub" : input.substr(0, nul);
  const std::string_view payload = nul == std::string_view::npos ? input : input.substr(nul + 1);
  // A topic a client could publish to: non-empty UTF-8 without wildcards
  // (mosquitto refuses the others before any rule sees them).
  if (topic.empty() || topic.find_first_of("+#") != std::string_view::npos ||
      !shadowsync::IsValidUtf8(topic)) {
    return 0;
  }

  const Run first = Evaluate(topic, payload);
  const Run second = Evaluate(topic, payload);
  Check(first.published == second.published);
  for (std::size_t i = 0; i < kRuleCount; ++i) {
    Check(first.counters[i].matched == second.counters[i].matched);
    Check(first.counters[i].actions_succeeded == second.counters[i].actions_succeeded);
    Check(first.counters[i].actions_failed == second.counters[i].actions_failed);
    Check(first.counters[i].republish_cut == second.counters[i].republish_cut);
  }
  // Each message (and each republished one, at most kMaxRepublishDepth
  // deep) makes at most one publish per action and one per error action.
  std::size_t bound = 1;
  for (int depth = 0; depth <= shadowsync::host::kMaxRepublishDepth; ++depth)
    bound *= 2 * kRuleCount;
  Check(first.published.size() <= bound);
  const shadowsync::Result<shadowsync::JsonDocument> json = shadowsync::ParseJson(payload);
  const bool too_deep = json.ok() && shadowsync::NestingDepth(*json) > RuleEngine::kMaxPayloadDepth;
  for (const Published& p : first.published) {
    Check(!p.topic.empty() && p.topic.find_first_of("+#") == std::string::npos);
    Check(p.qos == 0 || p.qos == 1);
    if (json.ok() && p.topic.rfind("errors/", 0) != 0) {
      Check(shadowsync::ParseJson(p.payload).ok());
    }
  }
  if (too_deep) {
    // Refused, not evaluated: every rule FROM the topic failed, and what
    // was published first is an error action (republished error messages
    // may then match rules of their own).
    std::vector<shadowsync::TopicRule> rules = Rules();
    for (std::size_t i = 0; i < kRuleCount; ++i) {
      if (shadowsync::TopicMatchesFilter(rules[i].sql.topic_filter(), topic)) {
        Check(first.counters[i].actions_failed >= 1);
      }
    }
    Check(first.published.empty() || first.published[0].topic.rfind("errors/", 0) == 0);
  }
  return 0;
}
