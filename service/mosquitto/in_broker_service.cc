// SPDX-License-Identifier: Apache-2.0

#include "in_broker_service.h"

#include <utility>

#include "gateway_identity.h"
#include "gateway_requests.h"
#include "named_shadow_list.h"
#include "open_table_sink.h"
#include "rule_loader.h"
#include "rule_stats.h"
#include "shadowsync/responses.h"
#include "shadowsync/shadow_error.h"
#include "shadowsync/update_request.h"
#include "store_file.h"
#include "table_writer.h"

namespace shadowsync::mosquitto_plugin {
namespace {

std::int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Timestamp NowSeconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Status WithOption(const char* option, const Status& status) {
  return Status(status.code(), std::string(option) + ": " + status.message());
}

}  // namespace

Result<std::unique_ptr<InBrokerService>> InBrokerService::Create(PluginOptions options,
                                                                 Broker& broker,
                                                                 const cli::Logger& logger) {
  std::unique_ptr<InBrokerService> service(new InBrokerService(std::move(options), broker, logger));
  Status opened = service->Open();
  if (!opened.ok()) return opened;
  return service;
}

InBrokerService::InBrokerService(PluginOptions options, Broker& broker, const cli::Logger& logger)
    : options_(std::move(options)), broker_(broker), logger_(logger) {}

InBrokerService::~InBrokerService() { Stop(); }

Status InBrokerService::Open() {
  Store* store = nullptr;
  if (!options_.store_path.empty()) {
    Result<std::unique_ptr<host::SqliteStore>> opened =
        host::SqliteStore::Open(options_.store_path);
    if (!opened.ok()) return WithOption("plugin_opt_store", opened.status());
    sqlite_ = std::move(opened).value();
    if (!options_.seed_file.empty()) {
      // Into the database, in one transaction, before anything is cached.
      Status loaded = host::LoadStoreFile(options_.seed_file, *sqlite_, NowSeconds());
      if (!loaded.ok()) return WithOption("plugin_opt_seed_file", loaded);
    }
    group_ = std::make_unique<host::GroupCommitStore>(*sqlite_);
    store = group_.get();
  } else {
    memory_ = std::make_unique<MemoryStore>();
    if (!options_.seed_file.empty()) {
      Status loaded = host::LoadStoreFile(options_.seed_file, *memory_, NowSeconds());
      if (!loaded.ok()) return WithOption("plugin_opt_seed_file", loaded);
    }
    store = memory_.get();
  }
  if (!options_.registry_path.empty()) {
    Result<Registry> registry = Registry::Load(options_.registry_path);
    if (!registry.ok()) return WithOption("plugin_opt_registry", registry.status());
    registry_ = std::make_unique<Registry>(std::move(registry).value());
  }
  if (!options_.gateway_secret_file.empty()) {
    Result<std::string> secret = host::LoadGatewaySecret(options_.gateway_secret_file);
    if (!secret.ok()) return WithOption("plugin_opt_gateway_secret_file", secret.status());
    gateway_secret_ = std::move(secret).value();
  }
  Status rules = OpenRules();
  if (!rules.ok()) return rules;
  host_ = std::make_unique<host::ShadowHost>(*store, logger_, options_.host);
  logger_.Info(
      std::string("shadow service ready: store=") +
      (options_.store_path.empty() ? std::string("memory")
                                   : options_.store_path + " (group commit)") +
      " order=" + host::PublishOrderName(options_.host.order) +
      " max_inflight=" + std::to_string(options_.host.max_inflight) + " max_requests_per_second=" +
      std::to_string(options_.host.service.max_requests_per_second_per_thing) + " registry=" +
      (registry_ ? options_.registry_path : std::string("none (everyone may do everything)")));
  return Status::Ok();
}

Status InBrokerService::OpenRules() {
  if (options_.rules_dir.empty()) {
    if (!options_.rules_table_store.empty()) {
      return InvalidArgumentError(
          "plugin_opt_rules_table_store: needs plugin_opt_rules_dir (no rules to write tables)");
    }
    return Status::Ok();
  }
  Result<std::vector<TopicRule>> rules = host::LoadRulesDir(options_.rules_dir);
  if (!rules.ok()) return WithOption("plugin_opt_rules_dir", rules.status());
  std::size_t disabled = 0;
  for (const TopicRule& rule : *rules) {
    if (rule.disabled) ++disabled;
    if (!rule.disabled && host::RuleWritesTables(rule) && options_.rules_table_store.empty()) {
      return InvalidArgumentError(
          "plugin_opt_rules_dir: rule " + rule.name +
          " writes a table (dynamoDBv2 or dynamoDB): set "
          "plugin_opt_rules_table_store to a SQLite file or a postgresql:// URI");
    }
  }
  std::unique_ptr<host::TableWriter> tables;
  if (!options_.rules_table_store.empty()) {
    Result<std::unique_ptr<host::TableSink>> sink = host::OpenTableSink(options_.rules_table_store);
    if (!sink.ok()) return WithOption("plugin_opt_rules_table_store", sink.status());
    tables = std::make_unique<host::TableWriter>(std::move(sink).value());
  }
  for (const TopicRule& rule : *rules) logger_.Info(host::DescribeRule(rule));
  logger_.Info("rules: " + std::to_string(rules->size()) + " loaded from " + options_.rules_dir +
               " (" + std::to_string(disabled) +
               " disabled); tables: " + (tables ? tables->Describe() : std::string("none")));
  rules_ = std::make_unique<host::RuleEngine>(
      std::move(rules).value(), std::move(tables),
      [this](const std::string& topic, const std::string& payload, int qos) {
        broker_.Publish(topic, payload, qos);
      },
      logger_);
  return Status::Ok();
}

void InBrokerService::Emit(const std::string& topic, const std::string& payload) {
  broker_.Publish(topic, payload, 1);
  if (rules_) rules_->OnMessage(host::RuleInput{topic, payload, {}, {}});
}

std::string InBrokerService::DescribePrincipal(const Connection& connection) const {
  const ConnectionInfo& info = connection.info;
  std::string out = "client=" + cli::Printable(info.client_id, 128);
  if (!info.certificate_common_name.empty()) {
    out += " cn=" + cli::Printable(info.certificate_common_name, 128);
  }
  if (!info.certificate_sha256.empty()) out += " sha256=" + info.certificate_sha256;
  if (!connection.principal.access_key_id.empty()) {
    out += " iam_access_key=" + connection.principal.access_key_id;
  } else if (info.certificate_common_name.empty() && info.certificate_sha256.empty()) {
    out += " (no certificate)";
  }
  return out;
}

Verdict InBrokerService::OnConnect(const ConnectionInfo& info) {
  Connection connection;
  connection.info = info;
  connection.principal.client_id = info.client_id;
  connection.principal.certificate_common_name = info.certificate_common_name;
  connection.principal.certificate_sha256 = info.certificate_sha256;
  // "iam:<key>": a WebSocket client whose SigV4 the gateway verified; only
  // the gateway knows the secret that proves it (gateway_identity.h).
  const std::string_view access_key = host::AccessKeyOfUsername(info.username);
  const bool vouched = !access_key.empty() && !gateway_secret_.empty() &&
                       host::GatewaySecretMatches(gateway_secret_, info.password);
  if (!access_key.empty() && !vouched) {
    if (registry_ || !gateway_secret_.empty()) {
      logger_.Info("denied " + DescribePrincipal(connection) + " action=iot:Connect: username \"" +
                   cli::Printable(info.username, 160) +
                   "\" is reserved for shadowsync-gateway and the password is not its secret" +
                   (gateway_secret_.empty() ? " (plugin_opt_gateway_secret_file is not set)" : ""));
      return Verdict::kDeny;
    }
  }
  if (vouched) connection.principal.access_key_id = std::string(access_key);
  if (registry_) {
    const AuthorizationDecision decision =
        registry_->Authorize(connection.principal, "iot:Connect", "client/" + info.client_id);
    if (!decision.allowed) {
      logger_.Info("denied " + DescribePrincipal(connection) +
                   " action=iot:Connect resource=client/" + cli::Printable(info.client_id, 128) +
                   ": " + decision.reason);
      return Verdict::kDeny;
    }
  }
  SessionInfo& session = connection.session;
  session.client_id = info.client_id;
  session.session_identifier = NewSessionIdentifier();
  session.principal_identifier = !info.certificate_sha256.empty() ? info.certificate_sha256
                                 : !info.username.empty()         ? info.username
                                                                  : std::string("anonymous");
  connection.info.password.clear();  // not kept beyond the check
  session.ip_address = info.ip_address;
  session.version_number = ++connect_counts_[info.client_id];
  PublishLifecycle(true, connection, std::nullopt);
  connections_[info.handle] = std::move(connection);
  return (registry_ || vouched) ? Verdict::kAllow : Verdict::kDefer;
}

void InBrokerService::OnDisconnect(const void* handle) {
  auto it = connections_.find(handle);
  if (it == connections_.end()) return;  // refused at connect: never connected
  std::optional<std::string> reason;
  // A newer connection with the same client id took this one over.
  if (connect_counts_[it->second.info.client_id] != it->second.session.version_number) {
    reason = "DUPLICATE_CLIENTID";
  }
  PublishLifecycle(false, it->second, reason);
  connections_.erase(it);
}

void InBrokerService::PublishLifecycle(bool connected, const Connection& connection,
                                       const std::optional<std::string>& reason) {
  const std::int64_t now = NowMs();
  const std::string payload = connected ? ConnectedPayload(connection.session, now)
                                        : DisconnectedPayload(connection.session, now, reason);
  Emit(LifecycleTopic(connected, connection.info.client_id), payload);
}

Verdict InBrokerService::OnAccess(const void* handle, Access access, std::string_view topic,
                                  bool retain) {
  if (!registry_) return Verdict::kDefer;
  if (access == Access::kUnsubscribe) return Verdict::kAllow;
  auto it = connections_.find(handle);
  if (it == connections_.end()) return Verdict::kDeny;
  const Connection& connection = it->second;
  const char* action = access == Access::kRead        ? "iot:Receive"
                       : access == Access::kSubscribe ? "iot:Subscribe"
                                                      : "iot:Publish";
  std::string resource = (access == Access::kSubscribe ? "topicfilter/" : "topic/");
  resource += topic;
  // IsAllowed does not build a reason: iot:Receive runs on every delivery.
  bool allowed = registry_->IsAllowed(connection.principal, action, resource);
  if (allowed && access == Access::kWrite && retain) {
    action = "iot:RetainPublish";
    allowed = registry_->IsAllowed(connection.principal, action, resource);
  }
  if (allowed) return Verdict::kAllow;
  const AuthorizationDecision decision =
      registry_->Authorize(connection.principal, action, resource);
  logger_.Info("denied " + DescribePrincipal(connection) + " action=" + action +
               " resource=" + cli::Printable(resource) + ": " + decision.reason);
  return Verdict::kDeny;
}

void InBrokerService::OnMessage(const void* handle, std::string_view client_id,
                                std::string_view topic, std::string_view payload) {
  if (stopped_) return;
  const auto arrived = std::chrono::steady_clock::now();
  if (rules_) {
    std::string_view principal;
    if (auto it = connections_.find(handle); it != connections_.end()) {
      const ConnectionInfo& info = it->second.info;
      principal = !info.certificate_common_name.empty()
                      ? std::string_view(info.certificate_common_name)
                      : std::string_view(info.username);
    }
    rules_->OnMessage(host::RuleInput{topic, payload, client_id, principal});
  }
  // MOSQ_EVT_MESSAGE fires for live PUBLISHes only, never for retained
  // replays or will messages: every one is a request, retained or not (T9,
  // 12a.12).
  // The gateway's ListNamedShadowsForThing (named_shadow_list.h); in store
  // mode it sees the shadows of this loop pass too, as a GET does.
  if (std::optional<std::string> thing = host::ParseListRequestTopic(topic)) {
    Store& store = group_ ? static_cast<Store&>(*group_) : static_cast<Store&>(*memory_);
    const ServiceMessage answer =
        host::AnswerListRequest(store, *thing, payload, std::chrono::system_clock::now());
    Emit(answer.topic, answer.payload);
    return;
  }
  // The gateway's requests come on a private twin of the request topic and
  // are answered with REST semantics (gateway_requests.h).
  const std::optional<std::string> gateway_topic = host::PublicTopicOfGatewayRequest(topic);
  const bool from_gateway = gateway_topic.has_value();
  if (from_gateway) topic = *gateway_topic;
  std::optional<ShadowTopic> request = host_->ParseRequest(topic, false, payload);
  if (!request) return;
  if (!group_) {
    Answer(*request, host_->Handle(*request, topic, payload), arrived, from_gateway);
    return;
  }
  // Store mode: hold the answers until this loop pass's commit (see the
  // header). L7 counts the held requests of this connection.
  (void)handle;
  Held held{*request, std::string(client_id), {}, arrived, from_gateway};
  if (host_->BeginInflight(held.inflight_key)) {
    held.responses = host_->Handle(*request, topic, payload);
  } else {
    held.responses.push_back(host_->Throttle(*request, payload));
    held.inflight_key.clear();
  }
  held_.push_back(std::move(held));
}

void InBrokerService::Answer(const ShadowTopic& request, std::vector<ServiceMessage> responses,
                             std::chrono::steady_clock::time_point arrived, bool from_gateway) {
  host_->LogRequest(request, responses, arrived);
  if (from_gateway) responses = host::ForGatewayRequest(std::move(responses));
  for (const ServiceMessage& message : responses) Emit(message.topic, message.payload);
}

void InBrokerService::OnTick() {
  if (rules_) {
    rules_->OnTick();
    PublishRuleStats();
  }
  if (held_.empty() || !group_) return;
  const Status committed = group_->Commit();
  if (!committed.ok()) {
    logger_.Error("store commit failed; answering the " + std::to_string(held_.size()) +
                  " requests of this pass with 500: " + committed.ToString());
  }
  std::vector<Held> held;
  held.swap(held_);
  for (Held& h : held) {
    if (!committed.ok()) {
      // What was computed never reached the disk: an accepted answer (and a
      // GET that may show the lost change) becomes 500.
      for (const ServiceMessage& m : h.responses) {
        if (m.suffix != Suffix::kAccepted) continue;
        const ClientToken token = ExtractClientToken(m.payload, options_.host.service.limits);
        Result<std::string> topic =
            BuildTopic(h.request.id, h.request.operation, Suffix::kRejected);
        const ShadowError error = shadow_errors::InternalFailure();
        h.responses = {ServiceMessage{topic.ok() ? std::move(topic).value() : std::string(),
                                      ErrorPayload(error, token), Suffix::kRejected, error.code}};
        break;
      }
    }
    Answer(h.request, std::move(h.responses), h.arrived, h.from_gateway);
    if (!h.inflight_key.empty()) host_->EndInflight(h.inflight_key);
  }
}

void InBrokerService::PublishRuleStats() {
  const auto now = std::chrono::steady_clock::now();
  if (!rule_stats_.empty() && now - rule_stats_at_ < kRuleStatsInterval) return;
  std::string stats = host::RuleStatsJson(*rules_);
  if (stats == rule_stats_) return;
  broker_.PublishRetained(host::kRuleStatsTopic, stats);
  rule_stats_ = std::move(stats);
  rule_stats_at_ = now;
}

void InBrokerService::Stop() {
  if (stopped_ || !host_) return;
  OnTick();  // what is pending reaches the disk; its answers are queued
  stopped_ = true;
  if (rules_) rules_->Stop();  // the table worker writes what it accepted
  if (!options_.export_file.empty()) {
    Store& store = group_ ? static_cast<Store&>(*group_) : static_cast<Store&>(*memory_);
    Status exported = host::ExportStoreFile(store, options_.export_file);
    if (exported.ok()) {
      logger_.Info("exported the store to " + options_.export_file);
    } else {
      logger_.Error("export to " + options_.export_file + " failed: " + exported.ToString());
    }
  }
  logger_.Info("stopped: " + host::StatsSummary(host_->stats()));
}

}  // namespace shadowsync::mosquitto_plugin
