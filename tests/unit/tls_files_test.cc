// SPDX-License-Identifier: Apache-2.0
//
// The up-front checks of TLS files (lib/src/mqtt/tls_files.cc), each on its
// own: a file that cannot be read names the field, the path and the
// system's reason; a CA file needs a certificate; a private key readable by
// others, a key that is a directory, or a certificate that is not PEM is
// named as such; and OpenSSL's error queue is read and left empty.
// ValidateMqttOptions, which runs them in order: mqtt_options_test.cc.

#include "mqtt/tls_files.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <sys/stat.h>
#include <unistd.h>

#include <memory>
#include <string>
#include <utility>

#include "support/shared_certificates.h"
#include "support/temp_dir.h"
#include "support/tls_certificates.h"

namespace shadowsync::mqtt_internal {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using testing_support::TestCertificates;
using testing_support::WriteStringToFile;

class TlsFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // Whatever earlier tests on this thread left in OpenSSL's queue is theirs.
    ERR_clear_error();
    certs_ = testing_support::SharedCertificates({"test-client"});
    ASSERT_NE(certs_, nullptr);
    Result<std::unique_ptr<testing_support::TempDir>> dir =
        testing_support::TempDir::Create("tls-files");
    ASSERT_TRUE(dir.ok()) << dir.status().ToString();
    dir_ = std::move(dir).value();
  }
  void TearDown() override { EXPECT_EQ(ERR_peek_error(), 0u) << "OpenSSL errors left queued"; }

  const TestCertificates& certs() const { return *certs_; }
  // A file of the test's own, with exactly `mode`.
  std::string Write(const std::string& name, const std::string& text, int mode = 0600) {
    const std::string path = dir_->File(name);
    EXPECT_TRUE(WriteStringToFile(path, text, mode).ok()) << path;
    EXPECT_EQ(::chmod(path.c_str(), static_cast<mode_t>(mode)), 0);  // whatever the umask
    return path;
  }
  const std::string& dir() const { return dir_->path(); }

  std::shared_ptr<const TestCertificates> certs_;
  std::unique_ptr<testing_support::TempDir> dir_;
};

TEST_F(TlsFilesTest, AnUnreadableFileNamesTheFieldPathAndReason) {
  EXPECT_TRUE(CheckReadableFile("any_field", certs().ca_cert).ok());
  const std::string missing = dir() + "/missing.pem";
  const Status status = CheckReadableFile("proxy_ca", missing);
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(), "proxy_ca: " + missing + ": No such file or directory");
  EXPECT_EQ(CheckReadableFile("ca_file", dir()).message(),
            "ca_file: " + dir() + ": Is a directory");
  EXPECT_EQ(CheckReadableFile("ca_file", "").message(), "ca_file: : No such file or directory");
}

TEST_F(TlsFilesTest, ACaFileNeedsACertificate) {
  EXPECT_TRUE(CheckCaFile(certs().ca_cert).ok());
  // A bundle: a certificate after other text still counts.
  Result<std::string> ca = testing_support::ReadFileToString(certs().ca_cert);
  ASSERT_TRUE(ca.ok());
  EXPECT_TRUE(CheckCaFile(Write("bundle.pem", "# our CA\n" + *ca, 0644)).ok());
  const std::string empty = Write("empty.pem", "", 0644);
  EXPECT_THAT(CheckCaFile(empty).message(),
              ::testing::StartsWith("ca_file: " + empty + ": no PEM certificate in the file"));
  const Status key = CheckCaFile(certs().default_client().ec.key);
  EXPECT_EQ(key.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(key.message(), HasSubstr("no PEM certificate in the file"));
  EXPECT_THAT(key.message(), Not(HasSubstr("BEGIN")));  // never key material
  EXPECT_THAT(CheckCaFile(dir() + "/none.pem").message(),
              HasSubstr("ca_file: " + dir() + "/none.pem: No such file or directory"));
}

TEST_F(TlsFilesTest, PrivateKeyModeIsTheAgentsRuleWithTheFix) {
  EXPECT_TRUE(CheckPrivateKeyMode(certs().default_client().ec.key).ok());
  Result<std::string> key = testing_support::ReadFileToString(certs().default_client().ec.key);
  ASSERT_TRUE(key.ok());
  const std::string group_readable = Write("group.key", *key, 0640);
  const Status status = CheckPrivateKeyMode(group_readable);
  EXPECT_EQ(status.code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(status.message(), "key_file " + group_readable +
                                  " has mode 0640: the private key must not be readable by group "
                                  "or others; fix: chmod 600 " +
                                  group_readable);
  EXPECT_TRUE(CheckPrivateKeyMode(Write("owner.key", *key, 0400)).ok());
  // Not a file at all.
  const Status directory = CheckPrivateKeyMode(dir());
  EXPECT_EQ(directory.code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(directory.message(), "key_file " + dir() + ": the private key is not a regular file");
  const std::string missing = dir() + "/missing.key";
  EXPECT_EQ(CheckPrivateKeyMode(missing).message(),
            "key_file: " + missing + ": No such file or directory");
}

TEST_F(TlsFilesTest, ClientCertificateAndKeyBelongTogether) {
  EXPECT_TRUE(
      CheckClientCertificate(certs().default_client().ec.cert, certs().default_client().ec.key)
          .ok());
  EXPECT_TRUE(
      CheckClientCertificate(certs().default_client().rsa.cert, certs().default_client().rsa.key)
          .ok());
  const Status mismatch =
      CheckClientCertificate(certs().client_mismatched_key.cert, certs().client_mismatched_key.key);
  EXPECT_EQ(mismatch.message(),
            "key_file does not match cert_file (key_file: " + certs().client_mismatched_key.key +
                ", cert_file: " + certs().client_mismatched_key.cert + ")");
  // A certificate file that is neither a certificate nor a key: the parser's
  // verdict, with OpenSSL's reason.
  const std::string garbage = Write("garbage.crt", "not pem\n", 0644);
  const Status not_pem = CheckClientCertificate(garbage, certs().default_client().ec.key);
  EXPECT_EQ(not_pem.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(not_pem.message(),
              ::testing::StartsWith("cert_file: " + garbage + ": not a PEM certificate"));
  // The cert file is checked for readability before the key file.
  EXPECT_THAT(CheckClientCertificate(dir() + "/a", dir() + "/b").message(),
              ::testing::StartsWith("cert_file: " + dir() + "/a: "));
  EXPECT_THAT(CheckClientCertificate(certs().default_client().ec.cert, dir() + "/b").message(),
              ::testing::StartsWith("key_file: " + dir() + "/b: "));
}

TEST_F(TlsFilesTest, DrainOpenSslErrorsEmptiesTheQueueOnceEach) {
  EXPECT_EQ(DrainOpenSslErrors(), "");
  ERR_raise(ERR_LIB_PEM, PEM_R_NO_START_LINE);
  ERR_raise(ERR_LIB_PEM, PEM_R_NO_START_LINE);  // OpenSSL repeats itself
  ERR_raise(ERR_LIB_X509, X509_R_KEY_VALUES_MISMATCH);
  EXPECT_EQ(DrainOpenSslErrors(), "no start line; key values mismatch");
  EXPECT_EQ(ERR_peek_error(), 0u);
  EXPECT_EQ(DrainOpenSslErrors(), "");
}

}  // namespace
}  // namespace shadowsync::mqtt_internal
