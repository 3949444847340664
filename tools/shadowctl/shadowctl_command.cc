// SPDX-License-Identifier: Apache-2.0

#include "shadowctl_command.h"

#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <unistd.h>

#include <algorithm>
#include <cassert>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>
#include <map>
#include <random>
#include <sstream>
#include <string_view>
#include <utility>

#include "authz_command.h"
#include "cli/command_line.h"
#include "cli/connection_flags.h"
#include "rest_command.h"
#include "shadowsync/json.h"
#include "shadowsync/shadow_error.h"

namespace shadowsync {
namespace shadowctl {
namespace {

// L5: AWS IoT refuses a PUBLISH payload above 128 KB.
constexpr std::size_t kMaxPayloadBytes = 128 * 1024;
// --timeout above this is surely a typo (and would overflow milliseconds).
constexpr double kMaxTimeoutSeconds = 1e6;

constexpr char kDescription[] =
    "A command-line client for the AWS IoT Device Shadow service over MQTT 3.1.1\n"
    "or its HTTPS REST API: AWS IoT Core itself, or mosquitto with the shadowsync\n"
    "plugin (and shadowsync-gateway for HTTPS), or shadowsync-emulator.\n"
    "\n"
    "  shadowctl get|update|delete|watch --thing T [--shadow S] --broker URI [options]\n"
    "  shadowctl list --thing T --broker https://... (named shadows)\n"
    "  shadowctl update ... (--desired JSON | --reported JSON | --file F) [--version N]\n"
    "  shadowctl watch ... [--count N]\n"
    "  shadowctl authz --registry F (--cert PEM | --thing T) --action A ...\n"
    "\n"
    "get, update and delete subscribe to the operation's accepted and rejected topics first,\n"
    "publish the request at QoS 1 with a fresh clientToken, and wait for the answer carrying\n"
    "that token (answers to other clients are ignored). An update is validated locally first\n"
    "(JSON syntax with the byte offset, the service's 400 checks, nesting depth, the 8 KB\n"
    "document limit where it is certain), so a request the service would reject is not sent.\n"
    "\n"
    "Protocols (docs/protocols.md), from --broker's scheme or --protocol:\n"
    "  mqtts://host:8883, tcp://, wss://  MQTT (--cert/--key: mutual TLS)\n"
    "  https://host:8443 --cert/--key     REST, client certificate\n"
    "                                     (ALPN x-amzn-http-ca on port 443)\n"
    "  https://host without --cert        REST, SigV4: AWS CLI credentials,\n"
    "                                     --profile, --region\n"
    "watch over HTTPS polls (a GET every --interval seconds, default 2) because\n"
    "REST has no push: it prints a change when the version changed, in the MQTT\n"
    "watch's format.";

constexpr char kFooter[] =
    "Exit codes:\n"
    "  0    accepted (get, update, delete); watch ended (SIGINT, SIGTERM, --count)\n"
    "  1    internal error\n"
    "  2    usage error, or a request that fails local validation (nothing sent)\n"
    "  3    rejected: stderr shows \"error: <code> <message>\" from the service\n"
    "  4    no answer within --timeout (watch: --count not reached in --timeout)\n"
    "  5    cannot connect, subscribe or publish (the transport's cause on stderr)\n"
    "  130  interrupted by SIGINT or SIGTERM while waiting for an answer\n"
    "       (a second signal exits at once with 128 + its number)\n"
    "\n"
    "Documentation: docs/shadowctl.md (the package installs it as\n"
    "/usr/share/doc/shadowsync-tools/shadowctl.md).\n";

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

// Strict non-negative integer: digits only, no sign, no spaces, fits uint64.
std::optional<std::uint64_t> ParseUint(const std::string& text) {
  if (text.empty() || text.size() > 20) return std::nullopt;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
  }
  errno = 0;
  const unsigned long long v = std::strtoull(text.c_str(), nullptr, 10);
  if (errno == ERANGE) return std::nullopt;
  return static_cast<std::uint64_t>(v);
}

std::optional<std::chrono::milliseconds> ParseSeconds(const std::string& text) {
  if (text.empty() || text.find_first_not_of("0123456789.") != std::string::npos) {
    return std::nullopt;
  }
  char* end = nullptr;
  const double seconds = std::strtod(text.c_str(), &end);
  if (end != text.c_str() + text.size() || !(seconds > 0) || seconds > kMaxTimeoutSeconds) {
    return std::nullopt;
  }
  const auto ms = static_cast<std::int64_t>(std::ceil(seconds * 1000.0));
  return std::chrono::milliseconds(ms < 1 ? 1 : ms);
}

}  // namespace

std::string FormatSeconds(std::chrono::milliseconds ms) {
  const auto count = ms.count();
  std::string out = std::to_string(count / 1000);
  if (count % 1000 != 0) {
    char frac[8];
    std::snprintf(frac, sizeof(frac), ".%03d", static_cast<int>(count % 1000));
    std::string f = frac;
    while (f.back() == '0') f.pop_back();
    out += f;
  }
  return out + "s";
}

namespace {

// The broker URI's port, or -1.
int PortOf(const std::string& uri) {
  const std::size_t colon = uri.rfind(':');
  if (colon == std::string::npos || colon + 1 >= uri.size()) return -1;
  const std::optional<std::uint64_t> port = ParseUint(uri.substr(colon + 1));
  return port && *port <= 65535 ? static_cast<int>(*port) : -1;
}

// Turns ParseJson's "JSON parse error at offset N: ..." into a message that
// also shows where N is, when the text around it is plain one-line ASCII.
std::string JsonError(const std::string& what, std::string_view text, const Status& status) {
  std::string message = what + ": " + status.message();
  static constexpr std::string_view kAt = "at offset ";
  const std::size_t at = status.message().find(kAt);
  if (at == std::string::npos) return message;
  const std::size_t offset = std::strtoull(status.message().c_str() + at + kAt.size(), nullptr, 10);
  if (offset > text.size()) return message;
  constexpr std::size_t kWindow = 40;
  const std::size_t begin = offset > kWindow ? offset - kWindow : 0;
  const std::size_t end = std::min(text.size(), offset + kWindow);
  std::string_view excerpt = text.substr(begin, end - begin);
  for (char c : excerpt) {
    if (c < 0x20 || c > 0x7E) return message;
  }
  message += "\n  ";
  if (begin > 0) message += "...";
  message += excerpt;
  if (end < text.size()) message += "...";
  message += "\n  " + std::string((begin > 0 ? 3 : 0) + offset - begin, ' ') + "^";
  return message;
}

Result<std::string> ReadSource(const std::string& path) {
  std::string content;
  if (path == "-") {
    content.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
    if (std::cin.bad()) return InvalidArgumentError("--file -: cannot read stdin");
    return content;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return InvalidArgumentError("--file: cannot open '" + path + "': " + std::strerror(errno));
  }
  content.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  if (in.bad()) return InvalidArgumentError("--file: cannot read '" + path + "'");
  return content;
}

}  // namespace

std::string JsonString(std::string_view s) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  writer.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
  return std::string(buffer.GetString(), buffer.GetSize());
}

namespace {

// Inserts `members` ("\"k\":v,...") as the first members of the JSON object
// `text`, leaving every other byte as the user wrote it.
std::string InsertMembers(const std::string& text, const std::string& members) {
  const std::size_t brace = text.find('{');  // the root is an object: checked
  std::size_t next = text.find_first_not_of(" \t\r\n", brace + 1);
  const bool empty = next != std::string::npos && text[next] == '}';
  return text.substr(0, brace + 1) + members + (empty ? "" : ",") + text.substr(brace + 1);
}

// A lower bound of the bytes `value` will take in the stored shadow (12a.1)
// whatever the shadow held before: every non-null leaf of the request ends
// up in it (M2-M4), arrays exactly as sent (12a.4), while null members are
// deletions and objects made only of nulls are not created (M10). nullopt:
// nothing of `value` is certain to be stored.
std::optional<std::size_t> StoredSizeLowerBound(const JsonValue& value) {
  if (!value.IsObject()) return CompactJsonSize(value);
  if (value.MemberCount() == 0) return 2;  // M5: {} is stored as a value
  std::size_t size = 2;
  std::size_t kept = 0;
  for (const auto& m : value.GetObject()) {
    if (m.value.IsNull()) continue;
    const std::optional<std::size_t> sub = StoredSizeLowerBound(m.value);
    if (!sub) continue;
    size += CompactJsonSize(m.name) + 1 + *sub + (kept > 0 ? 1 : 0);
    ++kept;
  }
  if (kept == 0) return std::nullopt;
  return size;
}

std::size_t SectionLowerBound(const JsonValue* section) {
  if (section == nullptr || !section->IsObject() || section->MemberCount() == 0) return 0;
  return StoredSizeLowerBound(*section).value_or(0);
}

Status ValidateUpdatePayload(const std::string& payload, const DocumentLimits& limits) {
  if (payload.size() > kMaxPayloadBytes) {
    return InvalidArgumentError("the request is " + std::to_string(payload.size()) +
                                " bytes, more than the " + std::to_string(kMaxPayloadBytes) +
                                " bytes AWS IoT accepts in one PUBLISH (L5)");
  }
  const UpdateRequest request = UpdateRequest::Parse(payload, limits);
  if (!request.ok()) {
    return InvalidArgumentError("invalid update request: " + request.error().message +
                                " (the service would answer " +
                                std::to_string(request.error().code) + ")");
  }
  const std::size_t stored =
      SectionLowerBound(request.desired()) + SectionLowerBound(request.reported());
  if (stored > limits.max_document_bytes) {
    const ShadowError too_large = shadow_errors::PayloadTooLarge();
    return InvalidArgumentError(
        "update too large: desired and reported would hold at least " + std::to_string(stored) +
        " bytes after the merge, more than the limit of " +
        std::to_string(limits.max_document_bytes) + " (L1; the service would answer " +
        std::to_string(too_large.code) + " " + too_large.message + ")");
  }
  return Status::Ok();
}

}  // namespace

std::string InFlagTerms(std::string message) {
  static const std::pair<std::string_view, std::string_view> kNames[] = {
      {"cert_file", "--cert"},
      {"key_file", "--key"},
      {"ca_file", "--ca"},
      {"alpn_protocols", "--alpn"}};
  const auto word_char = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  };
  for (const auto& [field, flag] : kNames) {
    for (std::size_t at = message.find(field); at != std::string::npos;
         at = message.find(field, at)) {
      const std::size_t end = at + field.size();
      if ((at > 0 &&
           (word_char(message[at - 1]) || message[at - 1] == '/' || message[at - 1] == '-')) ||
          (end < message.size() && word_char(message[end]))) {
        at = end;  // part of a longer name or a path
        continue;
      }
      message.replace(at, field.size(), flag);
      at += flag.size();
    }
  }
  return message;
}

namespace {

Result<Request> BuildUpdateRequest(const Options& options, const std::string& client_token) {
  const std::string version_member =
      options.version ? "\"version\":" + std::to_string(*options.version) : "";
  Request request;
  if (options.source == UpdateSource::kDesired || options.source == UpdateSource::kReported) {
    const bool desired = options.source == UpdateSource::kDesired;
    const std::string& text = options.source_arg;
    Result<JsonDocument> parsed = ParseJson(text);
    if (!parsed.ok()) {
      return InvalidArgumentError(
          JsonError(desired ? "--desired" : "--reported", text, parsed.status()));
    }
    // A whole request given as the state is stored nested (desired.state):
    // valid, and almost never meant.
    if (parsed->IsObject()) {
      for (const char* member : {"state", "desired", "reported"}) {
        if (parsed->HasMember(member)) {
          request.warnings.push_back(
              std::string(desired ? "--desired" : "--reported") + " got an object with a \"" +
              member + "\" member, which is stored as " + (desired ? "desired." : "reported.") +
              member +
              "; to send a whole update request {\"state\":{...}}, use --file F (or --file - "
              "for stdin)");
          break;
        }
      }
    }
    // The user's bytes go out as written; ParseJson only checked them.
    request.client_token = client_token;
    request.payload = std::string("{\"state\":{\"") + (desired ? "desired" : "reported") +
                      "\":" + text + "},\"clientToken\":" + JsonString(client_token) +
                      (options.version ? "," + version_member : "") + "}";
  } else {
    Result<std::string> content = ReadSource(options.source_arg);
    if (!content.ok()) return content.status();
    const std::string what = "--file " + options.source_arg;
    Result<JsonDocument> parsed = ParseJson(*content);
    if (!parsed.ok()) return InvalidArgumentError(JsonError(what, *content, parsed.status()));
    if (!parsed->IsObject()) {
      return InvalidArgumentError(what + ": an update request is a JSON object like " +
                                  "{\"state\":{\"desired\":{...}}}, not " + JsonTypeName(*parsed));
    }
    std::string members;
    auto token = parsed->FindMember("clientToken");
    if (token != parsed->MemberEnd() && token->value.IsString()) {
      request.client_token.assign(token->value.GetString(), token->value.GetStringLength());
    } else if (token == parsed->MemberEnd()) {
      request.client_token = client_token;
      members = "\"clientToken\":" + JsonString(client_token);
    }  // a non-string token: UpdateRequest::Parse below reports it
    auto version = parsed->FindMember("version");
    if (options.version) {
      if (version == parsed->MemberEnd()) {
        members += (members.empty() ? "" : ",") + version_member;
      } else if (!version->value.IsUint64() || version->value.GetUint64() != *options.version) {
        return InvalidArgumentError("--version " + std::to_string(*options.version) +
                                    " conflicts with \"version\": " +
                                    ToCompactJson(version->value) + " in " + options.source_arg);
      }
    }
    request.payload = members.empty() ? *content : InsertMembers(*content, members);
  }
  if (Status s = ValidateUpdatePayload(request.payload, options.limits); !s.ok()) return s;
  return request;
}

}  // namespace

std::string FormatDocument(const JsonValue& document, bool compact) {
  if (compact) return ToCompactJson(document);
  rapidjson::StringBuffer buffer;
  rapidjson::PrettyWriter<rapidjson::StringBuffer> writer(buffer);
  writer.SetIndent(' ', 2);
  document.Accept(writer);
  return std::string(buffer.GetString(), buffer.GetSize());
}

namespace {

Operation OperationOf(Command command) {
  switch (command) {
    case Command::kGet:
      return Operation::kGet;
    case Command::kDelete:
      return Operation::kDelete;
    case Command::kUpdate:
    case Command::kWatch:
    case Command::kList:
      break;
  }
  return Operation::kUpdate;
}

std::string Topic(const ShadowId& id, Operation op, Suffix suffix) {
  Result<std::string> topic = BuildTopic(id, op, suffix);
  assert(topic.ok() && "names are validated by ParseArguments");
  return topic.ok() ? *topic : std::string();
}

// The flags' values by name, as given; ParseArguments checks them.
using FlagValues = std::map<std::string, std::vector<std::string>, std::less<>>;

// The command line's shape: the commands, the shared flags (on the program,
// so that they can come before or after the command) and each command's
// own. Values land in `values` and `connection`.
void DefineCommandLine(cli::CommandLine& line, FlagValues* values,
                       cli::ConnectionFlags* connection) {
  CLI::App& app = line.app();
  app.footer(kFooter);
  const auto value = [values](CLI::App& where, const std::string& name, const std::string& type,
                              const std::string& help) {
    where
        .add_option_function<std::string>(
            name, [values, name](const std::string& v) { (*values)[name].push_back(v); }, help)
        ->type_name(type);
  };
  cli::ConnectionFlagsSpec spec;
  spec.shadow_flags = true;
  spec.client_id_default = "shadowctl-<pid>-<random>";
  cli::AddConnectionFlags(app, connection, spec);
  value(app, "--protocol", "mqtt|https-cert|https-sigv4",
        "how to reach the service (default: from --broker's scheme; https:// is https-cert "
        "with --cert, else https-sigv4)");
  value(app, "--profile", "NAME", "SigV4: the AWS profile (default: AWS_PROFILE, else default)");
  value(app, "--region", "REGION",
        "SigV4: the region (default: AWS_REGION, AWS_DEFAULT_REGION, the profile's)");
  value(app, "--timeout", "SECONDS",
        "connect timeout and wait for the answer (default 10); watch: stop after SECONDS (only "
        "when given)");
  app.add_flag_callback(
      "--compact", [values] { (*values)["--compact"].push_back(""); },
      "print the answer on one line (default: indented)");

  for (const auto& [name, help] : {std::pair{"get",
                                             "print the shadow document (the "
                                             ".../get/accepted answer)"},
                                   std::pair{"update",
                                             "send an update request and print the "
                                             ".../update/accepted answer"},
                                   std::pair{"delete",
                                             "delete the shadow and print the "
                                             ".../delete/accepted answer"},
                                   std::pair{"watch",
                                             "print every .../update/delta and "
                                             ".../update/documents message, one compact JSON "
                                             "object per line: "
                                             "{\"type\":\"delta\"|\"documents\",\"topic\":...,"
                                             "\"payload\":{...}}; over HTTPS by polling "
                                             "(--interval)"},
                                   std::pair{"list",
                                             "print the thing's named shadows, one per line "
                                             "(ListNamedShadowsForThing, HTTPS only)"}}) {
    CLI::App* command = app.add_subcommand(name, help);
    command->fallthrough();
    command->footer("The shared flags (--thing, --broker, --timeout, ...): shadowctl --help");
    if (std::string_view(name) == "update") {
      value(*command, "--desired", "JSON", "set state.desired (an object, or null to clear it)");
      value(*command, "--reported", "JSON", "set state.reported (an object, or null to clear it)");
      value(*command, "--file", "F",
            "send F as the whole request, {\"state\":{...}}; \"-\" is stdin; its own "
            "clientToken, if any, is used for the answer");
      value(*command, "--version", "N", "apply only if the shadow is at version N (else 409)");
      value(*command, "--max-document-bytes", "N", "local size check, L1 (default 8192)");
      value(*command, "--max-depth", "N", "local nesting check, L2 (default 6)");
    }
    if (std::string_view(name) == "watch") {
      value(*command, "--count", "N", "stop after N events");
      value(*command, "--interval", "SECONDS",
            "HTTPS only: poll with a GET this often (default 2; REST has no push)");
    }
    if (std::string_view(name) == "list") {
      value(*command, "--page-size", "N", "names per request, 1 to 100 (all pages are printed)");
    }
  }
  app.add_subcommand("authz",
                     "would the registry's AWS IoT policies allow this action? offline, no broker "
                     "(shadowctl authz --help; exit 0 allowed, 3 denied)");
}

}  // namespace

std::string UsageText() {
  cli::CommandLine line("shadowctl", kDescription, SHADOWSYNC_VERSION);
  FlagValues values;
  cli::ConnectionFlags connection;
  DefineCommandLine(line, &values, &connection);
  return line.HelpText();
}

Result<Options> ParseArguments(const std::vector<std::string>& args) {
  Options options;
  cli::CommandLine line("shadowctl", kDescription, SHADOWSYNC_VERSION);
  FlagValues values;
  cli::ConnectionFlags connection;
  DefineCommandLine(line, &values, &connection);
  Result<cli::ParseOutcome> outcome = line.Parse(args);
  if (!outcome.ok()) return outcome.status();
  if (*outcome != cli::ParseOutcome::kRun) {
    options.help = *outcome == cli::ParseOutcome::kHelp;
    options.version_requested = *outcome == cli::ParseOutcome::kVersion;
    options.help_text = options.help ? line.HelpText() : line.VersionText();
    return options;
  }
  const std::vector<CLI::App*> commands = line.app().get_subcommands();
  if (commands.empty())
    return InvalidArgumentError("missing command: get, update, delete, watch or list");
  const std::string& command = commands.front()->get_name();
  options.command = command == "get"      ? Command::kGet
                    : command == "update" ? Command::kUpdate
                    : command == "delete" ? Command::kDelete
                    : command == "list"   ? Command::kList
                                          : Command::kWatch;
  for (const auto& [name, value] :
       {std::pair{"--broker", &connection.broker}, std::pair{"--ca", &connection.ca_file},
        std::pair{"--cert", &connection.cert_file}, std::pair{"--key", &connection.key_file},
        std::pair{"--client-id", &connection.client_id}, std::pair{"--thing", &connection.thing},
        std::pair{"--shadow", &connection.shadow}}) {
    if (*value) values[name].push_back(**value);
  }
  if (!connection.alpn_protocols.empty()) values["--alpn"] = connection.alpn_protocols;
  for (const auto& [name, given] : values) {
    if (given.size() > 1 && name != "--alpn") {
      return InvalidArgumentError(name + " given more than once");
    }
  }
  auto get = [&values](std::string_view name) -> const std::string* {
    auto it = values.find(name);
    return it == values.end() ? nullptr : &it->second.front();
  };

  // The shadow.
  const std::string* thing = get("--thing");
  if (!thing) return InvalidArgumentError("missing --thing");
  options.shadow.thing = *thing;
  if (const std::string* shadow = get("--shadow"); shadow && !shadow->empty()) {
    options.shadow.shadow = *shadow;
  }

  // The connection. The transport checks the files themselves.
  const std::string* broker = get("--broker");
  if (!broker) {
    return InvalidArgumentError(
        "missing --broker (mqtts://host:port, tcp://host:port, wss://host/mqtt or "
        "https://host:port)");
  }
  const bool https = StartsWith(*broker, "https://");
  // wss:// (and ws://) go to the MQTT transport as they are.
  const bool tls = https || StartsWith(*broker, "ssl://") || StartsWith(*broker, "mqtts://") ||
                   StartsWith(*broker, "wss://");
  if (!tls && !StartsWith(*broker, "tcp://") && !StartsWith(*broker, "mqtt://") &&
      !StartsWith(*broker, "ws://")) {
    return InvalidArgumentError("--broker: '" + *broker +
                                "' is not mqtts://host:port, tcp://host:port, wss://host/mqtt "
                                "or https://host:port");
  }
  options.mqtt.server_uri = *broker;
  for (const char* name : {"--ca", "--cert", "--key", "--alpn"}) {
    if (get(name) && !tls) {
      return InvalidArgumentError(std::string(name) + " needs a TLS broker, not " + *broker);
    }
  }
  if ((get("--cert") == nullptr) != (get("--key") == nullptr)) {
    return InvalidArgumentError("--cert and --key go together");
  }
  options.protocol = !https                     ? Protocol::kMqtt
                     : get("--cert") != nullptr ? Protocol::kHttpsCertificate
                                                : Protocol::kHttpsSigV4;
  if (const std::string* protocol = get("--protocol")) {
    const Protocol wanted = *protocol == "mqtt"          ? Protocol::kMqtt
                            : *protocol == "https-cert"  ? Protocol::kHttpsCertificate
                            : *protocol == "https-sigv4" ? Protocol::kHttpsSigV4
                                                         : Protocol::kMqtt;
    if (*protocol != "mqtt" && *protocol != "https-cert" && *protocol != "https-sigv4") {
      return InvalidArgumentError("--protocol: '" + *protocol +
                                  "' is not mqtt, https-cert or https-sigv4");
    }
    if ((wanted != Protocol::kMqtt) != https) {
      return InvalidArgumentError("--protocol " + *protocol + " does not go with --broker " +
                                  *broker + (https ? " (an HTTPS endpoint)" : " (an MQTT broker)"));
    }
    options.protocol = wanted;
  }
  if (options.protocol == Protocol::kHttpsCertificate && get("--cert") == nullptr) {
    return InvalidArgumentError("--protocol https-cert needs --cert and --key");
  }
  if (options.protocol == Protocol::kHttpsSigV4 && get("--cert") != nullptr) {
    return InvalidArgumentError("--cert/--key are for https-cert; SigV4 uses AWS credentials");
  }
  const bool websocket = cli::IsWebSocketUri(*broker);
  if (options.protocol != Protocol::kHttpsSigV4 && !websocket) {
    for (const char* name : {"--profile", "--region"}) {
      if (get(name)) {
        return InvalidArgumentError(std::string(name) +
                                    " is for SigV4 (https:// without --cert, or wss://)");
      }
    }
  }
  if (const std::string* profile = get("--profile")) options.profile = *profile;
  if (const std::string* region = get("--region")) options.region = *region;
  if (websocket) {
    AwsCredentialOptions wanted;
    wanted.profile = options.profile;
    wanted.region = options.region;
    Result<MqttSigV4> sigv4 = cli::WebSocketSigV4(wanted);
    if (!sigv4.ok()) {
      return InvalidArgumentError("--broker " + *broker + ": " + sigv4.status().message());
    }
    options.mqtt.sigv4 = std::move(sigv4).value();
  }
  if (options.command == Command::kList && options.protocol == Protocol::kMqtt) {
    return InvalidArgumentError(
        "list needs HTTPS (ListNamedShadowsForThing is a REST operation): use --broker "
        "https://...");
  }
  if (const std::string* page_size = get("--page-size")) {
    std::optional<std::uint64_t> n = ParseUint(*page_size);
    if (!n || *n == 0 || *n > 100) {
      return InvalidArgumentError("--page-size: '" + *page_size +
                                  "' is not an integer from 1 to 100");
    }
    options.page_size = static_cast<int>(*n);
  }
  if (const std::string* ca = get("--ca")) options.mqtt.ca_file = *ca;
  if (const std::string* cert = get("--cert")) options.mqtt.cert_file = *cert;
  if (const std::string* key = get("--key")) options.mqtt.key_file = *key;
  if (auto alpn = values.find("--alpn"); alpn != values.end()) {
    for (const std::string& p : alpn->second) {
      if (p.empty() || p.size() > 255) {
        return InvalidArgumentError("--alpn: a protocol name is 1 to 255 bytes");
      }
    }
    options.mqtt.alpn_protocols = alpn->second;
  }
  if (const std::string* id = get("--client-id")) {
    if (id->empty()) return InvalidArgumentError("--client-id: empty");
    options.mqtt.client_id = *id;
  }
  if (const std::string* timeout = get("--timeout")) {
    std::optional<std::chrono::milliseconds> ms = ParseSeconds(*timeout);
    if (!ms) {
      return InvalidArgumentError("--timeout: '" + *timeout +
                                  "' is not a positive number of seconds");
    }
    options.timeout = *ms;
    options.timeout_given = true;
  }
  options.mqtt.connect_timeout =
      std::chrono::seconds(std::max<std::int64_t>(1, (options.timeout.count() + 999) / 1000));
  options.compact = get("--compact") != nullptr;

  // update.
  if (options.command == Command::kUpdate) {
    int sources = 0;
    for (auto [name, source] : {std::pair{"--desired", UpdateSource::kDesired},
                                std::pair{"--reported", UpdateSource::kReported},
                                std::pair{"--file", UpdateSource::kFile}}) {
      if (const std::string* v = get(name)) {
        ++sources;
        options.source = source;
        options.source_arg = *v;
      }
    }
    if (sources == 0) {
      return InvalidArgumentError("update needs one of --desired, --reported or --file");
    }
    if (sources > 1) {
      return InvalidArgumentError("update takes only one of --desired, --reported or --file");
    }
    if (options.source == UpdateSource::kFile && options.source_arg.empty()) {
      return InvalidArgumentError("--file: empty path");
    }
    if (const std::string* version = get("--version")) {
      options.version = ParseUint(*version);
      if (!options.version) {
        return InvalidArgumentError("--version: '" + *version + "' is not a non-negative integer");
      }
    }
    if (const std::string* bytes = get("--max-document-bytes")) {
      std::optional<std::uint64_t> n = ParseUint(*bytes);
      if (!n || *n == 0) {
        return InvalidArgumentError("--max-document-bytes: '" + *bytes +
                                    "' is not a positive integer");
      }
      options.limits.max_document_bytes = static_cast<std::size_t>(*n);
    }
    if (const std::string* depth = get("--max-depth")) {
      std::optional<std::uint64_t> n = ParseUint(*depth);
      if (!n || *n == 0 || *n > 1000) {
        return InvalidArgumentError("--max-depth: '" + *depth +
                                    "' is not an integer from 1 to 1000");
      }
      options.limits.max_depth = static_cast<int>(*n);
    }
  }

  // watch.
  if (const std::string* interval = get("--interval")) {
    if (options.protocol == Protocol::kMqtt) {
      return InvalidArgumentError(
          "--interval is for watch over HTTPS (it polls); MQTT watch is pushed");
    }
    std::optional<std::chrono::milliseconds> ms = ParseSeconds(*interval);
    if (!ms) {
      return InvalidArgumentError("--interval: '" + *interval +
                                  "' is not a positive number of seconds");
    }
    options.poll_interval = *ms;
  }
  if (const std::string* count = get("--count")) {
    options.count = ParseUint(*count);
    if (!options.count || *options.count == 0) {
      return InvalidArgumentError("--count: '" + *count + "' is not a positive integer");
    }
  }
  return options;
}

std::string MakeClientToken() {
  std::random_device random;
  const std::uint64_t r = (static_cast<std::uint64_t>(random()) << 32) ^ random();
  char hex[17];
  std::snprintf(hex, sizeof(hex), "%016llx", static_cast<unsigned long long>(r));
  return "shadowctl-" + std::to_string(::getpid()) + "-" + hex;
}

Result<Request> BuildRequest(const Options& options, const std::string& client_token) {
  if (options.command == Command::kUpdate) return BuildUpdateRequest(options, client_token);
  // P5: the body of get and delete is ignored except for the token it echoes.
  return Request{"{\"clientToken\":" + JsonString(client_token) + "}", client_token, {}};
}

// --- StopSignal ---

void StopSignal::Raise(int signal) {
  MutexLock lock(mu_);
  int expected = 0;
  signal_.compare_exchange_strong(expected, signal);
  // Called under mu_ so that the waker's owner cannot go away meanwhile; the
  // waker takes only the ShadowCtl's own mutex (lock order: this, then it).
  if (waker_) waker_();
}

int StopSignal::raised() const { return signal_.load(); }

void StopSignal::SetWaker(std::function<void()> waker) {
  MutexLock lock(mu_);
  waker_ = std::move(waker);
}

// --- ShadowCtl ---

ShadowCtl::ShadowCtl(const Options& options, Request request, Transport& transport,
                     std::ostream& out, std::ostream& err, StopSignal& stop)
    : options_(options),
      request_(std::move(request)),
      transport_(transport),
      out_(out),
      err_(err),
      stop_(stop) {
  stop_.SetWaker([this] { Wake(); });
}

ShadowCtl::~ShadowCtl() { stop_.SetWaker(nullptr); }

void ShadowCtl::Wake() {
  MutexLock lock(mu_);
  cv_.notify_all();
}

int ShadowCtl::Run() {
  // The handlers run on the transport's thread: they only enqueue.
  transport_.SetHandlers(
      [this](const MqttMessage& message) {
        MutexLock lock(mu_);
        events_.push_back(Event{message, std::nullopt, Status::Ok()});
        cv_.notify_all();
      },
      [this](ConnectionEvent event, const Status& cause) {
        MutexLock lock(mu_);
        events_.push_back(Event{std::nullopt, event, cause});
        cv_.notify_all();
      });
  int rc = Connect();
  if (rc == kExitOk) rc = options_.command == Command::kWatch ? RunWatch() : RunRequest();
  // Best effort: the answer is printed already, or the error is.
  Status ignored = transport_.Disconnect();
  (void)ignored;
  return rc;
}

int ShadowCtl::Connect() {
  const Status s = transport_.Connect();
  if (s.ok()) return kExitOk;
  const std::string& uri = options_.mqtt.server_uri;
  // The Paho transport names the URI and diagnoses the cause itself (TLS
  // alerts, certificate problems, wrong port), so its message stands alone.
  const std::string message = InFlagTerms(s.message());
  if (message.find(uri) != std::string::npos) {
    err_ << "error: " << message << "\n";
  } else {
    err_ << "error: cannot connect to " << uri << ": " << message << "\n";
  }
  if (StartsWith(uri, "ssl://") && PortOf(uri) == 443 && options_.mqtt.alpn_protocols.empty()) {
    err_ << "hint: AWS IoT on port 443 needs --alpn x-amzn-mqtt-ca\n";
  }
  return kExitConnection;
}

int ShadowCtl::Subscribe(const std::string& topic) {
  const Status s = transport_.Subscribe(topic, 1);
  if (s.ok()) return kExitOk;
  err_ << "error: cannot subscribe to " << topic << ": " << s.message() << "\n";
  return kExitConnection;
}

bool ShadowCtl::NextEvent(const std::optional<std::chrono::steady_clock::time_point>& deadline,
                          Event* event) {
  MutexLock lock(mu_);
  for (;;) {
    if (stop_.raised() != 0) {
      // What arrived before the stop is still handed out (watch prints it),
      // but nothing that arrives after: a flood cannot delay the stop.
      if (!drain_after_stop_) drain_after_stop_ = events_.size();
      if (*drain_after_stop_ == 0 || events_.empty()) return false;
      --*drain_after_stop_;
      *event = std::move(events_.front());
      events_.pop_front();
      return true;
    }
    if (!events_.empty()) {
      *event = std::move(events_.front());
      events_.pop_front();
      return true;
    }
    if (deadline) {
      if (std::chrono::steady_clock::now() >= *deadline) return false;
      lock.WaitUntil(cv_, *deadline);
    } else {
      lock.Wait(cv_);
    }
  }
}

void ShadowCtl::NoteConnection(const Event& event) {
  if (*event.connection == ConnectionEvent::kConnectionLost) {
    connection_lost_ = true;
    err_ << "warning: connection lost" << (event.cause.ok() ? "" : ": " + event.cause.message())
         << "; reconnecting\n";
  } else if (*event.connection == ConnectionEvent::kReconnected) {
    err_ << "warning: reconnected\n";
  }
}

int ShadowCtl::RunRequest() {
  const Operation op = OperationOf(options_.command);
  const std::string accepted = Topic(options_.shadow, op, Suffix::kAccepted);
  const std::string rejected = Topic(options_.shadow, op, Suffix::kRejected);
  const std::string request_topic = Topic(options_.shadow, op, Suffix::kNone);

  // Subscribe first (Subscribe returns after the SUBACK): the answer can
  // come back faster than any later subscription would.
  if (int rc = Subscribe(accepted); rc != kExitOk) return rc;
  if (int rc = Subscribe(rejected); rc != kExitOk) return rc;
  if (Status s = transport_.Publish(request_topic, request_.payload, 1); !s.ok()) {
    err_ << "error: cannot publish to " << request_topic << ": " << s.message() << "\n";
    return kExitConnection;
  }

  const auto deadline = std::chrono::steady_clock::now() + options_.timeout;
  Event event;
  while (NextEvent(deadline, &event)) {
    if (event.connection) {
      NoteConnection(event);
      continue;
    }
    const MqttMessage& message = *event.message;
    const bool is_accepted = message.topic == accepted;
    if (!is_accepted && message.topic != rejected) continue;
    // P11: every subscriber sees every answer; only ours carries our token.
    Result<JsonDocument> doc = ParseJson(message.payload);
    if (!doc.ok() || !doc->IsObject()) continue;
    auto token = doc->FindMember("clientToken");
    if (token == doc->MemberEnd() || !token->value.IsString() ||
        std::string_view(token->value.GetString(), token->value.GetStringLength()) !=
            request_.client_token) {
      continue;
    }
    if (!is_accepted) {
      auto code = doc->FindMember("code");
      auto text = doc->FindMember("message");
      err_ << "error: "
           << (code != doc->MemberEnd() ? ToCompactJson(code->value) : std::string("?")) << " "
           << (text != doc->MemberEnd() && text->value.IsString()
                   ? std::string(text->value.GetString(), text->value.GetStringLength())
                   : std::string("(no message)"))
           << "\n";
      return kExitRejected;
    }
    out_ << FormatDocument(*doc, options_.compact) << "\n";
    out_.flush();
    if (!out_) {
      err_ << "error: cannot write to stdout\n";
      return kExitInternal;
    }
    return kExitOk;
  }
  if (const int signal = stop_.raised(); signal != 0) {
    err_ << "error: interrupted (signal " << signal << ") before an answer on " << accepted << "\n";
    return kExitInterrupted;
  }
  err_ << "error: no answer within " << FormatSeconds(options_.timeout)
       << " (is the shadow service running? topics: " << accepted << ", " << rejected << ")";
  if (connection_lost_) err_ << "; the connection was lost while waiting";
  err_ << "\n";
  return kExitTimeout;
}

int ShadowCtl::RunWatch() {
  const std::string delta = Topic(options_.shadow, Operation::kUpdate, Suffix::kDelta);
  const std::string documents = Topic(options_.shadow, Operation::kUpdate, Suffix::kDocuments);
  if (int rc = Subscribe(delta); rc != kExitOk) return rc;
  if (int rc = Subscribe(documents); rc != kExitOk) return rc;

  std::optional<std::chrono::steady_clock::time_point> deadline;
  if (options_.timeout_given) deadline = std::chrono::steady_clock::now() + options_.timeout;
  std::uint64_t seen = 0;
  Event event;
  while (!options_.count || seen < *options_.count) {
    if (!NextEvent(deadline, &event)) {
      if (stop_.raised() == 0 && options_.count) {
        err_ << "error: " << seen << " of " << *options_.count << " events within "
             << FormatSeconds(options_.timeout) << " (topics: " << delta << ", " << documents
             << ")\n";
        return kExitTimeout;
      }
      return kExitOk;  // SIGINT/SIGTERM or the --timeout: a normal end
    }
    if (event.connection) {
      NoteConnection(event);
      continue;
    }
    const MqttMessage& message = *event.message;
    const char* type = message.topic == delta       ? "delta"
                       : message.topic == documents ? "documents"
                                                    : nullptr;
    // A retained message is a replay of someone's publish, not an event (the
    // service never retains, P10).
    if (type == nullptr || message.retained) continue;
    Result<JsonDocument> doc = ParseJson(message.payload);
    if (!doc.ok()) {
      err_ << "warning: ignoring a message on " << message.topic
           << " that is not JSON: " << doc.status().message() << "\n";
      continue;
    }
    out_ << "{\"type\":\"" << type << "\",\"topic\":" << JsonString(message.topic)
         << ",\"payload\":" << ToCompactJson(*doc) << "}\n";
    out_.flush();
    if (!out_) return kExitOk;  // the reader went away (watch | head -n 1)
    ++seen;
  }
  return kExitOk;
}

int RunMain(const std::vector<std::string>& args, const TransportFactory& factory,
            std::ostream& out, std::ostream& err, StopSignal& stop) {
  // authz has its own options and needs no broker (authz_command.cc).
  if (IsAuthzCommand(args)) return RunAuthz(args, out, err);
  Result<Options> parsed = ParseArguments(args);
  if (!parsed.ok()) {
    err << "error: " << parsed.status().message() << "\nsee 'shadowctl --help'\n";
    return kExitUsage;
  }
  Options& options = *parsed;
  if (options.help || options.version_requested) {
    out << options.help_text;
    return kExitOk;
  }
  if (options.mqtt.client_id.empty()) {
    // AWS IoT drops an older connection with the same client id, so the
    // default is unique; thing policies often want --client-id <thing>.
    const std::string token = MakeClientToken();
    options.mqtt.client_id = token.substr(0, token.size() - 8);
  }
  Request request;
  if (options.command != Command::kWatch && options.command != Command::kList) {
    Result<Request> built = BuildRequest(options, MakeClientToken());
    if (!built.ok()) {
      err << "error: " << built.status().message() << "\n";
      return kExitUsage;
    }
    request = std::move(*built);
  }
  for (const std::string& warning : request.warnings) err << "warning: " << warning << "\n";
  if (options.protocol != Protocol::kMqtt) {
    return RunRest(options, request, out, err, SystemAwsEnvironment(), stop);
  }
  Result<std::unique_ptr<Transport>> transport = factory(options.mqtt);
  if (!transport.ok()) {
    err << "error: " << InFlagTerms(transport.status().message()) << "\n";
    // A bad option or TLS file (kFailedPrecondition: a key readable by
    // others) is the user's to fix: a usage error.
    const StatusCode code = transport.status().code();
    return code == StatusCode::kInvalidArgument || code == StatusCode::kFailedPrecondition
               ? kExitUsage
               : kExitConnection;
  }
  ShadowCtl ctl(options, std::move(request), **transport, out, err, stop);
  return ctl.Run();
}

}  // namespace shadowctl
}  // namespace shadowsync
