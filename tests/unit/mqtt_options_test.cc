// SPDX-License-Identifier: Apache-2.0
//
// ValidateMqttOptions (lib/src/mqtt/mqtt_options.cc, paho_transport.h):
// options are checked before anything connects, and each error names the
// field, and the path of a bad file; MakePahoTransport() refuses with the
// same error. Needs certificates (made at test time), no broker.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <memory>
#include <string>
#include <utility>

#include "shadowsync/paho_transport.h"
#include "shadowsync/transport.h"
#include "support/child_process.h"
#include "support/temp_dir.h"
#include "support/tls_certificates.h"

namespace shadowsync {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;
using ::testing::StartsWith;
using testing_support::TestCertificates;

class ValidateMqttOptionsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    Result<TestCertificates> made = testing_support::GenerateTestCertificates();
    ASSERT_TRUE(made.ok()) << made.status().ToString();
    certs_ = new TestCertificates(std::move(made).value());
  }
  static void TearDownTestSuite() {
    delete certs_;
    certs_ = nullptr;
  }

  static MqttOptions Tls() {
    MqttOptions options;
    options.server_uri = "ssl://localhost:8883";
    options.client_id = "validate";
    options.ca_file = certs_->ca_cert;
    options.cert_file = certs_->default_client().ec.cert;
    options.key_file = certs_->default_client().ec.key;
    return options;
  }
  static MqttOptions Plain() {
    MqttOptions options;
    options.server_uri = "tcp://127.0.0.1:1883";
    options.client_id = "validate";
    return options;
  }
  static void ExpectInvalid(const MqttOptions& options, const std::string& message) {
    const Status status = ValidateMqttOptions(options);
    EXPECT_EQ(status.code(), StatusCode::kInvalidArgument) << status.ToString();
    EXPECT_THAT(status.message(), HasSubstr(message));
    // The factory refuses with the same error.
    Result<std::unique_ptr<Transport>> made = MakePahoTransport(options);
    EXPECT_FALSE(made.ok());
    EXPECT_EQ(made.status(), status);
  }

  static TestCertificates* certs_;
};
TestCertificates* ValidateMqttOptionsTest::certs_ = nullptr;

TEST_F(ValidateMqttOptionsTest, AcceptsGoodOptions) {
  EXPECT_TRUE(ValidateMqttOptions(Plain()).ok());
  EXPECT_TRUE(ValidateMqttOptions(Tls()).ok());
  MqttOptions rsa = Tls();
  rsa.cert_file = certs_->default_client().rsa.cert;
  rsa.key_file = certs_->default_client().rsa.key;
  EXPECT_TRUE(ValidateMqttOptions(rsa).ok());
  MqttOptions server_auth_only = Tls();  // TLS without a client certificate
  server_auth_only.cert_file.clear();
  server_auth_only.key_file.clear();
  EXPECT_TRUE(ValidateMqttOptions(server_auth_only).ok());
  MqttOptions alpn = Tls();
  alpn.alpn_protocols = {"x-amzn-mqtt-ca"};
  EXPECT_TRUE(ValidateMqttOptions(alpn).ok());
  for (const char* uri : {"mqtt://broker.example:1883", "tcp://broker", "TCP://10.0.0.1:1",
                          "tcp://[::1]:1883", "tcp://host_name-1.example:65535"}) {
    MqttOptions options = Plain();
    options.server_uri = uri;
    EXPECT_TRUE(ValidateMqttOptions(options).ok())
        << uri << ": " << ValidateMqttOptions(options).ToString();
  }
  MqttOptions mqtts = Tls();
  mqtts.server_uri = "mqtts://a1b2c3-ats.iot.eu-west-1.amazonaws.com:443";
  EXPECT_TRUE(ValidateMqttOptions(mqtts).ok());
}

// Each refusal of ParseBrokerUri, word for word: broker_uri_test.cc. Here:
// that ValidateMqttOptions and the factory pass them on.
TEST_F(ValidateMqttOptionsTest, RejectsBadServerUri) {
  const std::pair<const char*, const char*> cases[] = {
      {"", "empty"},
      {"localhost:1883", "no scheme"},
      {"wss://localhost/mqtt?x=1", "a query or fragment is not allowed"},
      {"http://localhost", "unsupported scheme"},
      {"tcp://:1883", "no host"},
      {"tcp://localhost:65536", "port out of range"},
      {"tcp://[not-ip]:1883", "not an IPv6 address"},
  };
  for (const auto& [uri, message] : cases) {
    MqttOptions options = Plain();
    options.server_uri = uri;
    SCOPED_TRACE(uri);
    ExpectInvalid(options, message);
    EXPECT_THAT(ValidateMqttOptions(options).message(), StartsWith("server_uri: "));
  }
}

TEST_F(ValidateMqttOptionsTest, RejectsTlsSettingsWithoutSsl) {
  MqttOptions ca = Plain();
  ca.ca_file = certs_->ca_cert;
  ExpectInvalid(ca, "ca_file is set but server_uri is not ssl://");
  MqttOptions cert = Plain();
  cert.cert_file = certs_->default_client().ec.cert;
  ExpectInvalid(cert, "cert_file is set but server_uri is not ssl://");
  MqttOptions key = Plain();
  key.key_file = certs_->default_client().ec.key;
  ExpectInvalid(key, "key_file is set but server_uri is not ssl://");
  MqttOptions alpn = Plain();
  alpn.alpn_protocols = {"x-amzn-mqtt-ca"};
  ExpectInvalid(alpn, "alpn_protocols is set but server_uri is not ssl://");
}

TEST_F(ValidateMqttOptionsTest, SslNeedsCaFileAndCertWithKey) {
  MqttOptions no_ca = Tls();
  no_ca.ca_file.clear();
  ExpectInvalid(no_ca, "ca_file: required for ssl://");
  MqttOptions no_key = Tls();
  no_key.key_file.clear();
  ExpectInvalid(no_key, "key_file: required when cert_file is set");
  MqttOptions no_cert = Tls();
  no_cert.cert_file.clear();
  ExpectInvalid(no_cert, "cert_file: required when key_file is set");
}

TEST_F(ValidateMqttOptionsTest, NamesTheFieldAndPathOfABadFile) {
  const std::string missing = certs_->dir + "/no-such-file.pem";
  MqttOptions ca = Tls();
  ca.ca_file = missing;
  ExpectInvalid(ca, "ca_file: " + missing + ": No such file or directory");
  MqttOptions cert = Tls();
  cert.cert_file = missing;
  ExpectInvalid(cert, "cert_file: " + missing + ": No such file or directory");
  MqttOptions key = Tls();
  key.key_file = missing;
  ExpectInvalid(key, "key_file: " + missing + ": No such file or directory");
  MqttOptions directory = Tls();
  directory.ca_file = certs_->dir;
  ExpectInvalid(directory, "ca_file: " + certs_->dir + ": Is a directory");

  // Files that exist but hold the wrong thing.
  MqttOptions key_as_ca = Tls();
  key_as_ca.ca_file = certs_->default_client().ec.key;
  ExpectInvalid(key_as_ca, "ca_file: " + key_as_ca.ca_file + ": no PEM certificate");
  MqttOptions key_as_cert = Tls();
  key_as_cert.cert_file = certs_->default_client().ec.key;
  ExpectInvalid(key_as_cert, "cert_file " + key_as_cert.cert_file +
                                 " holds a private key, not a certificate (are cert_file and "
                                 "key_file swapped?)");
  // What a file holds is checked before the key's mode: a certificate given
  // as the key is named as such, not "chmod 600 <the certificate>".
  MqttOptions cert_as_key = Tls();
  cert_as_key.key_file = certs_->default_client().ec.cert;
  ExpectInvalid(cert_as_key, "key_file " + cert_as_key.key_file +
                                 " holds a certificate, not a private key (are cert_file and "
                                 "key_file swapped?)");
  MqttOptions swapped = Tls();
  std::swap(swapped.cert_file, swapped.key_file);
  ExpectInvalid(swapped, "(are cert_file and key_file swapped?)");
  // A file that is neither: the parser's verdict.
  const std::string garbage = certs_->dir + "/garbage.key";
  ASSERT_TRUE(testing_support::WriteStringToFile(garbage, "not pem", 0600).ok());
  MqttOptions garbage_key = Tls();
  garbage_key.key_file = garbage;
  ExpectInvalid(garbage_key, "key_file: " + garbage + ": not a PEM private key");

  if (geteuid() != 0) {  // root reads mode-0000 files anyway
    const std::string unreadable = certs_->dir + "/unreadable.pem";
    ASSERT_TRUE(testing_support::WriteStringToFile(unreadable, "x", 0000).ok());
    MqttOptions locked = Tls();
    locked.key_file = unreadable;
    ExpectInvalid(locked, "key_file: " + unreadable + ": Permission denied");
  }
}

// The agent's rule, for every user of the library (shadowctl, the emulator,
// embedders): a private key readable by group or others is refused.
TEST_F(ValidateMqttOptionsTest, KeyReadableByOthersIsRefusedWithTheFix) {
  Result<std::string> key_text = testing_support::ReadFileToString(Tls().key_file);
  ASSERT_TRUE(key_text.ok());
  const std::string open_key = certs_->dir + "/open.key";
  ASSERT_TRUE(testing_support::WriteStringToFile(open_key, *key_text, 0644).ok());
  ASSERT_EQ(::chmod(open_key.c_str(), 0644), 0);  // whatever the umask
  MqttOptions options = Tls();
  options.key_file = open_key;
  const Status status = ValidateMqttOptions(options);
  EXPECT_EQ(status.code(), StatusCode::kFailedPrecondition) << status.ToString();
  EXPECT_EQ(status.message(), "key_file " + open_key +
                                  " has mode 0644: the private key must not be readable by group "
                                  "or others; fix: chmod 600 " +
                                  open_key);
  ASSERT_EQ(::chmod(open_key.c_str(), 0640), 0);
  EXPECT_THAT(ValidateMqttOptions(options).message(), HasSubstr("has mode 0640"));
  ASSERT_EQ(::chmod(open_key.c_str(), 0600), 0);
  EXPECT_TRUE(ValidateMqttOptions(options).ok());
  ASSERT_EQ(::chmod(open_key.c_str(), 0400), 0);
  EXPECT_TRUE(ValidateMqttOptions(options).ok());
}

TEST_F(ValidateMqttOptionsTest, KeyThatDoesNotMatchTheCertificate) {
  MqttOptions options = Tls();
  options.cert_file = certs_->client_mismatched_key.cert;
  options.key_file = certs_->client_mismatched_key.key;
  ExpectInvalid(options, "key_file does not match cert_file");
  // The EC certificate with the same client's RSA key: also a mismatch.
  MqttOptions crossed = Tls();
  crossed.key_file = certs_->default_client().rsa.key;
  ExpectInvalid(crossed, "key_file does not match cert_file");
}

TEST_F(ValidateMqttOptionsTest, EncryptedKeyIsRefusedWithoutPrompting) {
  const std::string encrypted = certs_->dir + "/encrypted.key";
  testing_support::ChildProcessOptions run;
  run.argv = {"openssl", "pkey",     "-in",         certs_->default_client().ec.key,
              "-aes256", "-passout", "pass:secret", "-out",
              encrypted};
  Result<testing_support::ProcessOutput> made = testing_support::RunProcess(run, 10s);
  ASSERT_TRUE(made.ok() && made->status.success()) << (made.ok() ? made->output : "");
  ASSERT_EQ(::chmod(encrypted.c_str(), 0600), 0);
  MqttOptions options = Tls();
  options.key_file = encrypted;
  ExpectInvalid(options, "key_file: " + encrypted + ": the private key is encrypted");
  // Never any key material in a message.
  EXPECT_THAT(ValidateMqttOptions(options).message(), ::testing::Not(HasSubstr("BEGIN")));
}

TEST_F(ValidateMqttOptionsTest, RejectsOtherBadFields) {
  MqttOptions no_id = Plain();
  no_id.client_id.clear();
  ExpectInvalid(no_id, "client_id: must not be empty");
  MqttOptions keep_alive = Plain();
  keep_alive.keep_alive = -1s;
  ExpectInvalid(keep_alive, "keep_alive:");
  MqttOptions long_keep_alive = Plain();
  long_keep_alive.keep_alive = 65536s;
  ExpectInvalid(long_keep_alive, "keep_alive:");
  MqttOptions timeout = Plain();
  timeout.connect_timeout = 0s;
  ExpectInvalid(timeout, "connect_timeout: must be positive");
  MqttOptions min = Plain();
  min.reconnect_min = 0ms;
  ExpectInvalid(min, "reconnect_min: must be positive");
  MqttOptions max = Plain();
  max.reconnect_min = 2s;
  max.reconnect_max = 1s;
  ExpectInvalid(max, "reconnect_max: must not be less than reconnect_min");
  MqttOptions buffered = Plain();
  buffered.max_buffered_messages = 0;
  ExpectInvalid(buffered, "max_buffered_messages: must be at least 1");
  MqttOptions empty_alpn = Tls();
  empty_alpn.alpn_protocols = {"x-amzn-mqtt-ca", ""};
  ExpectInvalid(empty_alpn, "alpn_protocols: empty protocol name");
  MqttOptions long_alpn = Tls();
  long_alpn.alpn_protocols = {std::string(256, 'a')};
  ExpectInvalid(long_alpn, "alpn_protocols:");
}
}  // namespace
}  // namespace shadowsync
