// SPDX-License-Identifier: Apache-2.0

#include "certificate_identity.h"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <cerrno>
#include <cstring>
#include <memory>

namespace shadowsync {
namespace shadowctl {
namespace {

struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};

}  // namespace

Result<CertificateIdentity> ReadCertificateIdentity(const std::string& path) {
  errno = 0;
  std::unique_ptr<BIO, BioFree> bio(BIO_new_file(path.c_str(), "r"));
  if (!bio) {
    return InvalidArgumentError("--cert: cannot open '" + path +
                                "': " + (errno != 0 ? std::strerror(errno) : "unknown error"));
  }
  std::unique_ptr<X509, X509Free> cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  if (!cert) {
    return InvalidArgumentError("--cert: '" + path + "' holds no PEM certificate");
  }
  CertificateIdentity identity;
  // The most specific CN is the last one, as brokers (mosquitto's
  // use_identity_as_username) take it.
  X509_NAME* subject = X509_get_subject_name(cert.get());
  int index = -1;
  for (int i = X509_NAME_get_index_by_NID(subject, NID_commonName, -1); i >= 0;
       i = X509_NAME_get_index_by_NID(subject, NID_commonName, i)) {
    index = i;
  }
  if (index >= 0) {
    ASN1_STRING* data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, index));
    unsigned char* utf8 = nullptr;
    const int length = ASN1_STRING_to_UTF8(&utf8, data);
    if (length > 0) identity.common_name.assign(reinterpret_cast<char*>(utf8), length);
    OPENSSL_free(utf8);
  }
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int digest_length = 0;
  if (X509_digest(cert.get(), EVP_sha256(), digest, &digest_length) != 1) {
    return InvalidArgumentError("--cert: cannot compute the SHA-256 fingerprint of '" + path + "'");
  }
  static constexpr char kHex[] = "0123456789abcdef";
  for (unsigned int i = 0; i < digest_length; ++i) {
    identity.sha256.push_back(kHex[digest[i] >> 4]);
    identity.sha256.push_back(kHex[digest[i] & 0x0F]);
  }
  return identity;
}

}  // namespace shadowctl
}  // namespace shadowsync
