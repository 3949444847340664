// SPDX-License-Identifier: Apache-2.0

#include "connection_flags.h"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <iterator>
#include <random>
#include <utility>

#include "shadowsync/aws_credentials.h"
#include "shadowsync/topic.h"

namespace shadowsync::cli {
namespace {

// The connection flags and the MqttOptions fields they set, so that the
// library's messages ("key_file: ...") can name the flag instead.
struct FieldName {
  const char* flag;
  const char* field;
};
constexpr FieldName kFieldNames[] = {
    {"--broker", "server_uri"}, {"--ca", "ca_file"},          {"--cert", "cert_file"},
    {"--key", "key_file"},      {"--client-id", "client_id"}, {"--alpn", "alpn_protocols"},
};

bool IsWordChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

// A check() that refuses an empty value; CLI11 would take `--ca=` as "".
CLI::Validator NotEmpty() {
  return CLI::Validator(
      [](const std::string& value) { return value.empty() ? std::string("empty value") : ""; }, "",
      "not empty");
}

// A check() from one of the library's name rules (topic.h).
CLI::Validator NameRule(Status (*rule)(std::string_view), const char* what) {
  return CLI::Validator(
      [rule](const std::string& value) {
        const Status valid = rule(value);
        return valid.ok() ? std::string() : valid.message();
      },
      "", what);
}

// Adds `--name VALUE` that stores into `*slot`, checked by `check`.
CLI::Option* AddValue(CLI::App& app, const std::string& names, std::optional<std::string>* slot,
                      const std::string& help, const CLI::Validator& check) {
  return app
      .add_option_function<std::string>(
          names, [slot](const std::string& value) { *slot = value; }, help)
      ->check(check)
      ->group("Connection");
}

}  // namespace

void AddConnectionFlags(CLI::App& app, ConnectionFlags* flags, const ConnectionFlagsSpec& spec) {
  AddValue(app, "--broker,--endpoint", &flags->broker,
           "tcp://host:port, or ssl://host:port for TLS (mqtt:// and mqtts:// too); AWS IoT "
           "Core: ssl://<prefix>-ats.iot.<region>.amazonaws.com:8883, or :443 with --alpn. "
           "--endpoint is another name for it. " +
               spec.broker_help,
           NotEmpty())
      ->type_name("URI");
  AddValue(app, "--ca", &flags->ca_file,
           "CA certificate(s) that verify the broker (PEM; ssl:// only). AWS IoT Core: "
           "AmazonRootCA1.pem",
           NotEmpty())
      ->type_name("FILE");
  AddValue(app, "--cert", &flags->cert_file, "client certificate for mutual TLS (PEM); with --key",
           NotEmpty())
      ->type_name("FILE");
  AddValue(app, "--key", &flags->key_file,
           "the client certificate's private key (PEM, EC or RSA, unencrypted; chmod 600)",
           NotEmpty())
      ->type_name("FILE");
  app.add_option(
         "--alpn", flags->alpn_protocols,
         std::string("ALPN protocols offered in TLS, comma-separated, repeatable; alone: ") +
             kAwsAlpn + ", which AWS IoT Core needs on port 443")
      ->expected(0, 1)
      ->default_str(kAwsAlpn)
      ->delimiter(',')
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll)
      ->allow_extra_args(false)
      ->check(NotEmpty())
      ->type_name("P")
      ->group("Connection");
  AddValue(app, "--client-id", &flags->client_id,
           "MQTT client id (default: " + spec.client_id_default + ")", NotEmpty())
      ->type_name("ID");
  if (spec.shadow_flags) {
    AddValue(app, "--thing", &flags->thing, "thing name",
             NameRule(&ValidateThingName, "thing name"))
        ->type_name("NAME");
    AddValue(app, "--shadow", &flags->shadow, "named shadow (\"\" or absent: the classic shadow)",
             CLI::Validator(
                 [](const std::string& value) {
                   if (value.empty()) return std::string();
                   const Status valid = ValidateShadowName(value);
                   return valid.ok() ? std::string() : valid.message();
                 },
                 "", "shadow name"))
        ->expected(0, 1)
        ->default_str("")
        ->type_name("NAME");
  }
}

namespace {

// The scheme of `server_uri` in lower case; "" when it has none.
std::string LowerScheme(std::string_view server_uri) {
  const std::size_t sep = server_uri.find("://");
  if (sep == std::string_view::npos) return "";
  std::string scheme(server_uri.substr(0, sep));
  std::transform(scheme.begin(), scheme.end(), scheme.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return scheme;
}

}  // namespace

bool IsWebSocketUri(std::string_view server_uri) {
  const std::string scheme = LowerScheme(server_uri);
  return scheme == "wss" || scheme == "ws";
}

bool IsTlsUri(std::string_view server_uri) {
  const std::string scheme = LowerScheme(server_uri);
  return scheme == "ssl" || scheme == "mqtts" || scheme == "wss";
}

Status CheckBrokerUri(std::string_view server_uri) {
  // The library's own check, on options that are valid but for the URI:
  // its first check is the URI's, so what it reports is the URI's fault.
  MqttOptions options;
  options.server_uri = std::string(server_uri);
  options.client_id = "check";
  Status valid = ValidateMqttOptions(options);
  if (valid.ok() || valid.message().rfind("server_uri: ", 0) != 0) return Status::Ok();
  return InvalidArgumentError(InFlagTerms(valid.message(), {options.server_uri}));
}

Status SignWebSocket(MqttOptions* options) {
  // MQTT over WebSocket: SigV4 with the AWS CLI's credentials and region.
  if (!IsWebSocketUri(options->server_uri)) return Status::Ok();
  Result<MqttSigV4> sigv4 = WebSocketSigV4();
  if (!sigv4.ok()) {
    return InvalidArgumentError("--broker " + options->server_uri + ": " +
                                sigv4.status().message());
  }
  options->sigv4 = std::move(sigv4).value();
  return Status::Ok();
}

Result<MqttSigV4> WebSocketSigV4(const AwsCredentialOptions& wanted) {
  Result<std::string> region = LoadAwsRegion(wanted, SystemAwsEnvironment());
  if (!region.ok()) {
    return InvalidArgumentError("SigV4 needs a region (--region, AWS_REGION or the profile's): " +
                                region.status().message());
  }
  MqttSigV4 sigv4;
  sigv4.region = *region;
  sigv4.credentials = [wanted] { return LoadAwsCredentials(wanted, SystemAwsEnvironment()); };
  return sigv4;
}

Result<MqttOptions> ToMqttOptions(const ConnectionFlags& flags, const std::string& default_broker,
                                  std::string default_client_id) {
  MqttOptions options;
  if (!flags.broker && default_broker.empty()) {
    return InvalidArgumentError("--broker is required");
  }
  options.server_uri = flags.broker.value_or(default_broker);
  options.client_id = flags.client_id.value_or(std::move(default_client_id));
  options.ca_file = flags.ca_file.value_or("");
  options.cert_file = flags.cert_file.value_or("");
  options.key_file = flags.key_file.value_or("");
  options.alpn_protocols = flags.alpn_protocols;
  if (Status signed_uri = SignWebSocket(&options); !signed_uri.ok()) return signed_uri;
  if (Status valid = ValidateMqttOptions(options); !valid.ok()) {
    const std::vector<std::string> given = {options.server_uri, options.client_id, options.ca_file,
                                            options.cert_file, options.key_file};
    return InvalidArgumentError(InFlagTerms(valid.message(), given));
  }
  return options;
}

std::string InFlagTerms(const std::string& message, const std::vector<std::string>& values) {
  std::vector<bool> protect(message.size(), false);
  for (const std::string& value : values) {
    // Only a value with a field name inside needs protecting; protecting
    // every value would let a short one ("--client-id c") hide the fields.
    const bool holds_a_field = std::any_of(
        std::begin(kFieldNames), std::end(kFieldNames),
        [&value](const FieldName& f) { return value.find(f.field) != std::string::npos; });
    if (value.empty() || !holds_a_field) continue;
    for (std::size_t at = message.find(value); at != std::string::npos;
         at = message.find(value, at + 1)) {
      std::fill(protect.begin() + static_cast<std::ptrdiff_t>(at),
                protect.begin() + static_cast<std::ptrdiff_t>(at + value.size()), true);
    }
  }
  std::string out;
  for (std::size_t i = 0; i < message.size();) {
    bool replaced = false;
    if (!protect[i] && (i == 0 || !IsWordChar(message[i - 1]))) {
      for (const FieldName& f : kFieldNames) {
        const std::string_view field = f.field;
        const std::size_t end = i + field.size();
        if (message.compare(i, field.size(), field) == 0 &&
            (end == message.size() || !IsWordChar(message[end]))) {
          out += f.flag;
          i = end;
          replaced = true;
          break;
        }
      }
    }
    if (!replaced) out += message[i++];
  }
  return out;
}

std::string UniqueClientId(std::string_view program) {
  std::random_device device;
  char hex[9];
  std::snprintf(hex, sizeof hex, "%08x", static_cast<unsigned>(device()));
  return std::string(program) + "-" + std::to_string(::getpid()) + "-" + hex;
}

}  // namespace shadowsync::cli
