// SPDX-License-Identifier: Apache-2.0

#include "connection_flags.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <iterator>
#include <optional>
#include <random>
#include <utility>

namespace shadowsync::examples {
namespace {

// The connection flags and the MqttOptions fields they set, so that the
// library's messages ("key_file: ...") can name the flag instead.
struct FieldName {
  const char* flag;
  const char* field;
};
constexpr FieldName kConnectionFlags[] = {
    {"--broker", "server_uri"}, {"--ca", "ca_file"},          {"--cert", "cert_file"},
    {"--key", "key_file"},      {"--client-id", "client_id"}, {"--alpn", "alpn_protocols"},
};

bool IsConnectionFlag(std::string_view name) {
  return std::any_of(std::begin(kConnectionFlags), std::end(kConnectionFlags),
                     [name](const FieldName& f) { return name == f.flag; });
}

bool IsWordChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

// Replaces the field names in `message` with the flags, leaving alone any
// text inside the values the user gave (a key file may well be called
// "key_file").
std::string NameFlags(std::string message, const std::vector<std::string>& values) {
  std::vector<bool> protect(message.size(), false);
  for (const std::string& value : values) {
    if (value.empty()) continue;
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
      for (const FieldName& f : kConnectionFlags) {
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

}  // namespace

const char kConnectionFlagsHelp[] =
    "  --broker URI        tcp://host:port, or ssl://host:port for TLS (required).\n"
    "                      AWS IoT Core: ssl://<prefix>-ats.iot.<region>.amazonaws.com:8883,\n"
    "                      or :443 with --alpn\n"
    "  --ca F              CA certificate(s) that verify the broker (PEM; ssl:// only;\n"
    "                      required for ssl://). AWS IoT Core: AmazonRootCA1.pem\n"
    "  --cert F --key F    client certificate and private key (PEM, EC or RSA) for mutual\n"
    "                      TLS; both or neither\n"
    "  --client-id ID      MQTT client id (default: <program>-<pid>-<random>); AWS thing\n"
    "                      policies often want the thing name\n"
    "  --alpn [P]          ALPN protocol, repeatable; without P: x-amzn-mqtt-ca, which AWS\n"
    "                      IoT Core needs on port 443\n";

std::string UniqueClientId(std::string_view program) {
  std::random_device device;
  char hex[9];
  std::snprintf(hex, sizeof hex, "%08x", static_cast<unsigned>(device()));
  return std::string(program) + "-" + std::to_string(::getpid()) + "-" + hex;
}

void CommandLine::AddValueFlag(std::string name) { value_flags_.push_back(std::move(name)); }

Status CommandLine::Parse(int argc, const char* const* argv) {
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "-h" || arg == "--help") {
      help_ = true;
      return Status::Ok();
    }
    if (arg.size() < 3 || arg.compare(0, 2, "--") != 0) {
      return InvalidArgumentError("unexpected argument '" + arg + "'");
    }
    std::string name = arg;
    std::optional<std::string> value;
    if (const std::size_t eq = arg.find('='); eq != std::string::npos) {
      name = arg.substr(0, eq);
      value = arg.substr(eq + 1);
    }
    const bool known = IsConnectionFlag(name) || std::find(value_flags_.begin(), value_flags_.end(),
                                                           name) != value_flags_.end();
    if (!known) return InvalidArgumentError("unknown option '" + name + "'");
    if (!value) {
      const bool next_is_value = i + 1 < argc && argv[i + 1][0] != '-';
      if (name == "--alpn" && !next_is_value) {
        value = kAwsAlpn;
      } else if (i + 1 >= argc) {
        return InvalidArgumentError(name + " needs a value");
      } else {
        value = argv[++i];
      }
    }
    if (value->empty()) return InvalidArgumentError(name + ": empty value");
    std::vector<std::string>& slot = values_[name];
    if (!slot.empty() && name != "--alpn") {
      return InvalidArgumentError(name + " given more than once");
    }
    slot.push_back(std::move(*value));
  }
  return Status::Ok();
}

const std::string* CommandLine::Get(std::string_view name) const {
  const auto it = values_.find(name);
  return it == values_.end() ? nullptr : &it->second.front();
}

Result<MqttOptions> CommandLine::ToMqttOptions(std::string default_client_id) const {
  MqttOptions options;
  const std::string* broker = Get("--broker");
  if (broker == nullptr) return InvalidArgumentError("--broker is required");
  options.server_uri = *broker;
  const std::string* client_id = Get("--client-id");
  options.client_id = client_id ? *client_id : std::move(default_client_id);
  if (const std::string* ca = Get("--ca")) options.ca_file = *ca;
  if (const std::string* cert = Get("--cert")) options.cert_file = *cert;
  if (const std::string* key = Get("--key")) options.key_file = *key;
  if (const auto alpn = values_.find("--alpn"); alpn != values_.end()) {
    options.alpn_protocols = alpn->second;
  }
  if (Status valid = ValidateMqttOptions(options); !valid.ok()) {
    std::vector<std::string> given;
    for (const auto& [name, values] : values_)
      given.insert(given.end(), values.begin(), values.end());
    return InvalidArgumentError(NameFlags(valid.message(), given));
  }
  return options;
}

}  // namespace shadowsync::examples
