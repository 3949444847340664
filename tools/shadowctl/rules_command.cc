// SPDX-License-Identifier: Apache-2.0

#include "rules_command.h"

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <optional>
#include <random>
#include <sstream>
#include <utility>

#include "cli/command_line.h"
#include "cli/connection_flags.h"
#include "cli/flag_as_value.h"
#include "cli/help_format.h"
#include "shadowsync/json.h"
#include "shadowsync/mutex.h"
#include "shadowsync/sql.h"

namespace shadowsync {
namespace shadowctl {
namespace {

using namespace std::chrono_literals;

// Where the broker plugin keeps its retained snapshot (service/core/rule_stats.h).
constexpr char kStatsTopic[] = "$shadowsync/rules/stats";

constexpr char kDescription[] =
    "The AWS IoT topic rules of a running shadowsync broker plugin (plugin_opt_rules_dir) "
    "with their counters: matched, actions succeeded, failed, and table rows dropped. The "
    "plugin keeps them, retained, on $shadowsync/rules/stats (updated at most once a second); "
    "with a registry, the principal needs iot:Subscribe and iot:Receive on it.\n"
    "'shadowctl rules test' evaluates a statement offline, like the AWS console's SQL tester.\n";

struct TestOptions {
  std::string sql;
  std::string topic;
  std::string payload;
  std::string client_id = "n/a";
  std::string principal;
  std::optional<std::int64_t> timestamp_ms;
};

int RunTest(const TestOptions& options, std::ostream& out, std::ostream& err) {
  Result<SqlStatement> statement = SqlStatement::Parse(options.sql);
  if (!statement.ok()) {
    err << "error: " << statement.status().message() << "\n";
    return kExitUsage;
  }
  Result<JsonDocument> json = ParseJson(options.payload);
  if (json.ok() && NestingDepth(*json) > 1000) {
    err << "error: --payload: nested deeper than 1000 levels (the plugin refuses it too)\n";
    return kExitUsage;
  }
  SqlMessage message;
  message.topic = options.topic;
  message.payload = options.payload;
  message.payload_json = json.ok() ? &*json : nullptr;
  message.client_id = options.client_id;
  message.principal = options.principal;
  message.timestamp_ms =
      options.timestamp_ms.value_or(std::chrono::duration_cast<std::chrono::milliseconds>(
                                        std::chrono::system_clock::now().time_since_epoch())
                                        .count());
  std::random_device seed;
  std::mt19937_64 random((static_cast<std::uint64_t>(seed()) << 32) ^ seed());
  message.new_uuid = [&random] { return NewUuidV4(random); };
  Result<SqlOutcome> outcome = statement->Evaluate(message);
  if (!outcome.ok()) {
    // On AWS this runs the rule's errorAction.
    err << "error: evaluation failed: " << outcome.status().message() << "\n";
    return kExitUsage;
  }
  if (!outcome->matched) return kExitNoMatch;
  if (outcome->raw_payload) {
    out << options.payload << "\n";  // SELECT * on a payload that is not JSON
  } else {
    out << ToCompactJson(outcome->result) << "\n";
  }
  return kExitOk;
}

// Waits for the retained snapshot; kExitOk with `*json` set, or an exit code.
int ReadStats(const MqttOptions& mqtt, std::chrono::milliseconds timeout,
              const TransportFactory& factory, const StopSignal& stop, std::string* json,
              std::ostream& err) {
  Result<std::unique_ptr<Transport>> transport = factory(mqtt);
  if (!transport.ok()) {
    err << "error: " << cli::InFlagTerms(transport.status().message()) << "\n";
    return kExitUsage;
  }
  Mutex mu;
  std::condition_variable_any arrived;
  std::optional<std::string> snapshot;
  (*transport)
      ->SetHandlers(
          [&](const MqttMessage& message) {
            if (message.topic != kStatsTopic) return;
            {
              MutexLock lock(mu);
              if (!snapshot) snapshot = message.payload;
            }
            arrived.notify_all();
          },
          [](ConnectionEvent, const Status&) {});
  if (Status s = (*transport)->Connect(); !s.ok()) {
    err << "error: cannot connect to " << mqtt.server_uri << ": " << cli::InFlagTerms(s.message())
        << "\n";
    return kExitConnection;
  }
  int rc = kExitOk;
  if (Status s = (*transport)->Subscribe(kStatsTopic, 1); !s.ok()) {
    err << "error: cannot subscribe to " << kStatsTopic << ": " << s.message() << "\n";
    rc = kExitConnection;
  } else {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    MutexLock lock(mu);
    while (!snapshot && stop.raised() == 0 && std::chrono::steady_clock::now() < deadline) {
      lock.WaitFor(arrived, 100ms);  // short waits: the stop signal is polled
    }
    if (snapshot) {
      *json = *snapshot;
    } else if (stop.raised() != 0) {
      rc = kExitInterrupted;
    } else {
      err << "error: no rules snapshot on " << kStatsTopic << " within " << timeout.count() / 1000.0
          << " s: is the broker mosquitto with the shadowsync plugin and plugin_opt_rules_dir? "
             "(with a registry: does the policy allow iot:Subscribe and iot:Receive on it?)\n";
      rc = kExitTimeout;
    }
  }
  (void)(*transport)->Disconnect();
  return rc;
}

}  // namespace

bool IsRulesCommand(const std::vector<std::string>& args) {
  return !args.empty() && args[0] == "rules";
}

Result<std::string> FormatRuleStats(const std::string& json) {
  Result<JsonDocument> doc = ParseJson(json);
  if (!doc.ok() || !doc->IsObject() || !doc->HasMember("rules") || !(*doc)["rules"].IsArray()) {
    return InvalidArgumentError("not a rules snapshot (an object with an array \"rules\")");
  }
  struct Row {
    std::string name, state, from;
    std::uint64_t n[5] = {0, 0, 0, 0, 0};
  };
  static const char* const kCounters[] = {"matched", "actionsSucceeded", "actionsFailed", "dropped",
                                          "republishCut"};
  static const char* const kHeaders[] = {"MATCHED", "SUCCEEDED", "FAILED", "DROPPED", "CUT"};
  std::vector<Row> rows;
  std::size_t name_width = 4, from_width = 4;
  for (const JsonValue& rule : (*doc)["rules"].GetArray()) {
    if (!rule.IsObject() || !rule.HasMember("name") || !rule["name"].IsString()) {
      return InvalidArgumentError("not a rules snapshot (a rule without a name)");
    }
    Row row;
    row.name = rule["name"].GetString();
    row.state = rule.HasMember("enabled") && rule["enabled"].IsFalse() ? "disabled" : "enabled";
    row.from = rule.HasMember("from") && rule["from"].IsString() ? rule["from"].GetString() : "";
    for (int i = 0; i < 5; ++i) {
      if (rule.HasMember(kCounters[i]) && rule[kCounters[i]].IsUint64()) {
        row.n[i] = rule[kCounters[i]].GetUint64();
      }
    }
    name_width = std::max(name_width, row.name.size());
    from_width = std::max(from_width, row.from.size());
    rows.push_back(std::move(row));
  }
  auto pad = [](const std::string& s, std::size_t width) {
    return s + std::string(width > s.size() ? width - s.size() : 0, ' ');
  };
  std::ostringstream text;
  text << pad("RULE", name_width) << "  " << pad("STATE", 8) << "  " << pad("FROM", from_width);
  for (const char* h : kHeaders) text << "  " << h;
  text << "\n";
  for (const Row& row : rows) {
    text << pad(row.name, name_width) << "  " << pad(row.state, 8) << "  "
         << pad(row.from, from_width);
    for (int i = 0; i < 5; ++i) {
      const std::string n = std::to_string(row.n[i]);
      const std::size_t width = std::string(kHeaders[i]).size();
      text << "  " << std::string(width > n.size() ? width - n.size() : 0, ' ') << n;
    }
    text << "\n";
  }
  return text.str();
}

int RunRules(const std::vector<std::string>& args, const TransportFactory& factory,
             std::ostream& out, std::ostream& err, const StopSignal& stop) {
  cli::CommandLine command_line("shadowctl rules", kDescription, SHADOWSYNC_VERSION);
  CLI::App& app = command_line.app();
  cli::ConnectionFlags connection;
  cli::ConnectionFlagsSpec spec;
  spec.broker_help = "the broker that runs the shadowsync plugin (required)";
  spec.client_id_default = "shadowctl-<pid>-<random>";
  cli::AddConnectionFlags(app, &connection, spec);
  double timeout_s = 5;
  bool json = false;
  app.add_option("--timeout", timeout_s, "seconds to wait for the connection and the snapshot")
      ->capture_default_str()
      ->check(CLI::Range(0.001, 3600.0));
  app.add_flag("--json", json, "print the snapshot as the plugin published it (one line)");
  app.footer(
      "Exit codes: 0 printed; 2 usage; 4 no snapshot within --timeout; 5 cannot connect or "
      "subscribe; 130 interrupted.");

  TestOptions test;
  CLI::App* tester = app.add_subcommand(
      "test",
      "Evaluate one statement on one message, offline (the AWS console's SQL tester). Prints "
      "the result as one compact JSON document.");
  tester->add_option("--sql", test.sql, "the statement (the subset of docs/rules.md)")->required();
  tester->add_option("--topic", test.topic, "the message's topic")->required();
  tester->add_option("--payload", test.payload, "the message's payload (JSON, or other bytes)")
      ->required();
  tester->add_option("--clientid", test.client_id, "clientid()")->capture_default_str();
  tester->add_option("--principal", test.principal, "principal()");
  tester->add_option("--timestamp", test.timestamp_ms,
                     "timestamp() in ms since the epoch "
                     "(default: now)");
  tester->footer(
      "Exit codes: 0 matched (the result is on stdout); 1 FROM does not match or WHERE is not "
      "true (nothing on stdout); 2 SQL outside the subset, an evaluation error, or usage.");
  cli::RefuseFlagsAsValues(app);
  cli::WrapHelp(app);

  const std::vector<std::string> rest(args.begin() + 1, args.end());
  Result<cli::ParseOutcome> parsed = command_line.Parse(rest);
  if (!parsed.ok()) {
    err << "error: " << parsed.status().message() << "\nsee 'shadowctl rules --help'\n";
    return kExitUsage;
  }
  if (*parsed == cli::ParseOutcome::kHelp) {
    out << command_line.HelpText();
    return kExitOk;
  }
  if (*parsed == cli::ParseOutcome::kVersion) {
    out << command_line.VersionText();
    return kExitOk;
  }
  if (tester->parsed()) return RunTest(test, out, err);

  Result<MqttOptions> mqtt = cli::ToMqttOptions(connection, "", cli::UniqueClientId("shadowctl"));
  if (!mqtt.ok()) {
    err << "error: " << mqtt.status().message() << "\nsee 'shadowctl rules --help'\n";
    return kExitUsage;
  }
  const auto timeout = std::chrono::milliseconds(static_cast<std::int64_t>(timeout_s * 1000));
  mqtt->connect_timeout = std::chrono::ceil<std::chrono::seconds>(timeout);
  std::string snapshot;
  const int rc = ReadStats(*mqtt, timeout, factory, stop, &snapshot, err);
  if (rc != kExitOk) return rc;
  if (json) {
    out << snapshot << "\n";
    return kExitOk;
  }
  Result<std::string> table = FormatRuleStats(snapshot);
  if (!table.ok()) {
    err << "error: " << kStatsTopic << ": " << table.status().message() << "\n";
    return kExitInternal;
  }
  out << *table;
  return kExitOk;
}

}  // namespace shadowctl
}  // namespace shadowsync
