// SPDX-License-Identifier: Apache-2.0

#include "src/config.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <sstream>
#include <utility>

#include "shadowsync/paho_transport.h"
#include "src/schema_check.h"

namespace shadowsync::agent {

const char* ConnectionProtocolName(ConnectionProtocol protocol) {
  switch (protocol) {
    case ConnectionProtocol::kMqtt:
      return "mqtt";
    case ConnectionProtocol::kHttps:
      return "https";
    case ConnectionProtocol::kWss:
      return "wss";
  }
  return "?";
}

namespace {

namespace fs = std::filesystem;

constexpr const char kAwsBlock[] = "AWS IoT";

std::string Quote(std::string_view s) {
  JsonValue v(rapidjson::StringRef(s.data(), s.size()));
  return ToCompactJson(v);
}

std::string_view Str(const JsonValue& v) { return {v.GetString(), v.GetStringLength()}; }

const JsonValue* Find(const JsonValue& object, const char* key) {
  if (!object.IsObject()) return nullptr;
  auto it = object.FindMember(key);
  return it == object.MemberEnd() ? nullptr : &it->value;
}

// A non-empty string member, or nullptr (DataLogger files use "" for unset).
const JsonValue* FindNonEmptyString(const JsonValue& object, const char* key) {
  const JsonValue* v = Find(object, key);
  return v != nullptr && v->IsString() && v->GetStringLength() > 0 ? v : nullptr;
}

bool IsThingNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == ':' ||
         c == '_' || c == '-';
}

// The same rules as definitions/thingName and definitions/shadowName.
bool IsValidThingName(std::string_view s) {
  if (s.empty() || s.size() > 128) return false;
  for (char c : s) {
    if (!IsThingNameChar(c)) return false;
  }
  return true;
}

bool IsValidShadowName(std::string_view s) {
  if (s.empty() || s.size() > 64) return false;
  for (char c : s) {
    if (!IsThingNameChar(c) && c != '$') return false;
  }
  return true;
}

constexpr const char kThingNameRule[] = "a thing name (1 to 128 characters of [a-zA-Z0-9:_-])";
constexpr const char kShadowNameRule[] = "a shadow name (1 to 64 characters of [$a-zA-Z0-9:_-])";

// Resolves a path written in the file against the file's directory, so a
// DataLogger file naming "AmazonRootCA1.pem" finds it next to the file.
std::string ResolvePath(const std::string& source, std::string_view path) {
  fs::path p(path);
  if (p.is_absolute()) return p.string();
  const fs::path dir = fs::path(source).parent_path();
  return dir.empty() ? p.string() : (dir / p).string();
}

// An endpoint split into its parts. `port` is 0 when the text gives none.
struct Endpoint {
  std::string host;
  int port = 0;
  bool tls = true;
};

// Accepts "host", "host:port", and "scheme://host[:port][/]" with scheme
// ssl, mqtts, tls (TLS) or tcp, mqtt (plain). The error names `where`.
Result<Endpoint> ParseEndpoint(std::string_view text, const std::string& where) {
  const std::string expected =
      ": expected a host name or a URI ssl://host[:port], mqtts://..., tcp://..., found " +
      Quote(text);
  Endpoint out;
  std::string_view rest = text;
  if (const std::size_t scheme_end = text.find("://"); scheme_end != std::string_view::npos) {
    const std::string_view scheme = text.substr(0, scheme_end);
    if (scheme == "ssl" || scheme == "mqtts" || scheme == "tls") {
      out.tls = true;
    } else if (scheme == "tcp" || scheme == "mqtt") {
      out.tls = false;
    } else {
      return InvalidArgumentError(where + expected);
    }
    rest = text.substr(scheme_end + 3);
    if (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
  }
  std::string_view host = rest;
  std::string_view port_text;
  if (!rest.empty() && rest.front() == '[') {  // [IPv6]
    const std::size_t close = rest.find(']');
    if (close == std::string_view::npos) return InvalidArgumentError(where + expected);
    host = rest.substr(0, close + 1);
    std::string_view after = rest.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return InvalidArgumentError(where + expected);
      port_text = after.substr(1);
    }
  } else if (const std::size_t colon = rest.rfind(':'); colon != std::string_view::npos) {
    host = rest.substr(0, colon);
    port_text = rest.substr(colon + 1);
  }
  if (host.empty() || host.find_first_of(" \t/?#@") != std::string_view::npos) {
    return InvalidArgumentError(where + expected);
  }
  if (rest.find(':') != std::string_view::npos || !port_text.empty()) {
    if (port_text.empty() || port_text.size() > 5 ||
        port_text.find_first_not_of("0123456789") != std::string_view::npos) {
      return InvalidArgumentError(where + expected);
    }
    const int port = std::atoi(std::string(port_text).c_str());
    if (port < 1 || port > 65535) return InvalidArgumentError(where + expected);
    out.port = port;
  }
  out.host = std::string(host);
  return out;
}

int DefaultPort(bool tls, bool alpn, ConnectionProtocol protocol) {
  if (alpn || protocol == ConnectionProtocol::kWss) return 443;
  if (protocol == ConnectionProtocol::kHttps) return 8443;
  return tls ? 8883 : 1883;
}

// Shadow topic of the DataLogger's "MQTT Topic": the thing and the shadow
// ("" for classic) it updates.
struct TopicTarget {
  std::string thing;
  std::string shadow;
};

Result<TopicTarget> ParseShadowTopic(std::string_view topic, const std::string& where) {
  const auto fail = [&] {
    return InvalidArgumentError(
        where +
        ": expected a shadow update topic, \"$aws/things/<thing>/shadow/update\" or "
        "\"$aws/things/<thing>/shadow/name/<shadow>/update\" (shadowsync-agent reports to a device "
        "shadow only), found " +
        Quote(topic));
  };
  constexpr std::string_view kPrefix = "$aws/things/";
  if (topic.substr(0, kPrefix.size()) != kPrefix) return fail();
  std::string_view rest = topic.substr(kPrefix.size());
  const std::size_t slash = rest.find('/');
  if (slash == std::string_view::npos) return fail();
  TopicTarget out;
  const std::string_view thing = rest.substr(0, slash);
  rest = rest.substr(slash);
  if (rest == "/shadow/update") {
    // classic
  } else {
    constexpr std::string_view kNamed = "/shadow/name/";
    constexpr std::string_view kUpdate = "/update";
    if (rest.substr(0, kNamed.size()) != kNamed || rest.size() <= kNamed.size() + kUpdate.size() ||
        rest.substr(rest.size() - kUpdate.size()) != kUpdate) {
      return fail();
    }
    const std::string_view shadow =
        rest.substr(kNamed.size(), rest.size() - kNamed.size() - kUpdate.size());
    if (!IsValidShadowName(shadow)) {
      return InvalidArgumentError(where + ": expected " + kShadowNameRule +
                                  " in the topic, found " + Quote(shadow));
    }
    out.shadow = std::string(shadow);
  }
  if (!IsValidThingName(thing)) {
    return InvalidArgumentError(where + ": expected " + kThingNameRule + " in the topic, found " +
                                Quote(thing));
  }
  out.thing = std::string(thing);
  return out;
}

Status CheckPem(const JsonValue& value, const std::string& where) {
  if (Str(value).find("-----BEGIN ") == std::string_view::npos) {
    return InvalidArgumentError(where + ": expected a PEM block (\"-----BEGIN ...\"), found " +
                                internal::DescribeFound(value, where));
  }
  return Status::Ok();
}

// Settings collected from the file before the endpoint is resolved, with
// where each came from for the messages.
struct RawConnection {
  std::string endpoint;
  std::string endpoint_where;
  std::optional<int> port;
  std::string port_where;
};

// Reads the DataLogger block into `config` (our "connection" keys are read
// afterwards and override it).
Status ReadAwsBlock(const JsonValue& block, const std::string& source, AgentConfig* config,
                    RawConnection* raw) {
  const std::string base = std::string("/") + kAwsBlock;
  ConnectionConfig& c = config->connection;
  if (const JsonValue* v = Find(block, "Enabled")) c.enabled = v->GetBool();
  if (const JsonValue* v = Find(block, "Port")) {
    raw->port = v->GetInt();
    raw->port_where = base + "/Port";
  }
  if (const JsonValue* v = FindNonEmptyString(block, "Server")) {
    raw->endpoint = std::string(Str(*v));
    raw->endpoint_where = base + "/Server";
  }
  const JsonValue* client_name = FindNonEmptyString(block, "Client Name");
  if (client_name != nullptr) c.client_id = std::string(Str(*client_name));
  if (const JsonValue* v = FindNonEmptyString(block, "MQTT Topic")) {
    Result<TopicTarget> target = ParseShadowTopic(Str(*v), base + "/MQTT Topic");
    if (!target.ok()) return target.status();
    c.thing_name = target->thing;
    c.shadow_name = target->shadow;
    if (client_name != nullptr && Str(*client_name) != target->thing) {
      config->notes.push_back(base + "/Client Name " + Quote(Str(*client_name)) +
                              " is used as the MQTT client id; the topic's thing " +
                              Quote(target->thing) + " is the shadow that is updated");
    }
  } else if (client_name != nullptr) {
    if (!IsValidThingName(Str(*client_name))) {
      return InvalidArgumentError(base + "/Client Name: expected " + kThingNameRule + ", found " +
                                  Quote(Str(*client_name)));
    }
    c.thing_name = std::string(Str(*client_name));
  }
  if (const JsonValue* v = Find(block, "Buffer Size");
      v != nullptr && !(v->IsUint64() && v->GetUint64() == 0)) {
    config->notes.push_back(base + "/Buffer Size is ignored: shadowsync sizes its buffers itself");
  }
  for (const char* key : {"Username", "Password"}) {
    if (FindNonEmptyString(block, key) != nullptr) {
      config->notes.push_back(base + "/" + key +
                              " is ignored: AWS IoT authenticates the device by its certificate");
    }
  }
  struct PemItem {
    const char* inline_key;
    const char* file_key;
    std::string* pem;
    std::string* file;
  };
  const PemItem items[] = {
      {"CA Certificate", "CA Cert Filename", &c.ca_pem, &c.ca_file},
      {"Client Certificate", "Client Cert Filename", &c.cert_pem, &c.cert_file},
      {"Client Key", "Client Key Filename", &c.key_pem, &c.key_file},
  };
  for (const PemItem& item : items) {
    if (const JsonValue* v = FindNonEmptyString(block, item.inline_key)) {
      if (Status s = CheckPem(*v, base + "/" + item.inline_key); !s.ok()) return s;
      *item.pem = std::string(Str(*v));
    }
    if (const JsonValue* v = FindNonEmptyString(block, item.file_key)) {
      *item.file = ResolvePath(source, Str(*v));
      // A file wins over inline PEM of the same kind (documented).
      item.pem->clear();
    }
  }
  return Status::Ok();
}

// Records a note when a "connection" key replaces a different value that
// the DataLogger block gave.
void NoteOverride(AgentConfig* config, const std::string& key, const std::string& old_value,
                  const std::string& new_value) {
  if (!old_value.empty() && old_value != new_value) {
    config->notes.push_back("/connection/" + key + " " + Quote(new_value) +
                            " overrides the \"AWS IoT\" block's " + Quote(old_value));
  }
}

Status ReadConnection(const JsonValue& block, const std::string& source, AgentConfig* config,
                      RawConnection* raw) {
  ConnectionConfig& c = config->connection;
  if (const JsonValue* v = Find(block, "endpoint")) {
    NoteOverride(config, "endpoint", raw->endpoint, std::string(Str(*v)));
    raw->endpoint = std::string(Str(*v));
    raw->endpoint_where = "/connection/endpoint";
  }
  if (const JsonValue* v = Find(block, "port")) {
    if (raw->port && *raw->port != v->GetInt()) {
      NoteOverride(config, "port", std::to_string(*raw->port), std::to_string(v->GetInt()));
    }
    raw->port = v->GetInt();
    raw->port_where = "/connection/port";
  }
  if (const JsonValue* v = Find(block, "client_id")) {
    NoteOverride(config, "client_id", c.client_id, std::string(Str(*v)));
    c.client_id = std::string(Str(*v));
  }
  if (const JsonValue* v = Find(block, "thing_name")) {
    NoteOverride(config, "thing_name", c.thing_name, std::string(Str(*v)));
    c.thing_name = std::string(Str(*v));
  }
  if (const JsonValue* v = Find(block, "shadow_name")) {
    const std::string name = v->IsNull() ? std::string() : std::string(Str(*v));
    NoteOverride(config, "shadow_name", c.shadow_name, name);
    c.shadow_name = name;
  }
  if (const JsonValue* v = Find(block, "alpn")) {
    c.alpn = v->GetBool();
    // ALPN is about port 443: a DataLogger "Port" (8883) gives way to it.
    if (c.alpn && raw->port_where != "/connection/port") raw->port.reset();
  }
  struct FileItem {
    const char* key;
    std::string* file;
    std::string* pem;
  };
  const FileItem items[] = {{"ca_file", &c.ca_file, &c.ca_pem},
                            {"cert_file", &c.cert_file, &c.cert_pem},
                            {"key_file", &c.key_file, &c.key_pem}};
  for (const FileItem& item : items) {
    if (const JsonValue* v = Find(block, item.key)) {
      *item.file = ResolvePath(source, Str(*v));
      item.pem->clear();
    }
  }
  if (const JsonValue* v = Find(block, "keep_alive_seconds")) c.keep_alive_seconds = v->GetInt();
  if (const JsonValue* v = Find(block, "protocol")) {
    const std::string_view name = Str(*v);
    c.protocol = name == "https" ? ConnectionProtocol::kHttps
                 : name == "wss" ? ConnectionProtocol::kWss
                                 : ConnectionProtocol::kMqtt;
  }
  if (const JsonValue* v = Find(block, "poll_seconds")) c.poll_seconds = v->GetDouble();
  return Status::Ok();
}

// Turns the endpoint text and port settings into host, port and tls.
Status ResolveEndpoint(const RawConnection& raw, ConnectionConfig* c) {
  c->endpoint = raw.endpoint;
  if (!raw.endpoint.empty()) {
    Result<Endpoint> endpoint = ParseEndpoint(raw.endpoint, raw.endpoint_where);
    if (!endpoint.ok()) return endpoint.status();
    c->host = endpoint->host;
    c->tls = endpoint->tls;
    if (endpoint->port != 0 && raw.port && *raw.port != endpoint->port) {
      return InvalidArgumentError(raw.port_where + ": expected " + std::to_string(endpoint->port) +
                                  " (the port in " + raw.endpoint_where + ") or no port, found " +
                                  std::to_string(*raw.port));
    }
    c->port = endpoint->port != 0 ? endpoint->port
                                  : raw.port.value_or(DefaultPort(c->tls, c->alpn, c->protocol));
  } else {
    c->port = raw.port.value_or(DefaultPort(c->tls, c->alpn, c->protocol));
  }
  if (c->protocol != ConnectionProtocol::kMqtt && !c->tls) {
    return InvalidArgumentError(std::string("/connection/protocol: \"") +
                                ConnectionProtocolName(c->protocol) +
                                "\" needs TLS, not the plain endpoint " + Quote(raw.endpoint));
  }
  if (c->alpn && !c->tls) {
    return InvalidArgumentError("/connection/alpn: expected false with the plain MQTT endpoint " +
                                Quote(raw.endpoint) + ", found true");
  }
  if (c->client_id.empty()) c->client_id = c->thing_name;
  return Status::Ok();
}

Status ReadReporting(const JsonValue& block, AgentConfig* config) {
  ReportingConfig& r = config->reporting;
  if (const JsonValue* v = Find(block, "interval_seconds")) r.interval_seconds = v->GetDouble();
  if (const JsonValue* v = Find(block, "qos")) r.qos = v->GetInt();
  if (const JsonValue* t = Find(block, "thresholds")) {
    for (const auto& m : t->GetObject()) {
      const std::string key(Str(m.name));
      Threshold threshold;
      if (const JsonValue* v = Find(m.value, "min_change")) threshold.min_change = v->GetDouble();
      if (const JsonValue* v = Find(m.value, "heartbeat_seconds")) {
        threshold.heartbeat_seconds = v->GetDouble();
      }
      r.thresholds[key] = threshold;
    }
  }
  return Status::Ok();
}

Status ReadOutput(const JsonValue& block, const std::string& source, AgentConfig* config) {
  OutputConfig& o = config->output;
  // Writing the block means wanting the output, unless it says otherwise.
  o.enabled = true;
  if (const JsonValue* v = Find(block, "enabled")) o.enabled = v->GetBool();
  if (const JsonValue* v = Find(block, "format")) {
    o.format = Str(*v) == "csv" ? OutputFormat::kCsv : OutputFormat::kJsonLines;
  }
  if (const JsonValue* v = Find(block, "path")) o.path = ResolvePath(source, Str(*v));
  if (const JsonValue* v = Find(block, "rotate_bytes")) o.rotate_bytes = v->GetUint64();
  if (const JsonValue* v = Find(block, "rotate_seconds")) o.rotate_seconds = v->GetInt64();
  if (const JsonValue* v = Find(block, "keep_files")) o.keep_files = v->GetInt();
  if (o.enabled && o.path.empty()) {
    return InvalidArgumentError(
        "/output: expected an object with the member \"path\" (or "
        "\"enabled\": false), found " +
        internal::DescribeFound(block, "/output"));
  }
  return Status::Ok();
}

Status ReadSensors(const JsonValue& array, AgentConfig* config) {
  std::map<std::string, std::string> seen;  // name -> pointer
  for (rapidjson::SizeType i = 0; i < array.Size(); ++i) {
    const JsonValue& item = array[i];
    const std::string pointer = "/sensors/" + std::to_string(i);
    SensorConfig sensor;
    sensor.type = std::string(Str(item["type"]));
    sensor.name = std::string(Str(item["name"]));
    sensor.pointer = pointer;
    if (const JsonValue* v = Find(item, "enabled")) sensor.enabled = v->GetBool();
    if (sensor.name == "General" || sensor.name == "agent") {
      return InvalidArgumentError(
          pointer +
          "/name: expected a name other than \"General\" and \"agent\" (reserved keys "
          "of the reported state), found " +
          Quote(sensor.name));
    }
    if (auto it = seen.find(sensor.name); it != seen.end()) {
      return InvalidArgumentError(pointer + "/name: expected a name not used by " + it->second +
                                  ", found " + Quote(sensor.name));
    }
    seen.emplace(sensor.name, pointer);
    auto settings = std::make_shared<JsonDocument>();
    settings->CopyFrom(item, settings->GetAllocator());
    sensor.settings = std::move(settings);
    config->sensors.push_back(std::move(sensor));
  }
  return Status::Ok();
}

// Threshold keys must name a configured sensor (typos would otherwise be
// silently ignored) or be "*/*".
Status CheckThresholdKeys(const AgentConfig& config) {
  for (const auto& [key, threshold] : config.reporting.thresholds) {
    const std::size_t slash = key.find('/');
    const std::string sensor = key.substr(0, slash);
    const std::string param = key.substr(slash + 1);
    const std::string where = JsonPointerAppend("/reporting/thresholds", key);
    const JsonValue key_value(rapidjson::StringRef(key.data(), key.size()));
    if (Status s =
            internal::ValidateWithSchema(key_value, internal::SchemaPart::kThresholdKey, where);
        !s.ok()) {
      return s;
    }
    if (sensor == "*") {
      if (param != "*") {
        return InvalidArgumentError(where +
                                    ": expected \"<sensor>/<parameter>\", \"<sensor>/*\" or "
                                    "\"*/*\", found " +
                                    Quote(key));
      }
      continue;
    }
    if (sensor != "General" && config.FindSensor(sensor) == nullptr) {
      std::string names;
      for (const SensorConfig& s : config.sensors)
        names += (names.empty() ? "" : ", ") + Quote(s.name);
      return InvalidArgumentError(where + ": expected the name of a sensor in /sensors (" +
                                  (names.empty() ? std::string("none configured") : names) +
                                  ") or \"General\" or \"*\", found " + Quote(sensor));
    }
  }
  return Status::Ok();
}

Result<AgentConfig> Build(const JsonValue& doc, const JsonValue* aws_block,
                          const std::string& source, std::vector<std::string> notes) {
  AgentConfig config;
  config.notes = std::move(notes);
  config.source = source;
  RawConnection raw;
  if (aws_block != nullptr) {
    if (Status s = ReadAwsBlock(*aws_block, source, &config, &raw); !s.ok()) return s;
  }
  if (const JsonValue* v = Find(doc, "connection")) {
    if (Status s = ReadConnection(*v, source, &config, &raw); !s.ok()) return s;
  }
  if (Status s = ResolveEndpoint(raw, &config.connection); !s.ok()) return s;
  if (const JsonValue* v = Find(doc, "reporting")) {
    if (Status s = ReadReporting(*v, &config); !s.ok()) return s;
  }
  if (const JsonValue* v = Find(doc, "journal_path")) {
    config.journal_path = v->GetStringLength() == 0 ? std::string() : ResolvePath(source, Str(*v));
  }
  if (const JsonValue* v = Find(doc, "log_level")) {
    config.log_level = ParseLogLevel(Str(*v)).value_or(LogLevel::kInfo);
  }
  if (const JsonValue* v = Find(doc, "output")) {
    if (Status s = ReadOutput(*v, source, &config); !s.ok()) return s;
  }
  if (const JsonValue* v = Find(doc, "sensors")) {
    if (Status s = ReadSensors(*v, &config); !s.ok()) return s;
  }
  if (Status s = CheckThresholdKeys(config); !s.ok()) return s;
  return config;
}

bool IsComment(std::string_view key) { return !key.empty() && key[0] == '_'; }

bool IsDataLoggerBlock(std::string_view key) {
  return !key.empty() && key[0] >= 'A' && key[0] <= 'Z';
}

// Removes comment keys from `object` and, when `deep`, from every object
// below it.
void StripComments(JsonValue& object, bool deep) {
  if (!object.IsObject()) return;
  for (auto it = object.MemberBegin(); it != object.MemberEnd();) {
    if (IsComment(Str(it->name))) {
      it = object.EraseMember(it);
      continue;
    }
    if (deep && it->value.IsObject()) StripComments(it->value, true);
    ++it;
  }
}

// Prepares the parsed file for the schema and the loader: comments go
// everywhere in our own sections and at the top level of each sensor entry
// (deeper sensor keys belong to the sensor), and DataLogger blocks other
// than "AWS IoT" go with a note. RapidJSON 1.1 validates a member matched
// only by patternProperties against a stale schema when
// additionalProperties is false, so these must not reach the validator.
void Normalize(JsonDocument& doc, std::vector<std::string>* notes) {
  if (!doc.IsObject()) return;
  for (auto it = doc.MemberBegin(); it != doc.MemberEnd();) {
    const std::string_view key = Str(it->name);
    if (IsComment(key)) {
      it = doc.EraseMember(it);
      continue;
    }
    if (IsDataLoggerBlock(key) && key != kAwsBlock) {
      notes->push_back("ignoring the DataLogger settings block " + Quote(key));
      it = doc.EraseMember(it);
      continue;
    }
    if (key == "sensors" && it->value.IsArray()) {
      for (auto& item : it->value.GetArray()) StripComments(item, false);
    } else if (it->value.IsObject()) {
      StripComments(it->value, true);
    }
    ++it;
  }
}

Status Prefixed(const std::string& source, const Status& status) {
  return Status(status.code(), source + ": " + status.message());
}

}  // namespace

Threshold LookupThreshold(const ThresholdMap& thresholds, std::string_view sensor,
                          std::string_view param) {
  std::string key(sensor);
  key += '/';
  const std::size_t sensor_part = key.size();
  key += param;
  if (auto it = thresholds.find(key); it != thresholds.end()) return it->second;
  key.resize(sensor_part);
  key += '*';
  if (auto it = thresholds.find(key); it != thresholds.end()) return it->second;
  if (auto it = thresholds.find("*/*"); it != thresholds.end()) return it->second;
  return Threshold{};
}

const SensorConfig* AgentConfig::FindSensor(std::string_view name) const {
  for (const SensorConfig& s : sensors) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

SensorConfig* AgentConfig::FindSensor(std::string_view name) {
  for (SensorConfig& s : sensors) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

Result<AgentConfig> ParseConfig(std::string_view text, const std::string& source_name) {
  Result<JsonDocument> doc = ParseJson(text);
  if (!doc.ok()) {
    return InvalidArgumentError(source_name + ": " +
                                WithLineAndColumn(text, doc.status().message()));
  }
  std::vector<std::string> notes;
  Normalize(*doc, &notes);
  // "AWS IoT" matches both its property and the "^[A-Z]" pattern, which
  // RapidJSON 1.1 reports only as "patternProperties" at the block: so the
  // block is validated on its own, against its definition.
  JsonDocument aws_block;
  const bool has_aws_block = doc->IsObject() && doc->HasMember(kAwsBlock);
  if (has_aws_block) {
    aws_block.CopyFrom((*doc)[kAwsBlock], aws_block.GetAllocator());
    doc->RemoveMember(kAwsBlock);
  }
  if (Status s = internal::ValidateWithSchema(*doc, internal::SchemaPart::kRoot, ""); !s.ok()) {
    // The root pointer is "": say "/" so the message still has a pointer.
    std::string message = s.message();
    if (message.rfind(": ", 0) == 0) message = "/" + message;
    return InvalidArgumentError(source_name + ": " + message);
  }
  if (has_aws_block) {
    if (Status s = internal::ValidateWithSchema(aws_block, internal::SchemaPart::kDataLoggerAwsIot,
                                                std::string("/") + kAwsBlock);
        !s.ok()) {
      return InvalidArgumentError(source_name + ": " + s.message());
    }
  }
  Result<AgentConfig> config =
      Build(*doc, has_aws_block ? &aws_block : nullptr, source_name, std::move(notes));
  if (!config.ok()) return Prefixed(source_name, config.status());
  return config;
}

Result<AgentConfig> LoadConfig(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return NotFoundError(path + ": cannot read the configuration file: " + std::strerror(errno));
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) {
    return NotFoundError(path + ": cannot read the configuration file: " + std::strerror(errno));
  }
  return ParseConfig(text.str(), path);
}

Status ApplyCommandLineOverrides(const ConnectionOverrides& o, AgentConfig* config) {
  ConnectionConfig c = config->connection;
  if (o.thing_name) {
    if (!IsValidThingName(*o.thing_name)) {
      return InvalidArgumentError("--thing: expected " + std::string(kThingNameRule) + ", found " +
                                  Quote(*o.thing_name));
    }
    // A client id that only followed the thing name follows the new one.
    if (c.client_id == c.thing_name) c.client_id = *o.thing_name;
    c.thing_name = *o.thing_name;
  }
  if (o.shadow_name) {
    if (!o.shadow_name->empty() && !IsValidShadowName(*o.shadow_name)) {
      return InvalidArgumentError("--shadow: expected " + std::string(kShadowNameRule) +
                                  " or \"\" for the classic shadow, found " +
                                  Quote(*o.shadow_name));
    }
    c.shadow_name = *o.shadow_name;
  }
  if (o.client_id) {
    if (o.client_id->empty() || o.client_id->size() > 128) {
      return InvalidArgumentError("--client-id: expected a string of 1 to 128 characters, found " +
                                  Quote(*o.client_id));
    }
    c.client_id = *o.client_id;
  }
  if (o.port && (*o.port < 1 || *o.port > 65535)) {
    return InvalidArgumentError("--port: expected an integer from 1 to 65535, found " +
                                std::to_string(*o.port));
  }
  if (o.keep_alive_seconds && (*o.keep_alive_seconds < 1 || *o.keep_alive_seconds > 1200)) {
    return InvalidArgumentError("--keep-alive: expected an integer from 1 to 1200, found " +
                                std::to_string(*o.keep_alive_seconds));
  }
  if (o.keep_alive_seconds) c.keep_alive_seconds = *o.keep_alive_seconds;
  if (o.alpn) c.alpn = *o.alpn;
  if (o.endpoint) {
    Result<Endpoint> endpoint = ParseEndpoint(*o.endpoint, "--broker");
    if (!endpoint.ok()) return endpoint.status();
    if (endpoint->port != 0 && o.port && *o.port != endpoint->port) {
      return InvalidArgumentError("--port: expected " + std::to_string(endpoint->port) +
                                  " (the port in --broker) or no --port, found " +
                                  std::to_string(*o.port));
    }
    c.endpoint = *o.endpoint;
    c.host = endpoint->host;
    c.tls = endpoint->tls;
    // A new endpoint brings its own port (or the default of its scheme).
    c.port = endpoint->port != 0 ? endpoint->port : DefaultPort(c.tls, c.alpn, c.protocol);
  } else if (o.alpn && *o.alpn && !o.port) {
    c.port = 443;
  }
  if (o.port) c.port = *o.port;
  if (c.alpn && !c.tls) {
    return InvalidArgumentError("--alpn: expected TLS, but the endpoint " + Quote(c.endpoint) +
                                " is plain MQTT");
  }
  struct FileFlag {
    const std::optional<std::string>* value;
    const char* flag;
    std::string* file;
    std::string* pem;
  };
  const FileFlag files[] = {{&o.ca_file, "--ca", &c.ca_file, &c.ca_pem},
                            {&o.cert_file, "--cert", &c.cert_file, &c.cert_pem},
                            {&o.key_file, "--key", &c.key_file, &c.key_pem}};
  for (const FileFlag& f : files) {
    if (!*f.value) continue;
    if ((*f.value)->empty()) {
      return InvalidArgumentError(std::string(f.flag) + ": expected a file path, found \"\"");
    }
    *f.file = **f.value;
    f.pem->clear();
  }
  if (c.client_id.empty()) c.client_id = c.thing_name;
  config->connection = std::move(c);
  return Status::Ok();
}

Status CheckConnectionReady(const AgentConfig& config) {
  const ConnectionConfig& c = config.connection;
  if (!c.enabled) return Status::Ok();
  const std::string& src = config.source;
  if (c.endpoint.empty()) {
    return InvalidArgumentError(src +
                                ": no endpoint: set /connection/endpoint (or \"Server\" in the "
                                "\"AWS IoT\" block) or pass --broker");
  }
  if (c.thing_name.empty()) {
    return InvalidArgumentError(src +
                                ": no thing name: set /connection/thing_name (or \"Client Name\" "
                                "in the \"AWS IoT\" block) or pass --thing");
  }
  if (!c.tls) return Status::Ok();
  // An endpoint without a scheme means TLS (an AWS endpoint is a bare host
  // name); for a local plain broker that is a surprise, so say it.
  std::string no_scheme;
  if (c.endpoint.find("://") == std::string::npos) {
    no_scheme = "; the endpoint " + Quote(c.endpoint) +
                " has no scheme, so TLS is used: for a plain MQTT broker write tcp://" + c.endpoint;
  }
  if (c.cert_file.empty() && c.cert_pem.empty()) {
    return InvalidArgumentError(src +
                                ": no client certificate: set /connection/cert_file (or \"Client "
                                "Cert Filename\") or pass --cert" +
                                no_scheme);
  }
  if (c.key_file.empty() && c.key_pem.empty()) {
    return InvalidArgumentError(src +
                                ": no private key: set /connection/key_file (or \"Client Key "
                                "Filename\") or pass --key" +
                                no_scheme);
  }
  const std::pair<const std::string*, const char*> files[] = {{&c.ca_file, "CA certificate"},
                                                              {&c.cert_file, "client certificate"},
                                                              {&c.key_file, "private key"}};
  for (const auto& [file, what] : files) {
    if (file->empty()) continue;
    std::ifstream in(*file);
    if (!in) {
      return NotFoundError(*file + ": cannot read the " + what + ": " + std::strerror(errno));
    }
  }
  // What a file holds before its mode: a certificate given as the key would
  // otherwise get "chmod 600 <the certificate>", which only leads to the
  // next error (issue 15, F9).
  const auto holds = [](const std::string& path, const char* marker) {
    std::ifstream in(path);
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    return text.find(marker) != std::string::npos;
  };
  if (!c.key_file.empty() && holds(c.key_file, "-----BEGIN CERTIFICATE-----") &&
      !holds(c.key_file, "PRIVATE KEY-----")) {
    return InvalidArgumentError("key_file " + c.key_file +
                                " holds a certificate, not a private key (are cert_file and "
                                "key_file swapped?)");
  }
  if (!c.cert_file.empty() && holds(c.cert_file, "PRIVATE KEY-----") &&
      !holds(c.cert_file, "-----BEGIN CERTIFICATE-----")) {
    return InvalidArgumentError("cert_file " + c.cert_file +
                                " holds a private key, not a certificate (are cert_file and "
                                "key_file swapped?)");
  }
  if (!c.key_file.empty()) return CheckPrivateKeyFile(c.key_file);
  return Status::Ok();
}

std::string DefaultConfigText() {
  return R"json({
  "_comment": "shadowsync-agent configuration. Keys starting with _ are comments. Every key is described in docs/agent.md (Configuration); shadowsync-agent --check-config --config FILE validates a file.",
  "connection": {
    "_comment": "Your AWS IoT data endpoint (aws iot describe-endpoint --endpoint-type iot:Data-ATS), thing and certificates. Set alpn to true to connect on port 443. The private key must be chmod 600.",
    "endpoint": "xxxxxxxxxxxxxx-ats.iot.us-east-1.amazonaws.com",
    "thing_name": "my-thing",
    "shadow_name": null,
    "alpn": false,
    "ca_file": "/etc/shadowsync/AmazonRootCA1.pem",
    "cert_file": "/etc/shadowsync/device.pem.crt",
    "key_file": "/etc/shadowsync/private.pem.key",
    "keep_alive_seconds": 30
  },
  "reporting": {
    "_comment": "Sample every interval_seconds. A numeric parameter is reported when it moved by at least min_change, and at least every heartbeat_seconds. Keys are <sensor>/<parameter>, <sensor>/* or */*.",
    "interval_seconds": 10,
    "thresholds": {
      "*/*": {"min_change": 0, "heartbeat_seconds": 3600},
      "system/*": {"min_change": 0.5},
      "system/uptime_s": {"min_change": 3600, "heartbeat_seconds": 3600},
      "system/mem_available_kb": {"min_change": 10240, "heartbeat_seconds": 3600}
    }
  },
  "journal_path": "/var/lib/shadowsync-agent/journal",
  "log_level": "info",
  "output": {
    "_comment": "Optional local log of every observation, like the DataLogger's SD card: jsonl or csv, rotated by size or age.",
    "enabled": false,
    "format": "jsonl",
    "path": "/var/log/shadowsync-agent/observations.jsonl",
    "rotate_bytes": 10485760,
    "rotate_seconds": 0,
    "keep_files": 5
  },
  "_sensors": "Each sensor has a type (system, hwmon, file, command, socket, stdin, simulated), a unique name (its key in the shadow) and type-specific keys (docs/agent.md, Sensors).",
  "sensors": [
    {"type": "system", "name": "system"},
    {"type": "hwmon", "name": "hwmon"}
  ]
}
)json";
}

}  // namespace shadowsync::agent
