// SPDX-License-Identifier: Apache-2.0

#include "support/mosquitto_clients.h"

#include <algorithm>
#include <sstream>
#include <thread>

namespace shadowsync::testing_support {
namespace {

using Clock = std::chrono::steady_clock;

// mosquitto_sub -F output: one line per message, fields split by tabs.
constexpr char kMessagePrefix[] = "MSG\t";
constexpr char kMessageFormat[] = "MSG\t%t\t%p";
// mosquitto_sub -d prints this once the SUBACK arrived, then the granted
// QoS of each filter: "Subscribed (mid: 1): 1, 128".
constexpr char kSubscribedPrefix[] = "Subscribed (mid:";

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) lines.push_back(line);
  return lines;
}

}  // namespace

std::vector<std::string> CliEndpoint::Args() const {
  std::vector<std::string> args = {"-h", host, "-p", std::to_string(port)};
  if (!ca_file.empty()) {
    args.insert(args.end(), {"--cafile", ca_file});
    if (!cert_file.empty()) args.insert(args.end(), {"--cert", cert_file, "--key", key_file});
    if (insecure) args.push_back("--insecure");
  }
  if (!client_id.empty()) args.insert(args.end(), {"-i", client_id});
  return args;
}

CliEndpoint PlainEndpoint(const MosquittoBroker& broker) {
  CliEndpoint endpoint;
  endpoint.port = broker.plain_port();
  return endpoint;
}

namespace {
CliEndpoint TlsEndpoint(const MosquittoBroker& broker, int port, const CertKeyPair& client) {
  CliEndpoint endpoint;
  // The server certificates name localhost; mosquitto_pub checks the name.
  endpoint.host = "localhost";
  endpoint.port = port;
  endpoint.ca_file = broker.certificates().ca_cert;
  endpoint.cert_file = client.cert;
  endpoint.key_file = client.key;
  return endpoint;
}
}  // namespace

CliEndpoint TlsEcEndpoint(const MosquittoBroker& broker, const CertKeyPair& client) {
  return TlsEndpoint(broker, broker.tls_ec_port(), client);
}

CliEndpoint TlsRsaEndpoint(const MosquittoBroker& broker, const CertKeyPair& client) {
  return TlsEndpoint(broker, broker.tls_rsa_port(), client);
}

Result<ProcessOutput> MosquittoPub(const CliEndpoint& endpoint, const std::string& topic,
                                   const std::string& message, int qos,
                                   std::chrono::milliseconds timeout) {
  ChildProcessOptions options;
  options.argv = {"mosquitto_pub", "-d", "-V", "mqttv311"};
  for (std::string& arg : endpoint.Args()) options.argv.push_back(std::move(arg));
  options.argv.insert(options.argv.end(), {"-t", topic, "-m", message, "-q", std::to_string(qos)});
  return RunProcess(std::move(options), timeout);
}

Status MosquittoSub::Start(const CliEndpoint& endpoint, const std::vector<std::string>& filters,
                           int count, int qos) {
  if (filters.empty()) return InvalidArgumentError("MosquittoSub needs at least one filter");
  if (!dir_) {
    Result<std::unique_ptr<TempDir>> dir = TempDir::Create("shadowsync-sub");
    if (!dir.ok()) return dir.status();
    dir_ = std::move(dir).value();
  }
  ChildProcessOptions options;
  // stdout is a file, so stdio would buffer the SUBACK line until exit.
  options.argv = {"stdbuf", "-oL", "mosquitto_sub", "-d", "-V", "mqttv311"};
  for (std::string& arg : endpoint.Args()) options.argv.push_back(std::move(arg));
  for (const std::string& filter : filters) options.argv.insert(options.argv.end(), {"-t", filter});
  options.argv.insert(options.argv.end(), {"-q", std::to_string(qos), "-C", std::to_string(count),
                                           "-F", kMessageFormat});
  options.log_path = dir_->File("mosquitto_sub.log");
  return process_.Start(std::move(options));
}

Status MosquittoSub::WaitSubscribed(std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  std::chrono::microseconds delay(500);
  while (true) {
    // Read the output before checking for exit, so nothing printed just
    // before exiting is missed.
    std::string output = Output();
    for (const std::string& line : Lines(output)) {
      if (line.rfind(kSubscribedPrefix, 0) != 0) continue;
      size_t granted = line.find("): ");
      if (granted != std::string::npos && line.find("128", granted) != std::string::npos) {
        return Status(StatusCode::kRejected, "subscription refused: " + line);
      }
      return Status::Ok();
    }
    if (!process_.IsRunning()) {
      std::string how = process_.exit_status() ? process_.exit_status()->ToString() : "ended";
      return Status(StatusCode::kUnavailable,
                    "mosquitto_sub " + how + " before subscribing:\n" + output);
    }
    if (Clock::now() >= deadline) {
      return Status(StatusCode::kTimeout,
                    "no SUBACK within " + std::to_string(timeout.count()) + " ms:\n" + output);
    }
    std::this_thread::sleep_for(delay);
    delay = std::min<std::chrono::microseconds>(delay * 2, std::chrono::milliseconds(10));
  }
}

Result<std::vector<ReceivedMessage>> MosquittoSub::WaitForMessages(
    std::chrono::milliseconds timeout) {
  Result<ExitStatus> exit = process_.WaitForExit(timeout);
  if (!exit.ok()) {
    return Status(StatusCode::kTimeout, "mosquitto_sub did not get all its messages within " +
                                            std::to_string(timeout.count()) + " ms:\n" + Output());
  }
  if (!exit->success()) {
    return Status(StatusCode::kUnavailable, "mosquitto_sub " + exit->ToString() + ":\n" + Output());
  }
  return Messages();
}

std::vector<ReceivedMessage> MosquittoSub::Messages() const {
  std::vector<ReceivedMessage> messages;
  for (const std::string& line : Lines(Output())) {
    if (line.rfind(kMessagePrefix, 0) != 0) continue;
    std::string rest = line.substr(sizeof kMessagePrefix - 1);
    size_t tab = rest.find('\t');
    if (tab == std::string::npos) continue;
    messages.push_back({rest.substr(0, tab), rest.substr(tab + 1)});
  }
  return messages;
}

}  // namespace shadowsync::testing_support
