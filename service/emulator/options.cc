// SPDX-License-Identifier: Apache-2.0

#include "options.h"

#include <charconv>
#include <cstdint>
#include <limits>
#include <optional>
#include <string_view>
#include <utility>

#include "host_option_values.h"

#ifndef SHADOWSYNC_VERSION
#define SHADOWSYNC_VERSION "0.1.0"
#endif

namespace shadowsync::emulator {
namespace {

constexpr const char kDefaultBroker[] = "tcp://localhost:1883";

// The shared checks of option values (service/core/host_option_values.h).
Status Invalid(std::string_view flag, std::string_view value, std::string_view expected) {
  return host::InvalidOptionValue(flag, value, expected);
}

Result<std::uint64_t> ParseInteger(std::string_view flag, std::string_view text, std::uint64_t min,
                                   std::uint64_t max) {
  return host::ParseOptionInteger(flag, text, min, max);
}

bool AllDigits(std::string_view text) {
  if (text.empty()) return false;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

// tcp://HOST[:PORT] or ssl://HOST[:PORT]; HOST may be [IPv6].
Status CheckBrokerUri(std::string_view uri) {
  constexpr std::string_view kExpected = "tcp://HOST[:PORT] or ssl://HOST[:PORT]";
  std::string_view rest;
  if (uri.substr(0, 6) == "tcp://" || uri.substr(0, 6) == "ssl://") {
    rest = uri.substr(6);
  } else {
    return Invalid("--broker", uri, kExpected);
  }
  std::string_view host = rest;
  std::string_view port;
  if (!rest.empty() && rest.front() == '[') {
    const std::size_t close = rest.find(']');
    if (close == std::string_view::npos || close == 1) return Invalid("--broker", uri, kExpected);
    host = rest.substr(0, close + 1);
    std::string_view after = rest.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return Invalid("--broker", uri, kExpected);
      port = after.substr(1);
      if (port.empty()) return Invalid("--broker", uri, kExpected);
    }
  } else {
    const std::size_t colon = rest.find(':');
    if (colon != std::string_view::npos) {
      host = rest.substr(0, colon);
      port = rest.substr(colon + 1);
      if (port.empty()) return Invalid("--broker", uri, kExpected);
    }
  }
  if (host.empty() || host.find_first_of("/?#@ ") != std::string_view::npos) {
    return Invalid("--broker", uri, kExpected);
  }
  if (!port.empty() && !ParseInteger("--broker", port, 1, 65535).ok()) {
    return Invalid("--broker", uri, std::string(kExpected) + " with a port from 1 to 65535");
  }
  return Status::Ok();
}

enum class Flag {
  kBroker,
  kCa,
  kCert,
  kKey,
  kClientId,
  kAlpn,
  kStore,
  kSeed,
  kSeedFile,
  kOrderSeed,
  kExport,
  kOrder,
  kMaxDocumentBytes,
  kMaxDepth,
  kMaxInflight,
  kMaxRequestsPerSecond,
  kWorkers,
  kLogLevel,
};

struct FlagName {
  std::string_view name;
  Flag flag;
};

constexpr FlagName kValueFlags[] = {
    {"--broker", Flag::kBroker},
    {"--ca", Flag::kCa},
    {"--cert", Flag::kCert},
    {"--key", Flag::kKey},
    {"--client-id", Flag::kClientId},
    {"--alpn", Flag::kAlpn},
    {"--store", Flag::kStore},
    {"--seed", Flag::kSeed},
    {"--seed-file", Flag::kSeedFile},
    {"--order-seed", Flag::kOrderSeed},
    {"--export", Flag::kExport},
    {"--order", Flag::kOrder},
    {"--max-document-bytes", Flag::kMaxDocumentBytes},
    {"--max-depth", Flag::kMaxDepth},
    {"--max-inflight", Flag::kMaxInflight},
    {"--max-requests-per-second", Flag::kMaxRequestsPerSecond},
    {"--workers", Flag::kWorkers},
    {"--log-level", Flag::kLogLevel},
};

std::optional<Flag> LookUp(std::string_view name) {
  for (const FlagName& f : kValueFlags) {
    if (f.name == name) return f.flag;
  }
  return std::nullopt;
}

}  // namespace

const char* EmulatorVersion() { return SHADOWSYNC_VERSION; }

std::string VersionText() { return std::string("shadowsync-emulator ") + EmulatorVersion() + "\n"; }

Result<CommandLine> ParseCommandLine(const std::vector<std::string>& args, long pid) {
  CommandLine line;
  line.mqtt.server_uri = kDefaultBroker;
  line.mqtt.client_id = "shadowsync-emulator-" + std::to_string(pid);

  // --help and --version win over everything else, errors included.
  for (const std::string& arg : args) {
    if (arg == "--help" || arg == "-h") {
      line.action = CommandLine::Action::kHelp;
      return line;
    }
  }
  for (const std::string& arg : args) {
    if (arg == "--version") {
      line.action = CommandLine::Action::kVersion;
      return line;
    }
  }

  // Which flag set an order seed, and its text, to check it against --order.
  std::string order_seed_flag;
  std::string order_seed_text;

  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg.size() < 3 || arg.compare(0, 2, "--") != 0) {
      return InvalidArgumentError("unexpected argument '" + arg +
                                  "' (flags start with --; see --help)");
    }
    std::string name = arg;
    std::optional<std::string> value;
    const std::size_t eq = arg.find('=');
    if (eq != std::string::npos) {
      name = arg.substr(0, eq);
      value = arg.substr(eq + 1);
    }
    if (name == "--help" || name == "--version" || (name == "--persistent-session" && value)) {
      return InvalidArgumentError(name + ": takes no value");
    }
    if (name == "--persistent-session") {
      line.mqtt.clean_session = false;
      continue;
    }
    const std::optional<Flag> flag = LookUp(name);
    if (!flag) return InvalidArgumentError("unknown flag '" + name + "' (see --help)");
    if (!value) {
      if (i + 1 >= args.size()) return InvalidArgumentError(name + ": missing value");
      const std::string& next = args[i + 1];
      if (next.size() > 2 && next.compare(0, 2, "--") == 0 &&
          LookUp(next.substr(0, next.find('=')))) {
        return InvalidArgumentError(name + ": missing value (got the flag '" + next + "')");
      }
      value = next;
      ++i;
    }
    const std::string& v = *value;
    switch (*flag) {
      case Flag::kBroker: {
        Status status = CheckBrokerUri(v);
        if (!status.ok()) return status;
        line.mqtt.server_uri = v;
        break;
      }
      case Flag::kCa:
      case Flag::kCert:
      case Flag::kKey:
      case Flag::kClientId:
      case Flag::kStore:
      case Flag::kSeedFile:
      case Flag::kExport: {
        if (v.empty()) return InvalidArgumentError(name + ": empty value");
        if (*flag == Flag::kCa) line.mqtt.ca_file = v;
        if (*flag == Flag::kCert) line.mqtt.cert_file = v;
        if (*flag == Flag::kKey) line.mqtt.key_file = v;
        if (*flag == Flag::kClientId) {
          if (v.size() > 65535)
            return Invalid(name, v.substr(0, 40) + "...", "at most 65535 bytes");
          line.mqtt.client_id = v;
        }
        if (*flag == Flag::kStore) line.store_path = v;
        if (*flag == Flag::kSeedFile) line.seed_file = v;
        if (*flag == Flag::kExport) line.export_file = v;
        break;
      }
      case Flag::kAlpn: {
        std::size_t start = 0;
        while (true) {
          const std::size_t comma = v.find(',', start);
          const std::string proto = v.substr(start, comma - start);
          if (proto.empty() || proto.size() > 255) {
            return Invalid(name, v, "comma-separated protocol names of 1 to 255 bytes");
          }
          line.mqtt.alpn_protocols.push_back(proto);
          if (comma == std::string::npos) break;
          start = comma + 1;
        }
        break;
      }
      case Flag::kSeed: {
        if (v.empty()) return InvalidArgumentError(name + ": empty value");
        if (AllDigits(v)) {
          Result<std::uint64_t> seed =
              ParseInteger(name, v, 0, std::numeric_limits<std::uint64_t>::max());
          if (!seed.ok()) {
            return InvalidArgumentError(
                "--seed: invalid value '" + v +
                "': an order seed must be an integer from 0 to 18446744073709551615 (to load "
                "a seed file with that name, write ./" +
                v + ")");
          }
          line.emulator.host.order_seed = *seed;
          order_seed_flag = name;
          order_seed_text = v;
        } else {
          line.seed_file = v;
        }
        break;
      }
      case Flag::kOrderSeed: {
        Status applied =
            host::ApplyHostSetting(host::HostSetting::kOrderSeed, name, v, line.emulator.host);
        if (!applied.ok()) return applied;
        order_seed_flag = name;
        order_seed_text = v;
        break;
      }
      case Flag::kOrder:
      case Flag::kMaxDocumentBytes:
      case Flag::kMaxDepth:
      case Flag::kMaxInflight:
      case Flag::kMaxRequestsPerSecond: {
        // The values every service host takes, checked once (host_option_values.h).
        const host::HostSetting setting =
            *flag == Flag::kOrder              ? host::HostSetting::kOrder
            : *flag == Flag::kMaxDocumentBytes ? host::HostSetting::kMaxDocumentBytes
            : *flag == Flag::kMaxDepth         ? host::HostSetting::kMaxDepth
            : *flag == Flag::kMaxInflight      ? host::HostSetting::kMaxInflight
                                               : host::HostSetting::kMaxRequestsPerSecond;
        Status applied = host::ApplyHostSetting(setting, name, v, line.emulator.host);
        if (!applied.ok()) return applied;
        break;
      }
      case Flag::kWorkers: {
        Result<std::uint64_t> n = ParseInteger(name, v, 0, 64);
        if (!n.ok()) return n.status();
        line.emulator.workers = static_cast<int>(*n);
        break;
      }
      case Flag::kLogLevel: {
        std::optional<LogLevel> level = ParseLogLevel(v);
        if (!level) return Invalid(name, v, "error, warn, info or debug");
        line.log_level = *level;
        break;
      }
    }
  }

  // Combinations.
  const bool tls = line.mqtt.server_uri.compare(0, 6, "ssl://") == 0;
  if (!tls) {
    const std::pair<const char*, bool> tls_only[] = {
        {"--ca", !line.mqtt.ca_file.empty()},
        {"--cert", !line.mqtt.cert_file.empty()},
        {"--key", !line.mqtt.key_file.empty()},
        {"--alpn", !line.mqtt.alpn_protocols.empty()},
    };
    for (const auto& [flag, given] : tls_only) {
      if (given) {
        return InvalidArgumentError(std::string(flag) +
                                    ": needs an ssl:// --broker (the broker is '" +
                                    line.mqtt.server_uri + "')");
      }
    }
  } else {
    if (line.mqtt.ca_file.empty()) {
      return InvalidArgumentError(
          "--broker: '" + line.mqtt.server_uri +
          "' needs --ca FILE (the CA that signed the broker's certificate)");
    }
    if (line.mqtt.cert_file.empty() != line.mqtt.key_file.empty()) {
      return InvalidArgumentError(line.mqtt.cert_file.empty()
                                      ? "--key: needs --cert too (the client certificate)"
                                      : "--cert: needs --key too (the client's private key)");
    }
  }
  if (line.emulator.host.order_seed && line.emulator.host.order != PublishOrder::kRandom) {
    std::string message =
        order_seed_flag + ": the order seed '" + order_seed_text + "' needs --order random";
    if (order_seed_flag == "--seed") {
      message += " (to load a seed file with that name, write ./" + order_seed_text + ")";
    }
    return InvalidArgumentError(message);
  }
  return line;
}

std::string HelpText() {
  return R"(usage: shadowsync-emulator [--broker URI] [TLS flags] [--store PATH] [flags]

A local AWS IoT Device Shadow service on any MQTT 3.1.1 broker. It subscribes
to the request topics of every thing's classic and named shadows
($aws/things/+/shadow/{get,update,delete} and
$aws/things/+/shadow/name/+/{get,update,delete}), answers each request as AWS
IoT Core would, and publishes the responses at QoS 1, never retained.

Broker:
  --broker URI          tcp://HOST[:PORT] or ssl://HOST[:PORT]
                        (default tcp://localhost:1883)
  --ca FILE             CA certificate (PEM) that signed the broker's
                        certificate; required for ssl://. The broker's
                        certificate and host name are always verified.
  --cert FILE           client certificate (PEM, EC or RSA) for mutual TLS
  --key FILE            the client certificate's private key (PEM)
  --alpn P[,P...]       ALPN protocols to offer, e.g. x-amzn-mqtt-ca
                        (ssl:// only; repeatable)
  --client-id ID        MQTT client id (default shadowsync-emulator-<pid>)
  --persistent-session  connect with clean session off, so the broker keeps
                        requests that arrive while the emulator is down and
                        redelivers unacknowledged ones (give a fixed
                        --client-id; see "never drops" in the documentation)

State:
  --store PATH          keep shadows, versions and tombstones in this SQLite
                        database (WAL mode; created if missing). An accepted
                        update is durable before its responses are published.
                        Default: in memory, lost at exit.
  --seed FILE           load shadows from FILE at start (seed/export format,
                        schemas/emulator-store.schema.json); all or nothing,
                        an invalid file exits with code 2. A value made only
                        of digits is an order seed instead (see --order); for
                        a file called 42, write ./42.
  --seed-file FILE      the same as --seed FILE, unambiguous
  --export FILE         write every shadow to FILE (same format, atomically)
                        on SIGUSR1 and at a clean stop

Behaviour:
  --order ORDER         publish order of one accepted update's responses, as
                        AWS guarantees none: accepted-first (accepted,
                        documents, delta; default), delta-first (delta,
                        documents, accepted) or random
  --seed N              with --order random: the seed (decimal, 0 to 2^64-1).
                        A shadow's version-V update then always gets the same
                        order. Without it a random seed is chosen and logged.
  --order-seed N        the same as --seed N, unambiguous
  --max-document-bytes N
                        desired plus reported, compact JSON bytes, checked
                        after the merge; larger gives 413 (default 8192)
  --max-depth N         nesting levels of desired / reported; deeper gives
                        400 (default 6, 1 to 64)
  --max-inflight N      requests of one thing queued or being handled before
                        further ones get 429 (default 10; 0 = off). AWS counts
                        per client connection; the broker hides connections,
                        so the emulator counts per thing.
  --max-requests-per-second N
                        requests per second per thing, all shadows and
                        operations together; excess gets 429 (default 20;
                        0 = off)
  --workers N           worker threads (default 2). Requests to one shadow
                        always go to the same worker, in arrival order.
                        0 handles requests on the MQTT thread (and makes
                        --max-inflight moot).

Logging (to stderr):
  --log-level LEVEL     error, warn, info (default) or debug. info logs one
                        line per request:
                          thing=T shadow=S|- op=update result=accepted
                          code=200 version=V us=MICROSECONDS
                        (429 at warn, 5xx at error). Payloads are never
                        logged at info; debug logs their size and first bytes.

  --help, -h            print this help and exit
  --version             print the version and exit

Flags take their value as --flag VALUE or --flag=VALUE; when a flag is given
twice, the last one counts.

When connected and subscribed it prints "shadowsync-emulator: ready on URI".
It connects with backoff until it succeeds or is stopped; the MQTT client
then reconnects by itself and renews the subscriptions.

Signals:
  SIGTERM, SIGINT       stop: no new requests, answer those accepted, flush
                        the responses (about 2 s at most), export if
                        --export, disconnect, exit 0
  SIGUSR1               export now (needs --export)
  SIGHUP                logged; there is nothing to reload

Exit codes:
  0   clean stop, --help, --version (also when stopped before it could
      connect: not being able to reach the broker is not an error)
  1   runtime failure: the store cannot be opened, the broker refuses the
      subscriptions, the final export fails
  2   usage or configuration error: bad flag or value, unreadable TLS
      files, invalid seed file

Documentation: docs/emulator.md in the shadowsync source repository.
)";
}

bool IsConfigurationError(const std::string& connect_message) {
  static const char* const kPhrases[] = {
      "answers with TLS: it is a TLS port",
      "does not speak TLS",
      "TLS: the broker requires a client certificate",
      "TLS: the broker rejected the client certificate",
      "TLS: server certificate verification failed",
      "TLS: the server certificate does not match the host name",
      "TLS: the broker accepts none of the ALPN protocols",
      ": cannot be loaded (",
      "CONNACK return code 1 ",
      "CONNACK return code 2 ",
      "CONNACK return code 4 ",
      "CONNACK return code 5 ",
  };
  for (const char* phrase : kPhrases) {
    if (connect_message.find(phrase) != std::string::npos) return true;
  }
  return false;
}

}  // namespace shadowsync::emulator
