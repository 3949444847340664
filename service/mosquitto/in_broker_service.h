// SPDX-License-Identifier: Apache-2.0
//
// InBrokerService: AWS IoT Core's shadow service, policies and lifecycle
// events inside mosquitto (issue 9), as an ordinary class that knows nothing
// of mosquitto. plugin_entry.cc turns mosquitto's events into calls:
//
//   MOSQ_EVT_BASIC_AUTH  -> OnConnect     iot:Connect; lifecycle "connected"
//   MOSQ_EVT_DISCONNECT  -> OnDisconnect  lifecycle "disconnected"
//   MOSQ_EVT_ACL_CHECK   -> OnAccess      iot:Publish, iot:RetainPublish,
//                                         iot:Subscribe, iot:Receive
//   MOSQ_EVT_MESSAGE     -> OnMessage     shadow requests (ShadowHost), rules
//   MOSQ_EVT_TICK        -> OnTick        group commit, held answers out,
//                                         rules' table failures reported,
//                                         rules' counters published
//
// Rules (plugin_opt_rules_dir, host::RuleEngine). Every client PUBLISH
// and every message the service itself publishes (answers, lifecycle
// events: the broker raises no event for the plugin's own publishes) is
// fed to the rules, with the client id and principal (certificate CN, else
// username) of the connection that sent it; the service's own messages
// have clientid() "n/a". Table writes run on the rule engine's worker.
// The rules' counters (host::RuleStatsJson) are published retained on
// $shadowsync/rules/stats from the tick: at the first tick, then whenever
// they changed, at most once per kRuleStatsInterval (`shadowctl rules`).
//
// Answers. Without a store, a request's answers are queued with the broker
// at once (mosquitto sends them at the top of its next loop pass, after the
// request itself reached its subscribers). With a store, every answer is
// held until the end of the loop pass, when one GroupCommitStore::Commit
// (one transaction, one fsync) makes all of the pass's changes durable;
// then the held answers go out in arrival order. So no answer ever leaves
// before its change is on disk, and a SIGKILL of mosquitto loses nothing
// that was answered. L7 (max_inflight) counts the held requests of each
// client connection, as AWS counts in-flight requests per connection.
//
// Policies. Without a registry everyone may do everything (OnConnect and
// OnAccess defer to mosquitto's own settings). With one, a certificate the
// registry does not know is refused at connect, and every action is decided
// by the policies attached to the connection's certificate; each denial is
// one log line naming the principal, the action and the resource.
//
// Thread safety: not thread-safe; confine to the broker's thread (mosquitto
// 2.0 has only one).

#ifndef SHADOWSYNC_SERVICE_MOSQUITTO_IN_BROKER_SERVICE_H_
#define SHADOWSYNC_SERVICE_MOSQUITTO_IN_BROKER_SERVICE_H_

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "broker.h"
#include "cli/log.h"
#include "group_commit_store.h"
#include "lifecycle_events.h"
#include "plugin_options.h"
#include "rule_engine.h"
#include "shadow_host.h"
#include "shadowsync/policy.h"
#include "shadowsync/registry.h"
#include "shadowsync/status.h"
#include "shadowsync/store.h"
#include "sqlite_store.h"

namespace shadowsync::mosquitto_plugin {

/// What the broker knows about a connection when it connects.
struct ConnectionInfo {
  /// The broker's handle of the connection (identity only, never read).
  const void* handle = nullptr;
  std::string client_id;
  std::string username;                 ///< empty when none
  std::string password;                 ///< empty when none; never logged
  std::string certificate_common_name;  ///< empty without a certificate
  std::string certificate_sha256;       ///< lowercase hex; empty without one
  std::string ip_address;               ///< empty when unknown
};

/// mosquitto's ACL access kinds.
enum class Access { kRead, kWrite, kSubscribe, kUnsubscribe };

/// An authorization outcome in mosquitto's terms.
enum class Verdict {
  kAllow,  ///< MOSQ_ERR_SUCCESS
  kDeny,   ///< MOSQ_ERR_AUTH at connect, MOSQ_ERR_ACL_DENIED otherwise
  kDefer,  ///< MOSQ_ERR_PLUGIN_DEFER: mosquitto's own settings decide
};

class InBrokerService {
 public:
  /// The shortest time between two snapshots of the rules' counters.
  static constexpr std::chrono::milliseconds kRuleStatsInterval{1000};

  /// Opens the store (and loads the seed file into it), reads the registry.
  /// Errors name the option and the file: kInvalidArgument for a malformed
  /// seed file or registry (with the JSON pointer), kFailedPrecondition or
  /// kNotFound for files that cannot be used. `broker` and `logger` are
  /// borrowed and must outlive the service.
  static Result<std::unique_ptr<InBrokerService>> Create(PluginOptions options, Broker& broker,
                                                         const cli::Logger& logger);
  ~InBrokerService();

  InBrokerService(const InBrokerService&) = delete;
  InBrokerService& operator=(const InBrokerService&) = delete;

  bool has_registry() const { return registry_ != nullptr; }

  Verdict OnConnect(const ConnectionInfo& connection);
  void OnDisconnect(const void* handle);
  Verdict OnAccess(const void* handle, Access access, std::string_view topic, bool retain);
  /// Handles `topic` when it is a shadow request (retained or not: the
  /// broker raises no event for retained replays); the message itself
  /// always continues to its subscribers.
  void OnMessage(const void* handle, std::string_view client_id, std::string_view topic,
                 std::string_view payload);
  /// The end of a broker loop pass: commits and releases held answers.
  void OnTick();
  /// Commits what is pending, writes the export file, logs the summary.
  /// Idempotent.
  void Stop();

  host::HostStats stats() const { return host_->stats(); }
  /// The rules engine, or null without plugin_opt_rules_dir (tests).
  host::RuleEngine* rules() { return rules_.get(); }

 private:
  struct Connection {
    ConnectionInfo info;
    SessionInfo session;
    Principal principal;
  };
  struct Held {
    ShadowTopic request;
    std::string inflight_key;  // empty: no in-flight slot taken
    std::vector<ServiceMessage> responses;
    std::chrono::steady_clock::time_point arrived;
    bool from_gateway = false;  // answered with REST semantics (gateway_requests.h)
  };

  InBrokerService(PluginOptions options, Broker& broker, const cli::Logger& logger);
  Status Open();
  Status OpenRules();
  // Publishes one of the service's own messages and feeds it to the rules.
  void Emit(const std::string& topic, const std::string& payload);
  void Answer(const ShadowTopic& request, std::vector<ServiceMessage> responses,
              std::chrono::steady_clock::time_point arrived, bool from_gateway);
  void PublishLifecycle(bool connected, const Connection& connection,
                        const std::optional<std::string>& reason);
  std::string DescribePrincipal(const Connection& connection) const;
  void PublishRuleStats();

  const PluginOptions options_;
  Broker& broker_;
  const cli::Logger& logger_;

  std::unique_ptr<host::SqliteStore> sqlite_;
  std::unique_ptr<host::GroupCommitStore> group_;
  std::unique_ptr<MemoryStore> memory_;
  std::unique_ptr<host::ShadowHost> host_;
  std::unique_ptr<Registry> registry_;
  std::string gateway_secret_;  // plugin_opt_gateway_secret_file; never logged
  std::unique_ptr<host::RuleEngine> rules_;
  std::string rule_stats_;  // the last snapshot published
  std::chrono::steady_clock::time_point rule_stats_at_{};

  std::vector<Held> held_;
  std::map<const void*, Connection> connections_;
  std::map<std::string, std::uint64_t> connect_counts_;  // versionNumber per client id
  bool stopped_ = false;
};

}  // namespace shadowsync::mosquitto_plugin

#endif  // SHADOWSYNC_SERVICE_MOSQUITTO_IN_BROKER_SERVICE_H_
