// SPDX-License-Identifier: Apache-2.0

#include "mqtt/connect_diagnosis.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <pthread.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <csignal>
#include <cstring>
#include <ctime>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "mqtt/tls_files.h"

namespace shadowsync {
namespace mqtt_internal {
namespace {

using Clock = std::chrono::steady_clock;

// How long a completed handshake is watched for a late alert. With TLS 1.3
// the server checks the client certificate after the client has finished
// its side of the handshake, so a rejection arrives as the first record.
constexpr std::chrono::milliseconds kLateAlertWait{500};
// How long a tcp:// endpoint is given to answer a TLS ClientHello.
constexpr std::chrono::milliseconds kTlsSniffWait{1000};

int RemainingMs(Clock::time_point deadline) {
  const auto left =
      std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  if (left <= 0) return 0;
  return left > INT_MAX ? INT_MAX : static_cast<int>(left);
}

std::string Millis(std::chrono::milliseconds ms) { return std::to_string(ms.count()) + " ms"; }

class UniqueFd {
 public:
  explicit UniqueFd(int fd = -1) : fd_(fd) {}
  ~UniqueFd() {
    if (fd_ >= 0) close(fd_);
  }
  UniqueFd(UniqueFd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept {
    if (this != &other) {
      if (fd_ >= 0) close(fd_);
      fd_ = std::exchange(other.fd_, -1);
    }
    return *this;
  }
  int get() const { return fd_; }

 private:
  int fd_;
};

// Blocks SIGPIPE on this thread while the probe writes to a socket the peer
// may have closed, and discards one that became pending. (Paho C already
// sets SIGPIPE to SIG_IGN when a client is created; this keeps the probe
// safe without relying on it.)
class SigpipeGuard {
 public:
  SigpipeGuard() {
    sigemptyset(&pipe_);
    sigaddset(&pipe_, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_, &old_);
  }
  ~SigpipeGuard() {
    const timespec zero{0, 0};
    while (sigtimedwait(&pipe_, nullptr, &zero) > 0) {
    }
    pthread_sigmask(SIG_SETMASK, &old_, nullptr);
  }
  SigpipeGuard(const SigpipeGuard&) = delete;
  SigpipeGuard& operator=(const SigpipeGuard&) = delete;

 private:
  sigset_t pipe_;
  sigset_t old_;
};

// Waits until `fd` is ready for `events` or the deadline passes. False on
// timeout.
bool WaitFd(int fd, short events, Clock::time_point deadline) {
  for (;;) {
    pollfd p{fd, events, 0};
    const int rc = poll(&p, 1, RemainingMs(deadline));
    if (rc > 0) return true;
    if (rc == 0) return false;
    if (errno != EINTR) return true;  // let the caller's next call report it
  }
}

std::string AddressText(const sockaddr* sa, socklen_t len) {
  char host[NI_MAXHOST];
  if (getnameinfo(sa, len, host, sizeof(host), nullptr, 0, NI_NUMERICHOST) != 0) return "?";
  return host;
}

struct TcpResult {
  UniqueFd fd;
  std::string error;  // set when fd is -1
};

TcpResult ConnectTcp(const BrokerUri& uri, Clock::time_point deadline,
                     std::chrono::milliseconds budget) {
  TcpResult out;
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV;
  addrinfo* list = nullptr;
  const std::string port = std::to_string(uri.port);
  const int gai = getaddrinfo(uri.host.c_str(), port.c_str(), &hints, &list);
  if (gai != 0) {
    out.error = "cannot resolve host \"" + uri.host +
                "\": " + (gai == EAI_SYSTEM ? std::strerror(errno) : gai_strerror(gai));
    return out;
  }
  std::unique_ptr<addrinfo, decltype(&freeaddrinfo)> owner(list, &freeaddrinfo);

  std::vector<std::pair<std::string, int>> failures;  // address, errno
  for (const addrinfo* ai = list; ai != nullptr; ai = ai->ai_next) {
    UniqueFd fd(
        socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol));
    const std::string address = AddressText(ai->ai_addr, ai->ai_addrlen);
    if (fd.get() < 0) {
      failures.emplace_back(address, errno);
      continue;
    }
    int err = 0;
    if (connect(fd.get(), ai->ai_addr, ai->ai_addrlen) != 0) {
      if (errno != EINPROGRESS) {
        err = errno;
      } else if (!WaitFd(fd.get(), POLLOUT, deadline)) {
        err = ETIMEDOUT;
      } else {
        socklen_t len = sizeof(err);
        if (getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &err, &len) != 0) err = errno;
      }
    }
    if (err == 0) {
      out.fd = std::move(fd);
      return out;
    }
    failures.emplace_back(address, err);
    if (RemainingMs(deadline) == 0) break;
  }

  const bool all_refused =
      !failures.empty() && std::all_of(failures.begin(), failures.end(),
                                       [](const auto& f) { return f.second == ECONNREFUSED; });
  if (all_refused) {
    out.error = "connection refused by " + uri.Endpoint() + " (is the broker running there?)";
    return out;
  }
  if (failures.size() == 1 && failures.front().second == ETIMEDOUT) {
    out.error = "TCP connect to " + uri.Endpoint() + " timed out after " + Millis(budget);
    return out;
  }
  out.error = "TCP connect to " + uri.Endpoint() + " failed:";
  for (std::size_t i = 0; i < failures.size(); ++i) {
    out.error += (i == 0 ? " " : "; ") + failures[i].first + ": " +
                 (failures[i].second == ETIMEDOUT ? std::string("timed out")
                                                  : std::strerror(failures[i].second));
  }
  return out;
}

// ---------------------------------------------------------------------------
// OpenSSL helpers

struct CtxFree {
  void operator()(SSL_CTX* c) const { SSL_CTX_free(c); }
};
struct SslFree {
  void operator()(SSL* s) const { SSL_free(s); }
};
struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};

std::string NameText(const X509_NAME* name) {
  if (name == nullptr) return "?";
  std::unique_ptr<BIO, BioFree> bio(BIO_new(BIO_s_mem()));
  if (!bio || X509_NAME_print_ex(bio.get(), name, 0, XN_FLAG_RFC2253) < 0) return "?";
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio.get(), &data);
  return len > 0 ? std::string(data, static_cast<std::size_t>(len)) : std::string("(empty)");
}

std::string TimeText(const ASN1_TIME* t) {
  if (t == nullptr) return "?";
  std::unique_ptr<BIO, BioFree> bio(BIO_new(BIO_s_mem()));
  if (!bio || ASN1_TIME_print(bio.get(), t) != 1) return "?";
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio.get(), &data);
  return len > 0 ? std::string(data, static_cast<std::size_t>(len)) : std::string("?");
}

// "DNS:a, IP:1.2.3.4" from the subjectAltName extension, or "".
std::string AltNames(X509* cert) {
  std::string out;
  auto* names =
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
  if (names == nullptr) return out;
  for (int i = 0; i < sk_GENERAL_NAME_num(names); ++i) {
    const GENERAL_NAME* name = sk_GENERAL_NAME_value(names, i);
    std::string item;
    if (name->type == GEN_DNS) {
      const ASN1_IA5STRING* dns = name->d.dNSName;
      item = "DNS:" + std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(dns)),
                                  static_cast<std::size_t>(ASN1_STRING_length(dns)));
    } else if (name->type == GEN_IPADD) {
      const ASN1_OCTET_STRING* ip = name->d.iPAddress;
      char text[64] = "?";
      const int len = ASN1_STRING_length(ip);
      const unsigned char* raw = ASN1_STRING_get0_data(ip);
      if (len == 4) {
        inet_ntop(AF_INET, raw, text, sizeof(text));
      } else if (len == 16) {
        inet_ntop(AF_INET6, raw, text, sizeof(text));
      }
      item = std::string("IP:") + text;
    } else {
      continue;
    }
    if (!out.empty()) out += ", ";
    out += item;
  }
  GENERAL_NAMES_free(names);
  return out;
}

// What the verify callback saw first: the error and the certificate it is
// about.
struct VerifyFailure {
  int error = X509_V_OK;
  int depth = -1;
  std::string subject;
  std::string issuer;
  std::string not_before;
  std::string not_after;
  std::string alt_names;
};

int RecordVerifyFailure(int preverify_ok, X509_STORE_CTX* store) {
  if (preverify_ok != 0) return preverify_ok;
  auto* ssl =
      static_cast<SSL*>(X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx()));
  auto* failure = ssl != nullptr ? static_cast<VerifyFailure*>(SSL_get_app_data(ssl)) : nullptr;
  if (failure == nullptr || failure->error != X509_V_OK) return preverify_ok;
  failure->error = X509_STORE_CTX_get_error(store);
  failure->depth = X509_STORE_CTX_get_error_depth(store);
  if (X509* cert = X509_STORE_CTX_get_current_cert(store)) {
    failure->subject = NameText(X509_get_subject_name(cert));
    failure->issuer = NameText(X509_get_issuer_name(cert));
    failure->not_before = TimeText(X509_get0_notBefore(cert));
    failure->not_after = TimeText(X509_get0_notAfter(cert));
    failure->alt_names = AltNames(cert);
  }
  return preverify_ok;
}

std::string DescribeVerifyFailure(const VerifyFailure& f, const BrokerUri& uri,
                                  const TlsSettings& tls) {
  const std::string cert = "subject " + f.subject + ", issuer " + f.issuer;
  switch (f.error) {
    case X509_V_ERR_HOSTNAME_MISMATCH:
    case X509_V_ERR_IP_ADDRESS_MISMATCH:
      return "TLS: the server certificate does not match the host name \"" + uri.host +
             "\" (certificate names: " + (f.alt_names.empty() ? "none" : f.alt_names) + "; " +
             cert + ")";
    case X509_V_ERR_CERT_HAS_EXPIRED:
      return "TLS: server certificate verification failed: certificate has expired (notAfter " +
             f.not_after + "; depth " + std::to_string(f.depth) + ": " + cert + ")";
    case X509_V_ERR_CERT_NOT_YET_VALID:
      return "TLS: server certificate verification failed: certificate is not yet valid "
             "(notBefore " +
             f.not_before + "; is the clock right? depth " + std::to_string(f.depth) + ": " + cert +
             ")";
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
    case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
    case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
    case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
    case X509_V_ERR_CERT_SIGNATURE_FAILURE:
      return std::string("TLS: server certificate verification failed: ") +
             X509_verify_cert_error_string(f.error) + " (depth " + std::to_string(f.depth) + ": " +
             cert + "); ca_file " + tls.ca_file +
             " does not hold the CA that issued the broker's certificate";
    default:
      return std::string("TLS: server certificate verification failed: ") +
             X509_verify_cert_error_string(f.error) + " (depth " + std::to_string(f.depth) + ": " +
             cert + ")";
  }
}

bool Contains(const std::string& haystack, const char* needle) {
  return haystack.find(needle) != std::string::npos;
}

bool LooksLikeNotTls(const std::string& reasons) {
  return Contains(reasons, "wrong version number") || Contains(reasons, "packet length too long") ||
         Contains(reasons, "record layer failure") || Contains(reasons, "http request") ||
         Contains(reasons, "unknown protocol");
}

// A failed handshake or a failed first read, from OpenSSL's error queue.
std::string DescribeTlsError(const std::string& reasons, int ssl_error, int saved_errno,
                             bool after_handshake, const BrokerUri& uri, const TlsSettings& tls) {
  if (reasons.empty() || ssl_error == SSL_ERROR_ZERO_RETURN ||
      Contains(reasons, "unexpected eof")) {
    if (ssl_error == SSL_ERROR_SYSCALL && saved_errno != 0) {
      return std::string("TLS: connection error during the handshake: ") +
             std::strerror(saved_errno);
    }
    return after_handshake ? "TLS: the broker closed the connection right after the handshake "
                             "(it may have rejected the client certificate)"
                           : "TLS: the broker closed the connection during the handshake";
  }
  const std::string alert = " (" + reasons + ")";
  if (Contains(reasons, "certificate required")) {
    return "TLS: the broker requires a client certificate" + alert + "; set cert_file and key_file";
  }
  if (Contains(reasons, "unknown ca") || Contains(reasons, "bad certificate") ||
      Contains(reasons, "certificate unknown") || Contains(reasons, "unsupported certificate") ||
      Contains(reasons, "certificate revoked") || Contains(reasons, "certificate expired") ||
      Contains(reasons, "access denied")) {
    return "TLS: the broker rejected the client certificate" + alert + "; is cert_file " +
           (tls.cert_file.empty() ? std::string("(none)") : tls.cert_file) +
           " valid and issued by a CA the broker trusts?";
  }
  if (LooksLikeNotTls(reasons)) {
    return "TLS: the server at " + uri.Endpoint() + " does not speak TLS" + alert +
           "; is it a plain MQTT port? Then use tcp://";
  }
  if (Contains(reasons, "no application protocol")) {
    return "TLS: the broker accepts none of the ALPN protocols in alpn_protocols" + alert;
  }
  if (Contains(reasons, "protocol version") || Contains(reasons, "unsupported protocol") ||
      Contains(reasons, "no protocols available") || Contains(reasons, "handshake failure") ||
      Contains(reasons, "no shared cipher")) {
    return "TLS: handshake failed" + alert +
           "; the broker and this client share no protocol version or cipher (TLS 1.2 or later "
           "is required)";
  }
  return "TLS: handshake failed" + alert;
}

std::string AlpnWire(const std::vector<std::string>& protocols) {
  std::string wire;
  for (const std::string& p : protocols) {
    if (p.empty() || p.size() > 255) continue;  // ValidateMqttOptions rejects these
    wire += static_cast<char>(p.size());
    wire += p;
  }
  return wire;
}

// Drives a non-blocking SSL_connect to completion. Returns "" on success,
// else the description of the failure.
std::string Handshake(SSL* ssl, int fd, Clock::time_point deadline, const VerifyFailure& verify,
                      const BrokerUri& uri, const TlsSettings& tls,
                      std::chrono::milliseconds budget) {
  for (;;) {
    ERR_clear_error();
    errno = 0;
    const int rc = SSL_connect(ssl);
    if (rc == 1) return "";
    const int saved_errno = errno;
    const int error = SSL_get_error(ssl, rc);
    if (error == SSL_ERROR_WANT_READ || error == SSL_ERROR_WANT_WRITE) {
      if (!WaitFd(fd, error == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT, deadline)) {
        ERR_clear_error();
        return "TLS: no answer to the TLS handshake from " + uri.Endpoint() + " within " +
               Millis(budget) + " (TCP connects)";
      }
      continue;
    }
    const std::string reasons = DrainOpenSslErrors();
    if (verify.error != X509_V_OK) return DescribeVerifyFailure(verify, uri, tls);
    if (BIO_number_read(SSL_get_rbio(ssl)) == 0 && !LooksLikeNotTls(reasons)) {
      // Closed or reset before a single byte came back: a plain MQTT broker
      // drops a ClientHello as a malformed packet.
      return "TLS: the server at " + uri.Endpoint() +
             " closed the connection without answering the TLS handshake: it does not speak "
             "TLS there (a plain MQTT port? Then use tcp://)";
    }
    return DescribeTlsError(reasons, error, saved_errno, false, uri, tls);
  }
}

// After a successful handshake: waits briefly for a late alert (TLS 1.3
// client-certificate rejection). "" when none came.
std::string WatchForLateAlert(SSL* ssl, int fd, Clock::time_point deadline, const BrokerUri& uri,
                              const TlsSettings& tls) {
  const Clock::time_point until = std::min(deadline, Clock::now() + kLateAlertWait);
  for (;;) {
    ERR_clear_error();
    errno = 0;
    char byte = 0;
    const int rc = SSL_read(ssl, &byte, 1);
    if (rc > 0) return "";  // the server talks first: not an alert
    const int saved_errno = errno;
    const int error = SSL_get_error(ssl, rc);
    if (error == SSL_ERROR_WANT_READ || error == SSL_ERROR_WANT_WRITE) {
      if (!WaitFd(fd, error == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT, until)) {
        ERR_clear_error();
        return "";
      }
      continue;
    }
    return DescribeTlsError(DrainOpenSslErrors(), error, saved_errno, true, uri, tls);
  }
}

std::string ProbeTls(const BrokerUri& uri, const TlsSettings& tls, int fd,
                     Clock::time_point deadline, std::chrono::milliseconds budget) {
  ERR_clear_error();
  std::unique_ptr<SSL_CTX, CtxFree> ctx(SSL_CTX_new(TLS_client_method()));
  if (!ctx) return "TLS: cannot create an OpenSSL context (" + DrainOpenSslErrors() + ")";
  SSL_CTX_set_min_proto_version(ctx.get(), TLS1_2_VERSION);
  if (SSL_CTX_load_verify_locations(ctx.get(), tls.ca_file.c_str(), nullptr) != 1) {
    return "ca_file: " + tls.ca_file + ": cannot be loaded (" + DrainOpenSslErrors() + ")";
  }
  if (!tls.cert_file.empty()) {
    if (SSL_CTX_use_certificate_chain_file(ctx.get(), tls.cert_file.c_str()) != 1) {
      return "cert_file: " + tls.cert_file + ": cannot be loaded (" + DrainOpenSslErrors() + ")";
    }
    if (SSL_CTX_use_PrivateKey_file(ctx.get(), tls.key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
      return "key_file: " + tls.key_file + ": cannot be loaded (" + DrainOpenSslErrors() + ")";
    }
  }
  SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_PEER, RecordVerifyFailure);

  std::unique_ptr<SSL, SslFree> ssl(SSL_new(ctx.get()));
  if (!ssl || SSL_set_fd(ssl.get(), fd) != 1) {
    return "TLS: cannot set up the probe (" + DrainOpenSslErrors() + ")";
  }
  VerifyFailure verify;
  SSL_set_app_data(ssl.get(), &verify);
  if (uri.host_is_ip) {
    X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl.get()), uri.host.c_str());
  } else {
    SSL_set_tlsext_host_name(ssl.get(), uri.host.c_str());
    SSL_set1_host(ssl.get(), uri.host.c_str());
  }
  const std::string alpn = AlpnWire(tls.alpn_protocols);
  if (!alpn.empty()) {
    SSL_set_alpn_protos(ssl.get(), reinterpret_cast<const unsigned char*>(alpn.data()),
                        static_cast<unsigned int>(alpn.size()));
  }

  std::string problem = Handshake(ssl.get(), fd, deadline, verify, uri, tls, budget);
  if (problem.empty()) problem = WatchForLateAlert(ssl.get(), fd, deadline, uri, tls);
  ERR_clear_error();
  return problem;
}

// Whether the server on a tcp:// endpoint actually answers a TLS ClientHello.
bool SpeaksTls(int fd, Clock::time_point deadline) {
  ERR_clear_error();
  std::unique_ptr<SSL_CTX, CtxFree> ctx(SSL_CTX_new(TLS_client_method()));
  if (!ctx) return false;
  SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_NONE, nullptr);
  std::unique_ptr<SSL, SslFree> ssl(SSL_new(ctx.get()));
  if (!ssl || SSL_set_fd(ssl.get(), fd) != 1) return false;
  for (;;) {
    ERR_clear_error();
    const int rc = SSL_connect(ssl.get());
    if (rc == 1) return true;
    const int error = SSL_get_error(ssl.get(), rc);
    if (error == SSL_ERROR_WANT_READ || error == SSL_ERROR_WANT_WRITE) {
      if (!WaitFd(fd, error == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT, deadline)) return false;
      continue;
    }
    const std::string reasons = DrainOpenSslErrors();
    // An alert means a TLS server answered; garbage or EOF means it did not.
    return Contains(reasons, "alert") && !LooksLikeNotTls(reasons);
  }
}

}  // namespace

std::string DiagnoseConnectFailure(const BrokerUri& uri, const TlsSettings& tls,
                                   std::chrono::milliseconds budget) {
  const Clock::time_point deadline = Clock::now() + budget;
  if (uri.tls) {
    // The files may have changed since the transport was created.
    if (Status s = CheckCaFile(tls.ca_file); !s.ok()) return s.message();
    if (!tls.cert_file.empty()) {
      if (Status s = CheckClientCertificate(tls.cert_file, tls.key_file); !s.ok()) {
        return s.message();
      }
    }
  }
  SigpipeGuard sigpipe;
  TcpResult tcp = ConnectTcp(uri, deadline, budget);
  if (tcp.fd.get() < 0) return tcp.error;
  if (!uri.tls) {
    // A TLS server answers a ClientHello at once; a silent server is not
    // worth the whole budget.
    if (SpeaksTls(tcp.fd.get(), std::min(deadline, Clock::now() + kTlsSniffWait))) {
      return "the server at " + uri.Endpoint() +
             " answers with TLS: it is a TLS port, so use ssl:// (with ca_file)";
    }
    return "";
  }
  return ProbeTls(uri, tls, tcp.fd.get(), deadline, budget);
}

}  // namespace mqtt_internal
}  // namespace shadowsync
