// SPDX-License-Identifier: Apache-2.0
//
// shadowctl gets, updates and watches a shadow over each of AWS IoT's four
// data-plane protocols against the local stack (issue 11, "Done when"):
// mosquitto with the shadowsync plugin, and shadowsync-gateway (in-process)
// with its mutual-TLS, SigV4 and WebSocket listeners at once.
//
//   mqtt         mqtts:// to the broker, client certificate
//   https-cert   https:// to the gateway's mutual-TLS listener
//   https-sigv4  https:// to its SigV4 listener, keys from an AWS profile
//   wss          wss://.../mqtt, presigned with the same profile, relayed
//
// Each runs the real shadowctl binary: update, get, a version conflict
// (exit 3, "error: 409 ..."), and watch --count 2 (MQTT watch is pushed,
// HTTPS watch polls with --interval): one update gives a documents and a
// delta line in either case.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <rapidjson/pointer.h>

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "gateway.h"
#include "shadowsync/json.h"
#include "support/child_process.h"
#include "support/eventually.h"
#include "support/mosquitto_fixture.h"
#include "support/process_output.h"
#include "support/shadow_service_fixture.h"
#include "support/temp_dir.h"

namespace shadowsync::testing_support {
namespace {

using namespace std::chrono_literals;
using gateway::Gateway;
using gateway::GatewayOptions;
using ::testing::HasSubstr;

constexpr char kRegion[] = "eu-west-1";
constexpr char kKeyId[] = "AKIDPROTOCOLS0001";
constexpr char kSecret[] = "protocols-secret/0123456789abcdefghij";
constexpr char kRelaySecret[] = "relay-secret-protocols-0123456789";

class ShadowctlProtocolsTest : public ShadowServiceTest,
                               public ::testing::WithParamInterface<std::string> {
 protected:
  ShadowctlProtocolsTest() : ShadowServiceTest({"test-client", "gateway"}) {}

  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(ShadowServiceTest::SetUp());
    auto dir = TempDir::Create("shadowctl-protocols");
    ASSERT_TRUE(dir.ok()) << dir.status().ToString();
    dir_ = std::move(dir).value();
    const std::string secret_file = dir_->File("relay-secret");
    ASSERT_TRUE(WriteStringToFile(secret_file, std::string(kRelaySecret) + "\n", 0600).ok());
    // The gateway's keys, and the user's AWS profile "ops" holding the same.
    credentials_file_ = dir_->File("credentials");
    ASSERT_TRUE(WriteStringToFile(credentials_file_,
                                  std::string("[ops]\naws_access_key_id = ") + kKeyId +
                                      "\naws_secret_access_key = " + kSecret + "\n",
                                  0600)
                    .ok());
    BrokerOptions broker;
    broker.plugin_options.emplace_back("gateway_secret_file", secret_file);
    ASSERT_TRUE(StartBroker(std::move(broker)));
    Result<std::vector<int>> ports = PickFreeLoopbackPorts(1);
    ASSERT_TRUE(ports.ok()) << ports.status().ToString();

    GatewayOptions options;
    options.mqtt = TlsOptions(certs_->client("gateway").ec, "gateway");
    options.mtls_port = 0;
    options.sigv4_port = 0;
    options.wss_port = ports->at(0);
    options.server_cert_file = certs_->server_ec.cert;
    options.server_key_file = certs_->server_ec.key;
    options.client_ca_file = certs_->ca_cert;
    options.credentials_file = credentials_file_;
    options.region = kRegion;
    options.relay_broker = "127.0.0.1:" + std::to_string(broker_.plain_port());
    options.relay_secret_file = secret_file;
    gateway_ = std::make_unique<Gateway>(std::move(options), [this](const std::string& line) {
      std::lock_guard<std::mutex> lock(log_mu_);
      log_ += line + "\n";
    });
    Status started = gateway_->Start();
    ASSERT_TRUE(started.ok()) << started.ToString();
  }

  void TearDown() override {
    if (gateway_) gateway_->Stop();
    if (HasFailure()) {
      std::lock_guard<std::mutex> lock(log_mu_);
      std::cerr << "gateway log:\n" << log_ << "service log:\n" << ServiceLogTail() << "\n";
    }
  }

  // The connection flags of the protocol under test.
  std::vector<std::string> ConnectionFlags() const {
    const std::string& protocol = GetParam();
    const std::string host = "127.0.0.1:";
    const std::vector<std::string> certificate = {"--ca",   certs_->ca_cert,
                                                  "--cert", certs_->client("test-client").ec.cert,
                                                  "--key",  certs_->client("test-client").ec.key};
    const std::vector<std::string> profile = {"--ca", certs_->ca_cert, "--profile",
                                              "ops",  "--region",      kRegion};
    std::vector<std::string> flags;
    if (protocol == "mqtt") {
      flags = {"--broker", "mqtts://" + host + std::to_string(broker_.tls_ec_port())};
      flags.insert(flags.end(), certificate.begin(), certificate.end());
    } else if (protocol == "https-cert") {
      flags = {"--protocol", "https-cert", "--broker",
               "https://" + host + std::to_string(gateway_->mtls_port())};
      flags.insert(flags.end(), certificate.begin(), certificate.end());
    } else if (protocol == "https-sigv4") {
      flags = {"--protocol", "https-sigv4", "--broker",
               "https://" + host + std::to_string(gateway_->sigv4_port())};
      flags.insert(flags.end(), profile.begin(), profile.end());
    } else {
      flags = {"--broker", "wss://" + host + std::to_string(gateway_->wss_port()) + "/mqtt"};
      flags.insert(flags.end(), profile.begin(), profile.end());
    }
    return flags;
  }

  ChildProcessOptions Shadowctl(const std::vector<std::string>& args) const {
    ChildProcessOptions run;
    run.argv = {SHADOWSYNC_SHADOWCTL_BINARY};
    run.argv.insert(run.argv.end(), args.begin(), args.end());
    run.argv.insert(run.argv.end(), {"--thing", "ctl-" + GetParam()});
    const std::vector<std::string> flags = ConnectionFlags();
    run.argv.insert(run.argv.end(), flags.begin(), flags.end());
    // The profile comes from this file only; the user's set-up stays out.
    run.env = {{"AWS_SHARED_CREDENTIALS_FILE", credentials_file_},
               {"AWS_CONFIG_FILE", dir_->File("no-config")},
               {"AWS_ACCESS_KEY_ID", ""},
               {"AWS_SECRET_ACCESS_KEY", ""},
               {"AWS_PROFILE", ""},
               {"HOME", dir_->path()},
               {"https_proxy", ""},
               {"HTTPS_PROXY", ""}};
    return run;
  }

  ProcessOutput Run(const std::vector<std::string>& args) {
    Result<ProcessOutput> output = RunProcess(Shadowctl(args));
    EXPECT_TRUE(output.ok()) << output.status().ToString();
    return output.ok() ? *output : ProcessOutput{ExitStatus(255 << 8), ""};
  }

  std::string Log() {
    std::lock_guard<std::mutex> lock(log_mu_);
    return log_;
  }

  std::unique_ptr<TempDir> dir_;
  std::string credentials_file_;
  std::unique_ptr<Gateway> gateway_;
  std::mutex log_mu_;
  std::string log_;
};

std::string At(const std::string& json, const char* pointer) {
  Result<JsonDocument> doc = ParseJson(json);
  if (!doc.ok()) return "<not JSON: " + json + ">";
  const JsonValue* value = rapidjson::Pointer(pointer).Get(*doc);
  return value ? ToCompactJson(*value) : "<absent>";
}

TEST_P(ShadowctlProtocolsTest, GetsUpdatesAndWatches) {
  ProcessOutput updated = Run({"update", "--desired", R"({"power":"on"})", "--compact"});
  ASSERT_TRUE(updated.status.success()) << updated.output << Log();
  EXPECT_EQ(At(updated.output, "/state/desired/power"), "\"on\"") << updated.output;
  const std::string version = At(updated.output, "/version");

  ProcessOutput got = Run({"get", "--compact"});
  ASSERT_TRUE(got.status.success()) << got.output;
  EXPECT_EQ(At(got.output, "/state/delta/power"), "\"on\"") << got.output;
  EXPECT_EQ(At(got.output, "/version"), version) << got.output;

  // The same exit code and message for a rejection over every protocol.
  ProcessOutput conflict = Run({"update", "--desired", R"({"power":"off"})", "--version", "999"});
  EXPECT_EQ(conflict.status.exit_code(), 3) << conflict.output;
  EXPECT_THAT(conflict.output, HasSubstr("error: 409 Version conflict"));

  // watch: its first two events (documents and delta of one update). MQTT
  // watch sees only what comes after it subscribed, HTTPS watch only what
  // comes after its first GET: updates are sent until one reaches it.
  std::vector<std::string> watch_args = {"watch", "--count", "2", "--timeout", "60"};
  if (GetParam().rfind("https", 0) == 0) watch_args.insert(watch_args.end(), {"--interval", "0.2"});
  ChildProcessOptions watching = Shadowctl(watch_args);
  watching.log_path = dir_->File("watch.log");
  ChildProcess watch;
  ASSERT_TRUE(watch.Start(watching).ok());
  int level = 0;
  ASSERT_TRUE(Eventually(
      [&] {
        ProcessOutput sent =
            Run({"update", "--desired", R"({"level":)" + std::to_string(++level) + "}"});
        return sent.status.success() && watch.WaitForExit(500ms).ok();
      },
      60s))
      << watch.ReadLog() << Log();
  ASSERT_TRUE(watch.exit_status().has_value());
  EXPECT_TRUE(watch.exit_status()->success()) << watch.ReadLog();
  const std::string topic = "$aws/things/ctl-" + GetParam() + "/shadow/update/";
  EXPECT_THAT(watch.ReadLog(),
              HasSubstr(R"({"type":"documents","topic":")" + topic + R"(documents","payload":{)"));
  EXPECT_THAT(watch.ReadLog(),
              HasSubstr(R"({"type":"delta","topic":")" + topic + R"(delta","payload":{)"));
  EXPECT_THAT(watch.ReadLog(), HasSubstr(R"("level":)"));
}

INSTANTIATE_TEST_SUITE_P(FourProtocols, ShadowctlProtocolsTest,
                         ::testing::Values("mqtt", "https-cert", "https-sigv4", "wss"),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           std::string name = info.param;
                           for (char& c : name) {
                             if (c == '-') c = '_';
                           }
                           return name;
                         });

}  // namespace
}  // namespace shadowsync::testing_support
