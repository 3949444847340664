// SPDX-License-Identifier: Apache-2.0
//
// Test fixture: a private mosquitto 2.0 broker on free loopback ports, with a
// plain listener and two mutual-TLS listeners (EC P-256 and RSA 2048 server
// certificates), certificates generated at test time, and optionally an
// AWS IoT-like ACL (a client may only use $aws/things/<its CN>/shadow/#).
// The broker runs as a ChildProcess and is stopped and reaped by the
// destructor, also when a test fails.

#ifndef SHADOWSYNC_TESTS_SUPPORT_MOSQUITTO_FIXTURE_H_
#define SHADOWSYNC_TESTS_SUPPORT_MOSQUITTO_FIXTURE_H_

#include <gtest/gtest.h>
#include <sys/types.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "shadowsync/status.h"
#include "support/child_process.h"
#include "support/temp_dir.h"
#include "support/tls_certificates.h"

namespace shadowsync::testing_support {

/// Which server certificate the EC TLS listener presents. The broken ones
/// are for tests that a client refuses the server.
enum class ServerCertificate {
  kValid,      ///< certificates().server_ec
  kExpired,    ///< certificates().server_expired
  kWrongHost,  ///< certificates().server_wrong_host (not-localhost.invalid)
};

/// How to run the broker. The defaults suit most tests.
struct BrokerOptions {
  /// AWS IoT-like policy: "pattern readwrite $aws/things/%u/shadow/#" with
  /// allow_anonymous false. The username is the client certificate's CN,
  /// and there is no plain listener (a plain client could claim any
  /// username). With per_listener_settings false the ACL binds every
  /// listener.
  bool acl = false;
  /// In ACL mode, CNs that may read and write every topic (including
  /// $aws/...), e.g. the emulator's identity. Must be valid client names.
  std::vector<std::string> acl_privileged_identities;

  /// Reuse these certificates (e.g. another broker's shared_certificates());
  /// generated when null.
  std::shared_ptr<const TestCertificates> certificates;
  /// CNs of the client certificates to generate when `certificates` is null.
  std::vector<std::string> client_names = {"test-client"};

  /// Certificate of the EC listener, for negative tests. The RSA listener
  /// always presents the valid RSA certificate.
  ServerCertificate ec_server_certificate = ServerCertificate::kValid;

  /// mosquitto log_type values, one "log_type" line each. "all" includes the
  /// debug lines tests like to grep ("Denied PUBLISH", "Sending SUBACK").
  std::vector<std::string> log_types = {"all"};
  /// Extra global mosquitto.conf lines (no trailing comments: mosquitto does
  /// not allow them). Written before the listeners.
  std::vector<std::string> extra_config;

  /// shadowsync_mosquitto.so to load as the global plugin, with these
  /// plugin_opt_<name> <value> options; empty: no plugin. With a plugin the
  /// listeners get max_qos 1 (AWS has no QoS 2), and the TLS listeners call
  /// the plugin at connect instead of use_identity_as_username (which skips
  /// MOSQ_EVT_BASIC_AUTH): the plugin reads the certificate itself. ACL mode
  /// keeps use_identity_as_username.
  std::string plugin_path;
  std::vector<std::pair<std::string, std::string>> plugin_options;

  /// How long Start()/Restart() wait for the broker to be ready.
  std::chrono::milliseconds start_timeout = std::chrono::seconds(15);
  /// The mosquitto binary; empty: $SHADOWSYNC_MOSQUITTO, then $PATH, then
  /// /usr/sbin and /usr/local/sbin.
  std::string mosquitto_path;
};

/// A mosquitto broker for one test or one test binary.
///
/// Start() picks free loopback ports, generates certificates (unless given),
/// writes mosquitto.conf and waits until the broker answers: each listener
/// accepts TCP (which logs a harmless "unexpected eof" per TLS listener),
/// and an MQTT CONNECT gets a CONNACK (on the plain port; in ACL mode a
/// mosquitto_sub -E gets its SUBACK over the RSA listener). Restart() comes
/// back on the same ports with the same certificates. mosquitto.conf,
/// mosquitto.log and acl live in a private temp dir (dir()); generated
/// certificates in another one that lives as long as shared_certificates().
///
/// Connect TLS clients to host "localhost" (the server certificates name
/// localhost and 127.0.0.1) with certificates().ca_cert and a client pair.
///
/// Thread safety: const methods may run concurrently; others need external
/// synchronization.
class MosquittoBroker {
 public:
  MosquittoBroker() = default;
  /// Stops and reaps the broker and removes its directory.
  ~MosquittoBroker();
  MosquittoBroker(const MosquittoBroker&) = delete;
  MosquittoBroker& operator=(const MosquittoBroker&) = delete;

  /// Starts the broker. kFailedPrecondition if it already runs,
  /// kInvalidArgument for bad options, kNotFound without mosquitto or
  /// openssl, kUnavailable (with the log tail) if it does not come up within
  /// options.start_timeout. Retries with new ports when one was taken.
  Status Start(BrokerOptions options = {});

  /// Stops (SIGTERM, then SIGKILL after `timeout`) and reaps the broker.
  /// Keeps ports, certificates and the log for Restart().
  Status Stop(std::chrono::milliseconds timeout = std::chrono::seconds(5));

  /// Stop()s if running, waits until the ports can be bound again, and
  /// starts on the same ports with the same configuration.
  /// kFailedPrecondition if Start() never succeeded; kUnavailable if a port
  /// stays taken or the broker does not come up.
  Status Restart();

  /// Reaps the broker if it died.
  bool IsRunning();
  /// The broker's pid, -1 when not started.
  pid_t pid() const { return process_.pid(); }
  /// How the last broker process ended, once reaped.
  const std::optional<ExitStatus>& exit_status() const { return process_.exit_status(); }

  /// Ports; plain_port() is 0 in ACL mode.
  int plain_port() const { return plain_port_; }
  int tls_ec_port() const { return tls_ec_port_; }
  int tls_rsa_port() const { return tls_rsa_port_; }
  /// "tcp://127.0.0.1:PORT"; empty in ACL mode.
  std::string plain_uri() const;
  /// "ssl://localhost:PORT".
  std::string tls_ec_uri() const;
  std::string tls_rsa_uri() const;

  /// Valid after a successful Start().
  const TestCertificates& certificates() const { return *certificates_; }
  std::shared_ptr<const TestCertificates> shared_certificates() const { return certificates_; }
  const BrokerOptions& options() const { return options_; }

  /// The broker's directory, config and log (the log spans restarts).
  std::string dir() const { return dir_ ? dir_->path() : ""; }
  std::string config_path() const { return dir_ ? dir_->File("mosquitto.conf") : ""; }
  std::string log_path() const { return dir_ ? dir_->File("mosquitto.log") : ""; }
  std::string ReadLog() const { return process_.ReadLog(); }
  /// The last `max_lines` lines of the log, for failure messages.
  std::string LogTail(size_t max_lines = 40) const;

  /// Wall time of the last successful Start()/Restart() (from launching
  /// mosquitto to ready; certificate generation excluded).
  std::chrono::milliseconds last_start_duration() const { return last_start_duration_; }

 private:
  Status WriteConfig() const;
  // Launches mosquitto on the current ports and waits for readiness.
  // *port_in_use is set when it failed because a port was taken.
  Status Launch(bool* port_in_use);
  Status WaitUntilReady(std::chrono::steady_clock::time_point deadline, bool* port_in_use);
  Status ProbeMqtt(std::chrono::steady_clock::time_point deadline);
  std::vector<int> ports() const;

  BrokerOptions options_;
  std::unique_ptr<TempDir> dir_;
  std::shared_ptr<const TestCertificates> certificates_;
  std::string mosquitto_;
  ChildProcess process_;
  int plain_port_ = 0;
  int tls_ec_port_ = 0;
  int tls_rsa_port_ = 0;
  bool started_once_ = false;
  size_t log_offset_ = 0;  // log size when the current process started
  std::chrono::milliseconds last_start_duration_{0};
};

/// One broker (default options) shared by all tests of a binary, started on
/// first use and stopped at exit. Returns nullptr, after ADD_FAILURE() with
/// the reason, if it cannot start (later calls do not retry). If a test
/// stopped it, it is restarted on the same ports. Tests that stop, restart
/// or reconfigure a broker should own one instead.
MosquittoBroker* SharedBroker();

/// The same as a gtest environment, for binaries that want the broker's
/// lifetime tied to RUN_ALL_TESTS():
///   auto* env = static_cast<MosquittoEnvironment*>(
///       ::testing::AddGlobalTestEnvironment(new MosquittoEnvironment()));
/// A start failure fails the run (and every test). Stops in TearDown().
///
/// Thread safety: not thread-safe; gtest calls it from the main thread.
class MosquittoEnvironment : public ::testing::Environment {
 public:
  explicit MosquittoEnvironment(BrokerOptions options = {}) : options_(std::move(options)) {}
  void SetUp() override;
  void TearDown() override;
  MosquittoBroker& broker() { return broker_; }

 private:
  BrokerOptions options_;
  MosquittoBroker broker_;
};

/// Binds 127.0.0.1:0 `count` times at once and returns the distinct ports
/// the kernel chose (closed again, so someone else could take them: callers
/// must handle EADDRINUSE).
Result<std::vector<int>> PickFreeLoopbackPorts(int count);

/// True if a TCP connection to 127.0.0.1:port is accepted.
bool CanConnect(int port);

/// True if 127.0.0.1:port can be bound with SO_REUSEADDR, as mosquitto does.
bool CanBind(int port);

}  // namespace shadowsync::testing_support

#endif  // SHADOWSYNC_TESTS_SUPPORT_MOSQUITTO_FIXTURE_H_
