// SPDX-License-Identifier: Apache-2.0
#include "console.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <unistd.h>

#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "console_server.h"
#include "shadow_requester.h"
#include "shadowsync/json.h"
#include "shadowsync/mutex.h"
#include "shadowsync/registry.h"
#include "shadowsync/topic.h"
#include "things_index.h"

#ifndef SHADOWSYNC_CONSOLE_WEB_DIR
#define SHADOWSYNC_CONSOLE_WEB_DIR ""
#endif
#ifndef SHADOWSYNC_CONSOLE_SOURCE_WEB_DIR
#define SHADOWSYNC_CONSOLE_SOURCE_WEB_DIR ""
#endif

namespace shadowsync::console {
namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;
using gateway::ShadowAnswer;
using gateway::ShadowRequester;

constexpr std::size_t kMaxFiltersPerPage = 32;
constexpr std::size_t kMaxClientFilters = 256;

std::int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string JsonString(const std::string& text) {
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  w.String(text.data(), static_cast<rapidjson::SizeType>(text.size()));
  return buffer.GetString();
}

HttpResponse Json(int status, std::string body) {
  HttpResponse response;
  response.status = status;
  response.body = std::move(body);
  return response;
}

HttpResponse Error(int status, const std::string& message) {
  return Json(status,
              "{\"code\":" + std::to_string(status) + ",\"message\":" + JsonString(message) + "}");
}

bool ReadFile(const std::string& path, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream text;
  text << in.rdbuf();
  *out = text.str();
  return true;
}

const char* ContentType(const std::string& name) {
  auto ends = [&](const char* suffix) {
    const std::string s(suffix);
    return name.size() >= s.size() && name.compare(name.size() - s.size(), s.size(), s) == 0;
  };
  if (ends(".html")) return "text/html; charset=utf-8";
  if (ends(".js")) return "text/javascript; charset=utf-8";
  if (ends(".css")) return "text/css; charset=utf-8";
  if (ends(".svg")) return "image/svg+xml";
  if (ends(".png")) return "image/png";
  return "application/octet-stream";
}

// A file name the server may serve: letters, digits, '.', '-', '_', no "..".
bool SafeFileName(const std::string& name) {
  if (name.empty() || name[0] == '.') return false;
  for (char c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '-' && c != '_') {
      return false;
    }
  }
  return true;
}

std::string MessageJson(const MqttMessage& message, std::int64_t now_ms) {
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  w.StartObject();
  w.Key("type");
  w.String("mqtt");
  w.Key("time");
  w.Int64(now_ms);
  w.Key("topic");
  w.String(message.topic.data(), static_cast<rapidjson::SizeType>(message.topic.size()));
  w.Key("qos");
  w.Int(message.qos);
  w.Key("retained");
  w.Bool(message.retained);
  w.Key("payload");
  // Bytes that are not UTF-8 are shown as a note, not as text.
  if (IsValidUtf8(message.payload)) {
    w.String(message.payload.data(), static_cast<rapidjson::SizeType>(message.payload.size()));
  } else {
    const std::string note = "(" + std::to_string(message.payload.size()) + " bytes, not UTF-8)";
    w.String(note.data(), static_cast<rapidjson::SizeType>(note.size()));
  }
  w.EndObject();
  return buffer.GetString();
}

}  // namespace

struct Console::Parts {
  const ConsoleOptions* options = nullptr;
  std::string web_dir;
  std::unique_ptr<HistoryStore> history;
  std::unique_ptr<Registry> registry;
  ThingsIndex index;
  std::unique_ptr<Transport> transport;  // the index and the shadow requests
  std::unique_ptr<Transport> client;     // the page's MQTT test client
  std::unique_ptr<ShadowRequester> requester;
  std::unique_ptr<ConsoleServer> server;
  std::string console_client_id;
  std::string test_client_id;

  struct Page {
    std::shared_ptr<WebSocketPeer> peer;
    std::set<std::string> filters;
  };
  Mutex mu;
  std::map<std::uint64_t, Page> pages SHADOWSYNC_GUARDED_BY(mu);
  std::set<std::string> client_filters SHADOWSYNC_GUARDED_BY(mu);  // subscribed on `client`

  /// Answers one HTTP request (the routes of docs/console.md).
  void Handle(HttpRequest request, HttpResponder respond);
  void HandleShadow(const HttpRequest& request, HttpResponder respond);
  void HandleHistory(const HttpRequest& request, HttpResponder respond);
  void HandlePublish(const HttpRequest& request, HttpResponder respond);
  void HandleRegistry(const HttpRequest& request, HttpResponder respond);
  void ServeFile(const std::string& dir, const std::string& name, HttpResponder respond);

  void Broadcast(const std::string& text) {
    MutexLock lock(mu);
    for (auto& [id, page] : pages) page.peer->Send(text);
  }

  void OnShadowTraffic(const MqttMessage& message,
                       const std::function<void(const std::string&)>& log) {
    requester->OnMessage(message);
    const std::int64_t now = NowMs();
    std::optional<IndexChange> change = index.OnMessage(message.topic, message.payload, now);
    if (!change) return;
    if (!change->readings.empty() && history) {
      Status recorded = history->Record(change->thing, change->shadow, now, change->readings);
      if (!recorded.ok()) log("console: " + recorded.message());
    }
    std::string push = "{\"type\":\"thing\",\"thing\":" + change->summary_json;
    if (!change->activity_json.empty()) {
      push +=
          ",\"shadow\":" + JsonString(change->shadow) + ",\"activity\":" + change->activity_json;
    }
    Broadcast(push + "}");
  }

  void OnClientMessage(const MqttMessage& message) {
    const std::string text = MessageJson(message, NowMs());
    MutexLock lock(mu);
    for (auto& [id, page] : pages) {
      for (const std::string& filter : page.filters) {
        if (TopicMatchesFilter(filter, message.topic)) {
          page.peer->Send(text);
          break;
        }
      }
    }
  }

  void OnPageMessage(const std::shared_ptr<WebSocketPeer>& peer, const std::string& text) {
    Result<JsonDocument> doc = ParseJson(text);
    auto reply_error = [&](const std::string& message) {
      peer->Send("{\"type\":\"error\",\"message\":" + JsonString(message) + "}");
    };
    if (!doc.ok() || !doc->IsObject() || !doc->HasMember("op") || !(*doc)["op"].IsString() ||
        !doc->HasMember("filter") || !(*doc)["filter"].IsString()) {
      reply_error("expected {\"op\":\"subscribe\"|\"unsubscribe\",\"filter\":\"...\"}");
      return;
    }
    const std::string op = (*doc)["op"].GetString();
    const std::string filter = (*doc)["filter"].GetString();
    if (!IsValidTopicFilter(filter)) {
      reply_error("invalid topic filter \"" + filter + "\"");
      return;
    }
    MutexLock lock(mu);
    auto page = pages.find(peer->id());
    if (page == pages.end()) return;
    if (op == "unsubscribe") {
      page->second.filters.erase(filter);
      peer->Send("{\"type\":\"unsubscribed\",\"filter\":" + JsonString(filter) + "}");
      return;
    }
    if (op != "subscribe") {
      reply_error("unknown op \"" + op + "\"");
      return;
    }
    if (page->second.filters.size() >= kMaxFiltersPerPage) {
      reply_error("at most " + std::to_string(kMaxFiltersPerPage) + " filters per page");
      return;
    }
    if (!client_filters.count(filter)) {
      if (client_filters.size() >= kMaxClientFilters) {
        reply_error("the console's test client has too many filters; restart the gateway");
        return;
      }
      // Subscribe() waits for the SUBACK, which the transport delivers on
      // the thread that also runs OnClientMessage(): never wait holding `mu`.
      // The transport renews its subscriptions after a reconnect; there is
      // no unsubscribe, so a filter stays until the gateway stops (bounded).
      lock.Unlock();
      Status subscribed = client->Subscribe(filter, 1);
      if (!subscribed.ok()) {
        reply_error("subscribe to " + filter + ": " + subscribed.message());
        return;
      }
      lock.Lock();
      client_filters.insert(filter);
      page = pages.find(peer->id());
      if (page == pages.end()) return;  // the page closed meanwhile
    }
    page->second.filters.insert(filter);
    peer->Send("{\"type\":\"subscribed\",\"filter\":" + JsonString(filter) + "}");
  }
};

Console::Console(ConsoleOptions options, std::function<void(const std::string&)> log)
    : options_(std::move(options)), log_(std::move(log)) {}

Console::~Console() { Stop(); }

int Console::port() const { return parts_ ? parts_->server->port() : 0; }

std::string Console::url() const {
  const std::string host = options_.address.find(':') != std::string::npos
                               ? "[" + options_.address + "]"
                               : options_.address;
  return "http://" + host + ":" + std::to_string(port()) + "/";
}

namespace {

// The shadow named by ?thing=&name= as a ShadowId; an error response when
// the names are invalid.
std::optional<HttpResponse> ShadowFromQuery(const std::string& query, ShadowId* id) {
  id->thing = QueryParameter(query, "thing");
  const std::string name = QueryParameter(query, "name");
  if (!name.empty()) id->shadow = name;
  Result<std::string> prefix = ShadowTopicPrefix(*id);
  if (!prefix.ok()) return Error(400, "?thing=&name=: " + prefix.status().message());
  return std::nullopt;
}

// The service's answer as an HTTP response: accepted 200, rejected its code.
HttpResponse FromAnswer(const Result<ShadowAnswer>& answer) {
  if (!answer.ok()) {
    return Error(answer.status().code() == StatusCode::kTimeout ? 504 : 503,
                 answer.status().message());
  }
  int status = 200;
  if (!answer->accepted) {
    status = 500;
    Result<JsonDocument> doc = ParseJson(answer->payload);
    if (doc.ok() && doc->IsObject() && doc->HasMember("code") && (*doc)["code"].IsInt()) {
      status = (*doc)["code"].GetInt();
    }
  }
  return Json(status, answer->payload);
}

}  // namespace

Status Console::Start() {
  if (parts_) return Status(StatusCode::kFailedPrecondition, "the console is already started");
  if (!IsLoopbackAddress(options_.address) && options_.token.empty()) {
    return Status(StatusCode::kInvalidArgument,
                  "--console-token: required to bind the console to " + options_.address +
                      " (not loopback); or bind it to 127.0.0.1");
  }
  auto parts = std::make_unique<Parts>();
  Parts* p = parts.get();
  parts->options = &options_;

  parts->web_dir = options_.web_dir;
  if (parts->web_dir.empty()) {
    std::string probe;
    parts->web_dir =
        ReadFile(std::string(SHADOWSYNC_CONSOLE_SOURCE_WEB_DIR) + "/index.html", &probe)
            ? SHADOWSYNC_CONSOLE_SOURCE_WEB_DIR
            : SHADOWSYNC_CONSOLE_WEB_DIR;
  }
  {
    std::string probe;
    if (!ReadFile(parts->web_dir + "/index.html", &probe)) {
      return Status(StatusCode::kNotFound,
                    "--console-web-dir: no index.html in \"" + parts->web_dir + "\"");
    }
  }
  if (!options_.history.path.empty()) {
    Result<std::unique_ptr<HistoryStore>> history = HistoryStore::Open(options_.history);
    if (!history.ok())
      return Status(history.status().code(), "--history: " + history.status().message());
    parts->history = std::move(history).value();
    Result<std::vector<std::pair<std::string, std::string>>> known = parts->history->Shadows();
    if (known.ok()) {
      for (const auto& [thing, shadow] : *known) parts->index.Touch(thing, shadow);
    }
  }
  if (!options_.registry_file.empty()) {
    Result<Registry> registry = Registry::Load(options_.registry_file);
    if (!registry.ok())
      return Status(registry.status().code(), "--registry: " + registry.status().message());
    parts->registry = std::make_unique<Registry>(std::move(registry).value());
    for (const RegistryCertificate& certificate : parts->registry->certificates()) {
      if (certificate.thing) parts->index.TouchThing(certificate.thing->name);
    }
  }

  MqttOptions mqtt = options_.mqtt;
  mqtt.client_id = options_.mqtt.client_id + "-console";
  parts->console_client_id = mqtt.client_id;
  Result<std::unique_ptr<Transport>> transport = MakePahoTransport(mqtt);
  if (!transport.ok())
    return Status(transport.status().code(), "broker: " + transport.status().message());
  parts->transport = std::move(transport).value();
  mqtt.client_id = options_.mqtt.client_id + "-console-client";
  parts->test_client_id = mqtt.client_id;
  Result<std::unique_ptr<Transport>> client = MakePahoTransport(mqtt);
  if (!client.ok()) return Status(client.status().code(), "broker: " + client.status().message());
  parts->client = std::move(client).value();
  parts->requester = std::make_unique<ShadowRequester>(*parts->transport, options_.request_timeout);

  auto log = log_;
  parts->transport->SetHandlers(
      [p, log](const MqttMessage& message) { p->OnShadowTraffic(message, log); },
      [log](ConnectionEvent event, const Status& cause) {
        if (event == ConnectionEvent::kConnectionLost) {
          log("console: broker connection lost (" + cause.message() + ")");
        }
      });
  parts->client->SetHandlers([p](const MqttMessage& message) { p->OnClientMessage(message); },
                             [](ConnectionEvent, const Status&) {});
  Status connected = parts->transport->Connect();
  if (connected.ok()) connected = parts->client->Connect();
  if (!connected.ok()) return Status(connected.code(), "broker: " + connected.message());
  for (const char* filter : {"$aws/things/+/shadow/#", "$aws/events/#"}) {
    Status subscribed = parts->transport->Subscribe(filter, 1);
    if (!subscribed.ok()) {
      return Status(subscribed.code(),
                    std::string("broker: subscribe to ") + filter + ": " + subscribed.message());
    }
  }
  parts->requester->Start();

  ConsoleServerOptions server;
  server.address = options_.address;
  server.port = options_.port;
  server.access.token = options_.token;
  ConsoleServerHandlers handlers;
  handlers.http = [p](HttpRequest request, HttpResponder respond) {
    p->Handle(std::move(request), std::move(respond));
  };
  handlers.ws_open = [p](std::shared_ptr<WebSocketPeer> peer) {
    peer->Send("{\"type\":\"hello\"}");
    MutexLock lock(p->mu);
    p->pages[peer->id()] = Parts::Page{peer, {}};
  };
  handlers.ws_message = [p](const std::shared_ptr<WebSocketPeer>& peer, const std::string& text) {
    p->OnPageMessage(peer, text);
  };
  handlers.ws_close = [p](const std::shared_ptr<WebSocketPeer>& peer) {
    MutexLock lock(p->mu);
    p->pages.erase(peer->id());
  };
  parts->server = std::make_unique<ConsoleServer>(server, std::move(handlers), log_);
  Status serving = parts->server->Start();
  if (!serving.ok()) {
    parts->requester->Stop();
    (void)parts->client->Disconnect();
    (void)parts->transport->Disconnect();
    return Status(serving.code(), "--console-port: " + serving.message());
  }
  parts_ = std::move(parts);
  log_("console: " + url() +
       (options_.token.empty() ? " (loopback, no token)" : " (token required)") + ", history " +
       (options_.history.path.empty() ? "off" : options_.history.path));
  return Status();
}

void Console::Stop() {
  if (!parts_) return;
  parts_->server->Stop();
  parts_->requester->Stop();
  (void)parts_->client->Disconnect();
  (void)parts_->transport->Disconnect();
  {
    MutexLock lock(parts_->mu);
    parts_->pages.clear();
  }
  parts_.reset();
}

void Console::Parts::ServeFile(const std::string& dir, const std::string& name,
                               HttpResponder respond) {
  std::string body;
  if (!SafeFileName(name) || !ReadFile(dir + "/" + name, &body)) {
    respond(Error(404, "no file /" + name));
    return;
  }
  HttpResponse response;
  response.content_type = ContentType(name);
  response.body = std::move(body);
  // No script, style or connection from anywhere else: the page works offline.
  response.headers.emplace_back("Content-Security-Policy",
                                "default-src 'self'; connect-src 'self'; img-src 'self' data:; "
                                "style-src 'self' 'unsafe-inline'; frame-ancestors 'none'");
  respond(std::move(response));
}

void Console::Parts::Handle(HttpRequest request, HttpResponder respond) {
  const std::string& path = request.path;
  const bool get = request.method == "GET" || request.method == "HEAD";
  if (path == "/" || path == "/index.html") {
    if (!get) return respond(Error(405, "GET " + path));
    return ServeFile(web_dir, "index.html", std::move(respond));
  }
  if (path.rfind("/vendor/", 0) == 0) {
    if (!get) return respond(Error(405, "GET " + path));
    return ServeFile(options->chart_dir, path.substr(8), std::move(respond));
  }
  if (path.rfind("/api/", 0) != 0) {
    if (!get) return respond(Error(405, "GET " + path));
    return ServeFile(web_dir, path.substr(1), std::move(respond));
  }
  if (path == "/api/things") {
    if (!get) return respond(Error(405, "GET /api/things"));
    return respond(Json(200, index.ThingsJson()));
  }
  if (path == "/api/shadow") return HandleShadow(request, std::move(respond));
  if (path == "/api/activity") {
    ShadowId id;
    if (auto bad = ShadowFromQuery(request.query, &id)) return respond(std::move(*bad));
    return respond(Json(200, index.ActivityJson(id.thing, id.shadow.value_or(""))));
  }
  if (path == "/api/history" || path == "/api/history/leaves") {
    return HandleHistory(request, std::move(respond));
  }
  if (path == "/api/publish") return HandlePublish(request, std::move(respond));
  if (path == "/api/registry" || path == "/api/authorize") {
    return HandleRegistry(request, std::move(respond));
  }
  if (path == "/api/info") {
    rapidjson::StringBuffer buffer;
    Writer w(buffer);
    w.StartObject();
    w.Key("broker");
    w.String(options->mqtt.server_uri.c_str());
    w.Key("consoleClientId");
    w.String(console_client_id.c_str());
    w.Key("testClientId");
    w.String(test_client_id.c_str());
    w.Key("history");
    w.Bool(history != nullptr);
    w.Key("historyMaxAgeSeconds");
    w.Int64(options->history.max_age.count());
    w.Key("historyMaxRows");
    w.Int64(options->history.max_rows);
    w.Key("registry");
    w.Bool(registry != nullptr);
    w.EndObject();
    return respond(Json(200, buffer.GetString()));
  }
  respond(Error(404, "no route " + path));
}

void Console::Parts::HandleShadow(const HttpRequest& request, HttpResponder respond) {
  ShadowId id;
  if (auto bad = ShadowFromQuery(request.query, &id)) return respond(std::move(*bad));
  const std::string prefix = *ShadowTopicPrefix(id);
  const std::string token = requester->NewToken();
  std::string topic;
  std::string payload;
  if (request.method == "GET") {
    topic = prefix + "/get";
    payload = "{\"clientToken\":" + JsonString(token) + "}";
  } else if (request.method == "DELETE") {
    topic = prefix + "/delete";
    payload = "{\"clientToken\":" + JsonString(token);
    const std::string version = QueryParameter(request.query, "version");
    if (!version.empty()) {
      if (version.find_first_not_of("0123456789") != std::string::npos || version.size() > 19) {
        return respond(Error(400, "?version=: not a version number: " + version));
      }
      payload += ",\"version\":" + version;
    }
    payload += "}";
  } else if (request.method == "POST") {
    Result<JsonDocument> doc = ParseJson(request.body);
    if (!doc.ok()) return respond(Error(400, "the update document: " + doc.status().message()));
    if (!doc->IsObject()) return respond(Error(400, "the update document: not a JSON object"));
    doc->RemoveMember("clientToken");
    doc->AddMember("clientToken", rapidjson::Value(token.c_str(), doc->GetAllocator()),
                   doc->GetAllocator());
    topic = prefix + "/update";
    payload = ToCompactJson(*doc);
  } else {
    return respond(Error(405, "GET, POST or DELETE /api/shadow"));
  }
  const bool update = request.method == "POST";
  ShadowRequester* req = requester.get();
  Status sent = requester->Request(
      topic, token, payload, [respond, update, req, prefix](Result<ShadowAnswer> answer) {
        HttpResponse response = FromAnswer(answer);
        if (!update || response.status != 409) return respond(std::move(response));
        // A version conflict: answer with the fresh document, for the rebase.
        const std::string get_token = req->NewToken();
        const std::string rejection = response.body;
        Status again = req->Request(
            prefix + "/get", get_token, "{\"clientToken\":" + JsonString(get_token) + "}",
            [respond, rejection](Result<ShadowAnswer> current) {
              std::string body = rejection;
              if (!body.empty() && body.back() == '}') {
                body.pop_back();
                body += ",\"current\":";
                body += current.ok() && current->accepted ? current->payload : "null";
                body += "}";
              }
              respond(Json(409, body));
            });
        if (!again.ok()) respond(std::move(response));
      });
  if (!sent.ok()) respond(Error(503, "broker: " + sent.message()));
}

void Console::Parts::HandleHistory(const HttpRequest& request, HttpResponder respond) {
  if (request.method != "GET") return respond(Error(405, "GET " + request.path));
  if (!history) return respond(Error(404, "no history: the gateway runs without --history"));
  ShadowId id;
  if (auto bad = ShadowFromQuery(request.query, &id)) return respond(std::move(*bad));
  const std::string shadow = id.shadow.value_or("");
  if (request.path == "/api/history/leaves") {
    Result<std::vector<std::string>> leaves = history->Leaves(id.thing, shadow);
    if (!leaves.ok()) return respond(Error(500, leaves.status().message()));
    std::string body = "{\"leaves\":[";
    for (std::size_t i = 0; i < leaves->size(); ++i) {
      if (i) body += ',';
      body += JsonString((*leaves)[i]);
    }
    return respond(Json(200, body + "]}"));
  }
  std::vector<std::string> leaves;
  std::stringstream list(QueryParameter(request.query, "leaves"));
  for (std::string leaf; std::getline(list, leaf, ',');) {
    if (!leaf.empty()) leaves.push_back(leaf);
  }
  if (leaves.empty() || leaves.size() > 20) {
    return respond(Error(400, "?leaves=: one to 20 leaves, separated by commas"));
  }
  std::int64_t from = 0;
  std::int64_t to = NowMs() + 60000;
  try {
    const std::string from_text = QueryParameter(request.query, "from");
    const std::string to_text = QueryParameter(request.query, "to");
    if (!from_text.empty()) from = std::stoll(from_text);
    if (!to_text.empty()) to = std::stoll(to_text);
  } catch (const std::exception&) {
    return respond(Error(400, "?from=&to=: Unix times in milliseconds"));
  }
  Result<std::vector<HistorySeries>> series = history->Query(id.thing, shadow, leaves, from, to);
  if (!series.ok()) return respond(Error(500, series.status().message()));
  if (QueryParameter(request.query, "format") == "csv") {
    HttpResponse csv;
    csv.content_type = "text/csv; charset=utf-8";
    csv.body = HistoryCsv(*series);
    csv.headers.emplace_back("Content-Disposition", "attachment; filename=\"" + id.thing +
                                                        (shadow.empty() ? "" : "-" + shadow) +
                                                        "-history.csv\"");
    return respond(std::move(csv));
  }
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  w.StartObject();
  w.Key("series");
  w.StartArray();
  for (const HistorySeries& one : *series) {
    w.StartObject();
    w.Key("leaf");
    w.String(one.leaf.c_str());
    w.Key("points");
    w.StartArray();
    for (const HistorySample& sample : one.samples) {
      w.StartArray();
      w.Int64(sample.time_ms);
      w.Double(sample.value);
      w.EndArray();
    }
    w.EndArray();
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  respond(Json(200, buffer.GetString()));
}

void Console::Parts::HandlePublish(const HttpRequest& request, HttpResponder respond) {
  if (request.method != "POST") return respond(Error(405, "POST /api/publish"));
  Result<JsonDocument> doc = ParseJson(request.body);
  if (!doc.ok() || !doc->IsObject()) {
    return respond(Error(400, "expected {\"topic\":\"...\",\"qos\":0|1,\"payload\":\"...\"}"));
  }
  const auto topic = doc->FindMember("topic");
  const auto qos = doc->FindMember("qos");
  const auto payload = doc->FindMember("payload");
  if (topic == doc->MemberEnd() || !topic->value.IsString() || payload == doc->MemberEnd() ||
      !payload->value.IsString()) {
    return respond(Error(400, "/topic and /payload: strings are required"));
  }
  const std::string name(topic->value.GetString(), topic->value.GetStringLength());
  if (name.empty() || name.find_first_of("+#") != std::string::npos || name.size() > 256) {
    return respond(Error(400, "/topic: \"" + name +
                                  "\" is not a topic to publish to (no "
                                  "wildcards, 1 to 256 bytes)"));
  }
  int level = 0;
  if (qos != doc->MemberEnd()) {
    if (!qos->value.IsInt() || (qos->value.GetInt() != 0 && qos->value.GetInt() != 1)) {
      return respond(Error(400, "/qos: 0 or 1 (AWS IoT has no QoS 2)"));
    }
    level = qos->value.GetInt();
  }
  Status published = client->Publish(
      name, std::string_view(payload->value.GetString(), payload->value.GetStringLength()), level);
  if (!published.ok())
    return respond(Error(503, "publish to " + name + ": " + published.message()));
  respond(Json(200, "{\"message\":\"OK\",\"clientId\":" + JsonString(test_client_id) + "}"));
}

void Console::Parts::HandleRegistry(const HttpRequest& request, HttpResponder respond) {
  if (!registry) return respond(Error(404, "no registry: the gateway runs without --registry"));
  const auto& certificates = registry->certificates();
  if (request.path == "/api/registry") {
    rapidjson::StringBuffer buffer;
    Writer w(buffer);
    w.StartObject();
    w.Key("region");
    w.String(registry->region().value_or("").c_str());
    w.Key("account");
    w.String(registry->account().value_or("").c_str());
    w.Key("certificates");
    w.StartArray();
    for (const RegistryCertificate& certificate : certificates) {
      w.StartObject();
      w.Key("commonName");
      w.String(certificate.common_name.c_str());
      w.Key("sha256");
      w.String(certificate.sha256.c_str());
      w.Key("thing");
      if (certificate.thing) {
        w.String(certificate.thing->name.c_str());
      } else {
        w.Null();
      }
      w.Key("policies");
      w.StartArray();
      for (const Policy* policy : certificate.policies) w.String(policy->name().c_str());
      w.EndArray();
      w.EndObject();
    }
    w.EndArray();
    w.EndObject();
    return respond(Json(200, buffer.GetString()));
  }
  if (request.method != "POST") return respond(Error(405, "POST /api/authorize"));
  Result<JsonDocument> doc = ParseJson(request.body);
  if (!doc.ok() || !doc->IsObject()) return respond(Error(400, "expected a JSON object"));
  auto text = [&](const char* name) {
    auto it = doc->FindMember(name);
    return it != doc->MemberEnd() && it->value.IsString() ? std::string(it->value.GetString())
                                                          : std::string();
  };
  auto index_member = doc->FindMember("certificate");
  if (index_member == doc->MemberEnd() || !index_member->value.IsUint() ||
      index_member->value.GetUint() >= certificates.size()) {
    return respond(Error(400, "/certificate: an index into /api/registry's certificates"));
  }
  const AuthorizationDecision decision =
      registry->AuthorizeCertificate(certificates[index_member->value.GetUint()], text("clientId"),
                                     text("action"), text("resource"));
  respond(Json(200, std::string("{\"allowed\":") + (decision.allowed ? "true" : "false") +
                        ",\"reason\":" + JsonString(decision.reason) + "}"));
}

}  // namespace shadowsync::console
