// SPDX-License-Identifier: Apache-2.0

#include "rule_engine.h"

#include <chrono>
#include <optional>
#include <type_traits>
#include <utility>
#include <variant>

#include "rule_republish.h"
#include "rule_table_row.h"
#include "shadowsync/json.h"
#include "shadowsync/topic.h"

namespace shadowsync::host {
namespace {

std::int64_t SystemClockMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

const char* ActionType(const TopicRuleAction& action) {
  if (std::holds_alternative<RepublishAction>(action.action)) return "RepublishAction";
  if (std::holds_alternative<DynamoDbV2Action>(action.action)) return "DynamoActionV2";
  return "DynamoAction";
}

// The table or topic an action names, for failedResource: rendered when
// possible, else the template's text.
std::string Resource(const TopicRuleAction& action, const SqlMessage& message) {
  const SubstitutionTemplate& name = std::visit(
      [](const auto& a) -> const SubstitutionTemplate& {
        using A = std::decay_t<decltype(a)>;
        if constexpr (std::is_same_v<A, RepublishAction>) {
          return a.topic;
        } else {
          return a.table_name;
        }
      },
      action.action);
  Result<std::string> rendered = name.Render(message);
  return rendered.ok() ? std::move(rendered).value() : name.text();
}

}  // namespace

RuleEngine::RuleEngine(std::vector<TopicRule> rules, std::unique_ptr<TableWriter> tables,
                       PublishFunction publish, const cli::Logger& logger, Clock clock)
    : rules_(std::move(rules)),
      state_(rules_.size()),
      tables_(std::move(tables)),
      publish_(std::move(publish)),
      logger_(logger),
      clock_(clock ? std::move(clock) : Clock(SystemClockMs)),
      random_(std::random_device{}()) {}

RuleEngine::~RuleEngine() { Stop(); }

std::string RuleEngine::NewUuid() { return NewUuidV4(random_); }

void RuleEngine::OnMessage(const RuleInput& input) {
  if (stopped_ || rules_.empty()) return;
  Process(input, 0);
}

void RuleEngine::Process(const RuleInput& input, int depth) {
  std::vector<std::size_t> candidates;
  for (std::size_t i = 0; i < rules_.size(); ++i) {
    if (!rules_[i].disabled && TopicMatchesFilter(rules_[i].sql.topic_filter(), input.topic)) {
      candidates.push_back(i);
    }
  }
  if (candidates.empty()) return;

  // Once per message: the parsed payload, its depth, the clock.
  std::optional<JsonDocument> json;
  if (Result<JsonDocument> parsed = ParseJson(input.payload); parsed.ok()) {
    json = std::move(parsed).value();
  }
  const int nesting = json ? NestingDepth(*json) : 0;
  SqlMessage message;
  message.topic = input.topic;
  message.payload = input.payload;
  message.payload_json = json ? &*json : nullptr;
  message.client_id = input.client_id.empty() ? std::string_view("n/a") : input.client_id;
  message.principal = input.principal;
  message.timestamp_ms = clock_();
  message.new_uuid = [this] { return NewUuid(); };

  std::vector<Output> outputs;
  for (std::size_t i : candidates) {
    if (nesting > kMaxPayloadDepth) {
      Fail(i, message, depth,
           {{"Rule", rules_[i].name,
             "payload nesting depth " + std::to_string(nesting) + " exceeds " +
                 std::to_string(kMaxPayloadDepth)}},
           outputs);
      continue;
    }
    Result<SqlOutcome> outcome = rules_[i].sql.Evaluate(message);
    if (!outcome.ok()) {
      Fail(i, message, depth, {{"Rule", rules_[i].name, outcome.status().message()}}, outputs);
      continue;
    }
    if (!outcome->matched) continue;
    ++state_[i].counters.matched;
    RunActions(i, message, *outcome, depth, outputs);
  }
  // A republished message is a new message, one republish deeper; it runs
  // once this one is done (and message's views are no longer needed).
  for (const Output& out : outputs) {
    if (out.depth > kMaxRepublishDepth) continue;  // error actions of a cut
    Process(RuleInput{out.topic, out.payload, {}, {}}, out.depth);
  }
}

void RuleEngine::RunActions(std::size_t index, const SqlMessage& message, const SqlOutcome& outcome,
                            int depth, std::vector<Output>& outputs) {
  const TopicRule& rule = rules_[index];
  RuleState& state = state_[index];
  std::vector<RuleActionFailure> failures;
  std::optional<std::string> payload;  // rendered on first use
  for (const TopicRuleAction& action : rule.actions) {
    auto failed = [&](std::string error) {
      failures.push_back({ActionType(action), Resource(action, message), std::move(error)});
    };
    if (const auto* republish = std::get_if<RepublishAction>(&action.action)) {
      Result<std::string> topic = RenderRepublishTopic(*republish, message);
      if (!topic.ok()) {
        failed(topic.status().message());
        continue;
      }
      if (depth + 1 > kMaxRepublishDepth) {
        ++state.counters.republish_cut;
        if (!state.cut_logged) {
          state.cut_logged = true;
          logger_.Warning("rule " + rule.name + ": republish loop cut at depth " +
                          std::to_string(kMaxRepublishDepth) + " (topic " +
                          cli::Printable(*topic, 200) + "); logged once per rule");
        }
        // To the error action; without one, the line above is the only log.
        if (rule.error_action &&
            std::holds_alternative<RepublishAction>(rule.error_action->action)) {
          failed("republish loop cut at depth " + std::to_string(kMaxRepublishDepth));
        } else {
          ++state.counters.actions_failed;
        }
        continue;
      }
      if (!payload) payload = ResultPayload(outcome, message.payload);
      publish_(*topic, *payload, republish->qos);
      ++state.counters.actions_succeeded;
      outputs.push_back({std::move(topic).value(), *payload, depth + 1});
      continue;
    }
    Result<TableWrite> row =
        std::holds_alternative<DynamoDbV2Action>(action.action)
            ? DynamoDbV2Row(std::get<DynamoDbV2Action>(action.action), message, outcome)
            : DynamoDbRow(std::get<DynamoDbAction>(action.action), message, outcome);
    if (!row.ok()) {
      failed(row.status().message());
      continue;
    }
    if (!tables_) {  // the plugin refuses such rules at start; a safety net
      failed("no table store configured (plugin_opt_rules_table_store)");
      continue;
    }
    row->inserted_ms = message.timestamp_ms;
    row->rule = rule.name;
    row->action_type = ActionType(action);
    row->topic = std::string(message.topic);
    row->client_id = std::string(message.client_id);
    row->payload = std::string(message.payload);
    row->depth = depth;
    if (!tables_->Enqueue(std::move(row).value())) {
      ++state.counters.dropped;
      failed("table queue full (" + std::to_string(tables_->capacity()) + " rows): row dropped");
    }
  }
  if (!failures.empty()) Fail(index, message, depth, failures, outputs);
}

void RuleEngine::Fail(std::size_t index, const SqlMessage& message, int depth,
                      const std::vector<RuleActionFailure>& failures,
                      std::vector<Output>& outputs) {
  const TopicRule& rule = rules_[index];
  state_[index].counters.actions_failed += failures.size();
  const RepublishAction* republish =
      rule.error_action ? std::get_if<RepublishAction>(&rule.error_action->action) : nullptr;
  if (republish != nullptr) {
    Result<std::string> topic = RenderRepublishTopic(*republish, message);
    if (topic.ok()) {
      std::string payload =
          RuleErrorPayload(rule.name, message.topic, message.client_id, message.payload, failures);
      publish_(*topic, payload, republish->qos);
      outputs.push_back({std::move(topic).value(), std::move(payload), depth + 1});
      return;
    }
    logger_.Warning("rule " + rule.name +
                    ": errorAction republish failed: " + topic.status().message());
  }
  for (const RuleActionFailure& f : failures) {
    logger_.Warning("rule " + rule.name + ": " + f.action + " " + cli::Printable(f.resource, 200) +
                    " failed on topic " + cli::Printable(message.topic, 200) + ": " + f.message +
                    (rule.error_action && republish == nullptr
                         ? " (the errorAction is not a republish: only republish error actions run)"
                         : ""));
  }
}

void RuleEngine::OnTick() {
  if (!tables_) return;
  for (const auto& [rule, rows] : tables_->TakeWritten()) {
    const std::size_t index = IndexOf(rule);
    if (index < rules_.size()) state_[index].counters.actions_succeeded += rows;
  }
  std::vector<TableFailure> failures = tables_->TakeFailures();
  for (TableFailure& failure : failures) {
    const TableWrite& w = failure.write;
    const std::size_t index = IndexOf(w.rule);
    if (index == rules_.size()) continue;
    ++state_[index].counters.dropped;
    std::optional<JsonDocument> json;
    if (Result<JsonDocument> parsed = ParseJson(w.payload); parsed.ok()) {
      json = std::move(parsed).value();
    }
    SqlMessage message;
    message.topic = w.topic;
    message.payload = w.payload;
    message.payload_json = json && NestingDepth(*json) <= kMaxPayloadDepth ? &*json : nullptr;
    message.client_id = w.client_id;
    message.timestamp_ms = w.inserted_ms;
    message.new_uuid = [this] { return NewUuid(); };
    std::vector<Output> outputs;
    Fail(index, message, w.depth, {{w.action_type, w.table, failure.error}}, outputs);
    for (const Output& out : outputs) {
      if (out.depth <= kMaxRepublishDepth) {
        Process(RuleInput{out.topic, out.payload, {}, {}}, out.depth);
      }
    }
  }
}

std::size_t RuleEngine::IndexOf(const std::string& name) const {
  std::size_t index = 0;
  while (index < rules_.size() && rules_[index].name != name) ++index;
  return index;
}

void RuleEngine::Stop() {
  if (stopped_) return;
  if (tables_) {
    tables_->Stop();  // writes everything accepted
    OnTick();         // the last failures: logged, error actions queued
  }
  stopped_ = true;
  for (std::size_t i = 0; i < rules_.size(); ++i) {
    const RuleCounters& c = state_[i].counters;
    logger_.Info("rule " + rules_[i].name + ": matched=" + std::to_string(c.matched) +
                 " actions_succeeded=" + std::to_string(c.actions_succeeded) + " actions_failed=" +
                 std::to_string(c.actions_failed) + " dropped=" + std::to_string(c.dropped) +
                 " republish_cut=" + std::to_string(c.republish_cut));
  }
  if (tables_) {
    logger_.Info("rules table store " + tables_->Describe() +
                 ": written=" + std::to_string(tables_->written()) +
                 " failed=" + std::to_string(tables_->failed()));
  }
}

}  // namespace shadowsync::host
