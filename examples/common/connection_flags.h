// SPDX-License-Identifier: Apache-2.0
//
// The command line of the examples: the connection flags they all share
// (--broker, --ca, --cert, --key, --client-id, --alpn), turned into
// MqttOptions with errors that name the flag, plus each program's own flags.
// The flags match shadowctl's, so one set of flags works for shadowctl, the
// examples, the emulator on mosquitto and AWS IoT Core.
//
// Thread safety: not thread-safe; confine to one thread.

#ifndef SHADOWSYNC_EXAMPLES_CONNECTION_FLAGS_H_
#define SHADOWSYNC_EXAMPLES_CONNECTION_FLAGS_H_

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "shadowsync/paho_transport.h"
#include "shadowsync/status.h"

namespace shadowsync::examples {

/// The --help lines of the connection flags, each indented by two spaces
/// and ending in a newline.
extern const char kConnectionFlagsHelp[];

/// The ALPN protocol AWS IoT Core needs for MQTT with certificates on port 443.
inline constexpr char kAwsAlpn[] = "x-amzn-mqtt-ca";

/// "<program>-<pid>-<8 random hex digits>". AWS IoT Core drops the older of
/// two connections with one client id, so the default is unique; a thing
/// policy may want the thing name instead (--client-id).
std::string UniqueClientId(std::string_view program);

/// One program's command line: the connection flags are built in; the
/// program declares its own. Both `--name value` and `--name=value` work;
/// each flag may be given once, except --alpn. `--alpn` without a value
/// (the next argument is missing or starts with '-') means kAwsAlpn.
class CommandLine {
 public:
  /// Declares a program flag that takes a value.
  void AddValueFlag(std::string name);

  /// Parses argv[1..argc). -h or --help sets help() and stops parsing.
  /// kInvalidArgument naming the argument: an unknown flag, a missing or
  /// empty value, a flag given twice, a positional argument.
  Status Parse(int argc, const char* const* argv);

  bool help() const { return help_; }

  /// The value of a program flag, or nullptr when it was not given.
  const std::string* Get(std::string_view name) const;

  /// MqttOptions from the connection flags, checked with
  /// ValidateMqttOptions() (the files exist, hold PEM, the key matches the
  /// certificate, TLS files only with ssl://). kInvalidArgument when
  /// --broker is missing or a check fails; the message names the flag
  /// ("--key: /x/y.key: No such file or directory"). `default_client_id`
  /// is used when --client-id is not given.
  Result<MqttOptions> ToMqttOptions(std::string default_client_id) const;

 private:
  bool help_ = false;
  std::vector<std::string> value_flags_;
  std::map<std::string, std::vector<std::string>, std::less<>> values_;
};

}  // namespace shadowsync::examples

#endif  // SHADOWSYNC_EXAMPLES_CONNECTION_FLAGS_H_
