// SPDX-License-Identifier: Apache-2.0
//
// ShadowRestClient: the AWS IoT Device Shadow REST API (the `iot-data` data
// plane) over HTTPS, for apps, operators and report-only devices that need
// no open connection (architecture layer 8, next to ShadowClient):
//
//   GetThingShadow            GET    /things/T/shadow[?name=S]
//   UpdateThingShadow         POST   /things/T/shadow[?name=S]
//   DeleteThingShadow         DELETE /things/T/shadow[?name=S]
//   ListNamedShadowsForThing  GET    /api/things/shadow/ListNamedShadowsForThing/T
//                                    ?nextToken=&pageSize=
//   Publish                   POST   /topics/<topic>?qos=0|1
//
// Authentication, as AWS IoT Core offers it (docs/protocols.md):
//   - a client certificate (mutual TLS) on port 8443, or on 443 with the
//     TLS ALPN protocol `x-amzn-http-ca` (RestClientOptions::alpn);
//   - SigV4 (an Authorization header, service `iotdata`) on 443, with
//     credentials the caller found, e.g. with LoadAwsCredentials.
//
// Results and errors are those of ShadowClient: an accepted answer is an
// `Accepted` (version and payload); an error body
// {"code":409,"message":"Version conflict",...} becomes kConflict (409),
// kNotFound (404) or kRejected (every other code), with the message
// "<code>: <message>" as on MQTT, plus " (<x-amzn-ErrorType>)" when the
// server sent one. Transport failures are kUnavailable (cannot connect,
// TLS) or kTimeout; a bad argument is kInvalidArgument and nothing is sent.
//
// Retries: 429 and 5xx answers and failures to connect are retried with
// exponential backoff and full jitter, at most RestClientOptions::
// max_attempts attempts in all; the last answer is returned. An update is
// retried too, as the AWS SDKs do: the service applies an update at most
// once per version, so give a `version` when a repeat would matter.
//
// Proxies: libcurl's own environment handling applies (https_proxy,
// HTTPS_PROXY, no_proxy, ...); nothing is configured here.
//
// libcurl and OpenSSL stay private to the library.
//
// Thread safety: safe for concurrent use; calls are serialized on one
// libcurl handle (which keeps the connection alive between calls).

#ifndef SHADOWSYNC_REST_CLIENT_H_
#define SHADOWSYNC_REST_CLIENT_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "shadowsync/aws_credentials.h"
#include "shadowsync/client.h"
#include "shadowsync/status.h"
#include "shadowsync/topic.h"

namespace shadowsync {

/// How a ShadowRestClient authenticates.
enum class RestAuthentication {
  kClientCertificate,  ///< mutual TLS: cert_file and key_file (AWS: 8443, or 443 with ALPN)
  kSigV4,              ///< an Authorization header signed with `credentials` (AWS: 443)
};

/// Everything a ShadowRestClient is configured with.
struct RestClientOptions {
  /// "https://<endpoint>[:port]", e.g.
  /// "https://abc123-ats.iot.eu-west-1.amazonaws.com:8443"; no path.
  std::string endpoint;
  RestAuthentication authentication = RestAuthentication::kClientCertificate;
  /// CA bundle that verifies the server (PEM); empty: the system's.
  std::string ca_file;
  /// kClientCertificate: the device certificate and its key (PEM).
  std::string cert_file;
  std::string key_file;
  /// TLS ALPN protocols to offer, e.g. {"x-amzn-http-ca"} for a client
  /// certificate on port 443. Empty: none (libcurl's own h2/http1.1 ALPN
  /// is off either way; AWS's 8443 wants none).
  std::vector<std::string> alpn;
  /// kSigV4: the credentials (see LoadAwsCredentials) and the scope.
  AwsCredentials credentials;
  std::string region;
  std::string service = "iotdata";  ///< AWS IoT also accepts "iotdevicegateway"
  std::chrono::milliseconds connect_timeout{10000};
  /// One attempt, connect included.
  std::chrono::milliseconds request_timeout{10000};
  /// Attempts in all (1: no retry) for 429, 5xx and failures to connect.
  int max_attempts = 3;
  /// Backoff before retry n (1, 2, ...): a random time up to
  /// min(max_backoff, initial_backoff * 2^(n-1)).
  std::chrono::milliseconds initial_backoff{200};
  std::chrono::milliseconds max_backoff{5000};
  /// Injectable for tests: the signing time and the backoff's wait.
  std::function<std::chrono::system_clock::time_point()> now;
  std::function<void(std::chrono::milliseconds)> sleep;
};

/// One page of ListNamedShadowsForThing.
struct NamedShadowPage {
  std::vector<std::string> names;
  /// Give it back for the next page; std::nullopt on the last page.
  std::optional<std::string> next_token;
  std::int64_t timestamp = 0;
};

/// A client of the Device Shadow REST API.
///
/// Thread safety: safe for concurrent use; calls are serialized.
class ShadowRestClient {
 public:
  /// Checks the options (kInvalidArgument naming the field: "endpoint: ...",
  /// "cert_file: ...", "credentials: ...", "region: ..."); no network I/O.
  static Result<std::unique_ptr<ShadowRestClient>> Create(RestClientOptions options);
  ~ShadowRestClient();
  ShadowRestClient(const ShadowRestClient&) = delete;
  ShadowRestClient& operator=(const ShadowRestClient&) = delete;

  /// GetThingShadow: the whole document (state, metadata, version,
  /// timestamp). kNotFound when the shadow does not exist.
  RequestResult Get(const ShadowId& shadow);
  /// UpdateThingShadow with `request` as the body ({"state":{...}} with
  /// optional clientToken and version): the /accepted document.
  RequestResult Update(const ShadowId& shadow, std::string_view request);
  /// DeleteThingShadow: {"version":N,"timestamp":T}.
  RequestResult Delete(const ShadowId& shadow);
  /// ListNamedShadowsForThing; `page_size` 1 to 100 (nullopt: the
  /// server's default). The classic shadow is never listed.
  Result<NamedShadowPage> ListNamedShadows(std::string_view thing,
                                           const std::optional<std::string>& next_token = {},
                                           std::optional<int> page_size = {});
  /// Publish: `payload` on `topic` (no wildcards) with QoS 0 or 1.
  Status Publish(std::string_view topic, std::string_view payload, int qos = 1);

 private:
  class Impl;
  explicit ShadowRestClient(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace shadowsync

#endif  // SHADOWSYNC_REST_CLIENT_H_
