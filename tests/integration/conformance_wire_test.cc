// SPDX-License-Identifier: Apache-2.0
//
// Conformance over the wire (issue 3): the conformance runner's wire mode
// (tests/conformance/wire_runner.h) against a private mosquitto from
// tests/support. Each test runs the runner binary as a child process; the
// runner starts a freshly seeded shadowsync-emulator per vector, sends the
// vector's request over MQTT and checks every response, the silence of
// `expect_not_published` and the state after (through a sentinel GET).
//
// - the public vectors (spec/vectors) on plain TCP, with the runner's
//   default `--workers 0` emulator;
// - the public vectors over mutual TLS (EC certificates), with the
//   emulator's worker threads (`--workers=2`, its default), so both request
//   paths of the emulator are covered;
// - our own vectors (tests/conformance/vectors) on plain TCP, and both sets
//   in a seeded random order;
// - the public and our own vectors against the broker plugin (a fresh
//   mosquitto per vector, the runner's plugin mode), in the default order
//   and in a seeded random order.
// - the public and our own vectors over HTTPS with a client certificate
//   through a real shadowsync-gateway process in front of the plugin (the
//   runner's HTTPS mode, issue 11), certificates made at test time, in two
//   tests (ConformanceHttpsTest).
// Each expects exit 0 and exactly "N passed, 0 failed" with N the number of
// vectors in the files (HTTPS: "P passed, 0 failed, S skipped" with P + S =
// N, the skipped being the MQTT-only vectors the runner lists), and prints
// the runner's timing line. A further test shows that the wire mode's own
// checks can fail.
//
// ctest labels: integration and conformance
// (tests/conformance/wire_test_labels.cmake).

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "shadowsync/json.h"
#include "support/child_process.h"
#include "support/mosquitto_fixture.h"
#include "support/temp_dir.h"
#include "support/tls_certificates.h"

namespace shadowsync {
namespace {

using testing_support::ChildProcessOptions;
using testing_support::MosquittoBroker;
using testing_support::ProcessOutput;
using testing_support::ReadFileToString;
using testing_support::RunProcess;
using testing_support::SharedBroker;

const std::string kRunner = SHADOWSYNC_BINARY_DIR "/tests/conformance/shadowsync-conformance";
const std::string kEmulator = SHADOWSYNC_BINARY_DIR "/service/emulator/shadowsync-emulator";
const std::string kPlugin = SHADOWSYNC_BINARY_DIR "/service/mosquitto/shadowsync_mosquitto.so";
const std::string kGateway = SHADOWSYNC_BINARY_DIR "/service/gateway/shadowsync-gateway";
const std::string kSpecVectors = SHADOWSYNC_SPEC_DIR "/vectors";
const std::string kOwnVectors = SHADOWSYNC_SOURCE_DIR "/tests/conformance/vectors";

// The runner's arguments for a set of vector files, and how many vectors
// they hold.
struct VectorArgs {
  std::vector<std::string> args;
  std::size_t count = 0;
};

// Adds `path` as --vectors or --topics and counts its vectors.
void AddFile(const std::string& option, const std::string& path, VectorArgs* out) {
  Result<std::string> text = ReadFileToString(path);
  ASSERT_TRUE(text.ok()) << text.status().ToString();
  Result<JsonDocument> doc = ParseJson(*text);
  ASSERT_TRUE(doc.ok() && doc->IsArray()) << path << " is not a JSON array";
  out->args.insert(out->args.end(), {option, path});
  out->count += doc->Size();
}

VectorArgs PublicVectors() {
  VectorArgs out;
  AddFile("--vectors", kSpecVectors + "/shadow_vectors.json", &out);
  AddFile("--topics", kSpecVectors + "/topic_vectors.json", &out);
  return out;
}

// As tests/conformance/CMakeLists.txt: topics*.json are topic vectors, every
// other file holds request/response vectors.
// `only`: just these files (names without ".json"); empty: all.
VectorArgs OwnVectors(const std::vector<std::string>& only = {}) {
  std::vector<std::string> files;
  for (const auto& entry : std::filesystem::directory_iterator(kOwnVectors)) {
    if (entry.path().extension() != ".json") continue;
    if (!only.empty() &&
        std::find(only.begin(), only.end(), entry.path().stem().string()) == only.end()) {
      continue;
    }
    files.push_back(entry.path().string());
  }
  std::sort(files.begin(), files.end());
  VectorArgs out;
  for (const std::string& file : files) {
    const bool topics = std::filesystem::path(file).filename().string().rfind("topics", 0) == 0;
    AddFile(topics ? "--topics" : "--vectors", file, &out);
  }
  return out;
}

std::string LastLine(const std::string& output, const std::string& prefix = "") {
  std::istringstream in(output);
  std::string line;
  std::string last;
  while (std::getline(in, line)) {
    if (!line.empty() && line.rfind(prefix, 0) == 0) last = line;
  }
  return last;
}

class ConformanceWireTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(std::filesystem::exists(kRunner)) << kRunner << " is not built";
    ASSERT_TRUE(std::filesystem::exists(kEmulator))
        << kEmulator << " is not built (SHADOWSYNC_BUILD_TOOLS=ON builds it)";
    broker_ = SharedBroker();
    ASSERT_NE(broker_, nullptr);
  }

  // Runs the runner in wire mode and expects every vector to pass.
  void RunAndExpectAllPass(const std::vector<std::string>& connection, const VectorArgs& vectors,
                           const std::vector<std::string>& emulator_args = {}) {
    std::vector<std::string> host = connection;
    host.insert(host.end(), {"--emulator", kEmulator});
    for (const std::string& arg : emulator_args) host.insert(host.end(), {"--emulator-arg", arg});
    RunHostAndExpectAllPass(host, vectors);
  }

  // The broker plugin in a fresh mosquitto per vector (the runner's plugin
  // mode), with more plugin_opt_ lines.
  void RunPluginAndExpectAllPass(const VectorArgs& vectors,
                                 const std::vector<std::string>& plugin_options = {}) {
    ASSERT_TRUE(std::filesystem::exists(kPlugin)) << kPlugin << " is not built";
    std::vector<std::string> host = {"--plugin", kPlugin};
    for (const std::string& option : plugin_options) {
      host.insert(host.end(), {"--plugin-opt", option});
    }
    RunHostAndExpectAllPass(host, vectors);
  }

  // With `allow_skips` (the HTTPS mode) the last line may end in ", K
  // skipped", and passed plus skipped must be the count. `output_out` gets
  // the runner's output.
  void RunHostAndExpectAllPass(const std::vector<std::string>& host, const VectorArgs& vectors,
                               bool allow_skips = false, std::string* output_out = nullptr) {
    ASSERT_GT(vectors.count, 0u);
    ChildProcessOptions options;
    options.argv = {kRunner};
    options.argv.insert(options.argv.end(), host.begin(), host.end());
    options.argv.insert(options.argv.end(), vectors.args.begin(), vectors.args.end());

    const auto start = std::chrono::steady_clock::now();
    Result<ProcessOutput> run = RunProcess(options, std::chrono::seconds(240));
    const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - start);
    ASSERT_TRUE(run.ok()) << run.status().ToString();
    const std::string& output = run->output;
    std::cout << LastLine(output, "wire: ") << "\n"
              << "runner wall time: " << elapsed.count() << " ms\n";

    EXPECT_TRUE(run->status.success())
        << "the runner " << run->status.ToString() << "; its output:\n"
        << output;
    if (allow_skips) {
      std::size_t passed = 0;
      std::size_t skipped = 0;
      const std::string last = LastLine(output);
      ASSERT_EQ(std::sscanf(last.c_str(), "%zu passed, 0 failed, %zu skipped", &passed, &skipped),
                2)
          << "output:\n"
          << output;
      EXPECT_EQ(passed + skipped, vectors.count) << last;
    } else {
      EXPECT_EQ(LastLine(output), std::to_string(vectors.count) + " passed, 0 failed")
          << "output:\n"
          << output;
    }
    // The shadow vectors really went over the wire.
    EXPECT_NE(LastLine(output, "wire: "), "") << output;
    if (output_out) *output_out = output;
  }

  std::vector<std::string> PlainConnection() const { return {"--broker", broker_->plain_uri()}; }

  std::vector<std::string> TlsEcConnection() const {
    const auto& certificates = broker_->certificates();
    const auto& client = certificates.default_client().ec;
    return {"--broker", broker_->tls_ec_uri(), "--ca",  certificates.ca_cert,
            "--cert",   client.cert,           "--key", client.key};
  }

  MosquittoBroker* broker_ = nullptr;
};

TEST_F(ConformanceWireTest, PublicVectorsPlain) {
  RunAndExpectAllPass(PlainConnection(), PublicVectors());
}

TEST_F(ConformanceWireTest, PublicVectorsTlsEcWithWorkers) {
  RunAndExpectAllPass(TlsEcConnection(), PublicVectors(), {"--workers=2"});
}

TEST_F(ConformanceWireTest, OwnVectorsPlain) {
  RunAndExpectAllPass(PlainConnection(), OwnVectors());
}

TEST_F(ConformanceWireTest, PublicVectorsRandomOrder) {
  RunAndExpectAllPass(PlainConnection(), PublicVectors(),
                      {"--order", "random", "--order-seed", "11"});
}

TEST_F(ConformanceWireTest, OwnVectorsRandomOrder) {
  RunAndExpectAllPass(PlainConnection(), OwnVectors(), {"--order", "random", "--order-seed", "11"});
}

// The same suites against the broker plugin (issue 9): public and own
// vectors, in the default order and in a seeded random order.
TEST_F(ConformanceWireTest, PublicVectorsBrokerPlugin) {
  RunPluginAndExpectAllPass(PublicVectors());
}

TEST_F(ConformanceWireTest, PublicVectorsBrokerPluginRandomOrder) {
  RunPluginAndExpectAllPass(PublicVectors(), {"order random", "order_seed 11"});
}

TEST_F(ConformanceWireTest, OwnVectorsBrokerPlugin) { RunPluginAndExpectAllPass(OwnVectors()); }

TEST_F(ConformanceWireTest, OwnVectorsBrokerPluginRandomOrder) {
  RunPluginAndExpectAllPass(OwnVectors(), {"order random", "order_seed 11"});
}

// The vectors over HTTPS through a real gateway process in front of the
// plugin (the runner's HTTPS mode): every get/update/delete vector's status,
// body and x-amzn-ErrorType, and what devices see on MQTT. The vectors REST
// cannot express are skipped, each with a SKIP line; every other one must
// pass. A gateway and a mosquitto start per vector, so the sets are split
// in two tests of about 130 shadow vectors each: the public vectors, errors
// and named shadows (200, 400, 404, 413, 415), and the versions (409), merge,
// delta and metadata rules.
class ConformanceHttpsTest : public ConformanceWireTest {
 protected:
  void RunHttpsAndExpectAllPass(const VectorArgs& vectors) {
    ASSERT_TRUE(std::filesystem::exists(kPlugin)) << kPlugin << " is not built";
    ASSERT_TRUE(std::filesystem::exists(kGateway)) << kGateway << " is not built";
    const auto& certificates = broker_->certificates();
    const auto& client = certificates.default_client().ec;
    std::string output;
    RunHostAndExpectAllPass(
        {"--plugin", kPlugin, "--gateway", kGateway, "--https-ca", certificates.ca_cert,
         "--https-cert", client.cert, "--https-key", client.key, "--gateway-tls-cert",
         certificates.server_ec.cert, "--gateway-tls-key", certificates.server_ec.key},
        vectors, /*allow_skips=*/true, &output);
    // Every skipped vector is listed with its reason, and they are the few
    // MQTT-only ones: REST expresses the rest.
    std::size_t skip_lines = 0;
    std::istringstream lines(output);
    for (std::string line; std::getline(lines, line);) {
      if (line.rfind("SKIP ", 0) == 0) ++skip_lines;
    }
    const std::string summary =
        skip_lines == 0 ? " failed\n" : ", " + std::to_string(skip_lines) + " skipped\n";
    EXPECT_NE(output.find(summary), std::string::npos) << output;
    EXPECT_LT(skip_lines * 5, vectors.count) << output;
  }
};

TEST_F(ConformanceHttpsTest, StatusCodeVectorsThroughTheGateway) {
  VectorArgs vectors = PublicVectors();
  const VectorArgs own = OwnVectors({"errors", "named", "topics_extra"});
  vectors.args.insert(vectors.args.end(), own.args.begin(), own.args.end());
  vectors.count += own.count;
  RunHttpsAndExpectAllPass(vectors);
}

TEST_F(ConformanceHttpsTest, VersionMergeDeltaAndMetadataVectorsThroughTheGateway) {
  RunHttpsAndExpectAllPass(OwnVectors({"versions", "merge", "delta", "metadata"}));
}

// The HTTPS mode's checks can fail: a wrong version in the HTTP body (and on
// MQTT), a wrong delta, a publish listed as silent, wrong state_after; the
// vector whose name is invalid is skipped, not passed.
TEST_F(ConformanceHttpsTest, DetectsFailures) {
  const auto& certificates = broker_->certificates();
  const auto& client = certificates.default_client().ec;
  ChildProcessOptions options;
  options.argv = {kRunner,
                  "--plugin",
                  kPlugin,
                  "--gateway",
                  kGateway,
                  "--https-ca",
                  certificates.ca_cert,
                  "--https-cert",
                  client.cert,
                  "--https-key",
                  client.key,
                  "--gateway-tls-cert",
                  certificates.server_ec.cert,
                  "--gateway-tls-key",
                  certificates.server_ec.key,
                  "--vectors",
                  SHADOWSYNC_SOURCE_DIR "/tests/conformance/selftest/must_fail.json",
                  "--vectors",
                  SHADOWSYNC_SOURCE_DIR "/tests/conformance/selftest/wire_must_fail.json"};
  Result<ProcessOutput> run = RunProcess(options, std::chrono::seconds(120));
  ASSERT_TRUE(run.ok()) << run.status().ToString();
  const std::string& output = run->output;
  ASSERT_TRUE(run->status.exited()) << run->status.ToString() << "\n" << output;
  EXPECT_EQ(run->status.exit_code(), 1) << output;
  EXPECT_EQ(LastLine(output), "0 passed, 5 failed, 1 skipped") << output;
  EXPECT_NE(output.find("HTTP body: /version: expected 2, got 1"), std::string::npos) << output;
  EXPECT_NE(output.find("delta: published on $aws/things/selfTest/shadow/update/delta although "
                        "expect_not_published lists it"),
            std::string::npos)
      << output;
  EXPECT_NE(output.find("SKIP selftest_invalid_thing_name_expects_answer"), std::string::npos)
      << output;
}

// The wire mode's own checks can fail: a delta published although the vector
// lists it as silent (the sentinel barrier), a wrong state_after and a live
// shadow that is gone (the sentinel GET), and an answer expected on a topic
// with an invalid name (the probe). The same vectors fail in-process
// (conformance_runner_detects_wire_selftest_failures).
TEST_F(ConformanceWireTest, DetectsFailures) {
  ChildProcessOptions options;
  options.argv = {kRunner,
                  "--broker",
                  broker_->plain_uri(),
                  "--emulator",
                  kEmulator,
                  "--vectors",
                  SHADOWSYNC_SOURCE_DIR "/tests/conformance/selftest/wire_must_fail.json"};
  Result<ProcessOutput> run = RunProcess(options, std::chrono::seconds(60));
  ASSERT_TRUE(run.ok()) << run.status().ToString();
  const std::string& output = run->output;
  ASSERT_TRUE(run->status.exited()) << run->status.ToString() << "\n" << output;
  EXPECT_EQ(run->status.exit_code(), 1) << output;
  EXPECT_EQ(LastLine(output), "0 passed, 4 failed") << output;
  EXPECT_NE(output.find("delta: published on $aws/things/selfTest/shadow/update/delta although "
                        "expect_not_published lists it"),
            std::string::npos)
      << output;
  EXPECT_NE(output.find("state_after: /version: expected 5, got 1"), std::string::npos) << output;
  EXPECT_NE(output.find("state_after: expected a live shadow, but the sentinel GET was rejected"),
            std::string::npos)
      << output;
  EXPECT_NE(output.find("rejected: expected a publish on $aws/things/self.test/shadow/update/"
                        "rejected, got none"),
            std::string::npos)
      << output;
}

}  // namespace
}  // namespace shadowsync
