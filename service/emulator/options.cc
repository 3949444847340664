// SPDX-License-Identifier: Apache-2.0

#include "options.h"

#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <string_view>
#include <utility>

#include "cli/command_line.h"
#include "cli/connection_flags.h"
#include "host_option_values.h"

#ifndef SHADOWSYNC_VERSION
#define SHADOWSYNC_VERSION "0.1.0"
#endif

namespace shadowsync::emulator {
namespace {

constexpr char kProgram[] = "shadowsync-emulator";
constexpr char kDefaultBroker[] = "tcp://localhost:1883";

constexpr char kDescription[] =
    "A local AWS IoT Device Shadow service on any MQTT 3.1.1 broker. It subscribes to the "
    "request topics of every thing's classic and named shadows "
    "($aws/things/+/shadow/{get,update,delete} and "
    "$aws/things/+/shadow/name/+/{get,update,delete}), answers each request as AWS IoT Core "
    "would, and publishes the responses at QoS 1, never retained.\n";

// After the flags: what --help says beyond them.
constexpr char kFooter[] =
    R"(At --log-level info, each request is one line on stderr:
  thing=T shadow=S|- op=update result=accepted code=200 version=V us=MICROSECONDS
(429 at warning, 5xx at error). Payloads are never logged at info; debug logs their
size and first bytes.

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

Documentation: docs/emulator.md in the shadowsync source repository.)";

Status Invalid(std::string_view flag, std::string_view value, std::string_view expected) {
  return host::InvalidOptionValue(flag, value, expected);
}

bool AllDigits(std::string_view text) {
  if (text.empty()) return false;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

// The emulator's flags on the shared front end, bound to the CommandLine
// they fill. Each flag's value goes through the emulator's own check (the
// ones shared with the broker plugin, host_option_values.h), whose message
// names the flag; the combinations are checked by Finish().
class Flags {
 public:
  explicit Flags(CommandLine* line);
  Flags(const Flags&) = delete;
  Flags& operator=(const Flags&) = delete;

  cli::CommandLine& command_line() { return command_line_; }

  /// After a parse that says kRun: the connection flags into line->mqtt,
  /// and the checks of values against each other.
  Status Finish();

 private:
  // Adds `--name VALUE` in `group`: `apply(name, value)` checks and stores
  // it; a failed Status is the error (its message names the flag). When
  // the flag is given twice, the last one counts.
  CLI::Option* AddValue(const std::string& name, const std::string& type, const std::string& group,
                        const std::string& help,
                        std::function<Status(const std::string&, const std::string&)> apply);
  void AddStateFlags();
  void AddBehaviourFlags();
  Status ApplySeed(const std::string& value);

  cli::CommandLine command_line_{kProgram, kDescription, EmulatorVersion()};
  CommandLine* line_;
  cli::ConnectionFlags connection_;
  bool persistent_session_ = false;
  // Which flag set an order seed, and its text, to check it against --order.
  std::string order_seed_flag_;
  std::string order_seed_text_;
};

// A flag whose value is a path or a name: anything but "".
std::function<Status(const std::string&, const std::string&)> NonEmptyInto(std::string* slot) {
  return [slot](const std::string& flag, const std::string& value) {
    if (value.empty()) return InvalidArgumentError(flag + ": empty value");
    *slot = value;
    return Status::Ok();
  };
}

// A flag that sets one of the HostOptions both service hosts take.
std::function<Status(const std::string&, const std::string&)> HostSettingInto(
    host::HostSetting setting, host::HostOptions* options) {
  return [setting, options](const std::string& flag, const std::string& value) {
    return host::ApplyHostSetting(setting, flag, value, *options);
  };
}

Flags::Flags(CommandLine* line) : line_(line) {
  CLI::App& app = command_line_.app();
  app.footer(kFooter);
  cli::ConnectionFlagsSpec spec;
  spec.broker_help = std::string("Default: ") + kDefaultBroker + ".";
  spec.client_id_default = std::string(kProgram) + "-<pid>";
  cli::AddConnectionFlags(app, &connection_, spec);
  app.add_flag("--persistent-session", persistent_session_,
               "connect with clean session off, so the broker keeps requests that arrive while "
               "the emulator is down and redelivers unacknowledged ones (give a fixed "
               "--client-id; see \"never drops\" in the documentation)")
      ->group("Connection");
  AddStateFlags();
  AddBehaviourFlags();
  AddValue("--log-level", "LEVEL", "Logging (to stderr)",
           "error, warning, info (default) or debug; see below",
           [this](const std::string& flag, const std::string& value) {
             std::optional<cli::LogLevel> level = cli::ParseLogLevel(value);
             if (!level) return Invalid(flag, value, "error, warning, info or debug");
             line_->log_level = *level;
             return Status::Ok();
           });
}

CLI::Option* Flags::AddValue(const std::string& name, const std::string& type,
                             const std::string& group, const std::string& help,
                             std::function<Status(const std::string&, const std::string&)> apply) {
  return command_line_.app()
      .add_option_function<std::string>(
          name,
          [name, apply = std::move(apply)](const std::string& value) {
            if (Status applied = apply(name, value); !applied.ok()) {
              throw CLI::ValidationError(applied.message());
            }
          },
          help)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeLast)
      ->type_name(type)
      ->group(group);
}

void Flags::AddStateFlags() {
  const char* const group = "State";
  AddValue("--store", "PATH", group,
           "keep shadows, versions and tombstones in this SQLite database (WAL mode; created if "
           "missing). An accepted update is durable before its responses are published. "
           "Default: in memory, lost at exit.",
           NonEmptyInto(&line_->store_path));
  command_line_.app()
      .add_option_function<std::vector<std::string>>(
          "--seed",
          [this](const std::vector<std::string>& values) {
            for (const std::string& value : values) {
              if (Status applied = ApplySeed(value); !applied.ok()) {
                throw CLI::ValidationError(applied.message());
              }
            }
          },
          "FILE: load shadows from FILE at start (seed/export format, "
          "schemas/emulator-store.schema.json); all or nothing, an invalid file exits with "
          "code 2. N, a value made only of digits: the order seed of --order random (decimal, 0 "
          "to 2^64-1); a shadow's version-V update then always gets the same order, and without "
          "it a random seed is chosen and logged. For a file called 42, write ./42. Repeatable: "
          "one of each.")
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll)
      ->allow_extra_args(false)
      ->type_name("FILE|N")
      ->group(group);
  AddValue("--seed-file", "FILE", group, "the same as --seed FILE, unambiguous",
           NonEmptyInto(&line_->seed_file));
  AddValue("--export", "FILE", group,
           "write every shadow to FILE (same format, atomically) on SIGUSR1 and at a clean stop",
           NonEmptyInto(&line_->export_file));
}

void Flags::AddBehaviourFlags() {
  const char* const group = "Behaviour";
  host::HostOptions* host = &line_->emulator.host;
  AddValue("--order", "ORDER", group,
           "publish order of one accepted update's responses, as AWS guarantees none: "
           "accepted-first (accepted, documents, delta; default), delta-first (delta, documents, "
           "accepted) or random",
           HostSettingInto(host::HostSetting::kOrder, host));
  AddValue("--order-seed", "N", group, "the same as --seed N, unambiguous",
           [this, host](const std::string& flag, const std::string& value) {
             Status applied =
                 host::ApplyHostSetting(host::HostSetting::kOrderSeed, flag, value, *host);
             if (applied.ok()) {
               order_seed_flag_ = flag;
               order_seed_text_ = value;
             }
             return applied;
           });
  AddValue("--max-document-bytes", "N", group,
           "desired plus reported, compact JSON bytes, checked after the merge; larger gives 413 "
           "(default 8192)",
           HostSettingInto(host::HostSetting::kMaxDocumentBytes, host));
  AddValue("--max-depth", "N", group,
           "nesting levels of desired / reported; deeper gives 400 (default 6, 1 to 64)",
           HostSettingInto(host::HostSetting::kMaxDepth, host));
  AddValue("--max-inflight", "N", group,
           "requests of one thing queued or being handled before further ones get 429 (default "
           "10; 0 = off). AWS counts per client connection; the broker hides connections, so the "
           "emulator counts per thing.",
           HostSettingInto(host::HostSetting::kMaxInflight, host));
  AddValue("--max-requests-per-second", "N", group,
           "requests per second per thing, all shadows and operations together; excess gets 429 "
           "(default 20; 0 = off)",
           HostSettingInto(host::HostSetting::kMaxRequestsPerSecond, host));
  AddValue("--workers", "N", group,
           "worker threads (default 2). Requests to one shadow always go to the same worker, in "
           "arrival order. 0 handles requests on the MQTT thread (and makes --max-inflight moot).",
           [this](const std::string& flag, const std::string& value) {
             Result<std::uint64_t> n = host::ParseOptionInteger(flag, value, 0, 64);
             if (!n.ok()) return n.status();
             line_->emulator.workers = static_cast<int>(*n);
             return Status::Ok();
           });
}

Status Flags::ApplySeed(const std::string& value) {
  if (value.empty()) return InvalidArgumentError("--seed: empty value");
  if (!AllDigits(value)) {
    line_->seed_file = value;
    return Status::Ok();
  }
  Result<std::uint64_t> seed =
      host::ParseOptionInteger("--seed", value, 0, std::numeric_limits<std::uint64_t>::max());
  if (!seed.ok()) {
    return InvalidArgumentError(
        "--seed: invalid value '" + value +
        "': an order seed must be an integer from 0 to 18446744073709551615 (to load a seed file "
        "with that name, write ./" +
        value + ")");
  }
  line_->emulator.host.order_seed = *seed;
  order_seed_flag_ = "--seed";
  order_seed_text_ = value;
  return Status::Ok();
}

Status Flags::Finish() {
  MqttOptions& mqtt = line_->mqtt;
  if (connection_.broker) {
    // The URI rules every program shares (the library's parser).
    if (Status valid = cli::CheckBrokerUri(*connection_.broker); !valid.ok()) return valid;
    mqtt.server_uri = *connection_.broker;
  }
  if (connection_.client_id) {
    const std::string& id = *connection_.client_id;
    if (id.size() > 65535)
      return Invalid("--client-id", id.substr(0, 40) + "...", "at most 65535 bytes");
    mqtt.client_id = id;
  }
  mqtt.ca_file = connection_.ca_file.value_or("");
  mqtt.cert_file = connection_.cert_file.value_or("");
  mqtt.key_file = connection_.key_file.value_or("");
  mqtt.alpn_protocols = connection_.alpn_protocols;
  mqtt.clean_session = !persistent_session_;

  if (!cli::IsTlsUri(mqtt.server_uri)) {
    const std::pair<const char*, bool> tls_only[] = {
        {"--ca", !mqtt.ca_file.empty()},
        {"--cert", !mqtt.cert_file.empty()},
        {"--key", !mqtt.key_file.empty()},
        {"--alpn", !mqtt.alpn_protocols.empty()},
    };
    for (const auto& [flag, given] : tls_only) {
      if (given) {
        return InvalidArgumentError(std::string(flag) +
                                    ": needs an ssl:// --broker (the broker is '" +
                                    mqtt.server_uri + "')");
      }
    }
  } else {
    if (mqtt.ca_file.empty()) {
      return InvalidArgumentError(
          "--broker: '" + mqtt.server_uri +
          "' needs --ca FILE (the CA that signed the broker's certificate)");
    }
    if (mqtt.cert_file.empty() != mqtt.key_file.empty()) {
      return InvalidArgumentError(mqtt.cert_file.empty()
                                      ? "--key: needs --cert too (the client certificate)"
                                      : "--cert: needs --key too (the client's private key)");
    }
  }
  const host::HostOptions& host = line_->emulator.host;
  if (host.order_seed && host.order != PublishOrder::kRandom) {
    std::string message =
        order_seed_flag_ + ": the order seed '" + order_seed_text_ + "' needs --order random";
    if (order_seed_flag_ == "--seed") {
      message += " (to load a seed file with that name, write ./" + order_seed_text_ + ")";
    }
    return InvalidArgumentError(message);
  }
  // MQTT over WebSocket is signed as by every program (SigV4, the AWS CLI's chain).
  return cli::SignWebSocket(&mqtt);
}

}  // namespace

const char* EmulatorVersion() { return SHADOWSYNC_VERSION; }

std::string VersionText() {
  CommandLine line;
  return Flags(&line).command_line().VersionText();
}

std::string HelpText() {
  CommandLine line;
  return Flags(&line).command_line().HelpText();
}

Result<CommandLine> ParseCommandLine(const std::vector<std::string>& args, long pid) {
  CommandLine line;
  line.mqtt.server_uri = kDefaultBroker;
  line.mqtt.client_id = std::string(kProgram) + "-" + std::to_string(pid);
  Flags flags(&line);
  Result<cli::ParseOutcome> outcome = flags.command_line().Parse(args);
  if (!outcome.ok()) return outcome.status();
  switch (*outcome) {
    case cli::ParseOutcome::kHelp:
      line.action = CommandLine::Action::kHelp;
      return line;
    case cli::ParseOutcome::kVersion:
      line.action = CommandLine::Action::kVersion;
      return line;
    case cli::ParseOutcome::kRun:
      break;
  }
  if (Status finished = flags.Finish(); !finished.ok()) return finished;
  return line;
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
