// SPDX-License-Identifier: Apache-2.0
//
// The shadowsync-gateway program itself: its flags, its start-up errors and
// its exit on SIGTERM, in front of a real mosquitto with the plugin.

#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <string>
#include <thread>

#include "https_client.h"
#include "support/child_process.h"
#include "support/mosquitto_fixture.h"
#include "support/shadow_service_fixture.h"
#include "support/temp_dir.h"

namespace shadowsync::testing_support {
namespace {

class GatewayBinaryTest : public ShadowServiceTest {
 protected:
  GatewayBinaryTest() : ShadowServiceTest({"test-client", "gateway"}) {}

  void SetUp() override {
    ShadowServiceTest::SetUp();
    ASSERT_TRUE(StartServices());
    auto dir = TempDir::Create("gateway-binary-test");
    ASSERT_TRUE(dir.ok());
    dir_ = std::move(dir).value();
  }

  std::vector<std::string> Argv(int mtls_port) const {
    const CertKeyPair& gateway = certs_->client("gateway").ec;
    return {SHADOWSYNC_GATEWAY_BINARY,
            "--broker",
            broker_.tls_ec_uri(),
            "--ca",
            certs_->ca_cert,
            "--cert",
            gateway.cert,
            "--key",
            gateway.key,
            "--tls-cert",
            certs_->server_ec.cert,
            "--tls-key",
            certs_->server_ec.key,
            "--client-ca",
            certs_->ca_cert,
            "--mtls-port",
            std::to_string(mtls_port)};
  }

  // Waits until the log has `text`, the process ends, or 20 s pass.
  bool WaitForLog(ChildProcess& process, const std::string& text) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (std::chrono::steady_clock::now() < deadline) {
      if (process.ReadLog().find(text) != std::string::npos) return true;
      if (!process.IsRunning()) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));  // polling a condition
    }
    return false;
  }

  std::unique_ptr<TempDir> dir_;
};

TEST_F(GatewayBinaryTest, ServesRestAndStopsOnSigterm) {
  Result<std::vector<int>> ports = PickFreeLoopbackPorts(1);
  ASSERT_TRUE(ports.ok());
  ChildProcess gateway;
  ChildProcessOptions options;
  options.argv = Argv((*ports)[0]);
  options.log_path = dir_->File("gateway.log");
  ASSERT_TRUE(gateway.Start(options).ok());
  ASSERT_TRUE(WaitForLog(gateway, "listening: mTLS https://127.0.0.1:")) << gateway.ReadLog();

  HttpsCall call;
  call.url = "https://127.0.0.1:" + std::to_string((*ports)[0]) + "/things/gw-bin/shadow";
  call.ca_file = certs_->ca_cert;
  call.cert_file = certs_->default_client().ec.cert;
  call.key_file = certs_->default_client().ec.key;
  HttpsResult got = CallHttps(call);
  EXPECT_EQ(got.status, 404) << got.error << got.body;
  call.method = "POST";
  call.body = R"({"state":{"reported":{"up":true}}})";
  EXPECT_EQ(CallHttps(call).status, 200);

  ASSERT_TRUE(gateway.Signal(SIGTERM).ok());
  Result<ExitStatus> exit = gateway.WaitForExit(std::chrono::seconds(10));
  ASSERT_TRUE(exit.ok()) << exit.status().ToString();
  EXPECT_TRUE(exit->success()) << exit->ToString() << "\n" << gateway.ReadLog();
  const std::string log = gateway.ReadLog();
  EXPECT_NE(log.find("GET /things/gw-bin/shadow 404 cert CN=test-client "), std::string::npos)
      << log;
  EXPECT_NE(log.find("stopping (SIGTERM)"), std::string::npos) << log;
}

TEST_F(GatewayBinaryTest, StartupErrorsNameTheFlagOrFile) {
  ChildProcessOptions options;
  options.argv = Argv(1);
  options.argv.push_back("--registry");
  options.argv.push_back(dir_->File("no-such-registry.json"));
  Result<ProcessOutput> ran = RunProcess(options);
  ASSERT_TRUE(ran.ok());
  EXPECT_EQ(ran->status.exit_code(), 1) << ran->output;
  EXPECT_NE(ran->output.find("--registry: "), std::string::npos) << ran->output;
  EXPECT_NE(ran->output.find("no-such-registry.json"), std::string::npos) << ran->output;

  options.argv = {SHADOWSYNC_GATEWAY_BINARY, "--broker", broker_.plain_uri()};
  ran = RunProcess(options);
  ASSERT_TRUE(ran.ok());
  EXPECT_EQ(ran->status.exit_code(), 2) << ran->output;
  EXPECT_NE(ran->output.find("error: --tls-cert is required"), std::string::npos) << ran->output;

  options.argv = {SHADOWSYNC_GATEWAY_BINARY, "--mtls-prot", "1"};
  ran = RunProcess(options);
  ASSERT_TRUE(ran.ok());
  EXPECT_EQ(ran->status.exit_code(), 2) << ran->output;
  EXPECT_NE(ran->output.find("--mtls-port"), std::string::npos) << ran->output;
}

}  // namespace
}  // namespace shadowsync::testing_support
