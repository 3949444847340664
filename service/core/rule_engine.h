// SPDX-License-Identifier: Apache-2.0
//
// RuleEngine: AWS IoT topic rules run on the messages the broker sees
// (issue 13, docs/rules.md "Running rules in the plugin"). The host feeds it
// every client PUBLISH and every message the shadow service publishes (the
// plugin's own publishes raise no broker event). For each message, the
// payload is parsed once and shared; every enabled rule whose FROM filter
// matches the topic is evaluated; a rule whose WHERE holds runs its
// actions:
//
//   republish    published at once through the host's publish function,
//                then fed back into the engine one republish deeper; a
//                republish beyond kMaxRepublishDepth is cut (logged once
//                per rule, counted, reported to the error action);
//   dynamoDBv2,  a complete row queued to the TableWriter, whose worker
//   dynamoDB     thread writes it; never a database call here.
//
// A failed action (a template that does not render, a full queue, a row the
// database refused, a payload nested deeper than kMaxPayloadDepth) runs the
// rule's errorAction when it is a republish, with AWS's error message
// (rule_error_message.h); otherwise it is logged. Database failures come
// back from the worker and are reported from OnTick(), on the broker
// thread.
//
// Thread safety: not thread-safe; confine to the broker's thread. The
// TableWriter it owns runs its own worker thread.

#ifndef SHADOWSYNC_SERVICE_CORE_RULE_ENGINE_H_
#define SHADOWSYNC_SERVICE_CORE_RULE_ENGINE_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "cli/log.h"
#include "rule_error_message.h"
#include "shadowsync/topic_rule.h"
#include "table_writer.h"

namespace shadowsync::host {

/// One message as the host knows it.
///
/// Thread safety: a value of borrowed views.
struct RuleInput {
  std::string_view topic;
  std::string_view payload;
  std::string_view client_id;  ///< empty: clientid() is "n/a", as AWS outside MQTT
  std::string_view principal;  ///< certificate CN or username; may be empty
};

/// Per-rule counters.
///
/// Thread safety: a value.
struct RuleCounters {
  std::uint64_t matched = 0;            ///< messages for which WHERE held
  std::uint64_t actions_succeeded = 0;  ///< republishes published, table rows written
  std::uint64_t actions_failed = 0;     ///< failed actions (drops and loop cuts included)
  /// Table rows that never reached the table: the queue was full, or the
  /// database refused the row or was unavailable.
  std::uint64_t dropped = 0;
  std::uint64_t republish_cut = 0;  ///< republishes cut at kMaxRepublishDepth
};

class RuleEngine {
 public:
  /// Publishes one message (the broker thread's mosquitto_broker_publish_copy).
  using PublishFunction =
      std::function<void(const std::string& topic, const std::string& payload, int qos)>;
  /// Milliseconds since the epoch: timestamp().
  using Clock = std::function<std::int64_t()>;

  /// A payload nested deeper than this fails each matching rule (the
  /// evaluator's copies and comparisons recurse on depth).
  static constexpr int kMaxPayloadDepth = 1000;

  /// `tables` may be null when no rule writes tables. `logger` is borrowed
  /// and must outlive the engine. `clock` empty: the system clock.
  RuleEngine(std::vector<TopicRule> rules, std::unique_ptr<TableWriter> tables,
             PublishFunction publish, const cli::Logger& logger, Clock clock = {});
  ~RuleEngine();

  RuleEngine(const RuleEngine&) = delete;
  RuleEngine& operator=(const RuleEngine&) = delete;

  /// Runs the rules on one message (republish depth 0).
  void OnMessage(const RuleInput& input);
  /// Counts the rows the worker wrote, reports those it could not write
  /// (error actions, logs).
  void OnTick();
  /// Writes every queued row, reports the last failures, logs the counters.
  /// Later messages are ignored. Idempotent.
  void Stop();

  const std::vector<TopicRule>& rules() const { return rules_; }
  /// The counters of rules()[i].
  const RuleCounters& counters(std::size_t i) const { return state_[i].counters; }
  /// The table writer, or null (tests flush it).
  TableWriter* tables() { return tables_.get(); }

 private:
  struct RuleState {
    RuleCounters counters;
    bool cut_logged = false;
  };
  struct Output {  // a republish to feed back once the message is done
    std::string topic;
    std::string payload;
    int depth;
  };

  void Process(const RuleInput& input, int depth);
  void RunActions(std::size_t index, const SqlMessage& message, const SqlOutcome& outcome,
                  int depth, std::vector<Output>& outputs);
  void Fail(std::size_t index, const SqlMessage& message, int depth,
            const std::vector<RuleActionFailure>& failures, std::vector<Output>& outputs);
  std::string NewUuid();
  std::size_t IndexOf(const std::string& name) const;  // rules_.size() when unknown

  std::vector<TopicRule> rules_;
  std::vector<RuleState> state_;
  std::unique_ptr<TableWriter> tables_;
  PublishFunction publish_;
  const cli::Logger& logger_;
  Clock clock_;
  std::mt19937_64 random_;
  bool stopped_ = false;
};

}  // namespace shadowsync::host

#endif  // SHADOWSYNC_SERVICE_CORE_RULE_ENGINE_H_
