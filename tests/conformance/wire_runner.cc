// SPDX-License-Identifier: Apache-2.0

#include "conformance/wire_runner.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string_view>
#include <system_error>
#include <utility>

#include "conformance/json_compare.h"
#include "conformance/shadow_vector.h"
#include "gateway/https_client.h"
#include "shadowsync/paho_transport.h"
#include "shadowsync/service.h"
#include "shadowsync/topic.h"
#include "support/plugin_environment.h"

namespace shadowsync::conformance {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::duration_cast;
using std::chrono::microseconds;
using std::chrono::milliseconds;

// Every response topic of every shadow, and nothing a client publishes to
// (a classic request topic has 5 levels, a named one 7).
constexpr const char* kResponseFilters[] = {"$aws/things/+/shadow/+/+",
                                            "$aws/things/+/shadow/name/+/+/+"};

// The sentinel's shadow when the vector's own names are invalid; it is never
// created, so the probe GET always gets a 404.
constexpr const char* kProbeThing = "shadowsync-conformance-probe";

std::int64_t WallSeconds() {
  return duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string Millis(microseconds us) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.1f", static_cast<double>(us.count()) / 1000.0);
  return buffer;
}

std::string Describe(const ShadowId& id) {
  return id.shadow ? "thing \"" + id.thing + "\", shadow \"" + *id.shadow + "\""
                   : "thing \"" + id.thing + "\", classic shadow";
}

// The clientToken of a JSON object payload, or "".
std::string TokenOf(const std::string& payload) {
  Result<JsonDocument> doc = ParseJson(payload);
  if (!doc.ok() || !doc->IsObject()) return "";
  auto it = doc->FindMember("clientToken");
  if (it == doc->MemberEnd() || !it->value.IsString()) return "";
  return std::string(it->value.GetString(), it->value.GetStringLength());
}

// The seed file for the vector's starting point, or "" when it starts with
// no shadow at all.
std::string SeedFileText(const ShadowVector& v) {
  const bool document = v.initial && v.initial->IsObject();
  if (!document && !v.initial_deleted_version) return "";
  JsonDocument seed(rapidjson::kObjectType);
  auto& a = seed.GetAllocator();
  JsonValue entry(rapidjson::kObjectType);
  entry.AddMember(
      "thing", JsonValue(v.id.thing.data(), static_cast<rapidjson::SizeType>(v.id.thing.size()), a),
      a);
  JsonValue shadow;  // null: classic
  if (v.id.shadow) {
    shadow.SetString(v.id.shadow->data(), static_cast<rapidjson::SizeType>(v.id.shadow->size()), a);
  }
  entry.AddMember("shadow", shadow, a);
  if (document) {
    entry.AddMember("document", JsonValue(*v.initial, a), a);
  } else {
    // No deleted_at: the emulator takes its load time, so the tombstone is
    // recent (L10), as in the in-process mode.
    entry.AddMember("deleted_version", JsonValue(*v.initial_deleted_version), a);
  }
  JsonValue shadows(rapidjson::kArrayType);
  shadows.PushBack(entry, a);
  seed.AddMember("shadows", shadows, a);
  return ToCompactJson(seed);
}

// The stored form (spec 4.7) inside a get/accepted answer (4.3): without
// state.delta, metadata.delta, timestamp and clientToken. Anything else is
// kept, so an unexpected key shows up in the comparison.
JsonDocument StoredFormOf(const JsonValue& get_accepted) {
  JsonDocument out(rapidjson::kObjectType);
  auto& a = out.GetAllocator();
  if (!get_accepted.IsObject()) {
    out.CopyFrom(get_accepted, a);
    return out;
  }
  for (const auto& m : get_accepted.GetObject()) {
    const std::string_view key(m.name.GetString(), m.name.GetStringLength());
    if (key == "timestamp" || key == "clientToken") continue;
    JsonValue value(m.value, a);
    if ((key == "state" || key == "metadata") && value.IsObject()) value.RemoveMember("delta");
    out.AddMember(JsonValue(m.name, a), value, a);
  }
  return out;
}

// A free loopback port (bound, read, closed).
Result<int> PickLoopbackPort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    if (fd >= 0) ::close(fd);
    return InternalError(std::string("cannot pick a loopback port: ") + std::strerror(errno));
  }
  ::close(fd);
  return static_cast<int>(ntohs(addr.sin_port));
}

// RFC 3986 percent-encoding of everything but the unreserved characters.
std::string PercentEncode(std::string_view text) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out += {'%', kHex[c >> 4], kHex[c & 15]};
    }
  }
  return out;
}

// The error type AWS's REST API sends in x-amzn-ErrorType for a status
// (platform notes §2), written out here rather than taken from the gateway.
std::string AwsErrorType(long status) {
  switch (status) {
    case 400:
      return "InvalidRequestException";
    case 401:
      return "UnauthorizedException";
    case 404:
      return "ResourceNotFoundException";
    case 405:
      return "MethodNotAllowedException";
    case 409:
      return "ConflictException";
    case 413:
      return "RequestEntityTooLargeException";
    case 415:
      return "UnsupportedDocumentEncodingException";
    case 429:
      return "ThrottlingException";
    case 500:
      return "InternalFailureException";
    case 503:
      return "ServiceUnavailableException";
    default:
      return "";
  }
}

// Whether `value` (an expected answer) carries a clientToken.
bool HasClientToken(const JsonValue& value) {
  return value.IsObject() && value.HasMember("clientToken");
}

}  // namespace

std::optional<std::string> RestSkipReason(const ShadowVector& v) {
  const Result<ShadowTopic> parsed = ParseTopic(v.topic);
  if (!parsed.ok() || !parsed->is_request()) {
    return "not a get/update/delete request topic of valid names (MQTT gives no answer, "
           "12a.10; over REST the gateway answers 400 itself)";
  }
  if (parsed->operation != Operation::kUpdate) {
    for (const char* kind : {"accepted", "rejected"}) {
      auto it = v.expect->FindMember(kind);
      if (it != v.expect->MemberEnd() && HasClientToken(it->value)) {
        return "the get/delete answer echoes a clientToken from the request body (P5); REST GET "
               "and DELETE have no body";
      }
    }
  }
  if (!v.expect->HasMember("accepted") && !v.expect->HasMember("rejected")) {
    return "no answer expected: nothing for an HTTP response to show";
  }
  return std::nullopt;
}

WireRunner::WireRunner(WireOptions options) : options_(std::move(options)) {}

WireRunner::~WireRunner() { Stop(); }

bool WireRunner::WorkersZero() const {
  if (plugin_mode()) return true;  // one loop pass at a time, in order
  std::string workers = "0";       // the runner's own --workers 0
  const std::vector<std::string>& args = options_.emulator_args;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--workers" && i + 1 < args.size()) {
      workers = args[++i];
    } else if (args[i].rfind("--workers=", 0) == 0) {
      workers = args[i].substr(std::strlen("--workers="));
    }
  }
  return workers == "0";
}

std::vector<std::string> WireRunner::EmulatorCommand(const std::string& seed_file) const {
  std::vector<std::string> argv = {options_.emulator, "--broker", options_.broker};
  if (!options_.ca_file.empty()) argv.insert(argv.end(), {"--ca", options_.ca_file});
  if (!options_.cert_file.empty()) argv.insert(argv.end(), {"--cert", options_.cert_file});
  if (!options_.key_file.empty()) argv.insert(argv.end(), {"--key", options_.key_file});
  argv.insert(argv.end(), {"--workers", "0"});
  if (!seed_file.empty()) argv.insert(argv.end(), {"--seed-file", seed_file});
  argv.insert(argv.end(), options_.emulator_args.begin(), options_.emulator_args.end());
  return argv;
}

Result<std::vector<std::string>> WireRunner::BrokerCommand(const std::string& seed_file) const {
  std::vector<std::string> lines = {
      "per_listener_settings false",
      "persistence false",
      "allow_anonymous true",
      // stderr: mosquitto's stdout is block-buffered on a pipe.
      "log_dest stderr",
      "log_type error",
      "log_type warning",
      "log_type notice",
      "log_type information",
      "set_tcp_nodelay true",
      "max_queued_messages 0",
      "plugin " + options_.plugin,
  };
  if (::geteuid() == 0) lines.push_back("user root");
  if (!seed_file.empty()) lines.push_back("plugin_opt_seed_file " + seed_file);
  for (const std::string& option : options_.plugin_options) lines.push_back("plugin_opt_" + option);
  const std::string port = options_.broker.substr(options_.broker.rfind(':') + 1);
  lines.push_back("listener " + port + " 127.0.0.1");
  lines.push_back("max_qos 1");
  const std::string path = work_dir_ + "/mosquitto.conf";
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  for (const std::string& line : lines) out << line << '\n';
  out.close();
  if (!out) return InternalError("cannot write " + path);
  // A sanitizer build's plugin needs its runtime preloaded into mosquitto.
  std::vector<std::string> command;
  const auto environment = testing_support::PluginBrokerEnvironment();
  if (!environment.empty()) {
    command.push_back("/usr/bin/env");
    for (const auto& [name, value] : environment) command.push_back(name + "=" + value);
  }
  command.insert(command.end(), {options_.mosquitto, "-c", path});
  return command;
}

Status WireRunner::ConnectClient() {
  MqttOptions mqtt;
  mqtt.server_uri = options_.broker;
  mqtt.client_id = "shadowsync-conformance-" + std::to_string(::getpid());
  mqtt.ca_file = options_.ca_file;
  mqtt.cert_file = options_.cert_file;
  mqtt.key_file = options_.key_file;
  Result<std::unique_ptr<Transport>> made = MakePahoTransport(mqtt);
  if (!made.ok()) return made.status();
  transport_ = std::move(made).value();
  transport_->SetHandlers([this](const MqttMessage& m) { OnMessage(m); },
                          [](ConnectionEvent, const Status&) {});
  if (Status s = transport_->Connect(); !s.ok()) return s;
  for (const char* filter : kResponseFilters) {
    if (Status s = transport_->Subscribe(filter, 1); !s.ok()) return s;
  }
  return Status::Ok();
}

void WireRunner::DisconnectClient() {
  if (!transport_) return;
  Status ignored = transport_->Disconnect();
  (void)ignored;
  transport_.reset();
}

Status WireRunner::Start() {
  if (plugin_mode()) {
    if (::access(options_.plugin.c_str(), R_OK) != 0) {
      return InvalidArgumentError("--plugin: " + options_.plugin + ": " + std::strerror(errno));
    }
    if (::access(options_.mosquitto.c_str(), X_OK) != 0) {
      return InvalidArgumentError("--mosquitto: " + options_.mosquitto + ": " +
                                  std::strerror(errno));
    }
    // A free loopback port, kept for the whole run.
    Result<int> port = PickLoopbackPort();
    if (!port.ok()) return port.status();
    options_.broker = "tcp://127.0.0.1:" + std::to_string(*port);
    emulator_.set_ready_marker(" running");
    if (https_mode()) {
      if (::access(options_.gateway.c_str(), X_OK) != 0) {
        return InvalidArgumentError("--gateway: " + options_.gateway + ": " + std::strerror(errno));
      }
      for (const auto& [flag, file] :
           {std::pair{"--https-ca", &options_.https_ca_file},
            std::pair{"--https-cert", &options_.https_cert_file},
            std::pair{"--https-key", &options_.https_key_file},
            std::pair{"--gateway-tls-cert", &options_.gateway_cert_file},
            std::pair{"--gateway-tls-key", &options_.gateway_key_file}}) {
        if (file->empty() || ::access(file->c_str(), R_OK) != 0) {
          return InvalidArgumentError(std::string(flag) + ": '" + *file +
                                      "' is not a readable file (the HTTPS mode needs it)");
        }
      }
      Result<int> https_port = PickLoopbackPort();
      if (!https_port.ok()) return https_port.status();
      gateway_port_ = *https_port;
      gateway_.set_ready_marker("listening: mTLS https://");
    }
  } else {
    if (options_.broker.empty()) return InvalidArgumentError("--broker: no broker URI");
    if (options_.emulator.empty()) return InvalidArgumentError("--emulator: no emulator binary");
    if (options_.emulator.find('/') == std::string::npos) {
      options_.emulator = "./" + options_.emulator;  // execv() does not search $PATH
    }
    if (::access(options_.emulator.c_str(), X_OK) != 0) {
      return InvalidArgumentError("--emulator: " + options_.emulator + ": " + std::strerror(errno));
    }
  }

  const char* tmp = std::getenv("TMPDIR");
  std::string pattern = std::string(tmp && *tmp ? tmp : "/tmp") + "/shadowsync-conformance-XXXXXX";
  if (::mkdtemp(pattern.data()) == nullptr) {
    return InternalError("mkdtemp " + pattern + ": " + std::strerror(errno));
  }
  work_dir_ = pattern;
  // Plugin mode connects per vector, to each vector's broker.
  return plugin_mode() ? Status::Ok() : ConnectClient();
}

Status WireRunner::StartGateway() {
  const std::vector<std::string> command = {options_.gateway,
                                            "--broker",
                                            options_.broker,
                                            "--client-id",
                                            "shadowsync-conformance-gateway",
                                            "--mtls-port",
                                            std::to_string(gateway_port_),
                                            "--tls-cert",
                                            options_.gateway_cert_file,
                                            "--tls-key",
                                            options_.gateway_key_file,
                                            "--client-ca",
                                            options_.https_ca_file};
  return gateway_.Start(command, options_.ready_timeout);
}

void WireRunner::ExchangeHttps(const ShadowVector& v, JsonComparator& comparator,
                               VectorResult* result) {
  const Result<ShadowTopic> parsed = ParseTopic(v.topic);  // RestSkipReason checked it
  const Operation op = parsed->operation;
  testing_support::HttpsCall call;
  call.method = op == Operation::kGet ? "GET" : op == Operation::kUpdate ? "POST" : "DELETE";
  call.url = "https://127.0.0.1:" + std::to_string(gateway_port_) + "/things/" +
             PercentEncode(v.id.thing) + "/shadow";
  if (v.id.shadow) call.url += "?name=" + PercentEncode(*v.id.shadow);
  if (op == Operation::kUpdate) call.body = v.payload;
  call.ca_file = options_.https_ca_file;
  call.cert_file = options_.https_cert_file;
  call.key_file = options_.https_key_file;
  const std::int64_t wall_before = WallSeconds();
  const testing_support::HttpsResult http = testing_support::CallHttps(call);
  const std::int64_t wall_after = WallSeconds();
  if (!http.error.empty()) {
    result->failures.push_back("HTTPS " + call.method + " " + call.url + ": " + http.error);
    return;
  }
  result->notes.push_back("HTTPS " + call.method + " " + call.url + " -> " +
                          std::to_string(http.status) + " " + http.body +
                          (http.Header("x-amzn-errortype").empty()
                               ? std::string()
                               : " (x-amzn-ErrorType " + http.Header("x-amzn-errortype") + ")"));
  auto rejected = v.expect->FindMember("rejected");
  const bool error = rejected != v.expect->MemberEnd();
  const JsonValue& expected = error ? rejected->value : (*v.expect)["accepted"];
  long want_status = 200;
  if (error) {
    want_status = 0;  // a rejected without a code fails the comparison below
    if (expected.IsObject()) {
      auto code = expected.FindMember("code");
      if (code != expected.MemberEnd() && code->value.IsInt()) want_status = code->value.GetInt();
    }
  }
  if (http.status != want_status) {
    result->failures.push_back("HTTP status: expected " + std::to_string(want_status) + ", got " +
                               std::to_string(http.status) + ": " + http.body);
  }
  Result<JsonDocument> body = ParseJson(http.body);
  if (!body.ok() || !body->IsObject()) {
    result->failures.push_back("HTTP body: not a JSON object: " + http.body);
    return;
  }
  JsonComparator::Options compare;
  compare.rules = &v.match;
  compare.error_document = error;
  for (const Mismatch& m : comparator.Compare(expected, *body, compare)) {
    result->failures.push_back("HTTP body: " + m.ToString());
  }
  if (!error) return;
  // AWS's REST error shape: a timestamp always, and the error type header.
  auto ts = body->FindMember("timestamp");
  if (ts == body->MemberEnd() || !ts->value.IsInt64()) {
    result->failures.push_back("HTTP body: an error without an integer timestamp: " + http.body);
  } else if (ts->value.GetInt64() < wall_before - 1 || ts->value.GetInt64() > wall_after + 1) {
    result->failures.push_back("HTTP body: timestamp " + std::to_string(ts->value.GetInt64()) +
                               " is not the time of the request (" + std::to_string(wall_before) +
                               " to " + std::to_string(wall_after) + ")");
  }
  const std::string type = AwsErrorType(want_status);
  if (http.Header("x-amzn-errortype") != type) {
    result->failures.push_back("x-amzn-ErrorType: expected \"" + type + "\", got \"" +
                               http.Header("x-amzn-errortype") + "\"");
  }
}

void WireRunner::Stop() {
  DisconnectClient();
  gateway_.Kill();
  emulator_.Kill();
  if (!work_dir_.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(work_dir_, ec);
    work_dir_.clear();
  }
}

void WireRunner::OnMessage(const MqttMessage& message) {
  std::lock_guard<std::mutex> lock(mu_);
  if (message.retained) {
    // Replayed by the broker when the runner subscribed, before any emulator
    // of this run started: not an answer to anything here. (A live message
    // arrives without the retain flag, so a retained response that this
    // run's emulator publishes is not hidden by this.)
    replayed_.push_back(message.topic + " " + message.payload);
    return;
  }
  inbox_.push_back(message);
  cv_.notify_all();
}

std::optional<MqttMessage> WireRunner::NextMessage(Clock::time_point deadline) {
  std::unique_lock<std::mutex> lock(mu_);
  if (!cv_.wait_until(lock, deadline, [this] { return !inbox_.empty(); })) return std::nullopt;
  MqttMessage m = std::move(inbox_.front());
  inbox_.pop_front();
  return m;
}

std::vector<MqttMessage> WireRunner::DrainInbox() {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<MqttMessage> out(inbox_.begin(), inbox_.end());
  inbox_.clear();
  return out;
}

VectorResult WireRunner::Run(const JsonValue& vector) {
  const Clock::time_point vector_start = Clock::now();
  VectorResult result;
  std::optional<ShadowVector> v = ParseShadowVector(vector, &result);
  if (!v) return result;
  if (https_mode()) {
    if (std::optional<std::string> reason = RestSkipReason(*v)) {
      result.skipped = *reason;
      return result;
    }
  }
  if (!transport_ && !(plugin_mode() && !work_dir_.empty())) {
    result.failures.push_back("wire mode: not started");
    return result;
  }

  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const std::string& m : replayed_) {
      result.notes.push_back("ignored a retained message the broker replayed: " + m);
    }
    replayed_.clear();
  }
  // Nothing may arrive after a sentinel's answer; whatever did belongs to
  // the previous vector's emulator, which is gone now.
  for (const MqttMessage& m : DrainInbox()) {
    result.failures.push_back("a message arrived after the previous vector's sentinel answer: " +
                              m.topic + " " + m.payload);
  }

  // 1. Seed and start the emulator.
  std::string seed_file;
  if (const std::string seed = SeedFileText(*v); !seed.empty()) {
    seed_file = work_dir_ + "/seed.json";
    std::ofstream out(seed_file, std::ios::binary | std::ios::trunc);
    out << seed;
    out.close();
    if (!out) {
      result.failures.push_back("cannot write the seed file " + seed_file);
      return result;
    }
    result.notes.push_back("seed file: " + seed);
  }
  const Clock::time_point start_begin = Clock::now();
  std::vector<std::string> command;
  if (plugin_mode()) {
    Result<std::vector<std::string>> broker = BrokerCommand(seed_file);
    if (!broker.ok()) {
      result.failures.push_back(broker.status().message());
      return result;
    }
    command = std::move(broker).value();
  } else {
    command = EmulatorCommand(seed_file);
  }
  if (Status s = emulator_.Start(command, options_.ready_timeout); !s.ok()) {
    result.failures.push_back("cannot start the emulator: " + s.message());
    return result;
  }
  if (plugin_mode()) {
    if (Status s = ConnectClient(); !s.ok()) {
      result.failures.push_back("cannot connect to the plugin's broker: " + s.ToString());
      emulator_.Kill();
      return result;
    }
  }
  if (https_mode()) {
    if (Status s = StartGateway(); !s.ok()) {
      result.failures.push_back("cannot start the gateway: " + s.message());
      DisconnectClient();
      emulator_.Kill();
      return result;
    }
  }
  const microseconds start_time = duration_cast<microseconds>(Clock::now() - start_begin);

  // 2. Where the sentinel goes, and whether its answer is an exact barrier.
  const bool names_valid = ValidateThingName(v->id.thing).ok() &&
                           (!v->id.shadow || ValidateShadowName(*v->id.shadow).ok());
  const ShadowId sentinel_id = names_valid ? v->id : ShadowId{kProbeThing, std::nullopt};
  const Result<ShadowTopic> parsed = ParseTopic(v->topic);
  const bool exact =
      WorkersZero() || (parsed.ok() && parsed->is_request() && parsed->id == sentinel_id);
  const std::string sentinel_topic = BuildTopic(sentinel_id, Operation::kGet).value();
  const std::string token = "conformance-sentinel-" + std::to_string(::getpid()) + "-" +
                            std::to_string(++sentinel_counter_);
  const std::string sentinel_payload = "{\"clientToken\":\"" + token + "\"}";
  // A request topic our own subscriptions match comes back to us once.
  bool echo_pending = false;
  for (const char* filter : kResponseFilters) {
    if (TopicMatchesFilter(filter, v->topic)) echo_pending = true;
  }

  // 3. The request, then the sentinel, then collect until its answer.
  const std::int64_t wall_before = WallSeconds();
  const Clock::time_point exchange_begin = Clock::now();
  std::vector<ServiceMessage> published;
  std::optional<MqttMessage> answer;
  std::string arrivals;  // ms after the request's publish, in arrival order
  // One comparator for the whole vector: every "<ts>" is one value.
  JsonComparator comparator;
  if (https_mode()) {
    // The request over HTTPS; its answer is complete before the sentinel
    // goes out, so the sentinel is still a barrier for what it published.
    ExchangeHttps(*v, comparator, &result);
    echo_pending = false;
  }
  if (Status s = https_mode() ? Status::Ok() : transport_->Publish(v->topic, v->payload, 1);
      !s.ok()) {
    result.failures.push_back("cannot publish the request: " + s.ToString());
  } else if (Status s2 = transport_->Publish(sentinel_topic, sentinel_payload, 1); !s2.ok()) {
    result.failures.push_back("cannot publish the sentinel GET: " + s2.ToString());
  } else {
    const Clock::time_point deadline = exchange_begin + options_.answer_timeout;
    while (!answer) {
      std::optional<MqttMessage> m = NextMessage(deadline);
      if (!m) break;
      arrivals += " " + Millis(duration_cast<microseconds>(Clock::now() - exchange_begin));
      if ((m->topic == sentinel_topic + "/accepted" || m->topic == sentinel_topic + "/rejected") &&
          TokenOf(m->payload) == token) {
        answer = std::move(m);
        break;
      }
      if (echo_pending && m->topic == v->topic && m->payload == v->payload) {
        echo_pending = false;  // our own request, back through our subscription
        continue;
      }
      published.push_back({m->topic, m->payload});
    }
    if (!answer) {
      result.failures.push_back("no answer to the sentinel GET on " + sentinel_topic +
                                " (clientToken " + token + ") within " +
                                std::to_string(options_.answer_timeout.count()) +
                                " ms; the checks below use the messages that did arrive");
    }
  }
  const microseconds exchange_time = duration_cast<microseconds>(Clock::now() - exchange_begin);
  if (answer && !exact) {
    // Ordering holds per shadow only (the emulator has workers) and the
    // sentinel could not go to the request's shadow: a bounded wait.
    const Clock::time_point until = Clock::now() + options_.silence;
    while (std::optional<MqttMessage> m = NextMessage(until)) {
      published.push_back({m->topic, m->payload});
    }
    result.notes.push_back("no exact barrier (the emulator has workers and the sentinel went to " +
                           Describe(sentinel_id) + "): waited " +
                           std::to_string(options_.silence.count()) +
                           " ms after the sentinel's answer");
  }
  const std::int64_t wall_after = WallSeconds();

  // 4. End the emulator; its log is the vector's story.
  if (plugin_mode()) DisconnectClient();
  if (https_mode()) {
    if (const std::string ended = gateway_.Kill(); !ended.empty()) {
      result.failures.push_back("the gateway " + ended + " during the vector");
    }
    for (const std::string& line : gateway_.TakeLines()) {
      result.notes.push_back("gateway: " + line);
    }
  }
  if (const std::string ended = emulator_.Kill(); !ended.empty()) {
    result.failures.push_back("the emulator " + ended + " during the vector");
  }

  // The checks, as in the in-process mode.
  if (https_mode()) {
    // What devices see of a REST call: the $aws messages without /rejected
    // (a REST error is HTTP-only), with the gateway's clientToken.
    ShadowVector on_mqtt = *v;
    JsonDocument expect_on_mqtt;
    expect_on_mqtt.CopyFrom(*v->expect, expect_on_mqtt.GetAllocator());
    if (expect_on_mqtt.RemoveMember("rejected")) on_mqtt.expect_not_published.insert("rejected");
    on_mqtt.expect = &expect_on_mqtt;
    on_mqtt.match.Add("clientToken", MatchRule::kIgnore);
    CheckPublished(on_mqtt, published, comparator, &result);
  } else {
    CheckPublished(*v, published, comparator, &result);
  }
  if (answer) {
    result.notes.push_back("sentinel answer " + answer->topic + " " + answer->payload);
  }
  result.notes.push_back(
      "arrivals (ms after the request was published, the sentinel's answer "
      "last):" +
      arrivals);

  if (!names_valid) {
    if (!v->state_after->IsNull()) {
      result.failures.push_back(
          "state_after: cannot be checked over the wire: the vector's thing or shadow name is "
          "invalid, so no GET can reach the shadow");
    } else {
      result.notes.push_back(
          "state_after (null) not checked over the wire: invalid name, no GET can reach it");
    }
  } else if (answer) {
    Result<JsonDocument> doc = ParseJson(answer->payload);
    const bool accepted = answer->topic == sentinel_topic + "/accepted";
    if (!doc.ok() || !doc->IsObject()) {
      result.failures.push_back("state_after: the sentinel GET's answer is not a JSON object: " +
                                answer->payload);
    } else if (accepted) {
      if (v->state_after->IsNull()) {
        result.failures.push_back(
            "state_after: expected no live shadow, but the sentinel GET was accepted: " +
            answer->payload);
      } else {
        const JsonDocument stored = StoredFormOf(*doc);
        CheckStateAfterDocument(*v, stored, ToCompactJson(stored),
                                "document (the sentinel GET's answer without delta, timestamp "
                                "and clientToken)",
                                comparator, &result);
      }
    } else {
      auto code = doc->FindMember("code");
      const bool not_found =
          code != doc->MemberEnd() && code->value.IsInt() && code->value.GetInt() == 404;
      if (!not_found) {
        result.failures.push_back(
            "state_after: the sentinel GET was rejected with something other than 404: " +
            answer->payload);
      } else if (!v->state_after->IsNull()) {
        result.failures.push_back(
            "state_after: expected a live shadow, but the sentinel GET was rejected: " +
            answer->payload);
      }
    }
  }

  // Timestamps the request created are the time it was handled (spec 4).
  if (comparator.timestamp()) {
    const std::int64_t ts = *comparator.timestamp();
    result.notes.push_back("\"<ts>\" bound to " + std::to_string(ts));
    if (ts < wall_before - 1 || ts > wall_after + 1) {
      result.failures.push_back("\"<ts>\" is " + std::to_string(ts) +
                                ", but the request was handled between " +
                                std::to_string(wall_before) + " and " + std::to_string(wall_after) +
                                " (epoch seconds; 1 s allowed)");
    }
  }

  for (const std::string& line : emulator_.TakeLines()) result.notes.push_back("emulator: " + line);

  const microseconds total = duration_cast<microseconds>(Clock::now() - vector_start);
  result.notes.push_back("timing: emulator start " + Millis(start_time) + " ms, exchange " +
                         Millis(exchange_time) + " ms, vector " + Millis(total) + " ms");
  ++stats_.vectors;
  stats_.emulator_start_total += start_time;
  stats_.emulator_start_max = std::max(stats_.emulator_start_max, start_time);
  stats_.exchange_total += exchange_time;
  stats_.exchange_max = std::max(stats_.exchange_max, exchange_time);
  stats_.vector_total += total;
  stats_.vector_max = std::max(stats_.vector_max, total);
  return result;
}

std::string WireRunner::StatsLine() const {
  const WireStats& s = stats_;
  if (s.vectors == 0) return "wire: no shadow vectors ran";
  const auto n = static_cast<long long>(s.vectors);
  auto avg = [n](microseconds total) { return Millis(microseconds(total.count() / n)); };
  char seconds[32];
  std::snprintf(seconds, sizeof seconds, "%.2f", static_cast<double>(s.vector_total.count()) / 1e6);
  return "wire: " + std::to_string(s.vectors) + " shadow vectors in " + seconds +
         " s; per vector avg " + avg(s.vector_total) + " ms (max " + Millis(s.vector_max) +
         "): emulator start avg " + avg(s.emulator_start_total) + " ms (max " +
         Millis(s.emulator_start_max) + "), exchange avg " + avg(s.exchange_total) + " ms (max " +
         Millis(s.exchange_max) + ")";
}

}  // namespace shadowsync::conformance
