// SPDX-License-Identifier: Apache-2.0
//
// The gateway test with HTTPS clients: ShadowRestClient options for the
// mutual-TLS and the SigV4 listener, and shadowctl run against them
// (rest_client_test.cc, rest_transport_test.cc).

#ifndef SHADOWSYNC_TESTS_GATEWAY_REST_CLIENT_FIXTURE_H_
#define SHADOWSYNC_TESTS_GATEWAY_REST_CLIENT_FIXTURE_H_

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "gateway_fixture.h"
#include "shadowsync/rest_client.h"
#include "support/child_process.h"

namespace shadowsync::testing_support {

class RestClientTest : public GatewayTest {
 protected:
  RestClientOptions CertificateOptions(const std::string& client = "test-client") const {
    RestClientOptions options;
    options.endpoint = "https://127.0.0.1:" + std::to_string(gateway_->mtls_port());
    options.ca_file = certs_->ca_cert;
    options.cert_file = certs_->client(client).ec.cert;
    options.key_file = certs_->client(client).ec.key;
    return options;
  }
  RestClientOptions SigV4Options() const {
    RestClientOptions options;
    options.endpoint = "https://127.0.0.1:" + std::to_string(gateway_->sigv4_port());
    options.authentication = RestAuthentication::kSigV4;
    options.ca_file = certs_->ca_cert;
    options.credentials.access_key_id = kAccessKeyId;
    options.credentials.secret_access_key = kSecretKey;
    options.region = kRegion;
    return options;
  }
  std::unique_ptr<ShadowRestClient> Client(RestClientOptions options) {
    Result<std::unique_ptr<ShadowRestClient>> client = ShadowRestClient::Create(std::move(options));
    EXPECT_TRUE(client.ok()) << client.status().ToString();
    return client.ok() ? std::move(client).value() : nullptr;
  }

  // shadowctl with `args`, then the shared flags of the listener.
  ProcessOutput Shadowctl(std::vector<std::string> args,
                          std::vector<std::pair<std::string, std::string>> env = {}) {
    ChildProcessOptions run;
    run.argv = {SHADOWSYNC_SHADOWCTL_BINARY};
    run.argv.insert(run.argv.end(), args.begin(), args.end());
    // The user's own AWS set-up must not leak into the test.
    run.env = {{"AWS_SHARED_CREDENTIALS_FILE", dir_->File("no-credentials")},
               {"AWS_CONFIG_FILE", dir_->File("no-config")},
               {"HOME", dir_->path()},
               {"https_proxy", ""},
               {"HTTPS_PROXY", ""}};
    for (auto& pair : env) {  // the caller's value replaces the default
      for (auto& given : run.env) {
        if (given.first == pair.first) given.second = pair.second;
      }
      run.env.push_back(std::move(pair));
    }
    Result<ProcessOutput> output = RunProcess(run);
    EXPECT_TRUE(output.ok()) << output.status().ToString();
    return output.ok() ? *output : ProcessOutput{ExitStatus(255 << 8), ""};
  }
  std::vector<std::string> CertificateFlags() const {
    return {"--broker", "https://127.0.0.1:" + std::to_string(gateway_->mtls_port()),
            "--ca",     certs_->ca_cert,
            "--cert",   certs_->client("test-client").ec.cert,
            "--key",    certs_->client("test-client").ec.key};
  }
  std::vector<std::pair<std::string, std::string>> SigV4Environment() const {
    return {{"AWS_ACCESS_KEY_ID", kAccessKeyId},
            {"AWS_SECRET_ACCESS_KEY", kSecretKey},
            {"AWS_REGION", kRegion}};
  }
};

}  // namespace shadowsync::testing_support

#endif  // SHADOWSYNC_TESTS_GATEWAY_REST_CLIENT_FIXTURE_H_
