// SPDX-License-Identifier: Apache-2.0
#include "support/shadow_service_fixture.h"

#include <functional>
#include <utility>

#include "support/client_options.h"
#include "support/run_together.h"
#include "support/shared_certificates.h"

#ifndef SHADOWSYNC_BINARY_DIR
#error "SHADOWSYNC_BINARY_DIR must name the build tree"
#endif

namespace shadowsync::testing_support {

std::string BuiltEmulatorBinary() {
  return SHADOWSYNC_BINARY_DIR "/service/emulator/shadowsync-emulator";
}

std::string BuiltPluginPath() {
  return SHADOWSYNC_BINARY_DIR "/service/mosquitto/shadowsync_mosquitto.so";
}

Result<std::unique_ptr<ShadowClient>> MakePahoShadowClient(const MqttOptions& mqtt,
                                                           ClientOptions options) {
  Result<std::unique_ptr<Transport>> transport = MakePahoTransport(mqtt);
  if (!transport.ok()) return transport.status();
  return ShadowClient::Create(std::move(options), std::move(transport).value());
}

ShadowServiceTest::ShadowServiceTest(std::vector<std::string> client_names, ServiceHost host)
    : client_names_(std::move(client_names)), host_(host) {
  client_names_.push_back(kEmulatorIdentity);
}

void ShadowServiceTest::SetUp() {
  certs_ = SharedCertificates(client_names_);
  ASSERT_NE(certs_, nullptr);
}

::testing::AssertionResult ShadowServiceTest::StartBroker(BrokerOptions options) {
  options.certificates = certs_;
  last_broker_options_ = options;
  if (host_ == ServiceHost::kPlugin) {
    if (!store_dir_) {
      Result<std::unique_ptr<TempDir>> dir = TempDir::Create("shadowsync-plugin-store");
      if (!dir.ok()) return ::testing::AssertionFailure() << dir.status().ToString();
      store_dir_ = std::move(dir).value();
    }
    options.plugin_path = BuiltPluginPath();
    options.plugin_options.emplace_back("store", store_dir_->File("shadows.db"));
    if (!plugin_order_.empty()) {
      options.plugin_options.emplace_back("order", plugin_order_);
      if (plugin_order_ == "random") options.plugin_options.emplace_back("order_seed", "7");
    }
  }
  Status started = broker_.Start(std::move(options));
  if (!started.ok()) return ::testing::AssertionFailure() << started.ToString();
  return ::testing::AssertionSuccess();
}

EmulatorProcessOptions ShadowServiceTest::EmulatorOptions(const std::string& order) const {
  EmulatorProcessOptions options;
  options.binary = BuiltEmulatorBinary();
  options.identity = kEmulatorIdentity;
  options.order = order;
  if (order == "random") options.order_seed = 7;
  return options;
}

::testing::AssertionResult ShadowServiceTest::StartEmulator(const std::string& order) {
  if (host_ == ServiceHost::kPlugin) {
    if (order.empty() || order == plugin_order_ ||
        (plugin_order_.empty() && order == "accepted-first")) {
      return ::testing::AssertionSuccess();
    }
    plugin_order_ = order;
    Status stopped = broker_.Stop();
    if (!stopped.ok()) return ::testing::AssertionFailure() << stopped.ToString();
    store_dir_.reset();  // a fresh store for the new service
    return StartBroker(last_broker_options_);
  }
  Status started = emulator_.Start(broker_, EmulatorOptions(order));
  if (!started.ok()) return ::testing::AssertionFailure() << started.ToString();
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult ShadowServiceTest::StartServices(const std::string& order) {
  if (::testing::AssertionResult started = StartBroker(); !started) {
    return ::testing::AssertionFailure() << "broker: " << started.message();
  }
  if (::testing::AssertionResult started = StartEmulator(order); !started) {
    return ::testing::AssertionFailure() << "emulator: " << started.message();
  }
  return ::testing::AssertionSuccess();
}

std::string ShadowServiceTest::ServiceLogTail() const {
  return host_ == ServiceHost::kPlugin ? broker_.LogTail() : emulator_.LogTail();
}

MqttOptions ShadowServiceTest::TlsOptions(const CertKeyPair& client,
                                          const std::string& label) const {
  return TlsClientOptions(broker_.tls_ec_uri(), *certs_, client, label);
}

::testing::AssertionResult ShadowServiceTest::StartTogether(
    const std::vector<ShadowClient*>& clients) {
  std::vector<std::function<Status()>> starts;
  for (ShadowClient* client : clients) starts.push_back([client] { return client->Start(); });
  return AllOk(RunTogether(starts));
}

}  // namespace shadowsync::testing_support
