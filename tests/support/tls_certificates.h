// SPDX-License-Identifier: Apache-2.0
//
// Test helper: a throw-away PKI made with the openssl CLI at test time: a CA,
// server certificates for localhost (EC P-256 and RSA 2048), client
// certificates whose CN is the thing name (the broker ACL maps CN to
// username), and deliberately broken material for negative tests.

#ifndef SHADOWSYNC_TESTS_SUPPORT_TLS_CERTIFICATES_H_
#define SHADOWSYNC_TESTS_SUPPORT_TLS_CERTIFICATES_H_

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "shadowsync/status.h"
#include "support/temp_dir.h"

namespace shadowsync::testing_support {

/// Paths of one PEM certificate and its PEM private key (mode 0600).
struct CertKeyPair {
  std::string cert;
  std::string key;
};

/// A client identity in both key types; both certificates have CN = name.
struct ClientCertificates {
  CertKeyPair ec;   ///< EC P-256
  CertKeyPair rsa;  ///< RSA 2048
};

/// Paths of everything GenerateTestCertificates() made. Valid certificates
/// are valid from now for 2 days.
struct TestCertificates {
  std::string dir;
  std::string ca_cert;  ///< trusted CA (EC P-256); give it to clients and the broker
  std::string ca_key;   ///< to issue more certificates (IssueClientCertificates)

  /// CN=localhost, SAN DNS:localhost and IP:127.0.0.1, serverAuth.
  CertKeyPair server_ec;
  CertKeyPair server_rsa;

  /// Client certificates by CN (clientAuth), in the order requested.
  std::map<std::string, ClientCertificates> clients;
  std::vector<std::string> client_names;

  // --- Deliberately broken material --------------------------------------
  /// An unrelated CA: the broker does not trust it, clients must not either.
  std::string wrong_ca_cert;
  /// A client certificate (EC, CN = first client name) issued by the wrong CA.
  CertKeyPair client_wrong_ca;
  /// A localhost EC server certificate that expired (valid 2020-01-01 to
  /// 2020-01-02), issued by the trusted CA.
  CertKeyPair server_expired;
  /// An EC server certificate for not-localhost.invalid (CN and SAN), issued
  /// by the trusted CA.
  CertKeyPair server_wrong_host;
  /// The first client's EC certificate with an unrelated EC key.
  CertKeyPair client_mismatched_key;

  /// The named client's certificates; asserts that it exists.
  const ClientCertificates& client(const std::string& name) const;
  /// The first client's certificates.
  const ClientCertificates& default_client() const { return client(client_names.front()); }

  /// Owns `dir` when GenerateTestCertificates() created it.
  std::shared_ptr<const TempDir> owned_dir;
};

/// What to generate.
struct TestCertificateOptions {
  /// Where to write; empty creates a private temp dir owned by the result.
  std::string dir;
  /// CNs of the client certificates (AWS thing name syntax:
  /// [A-Za-z0-9:_-], plus '.'). At least one.
  std::vector<std::string> client_names = {"test-client"};
};

/// Generates the whole set with `openssl` from $PATH. Takes ~0.2 s, most of it
/// RSA key generation. Never prints key material. kInvalidArgument for a bad
/// client name, kNotFound without openssl, kInternal when openssl fails
/// (with its output in the message).
Result<TestCertificates> GenerateTestCertificates(TestCertificateOptions options = {});

/// Issues EC and RSA client certificates with CN = `name` from the trusted CA
/// of `certificates` into its directory. Same errors as above.
Result<ClientCertificates> IssueClientCertificates(const TestCertificates& certificates,
                                                   const std::string& name);

/// True if `name` can be a client CN here (and in a file name).
bool IsValidClientName(const std::string& name);

}  // namespace shadowsync::testing_support

#endif  // SHADOWSYNC_TESTS_SUPPORT_TLS_CERTIFICATES_H_
