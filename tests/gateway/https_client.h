// SPDX-License-Identifier: Apache-2.0
//
// Test helper: one HTTPS request with libcurl, with a client certificate or
// extra headers (SigV4), against the gateway. The server is verified
// against the given CA.
//
// Thread safety: CallHttps is safe for concurrent use (one curl easy handle
// per call; curl_global_init runs once).
#ifndef SHADOWSYNC_TESTS_GATEWAY_HTTPS_CLIENT_H_
#define SHADOWSYNC_TESTS_GATEWAY_HTTPS_CLIENT_H_

#include <map>
#include <string>
#include <vector>

#include "shadowsync/sigv4.h"

namespace shadowsync::testing_support {

struct HttpsCall {
  std::string method = "GET";
  std::string url;
  std::string body;
  std::vector<HttpField> headers;
  std::string ca_file;
  std::string cert_file;  ///< empty: no client certificate
  std::string key_file;
};

struct HttpsResult {
  std::string error;  ///< curl's error; empty when a response came
  long status = 0;
  std::string body;
  std::map<std::string, std::string> headers;  ///< names lowercased
  std::string Header(const std::string& lowercase_name) const {
    auto it = headers.find(lowercase_name);
    return it == headers.end() ? "" : it->second;
  }
};

HttpsResult CallHttps(const HttpsCall& call);

}  // namespace shadowsync::testing_support

#endif  // SHADOWSYNC_TESTS_GATEWAY_HTTPS_CLIENT_H_
