// SPDX-License-Identifier: Apache-2.0

#include "support/mosquitto_fixture.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <sstream>
#include <thread>

#include "support/plugin_environment.h"
#include "support/process_output.h"

namespace shadowsync::testing_support {
namespace {

using Clock = std::chrono::steady_clock;

constexpr int kMaxPortAttempts = 5;

// Closes a socket when leaving scope.
class SocketCloser {
 public:
  explicit SocketCloser(int fd) : fd_(fd) {}
  ~SocketCloser() {
    if (fd_ >= 0) close(fd_);
  }
  SocketCloser(const SocketCloser&) = delete;
  SocketCloser& operator=(const SocketCloser&) = delete;

 private:
  int fd_;
};

sockaddr_in LoopbackAddress(int port) {
  sockaddr_in address;
  std::memset(&address, 0, sizeof address);
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return address;
}

void SetSocketTimeout(int fd, std::chrono::milliseconds timeout) {
  timeval tv;
  tv.tv_sec = static_cast<time_t>(timeout.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((timeout.count() % 1000) * 1000);
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

bool SendAll(int fd, const unsigned char* data, size_t size) {
  while (size > 0) {
    ssize_t n = send(fd, data, size, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data += n;
    size -= static_cast<size_t>(n);
  }
  return true;
}

bool ReceiveAll(int fd, unsigned char* data, size_t size) {
  while (size > 0) {
    ssize_t n = recv(fd, data, size, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data += n;
    size -= static_cast<size_t>(n);
  }
  return true;
}

// One MQTT 3.1.1 CONNECT / CONNACK exchange on the plain port. Any CONNACK,
// even a refusal, proves the broker's event loop is serving clients.
Status RawMqttProbe(int port, std::chrono::milliseconds timeout) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return InternalError(std::string("socket: ") + std::strerror(errno));
  SocketCloser closer(fd);
  SetSocketTimeout(fd, timeout);
  sockaddr_in address = LoopbackAddress(port);
  if (connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    return Status(StatusCode::kUnavailable, "connect: " + std::string(std::strerror(errno)));
  }
  static const char kClientId[] = "shadowsync-fixture-probe";
  const size_t id_size = sizeof kClientId - 1;
  std::vector<unsigned char> connect_packet = {
      0x10, static_cast<unsigned char>(10 + 2 + id_size),  // CONNECT, remaining length
      0x00, 0x04,
      'M',  'Q',
      'T',  'T',
      0x04,        // protocol name, level 4 (3.1.1)
      0x02,        // clean session
      0x00, 0x0A,  // keep alive 10 s
      0x00, static_cast<unsigned char>(id_size)};
  connect_packet.insert(connect_packet.end(), kClientId, kClientId + id_size);
  if (!SendAll(fd, connect_packet.data(), connect_packet.size())) {
    return Status(StatusCode::kUnavailable, "sending CONNECT failed");
  }
  unsigned char connack[4];
  if (!ReceiveAll(fd, connack, sizeof connack)) {
    return Status(StatusCode::kUnavailable, "no CONNACK");
  }
  if (connack[0] != 0x20 || connack[1] != 0x02) {
    return InternalError("port " + std::to_string(port) + " answered CONNECT with something else");
  }
  const unsigned char disconnect[2] = {0xE0, 0x00};
  SendAll(fd, disconnect, sizeof disconnect);
  return Status::Ok();
}

std::string Join(const std::vector<std::string>& lines) {
  std::string text;
  for (const std::string& line : lines) text += line + "\n";
  return text;
}

Result<std::string> FindMosquitto(const std::string& configured) {
  if (!configured.empty()) return FindExecutable(configured, "");
  const char* from_env = std::getenv("SHADOWSYNC_MOSQUITTO");
  if (from_env != nullptr && *from_env != '\0') return FindExecutable(from_env, "");
  const char* path = std::getenv("PATH");
  return FindExecutable("mosquitto", path != nullptr ? path : "",
                        {"/usr/sbin", "/usr/local/sbin", "/usr/bin", "/usr/local/bin"});
}

}  // namespace

Result<std::vector<int>> PickFreeLoopbackPorts(int count) {
  std::vector<int> fds;
  std::vector<int> ports;
  Status error;
  for (int i = 0; i < count && error.ok(); ++i) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
      error = InternalError(std::string("socket: ") + std::strerror(errno));
      break;
    }
    fds.push_back(fd);
    sockaddr_in address = LoopbackAddress(0);
    socklen_t size = sizeof address;
    if (bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
        getsockname(fd, reinterpret_cast<sockaddr*>(&address), &size) != 0) {
      error = InternalError(std::string("bind 127.0.0.1:0: ") + std::strerror(errno));
      break;
    }
    ports.push_back(ntohs(address.sin_port));
  }
  // All sockets were bound at the same time, so the ports are distinct.
  for (int fd : fds) close(fd);
  if (!error.ok()) return error;
  return ports;
}

bool CanConnect(int port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  SocketCloser closer(fd);
  sockaddr_in address = LoopbackAddress(port);
  return connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
}

bool CanBind(int port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  SocketCloser closer(fd);
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in address = LoopbackAddress(port);
  return bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
}

MosquittoBroker::~MosquittoBroker() { (void)Stop(); }

std::string MosquittoBroker::plain_uri() const {
  if (plain_port_ == 0) return "";
  return "tcp://127.0.0.1:" + std::to_string(plain_port_);
}
std::string MosquittoBroker::tls_ec_uri() const {
  return "ssl://localhost:" + std::to_string(tls_ec_port_);
}
std::string MosquittoBroker::tls_rsa_uri() const {
  return "ssl://localhost:" + std::to_string(tls_rsa_port_);
}

std::vector<int> MosquittoBroker::ports() const {
  std::vector<int> result;
  if (plain_port_ != 0) result.push_back(plain_port_);
  result.push_back(tls_ec_port_);
  result.push_back(tls_rsa_port_);
  return result;
}

std::string MosquittoBroker::LogTail(size_t max_lines) const {
  return testing_support::LogTail(ReadLog(), log_path(), max_lines);
}

bool MosquittoBroker::IsRunning() { return process_.IsRunning(); }

Status MosquittoBroker::WriteConfig() const {
  const TestCertificates& certs = *certificates_;
  const CertKeyPair& ec =
      options_.ec_server_certificate == ServerCertificate::kExpired     ? certs.server_expired
      : options_.ec_server_certificate == ServerCertificate::kWrongHost ? certs.server_wrong_host
                                                                        : certs.server_ec;
  // No trailing comments: mosquitto.conf only allows comment lines.
  std::vector<std::string> lines = {
      "# Generated by shadowsync tests/support/mosquitto_fixture.cc",
      "per_listener_settings false",
      "persistence false",
      // A file, not stdout: mosquitto's stdout is block-buffered when it is
      // not a terminal, while the log file is flushed line by line.
      "log_dest file " + log_path(),
      "log_timestamp_format %Y-%m-%dT%H:%M:%S",
      "connection_messages true",
      // Nagle + delayed ACK add ~40 ms to every TLS connect otherwise.
      "set_tcp_nodelay true",
      // The default (1000) silently drops QoS 1 messages to slow subscribers.
      "max_queued_messages 0",
  };
  for (const std::string& type : options_.log_types) lines.push_back("log_type " + type);
  // As root, mosquitto drops to user "mosquitto" before loading the 0600
  // keys and then cannot read them. Stay root rather than loosen key modes.
  if (geteuid() == 0) lines.push_back("user root");
  if (options_.acl) {
    lines.push_back("allow_anonymous false");
    lines.push_back("acl_file " + dir_->File("acl"));
  } else {
    // For the plain listener; TLS clients are named by their certificate.
    lines.push_back("allow_anonymous true");
  }
  if (!options_.plugin_path.empty()) {
    lines.push_back("plugin " + options_.plugin_path);
    for (const auto& [name, value] : options_.plugin_options) {
      lines.push_back("plugin_opt_" + name + " " + value);
    }
  }
  lines.insert(lines.end(), options_.extra_config.begin(), options_.extra_config.end());
  if (plain_port_ != 0) {
    lines.push_back("");
    lines.push_back("# Plain MQTT");
    lines.push_back("listener " + std::to_string(plain_port_) + " 127.0.0.1");
    // A listener option: before any listener it would open port 1883.
    if (!options_.plugin_path.empty()) lines.push_back("max_qos 1");
  }
  auto tls_listener = [&](const std::string& title, int port, const CertKeyPair& server) {
    lines.push_back("");
    lines.push_back("# " + title + ", client certificate required, CN = username");
    lines.push_back("listener " + std::to_string(port) + " 127.0.0.1");
    if (!options_.plugin_path.empty()) lines.push_back("max_qos 1");
    lines.push_back("cafile " + certs.ca_cert);
    lines.push_back("certfile " + server.cert);
    lines.push_back("keyfile " + server.key);
    lines.push_back("require_certificate true");
    if (options_.plugin_path.empty() || options_.acl) {
      lines.push_back("use_identity_as_username true");
    }
  };
  tls_listener("TLS, EC P-256 server certificate", tls_ec_port_, ec);
  tls_listener("TLS, RSA 2048 server certificate", tls_rsa_port_, certs.server_rsa);
  Status config = WriteStringToFile(config_path(), Join(lines), 0600);
  if (!config.ok() || !options_.acl) return config;

  std::vector<std::string> acl = {
      "# AWS IoT-like thing policy: a client may only use its own shadow topics.",
      "pattern readwrite $aws/things/%u/shadow/#",
  };
  for (const std::string& identity : options_.acl_privileged_identities) {
    acl.push_back("");
    acl.push_back("user " + identity);
    // "#" does not match topics starting with '$'; grant $aws explicitly.
    acl.push_back("topic readwrite #");
    acl.push_back("topic readwrite $aws/#");
  }
  return WriteStringToFile(dir_->File("acl"), Join(acl), 0600);
}

Status MosquittoBroker::ProbeMqtt(Clock::time_point deadline) {
  if (plain_port_ != 0) {
    auto remaining = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    return RawMqttProbe(plain_port_, std::max(remaining, std::chrono::milliseconds(100)));
  }
  // ACL mode has no plain listener: connect with a client certificate over
  // the RSA listener (its certificate is always the valid one). Subscribe to
  // a topic the ACL allows and exit on the SUBACK (-E): publishing would
  // leave a "Denied PUBLISH" or a stray message behind.
  const std::string& name = certificates_->client_names.front();
  const CertKeyPair& client = certificates_->default_client().ec;
  ChildProcessOptions probe;
  probe.argv = {"mosquitto_sub",
                "-h",
                "localhost",
                "-p",
                std::to_string(tls_rsa_port_),
                "--cafile",
                certificates_->ca_cert,
                "--cert",
                client.cert,
                "--key",
                client.key,
                "-t",
                "$aws/things/" + name + "/shadow/shadowsync-fixture-probe",
                "-E"};
  auto remaining = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  Result<ProcessOutput> run =
      RunProcess(std::move(probe), std::max(remaining, std::chrono::milliseconds(100)));
  if (!run.ok()) return run.status();
  if (!run->status.success()) {
    return Status(StatusCode::kUnavailable,
                  "mosquitto_sub probe " + run->status.ToString() + ": " + run->output);
  }
  return Status::Ok();
}

Status MosquittoBroker::WaitUntilReady(Clock::time_point deadline, bool* port_in_use) {
  std::chrono::microseconds delay(500);
  auto pause = [&delay] {
    std::this_thread::sleep_for(delay);
    delay = std::min<std::chrono::microseconds>(delay * 2, std::chrono::milliseconds(20));
  };
  Status last_probe = Status(StatusCode::kUnavailable, "listeners not accepting connections");
  while (true) {
    if (!process_.IsRunning()) {
      std::string log = ReadLog();
      *port_in_use = log.find("Address already in use", log_offset_) != std::string::npos;
      std::string how = process_.exit_status() ? process_.exit_status()->ToString() : "ended";
      return Status(StatusCode::kUnavailable, "mosquitto " + how + " during startup\n" + LogTail());
    }
    std::vector<int> all = ports();
    bool listening = std::all_of(all.begin(), all.end(), [](int port) { return CanConnect(port); });
    if (listening) {
      last_probe = ProbeMqtt(deadline);
      if (last_probe.ok()) return Status::Ok();
    }
    if (Clock::now() >= deadline) {
      return Status(StatusCode::kUnavailable,
                    "mosquitto not ready within " + std::to_string(options_.start_timeout.count()) +
                        " ms (" + last_probe.ToString() + ")\n" + LogTail());
    }
    pause();
  }
}

Status MosquittoBroker::Launch(bool* port_in_use) {
  *port_in_use = false;
  Status config = WriteConfig();
  if (!config.ok()) return config;
  // One log across restarts; readiness only looks at what this run wrote.
  struct stat st;
  log_offset_ = stat(log_path().c_str(), &st) == 0 ? static_cast<size_t>(st.st_size) : 0;
  ChildProcessOptions options;
  options.argv = {mosquitto_, "-c", config_path()};
  if (!options_.plugin_path.empty()) options.env = PluginBrokerEnvironment();
  options.working_dir = dir_->path();
  // Startup errors go to stderr before the log file is open: same file.
  options.log_path = log_path();
  options.append_log = true;
  const auto start = Clock::now();
  Status started = process_.Start(std::move(options));
  if (!started.ok()) return started;
  Status ready = WaitUntilReady(start + options_.start_timeout, port_in_use);
  if (!ready.ok()) {
    (void)process_.Stop(std::chrono::seconds(1));
    return ready;
  }
  last_start_duration_ =
      std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
  return Status::Ok();
}

Status MosquittoBroker::Start(BrokerOptions options) {
  if (process_.IsRunning()) return FailedPreconditionError("the broker is already running");
  for (const std::string& identity : options.acl_privileged_identities) {
    if (!IsValidClientName(identity)) {
      return InvalidArgumentError("invalid ACL identity '" + identity + "'");
    }
  }
  Result<std::string> mosquitto = FindMosquitto(options.mosquitto_path);
  if (!mosquitto.ok()) return mosquitto.status();
  mosquitto_ = mosquitto.value();

  Result<std::unique_ptr<TempDir>> dir = TempDir::Create("shadowsync-mosquitto");
  if (!dir.ok()) return dir.status();
  dir_ = std::move(dir).value();
  // mosquitto.conf cannot quote paths.
  if (dir_->path().find_first_of(" \t\n") != std::string::npos) {
    return InvalidArgumentError("TMPDIR must not contain whitespace: " + dir_->path());
  }
  if (options.certificates) {
    certificates_ = options.certificates;
  } else {
    // In their own directory, owned by the TestCertificates: another broker
    // given shared_certificates() may outlive this one.
    TestCertificateOptions cert_options;
    cert_options.client_names = options.client_names;
    for (const std::string& identity : options.acl_privileged_identities) {
      if (std::find(cert_options.client_names.begin(), cert_options.client_names.end(), identity) ==
          cert_options.client_names.end()) {
        cert_options.client_names.push_back(identity);
      }
    }
    Result<TestCertificates> generated = GenerateTestCertificates(std::move(cert_options));
    if (!generated.ok()) return generated.status();
    certificates_ = std::make_shared<const TestCertificates>(std::move(generated).value());
  }
  options_ = std::move(options);

  Status last;
  for (int attempt = 0; attempt < kMaxPortAttempts; ++attempt) {
    Result<std::vector<int>> ports = PickFreeLoopbackPorts(options_.acl ? 2 : 3);
    if (!ports.ok()) return ports.status();
    plain_port_ = options_.acl ? 0 : ports->at(2);
    tls_ec_port_ = ports->at(0);
    tls_rsa_port_ = ports->at(1);
    bool port_in_use = false;
    last = Launch(&port_in_use);
    if (last.ok()) {
      started_once_ = true;
      return last;
    }
    // Another process took a port between our probe and mosquitto's bind.
    if (!port_in_use) return last;
  }
  return last;
}

Status MosquittoBroker::Stop(std::chrono::milliseconds timeout) { return process_.Stop(timeout); }

Status MosquittoBroker::Restart() {
  if (!started_once_) return FailedPreconditionError("Restart() before a successful Start()");
  Status stopped = Stop();
  if (!stopped.ok()) return stopped;
  const auto deadline = Clock::now() + options_.start_timeout;
  std::chrono::microseconds delay(500);
  Status last;
  while (true) {
    // The old process is reaped, so its listening sockets are closed; a
    // client of ours may still briefly hold a port as its local port.
    std::vector<int> all = ports();
    auto taken = std::find_if(all.begin(), all.end(), [](int port) { return !CanBind(port); });
    if (taken == all.end()) {
      bool port_in_use = false;
      last = Launch(&port_in_use);
      if (last.ok() || !port_in_use) return last;
    } else {
      last = Status(StatusCode::kUnavailable, "port " + std::to_string(*taken) + " is taken");
    }
    if (Clock::now() >= deadline) return last;
    std::this_thread::sleep_for(delay);
    delay = std::min<std::chrono::microseconds>(delay * 2, std::chrono::milliseconds(50));
  }
}

MosquittoBroker* SharedBroker() {
  // Destroyed at exit, which stops and reaps the broker.
  static std::unique_ptr<MosquittoBroker> broker;
  static Status failure;
  static bool tried = false;
  if (!tried) {
    tried = true;
    broker = std::make_unique<MosquittoBroker>();
    failure = broker->Start();
    if (!failure.ok()) broker.reset();
  }
  if (!failure.ok()) {
    ADD_FAILURE() << "the shared mosquitto broker did not start: " << failure.ToString();
    return nullptr;
  }
  if (!broker->IsRunning()) {
    Status restarted = broker->Restart();
    if (!restarted.ok()) {
      ADD_FAILURE() << "the shared mosquitto broker did not restart: " << restarted.ToString();
      return nullptr;
    }
  }
  return broker.get();
}

void MosquittoEnvironment::SetUp() {
  Status started = broker_.Start(options_);
  ASSERT_TRUE(started.ok()) << "mosquitto did not start: " << started.ToString();
}

void MosquittoEnvironment::TearDown() { (void)broker_.Stop(); }

}  // namespace shadowsync::testing_support
