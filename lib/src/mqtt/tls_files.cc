// SPDX-License-Identifier: Apache-2.0

#include "mqtt/tls_files.h"

#include <fcntl.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>

#include "shadowsync/paho_transport.h"

namespace shadowsync {
namespace mqtt_internal {
namespace {

struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};
struct PkeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct InfoStackFree {
  void operator()(STACK_OF(X509_INFO) * s) const { sk_X509_INFO_pop_free(s, X509_INFO_free); }
};

Status FileError(std::string_view field, const std::string& path, const std::string& what) {
  return InvalidArgumentError(std::string(field) + ": " + path + ": " + what);
}

// " (reason; reason)" from the OpenSSL queue, or "".
std::string OpenSslDetail() {
  std::string errors = DrainOpenSslErrors();
  return errors.empty() ? std::string() : " (" + errors + ")";
}

// Called by OpenSSL when the key is encrypted. Refusing here (instead of
// leaving the callback null) matters: OpenSSL's default would prompt for a
// password on the terminal.
int RefusePassword(char* /*buf*/, int /*size*/, int /*rwflag*/, void* asked) {
  *static_cast<bool*>(asked) = true;
  return -1;
}

}  // namespace

std::string DrainOpenSslErrors() {
  std::string out;
  unsigned long code = 0;
  while ((code = ERR_get_error()) != 0) {
    const char* reason = ERR_reason_error_string(code);
    std::string text;
    if (reason != nullptr) {
      text = reason;
    } else {
      char buf[256];
      ERR_error_string_n(code, buf, sizeof(buf));
      text = buf;
    }
    if (out.find(text) != std::string::npos) continue;  // OpenSSL repeats itself
    if (!out.empty()) out += "; ";
    out += text;
  }
  return out;
}

Status CheckReadableFile(std::string_view field, const std::string& path) {
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) return FileError(field, path, std::strerror(errno));
  if (S_ISDIR(st.st_mode)) return FileError(field, path, std::strerror(EISDIR));
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return FileError(field, path, std::strerror(errno));
  close(fd);
  return Status::Ok();
}

Status CheckCaFile(const std::string& path) {
  if (Status s = CheckReadableFile("ca_file", path); !s.ok()) return s;
  ERR_clear_error();
  std::unique_ptr<BIO, BioFree> bio(BIO_new_file(path.c_str(), "r"));
  if (!bio) return FileError("ca_file", path, "cannot open" + OpenSslDetail());
  std::unique_ptr<STACK_OF(X509_INFO), InfoStackFree> infos(
      PEM_X509_INFO_read_bio(bio.get(), nullptr, nullptr, nullptr));
  int certificates = 0;
  if (infos) {
    for (int i = 0; i < sk_X509_INFO_num(infos.get()); ++i) {
      if (sk_X509_INFO_value(infos.get(), i)->x509 != nullptr) ++certificates;
    }
  }
  if (certificates == 0) {
    return FileError("ca_file", path, "no PEM certificate in the file" + OpenSslDetail());
  }
  ERR_clear_error();
  return Status::Ok();
}

Status CheckPrivateKeyMode(const std::string& key_path) {
  struct stat st {};
  if (stat(key_path.c_str(), &st) != 0) {
    return FileError("key_file", key_path, std::strerror(errno));
  }
  Status checked = CheckPrivateKeyFile(key_path);  // the one rule (paho_transport.h)
  return checked.ok() ? checked : Status(checked.code(), "key_file " + checked.message());
}

namespace {

// Whether the file at `path` contains `marker` (PEM headers; the files are
// small). Never copies key material anywhere.
bool FileContains(const std::string& path, std::string_view marker) {
  std::ifstream in(path, std::ios::binary);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return text.find(marker) != std::string::npos;
}

}  // namespace

Status CheckClientCertificate(const std::string& cert_path, const std::string& key_path) {
  if (Status s = CheckReadableFile("cert_file", cert_path); !s.ok()) return s;
  if (Status s = CheckReadableFile("key_file", key_path); !s.ok()) return s;
  // What the files hold before the key's mode: a certificate given as the
  // key would otherwise get "chmod 600 <the certificate>".
  constexpr std::string_view kCertificate = "-----BEGIN CERTIFICATE-----";
  constexpr std::string_view kKey = "PRIVATE KEY-----";
  if (FileContains(key_path, kCertificate) && !FileContains(key_path, kKey)) {
    return InvalidArgumentError("key_file " + key_path +
                                " holds a certificate, not a private key (are cert_file and "
                                "key_file swapped?)");
  }
  if (FileContains(cert_path, kKey) && !FileContains(cert_path, kCertificate)) {
    return InvalidArgumentError("cert_file " + cert_path +
                                " holds a private key, not a certificate (are cert_file and "
                                "key_file swapped?)");
  }
  if (Status s = CheckPrivateKeyMode(key_path); !s.ok()) return s;
  ERR_clear_error();

  std::unique_ptr<BIO, BioFree> cert_bio(BIO_new_file(cert_path.c_str(), "r"));
  if (!cert_bio) return FileError("cert_file", cert_path, "cannot open" + OpenSslDetail());
  std::unique_ptr<X509, X509Free> cert(
      PEM_read_bio_X509(cert_bio.get(), nullptr, nullptr, nullptr));
  if (!cert) {
    return FileError("cert_file", cert_path, "not a PEM certificate" + OpenSslDetail());
  }

  std::unique_ptr<BIO, BioFree> key_bio(BIO_new_file(key_path.c_str(), "r"));
  if (!key_bio) return FileError("key_file", key_path, "cannot open" + OpenSslDetail());
  bool password_asked = false;
  std::unique_ptr<EVP_PKEY, PkeyFree> key(
      PEM_read_bio_PrivateKey(key_bio.get(), nullptr, RefusePassword, &password_asked));
  if (!key) {
    if (password_asked) {
      ERR_clear_error();
      return FileError("key_file", key_path,
                       "the private key is encrypted; only unencrypted PEM keys are supported");
    }
    return FileError("key_file", key_path, "not a PEM private key" + OpenSslDetail());
  }

  if (X509_check_private_key(cert.get(), key.get()) != 1) {
    ERR_clear_error();
    return InvalidArgumentError("key_file does not match cert_file (key_file: " + key_path +
                                ", cert_file: " + cert_path + ")");
  }
  ERR_clear_error();
  return Status::Ok();
}

}  // namespace mqtt_internal
}  // namespace shadowsync

namespace shadowsync {

Status CheckPrivateKeyFile(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    return NotFoundError(path + ": cannot use the private key: " + std::strerror(errno));
  }
  if (!S_ISREG(st.st_mode)) {
    return FailedPreconditionError(path + ": the private key is not a regular file");
  }
  const unsigned mode = static_cast<unsigned>(st.st_mode) & 07777u;
  if ((mode & 0044u) != 0) {
    char octal[8];
    std::snprintf(octal, sizeof(octal), "%04o", mode);
    return FailedPreconditionError(path + " has mode " + octal +
                                   ": the private key must not be readable by group or "
                                   "others; fix: chmod 600 " +
                                   path);
  }
  return Status::Ok();
}

}  // namespace shadowsync
