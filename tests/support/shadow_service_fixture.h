// SPDX-License-Identifier: Apache-2.0
//
// Test fixture: the shadow service of the integration tests, that is a
// private MosquittoBroker with generated certificates shared by the test
// binary (shared_certificates.h) hosting the service either in itself (the
// shadowsync_mosquitto.so plugin of this build, with a SQLite store in the
// fixture's directory, so the shadows survive a broker restart: the
// default) or in the shadowsync-emulator of this build on it
// (emulator_process.h), plus the app- or device-side ShadowClients that
// talk to it over mutual TLS on a PahoTransport.
//
// Derive a gtest fixture from ShadowServiceTest; call its SetUp() first when
// overriding. Members destroyed in reverse order: the derived fixture's
// clients and processes go before the emulator, the emulator before the
// broker.

#ifndef SHADOWSYNC_TESTS_SUPPORT_SHADOW_SERVICE_FIXTURE_H_
#define SHADOWSYNC_TESTS_SUPPORT_SHADOW_SERVICE_FIXTURE_H_

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "shadowsync/client.h"
#include "shadowsync/paho_transport.h"
#include "support/emulator_process.h"
#include "support/mosquitto_fixture.h"
#include "support/temp_dir.h"
#include "support/tls_certificates.h"

namespace shadowsync::testing_support {

/// The shadowsync-emulator executable of this build tree.
std::string BuiltEmulatorBinary();
/// The shadowsync_mosquitto.so plugin of this build tree.
std::string BuiltPluginPath();

/// Where the fixture runs the shadow service.
enum class ServiceHost {
  kPlugin,    ///< inside mosquitto (the default host)
  kEmulator,  ///< shadowsync-emulator, an MQTT client of the broker
};

/// A ShadowClient with `options` on a new PahoTransport with `mqtt`; the
/// transport's or the client's error otherwise.
Result<std::unique_ptr<ShadowClient>> MakePahoShadowClient(const MqttOptions& mqtt,
                                                           ClientOptions options);

/// Base fixture: certificates, broker and emulator (see the file comment).
class ShadowServiceTest : public ::testing::Test {
 protected:
  /// CN of the emulator's client certificate.
  static constexpr char kEmulatorIdentity[] = "shadowsync-emulator";
  /// The default client certificate's CN.
  static constexpr char kDefaultClient[] = "test-client";

  /// `client_names`: the CNs of the clients' certificates (the first one is
  /// certs_->default_client()); the emulator's is added.
  explicit ShadowServiceTest(std::vector<std::string> client_names = {kDefaultClient},
                             ServiceHost host = ServiceHost::kPlugin);

  /// Sets certs_ (a fatal failure without them).
  void SetUp() override;

  /// Starts broker_ with certs_ and otherwise `options`; with the plugin
  /// host, the broker loads the plugin (store in the fixture's directory,
  /// the order of the last StartEmulator(), default accepted-first).
  ::testing::AssertionResult StartBroker(BrokerOptions options = {});

  /// The emulator of this build with identity kEmulatorIdentity and publish
  /// `order` (emulator default when empty; "random" with --order-seed 7).
  EmulatorProcessOptions EmulatorOptions(const std::string& order = "") const;

  /// Starts the shadow service with publish `order` on broker_: emulator_
  /// with EmulatorOptions(order), or, with the plugin host, nothing when
  /// the order is the broker's already, else a broker restart (new ports,
  /// fresh store) with the plugin in that order. Call it before making
  /// clients.
  ::testing::AssertionResult StartEmulator(const std::string& order = "");

  /// The last lines of the service's log: the emulator's, or the broker's
  /// (which holds the plugin's lines).
  std::string ServiceLogTail() const;

  ServiceHost host() const { return host_; }

  /// StartBroker() and StartEmulator(order); the failure says which one
  /// ("broker: ...", "emulator: ...").
  ::testing::AssertionResult StartServices(const std::string& order = "");

  /// Mutual TLS to broker_'s EC listener with the client pair `client`
  /// (TlsClientOptions: a unique client id from `label`).
  MqttOptions TlsOptions(const CertKeyPair& client, const std::string& label) const;

  /// Starts `clients` at the same time (Paho C makes a second client of one
  /// process wait ~2 s for its connect otherwise, see run_together.h).
  static ::testing::AssertionResult StartTogether(const std::vector<ShadowClient*>& clients);

  std::shared_ptr<const TestCertificates> certs_;
  MosquittoBroker broker_;
  EmulatorProcess emulator_;

 private:
  std::vector<std::string> client_names_;
  ServiceHost host_;
  std::string plugin_order_;           // "" = the plugin's default
  BrokerOptions last_broker_options_;  // for a restart in another order
  std::unique_ptr<TempDir> store_dir_;
};

}  // namespace shadowsync::testing_support

#endif  // SHADOWSYNC_TESTS_SUPPORT_SHADOW_SERVICE_FIXTURE_H_
