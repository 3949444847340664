// SPDX-License-Identifier: Apache-2.0
//
// ShadowRestClient over libcurl (easy interface, one handle reused so that
// the TLS connection stays open between calls). The pure parts are in
// rest_protocol.cc.
//
// Custom ALPN: libcurl 7.88 has no option for an arbitrary ALPN list
// (CURLOPT_SSL_ENABLE_ALPN only switches its own h2/http/1.1 offer on or
// off). With the OpenSSL backend, CURLOPT_SSL_CTX_FUNCTION hands us the
// SSL_CTX before each connection's SSL object is made from it; with
// libcurl's ALPN switched off it sets none on the SSL object, so the list
// set on the context here (SSL_CTX_set_alpn_protos) is the one offered.

#include "shadowsync/rest_client.h"

#include <curl/curl.h>
#include <openssl/ssl.h>

#include <algorithm>
#include <mutex>
#include <random>
#include <thread>
#include <utility>

#include "rest/rest_protocol.h"
#include "shadowsync/json.h"
#include "shadowsync/mutex.h"
#include "shadowsync/paho_transport.h"
#include "shadowsync/sigv4.h"

namespace shadowsync {

using rest_internal::RestCall;
using rest_internal::RestEndpoint;

namespace {

// An answer body above this is cut (the service's documents are at most a
// few tens of KiB; a proxy's page is not worth more).
constexpr std::size_t kMaxAnswerBytes = 1024 * 1024;

struct HttpAnswer {
  long status = 0;
  std::string body;
  std::string error_type;  ///< x-amzn-ErrorType
};

void GlobalInit() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

std::size_t OnBody(char* data, std::size_t size, std::size_t count, void* user) {
  auto* answer = static_cast<HttpAnswer*>(user);
  const std::size_t bytes = size * count;
  const std::size_t room = kMaxAnswerBytes - std::min(kMaxAnswerBytes, answer->body.size());
  answer->body.append(data, std::min(bytes, room));
  return bytes;
}

std::size_t OnHeader(char* data, std::size_t size, std::size_t count, void* user) {
  auto* answer = static_cast<HttpAnswer*>(user);
  const std::size_t bytes = size * count;
  std::string_view line(data, bytes);
  const std::size_t colon = line.find(':');
  if (colon != std::string_view::npos) {
    std::string name(line.substr(0, colon));
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (name == "x-amzn-errortype") {
      std::string_view value = line.substr(colon + 1);
      while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) {
        value.remove_prefix(1);
      }
      while (!value.empty() &&
             (value.back() == '\r' || value.back() == '\n' || value.back() == ' ')) {
        value.remove_suffix(1);
      }
      answer->error_type = std::string(value);
    }
  }
  return bytes;
}

// CURLOPT_SSL_CTX_FUNCTION: offers the ALPN list (wire format) in `user`.
CURLcode SetAlpn(CURL*, void* ssl_ctx, void* user) {
  const auto* wire = static_cast<const std::string*>(user);
  if (SSL_CTX_set_alpn_protos(static_cast<SSL_CTX*>(ssl_ctx),
                              reinterpret_cast<const unsigned char*>(wire->data()),
                              static_cast<unsigned int>(wire->size())) != 0) {
    return CURLE_SSL_CIPHER;  // "couldn't use specified SSL cipher": nearest code
  }
  return CURLE_OK;
}

// Failures to reach the server at all, where a retry may help.
bool IsRetryableCurlError(CURLcode code) {
  switch (code) {
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_GOT_NOTHING:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
      return true;
    default:
      return false;
  }
}

std::uint64_t VersionOf(const JsonValue& doc) {
  const auto it = doc.FindMember("version");
  return it != doc.MemberEnd() && it->value.IsUint64() ? it->value.GetUint64() : 0;
}

}  // namespace

class ShadowRestClient::Impl {
 public:
  Impl(RestClientOptions options, RestEndpoint endpoint)
      : options_(std::move(options)), endpoint_(std::move(endpoint)) {
    for (const std::string& protocol : options_.alpn) {
      alpn_wire_.push_back(static_cast<char>(protocol.size()));
      alpn_wire_ += protocol;
    }
    if (!options_.now) options_.now = [] { return std::chrono::system_clock::now(); };
    if (!options_.sleep) {
      options_.sleep = [](std::chrono::milliseconds ms) { std::this_thread::sleep_for(ms); };
    }
    GlobalInit();
  }
  ~Impl() {
    MutexLock lock(mu_);
    if (curl_ != nullptr) curl_easy_cleanup(curl_);
  }

  // The answer of `call` after at most max_attempts attempts: a 2xx answer,
  // or the error of the last attempt.
  Result<HttpAnswer> Execute(const RestCall& call) {
    MutexLock lock(mu_);
    Result<HttpAnswer> last = Status(StatusCode::kInternal, "no attempt made");
    for (int attempt = 1; attempt <= options_.max_attempts; ++attempt) {
      if (attempt > 1) {
        const auto ceiling = rest_internal::BackoffCeiling(attempt - 1, options_.initial_backoff,
                                                           options_.max_backoff);
        std::uniform_int_distribution<std::int64_t> jitter(0, ceiling.count());
        options_.sleep(std::chrono::milliseconds(jitter(random_)));
      }
      bool retryable = false;
      last = Attempt(call, &retryable);
      if (!retryable) break;
    }
    return last;
  }

 private:
  Result<HttpAnswer> Attempt(const RestCall& call, bool* retryable) SHADOWSYNC_REQUIRES(mu_) {
    if (curl_ == nullptr) {
      curl_ = curl_easy_init();
      if (curl_ == nullptr) return InternalError("curl_easy_init failed");
    } else {
      curl_easy_reset(curl_);  // keeps the open connection
    }
    const std::string query = SigV4EncodeQuery(call.query);
    const std::string url = endpoint_.base_url + call.path + (query.empty() ? "" : "?" + query);
    const std::string where = call.method + " " + url;

    std::vector<HttpField> headers = {{"Host", endpoint_.host_header},
                                      {"Accept", "application/json"}};
    if (!call.content_type.empty()) headers.push_back({"Content-Type", call.content_type});
    if (options_.authentication == RestAuthentication::kSigV4) {
      SigV4Request request;
      request.method = call.method;
      request.host = endpoint_.host_header;
      request.path = call.path;
      request.query = call.query;
      if (!call.body.empty()) request.payload_sha256 = Sha256Hex(call.body);
      Result<SigV4HeaderSignature> signature = SignSigV4Headers(
          request, options_.credentials, {options_.region, options_.service, options_.now()});
      if (!signature.ok()) return signature.status();
      for (HttpField& field : signature->headers) headers.push_back(std::move(field));
    }
    curl_slist* list = nullptr;
    for (const HttpField& field : headers) {
      list = curl_slist_append(list, (field.name + ": " + field.value).c_str());
    }
    list = curl_slist_append(list, "Expect:");  // no 100-continue round trip
    list = curl_slist_append(list, "Transfer-Encoding:");

    HttpAnswer answer;
    char error[CURL_ERROR_SIZE] = {};
    curl_easy_setopt(curl_, CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl_, CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_1_1);
    curl_easy_setopt(curl_, CURLOPT_PROTOCOLS_STR, "https");
    curl_easy_setopt(curl_, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl_, CURLOPT_ERRORBUFFER, error);
    curl_easy_setopt(curl_, CURLOPT_HTTPHEADER, list);
    curl_easy_setopt(curl_, CURLOPT_USERAGENT, "shadowsync-rest");
    if (call.method == "GET") {
      curl_easy_setopt(curl_, CURLOPT_HTTPGET, 1L);
    } else if (call.method == "POST") {
      curl_easy_setopt(curl_, CURLOPT_POST, 1L);
      curl_easy_setopt(curl_, CURLOPT_POSTFIELDS, call.body.data());
      curl_easy_setopt(curl_, CURLOPT_POSTFIELDSIZE_LARGE,
                       static_cast<curl_off_t>(call.body.size()));
    } else {
      curl_easy_setopt(curl_, CURLOPT_CUSTOMREQUEST, call.method.c_str());
    }
    curl_easy_setopt(curl_, CURLOPT_WRITEFUNCTION, OnBody);
    curl_easy_setopt(curl_, CURLOPT_WRITEDATA, &answer);
    curl_easy_setopt(curl_, CURLOPT_HEADERFUNCTION, OnHeader);
    curl_easy_setopt(curl_, CURLOPT_HEADERDATA, &answer);
    curl_easy_setopt(curl_, CURLOPT_SSLVERSION, static_cast<long>(CURL_SSLVERSION_TLSv1_2));
    curl_easy_setopt(curl_, CURLOPT_SSL_ENABLE_ALPN, 0L);
    if (!alpn_wire_.empty()) {
      curl_easy_setopt(curl_, CURLOPT_SSL_CTX_FUNCTION, SetAlpn);
      curl_easy_setopt(curl_, CURLOPT_SSL_CTX_DATA, &alpn_wire_);
    }
    if (!options_.ca_file.empty())
      curl_easy_setopt(curl_, CURLOPT_CAINFO, options_.ca_file.c_str());
    if (options_.authentication == RestAuthentication::kClientCertificate) {
      curl_easy_setopt(curl_, CURLOPT_SSLCERT, options_.cert_file.c_str());
      curl_easy_setopt(curl_, CURLOPT_SSLKEY, options_.key_file.c_str());
    }
    curl_easy_setopt(curl_, CURLOPT_CONNECTTIMEOUT_MS,
                     static_cast<long>(options_.connect_timeout.count()));
    curl_easy_setopt(curl_, CURLOPT_TIMEOUT_MS,
                     static_cast<long>(options_.request_timeout.count()));

    const CURLcode code = curl_easy_perform(curl_);
    curl_slist_free_all(list);
    if (code != CURLE_OK) {
      *retryable = IsRetryableCurlError(code);
      const std::string cause = error[0] != '\0' ? error : curl_easy_strerror(code);
      if (code == CURLE_OPERATION_TIMEDOUT) {
        return Status(StatusCode::kTimeout, where + ": no answer within " +
                                                std::to_string(options_.request_timeout.count()) +
                                                " ms (" + cause + ")");
      }
      return Status(StatusCode::kUnavailable, where + ": " + cause);
    }
    curl_easy_getinfo(curl_, CURLINFO_RESPONSE_CODE, &answer.status);
    if (answer.status >= 200 && answer.status <= 299) return answer;
    *retryable = rest_internal::IsRetryableHttpStatus(answer.status);
    return rest_internal::HttpErrorStatus(answer.status, answer.body, answer.error_type);
  }

  RestClientOptions options_;
  const RestEndpoint endpoint_;
  std::string alpn_wire_;
  Mutex mu_;
  CURL* curl_ SHADOWSYNC_GUARDED_BY(mu_) = nullptr;
  std::mt19937_64 random_ SHADOWSYNC_GUARDED_BY(mu_){std::random_device{}()};
};

namespace {

RequestResult ToAccepted(Result<HttpAnswer> answer, const std::string& what) {
  if (!answer.ok()) return answer.status();
  Result<JsonDocument> doc = ParseJson(answer->body);
  if (!doc.ok() || !doc->IsObject()) {
    return InternalError(what + ": the answer (HTTP " + std::to_string(answer->status) +
                         ") is not a JSON object");
  }
  Accepted accepted;
  accepted.version = VersionOf(*doc);
  accepted.payload = std::move(doc).value();
  return accepted;
}

}  // namespace

Result<std::unique_ptr<ShadowRestClient>> ShadowRestClient::Create(RestClientOptions options) {
  Result<RestEndpoint> endpoint = rest_internal::ParseRestEndpoint(options.endpoint);
  if (!endpoint.ok()) return endpoint.status();
  if (options.authentication == RestAuthentication::kClientCertificate) {
    if (options.cert_file.empty() || options.key_file.empty()) {
      return InvalidArgumentError(
          "cert_file, key_file: a client certificate and its key are required (or use SigV4)");
    }
    if (Status key = CheckPrivateKeyFile(options.key_file); !key.ok()) {
      return Status(key.code(), "key_file: " + key.message());
    }
  } else {
    if (options.credentials.access_key_id.empty() ||
        options.credentials.secret_access_key.empty()) {
      return InvalidArgumentError("credentials: SigV4 needs an access key id and a secret key");
    }
    if (options.region.empty()) return InvalidArgumentError("region: SigV4 needs the region");
    if (options.service.empty()) return InvalidArgumentError("service: empty");
  }
  for (const std::string& protocol : options.alpn) {
    if (protocol.empty() || protocol.size() > 255) {
      return InvalidArgumentError("alpn: a protocol name is 1 to 255 bytes");
    }
  }
  if (options.max_attempts < 1) return InvalidArgumentError("max_attempts: at least 1");
  if (options.request_timeout.count() <= 0 || options.connect_timeout.count() <= 0) {
    return InvalidArgumentError("request_timeout, connect_timeout: must be positive");
  }
  return std::unique_ptr<ShadowRestClient>(new ShadowRestClient(
      std::make_unique<Impl>(std::move(options), std::move(endpoint).value())));
}

ShadowRestClient::ShadowRestClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ShadowRestClient::~ShadowRestClient() = default;

RequestResult ShadowRestClient::Get(const ShadowId& shadow) {
  Result<RestCall> call = rest_internal::ShadowCall("GET", shadow);
  if (!call.ok()) return call.status();
  return ToAccepted(impl_->Execute(*call), "GetThingShadow");
}

RequestResult ShadowRestClient::Update(const ShadowId& shadow, std::string_view request) {
  Result<RestCall> call = rest_internal::ShadowCall("POST", shadow);
  if (!call.ok()) return call.status();
  call->body = std::string(request);
  call->content_type = "application/json";
  return ToAccepted(impl_->Execute(*call), "UpdateThingShadow");
}

RequestResult ShadowRestClient::Delete(const ShadowId& shadow) {
  Result<RestCall> call = rest_internal::ShadowCall("DELETE", shadow);
  if (!call.ok()) return call.status();
  return ToAccepted(impl_->Execute(*call), "DeleteThingShadow");
}

Result<NamedShadowPage> ShadowRestClient::ListNamedShadows(
    std::string_view thing, const std::optional<std::string>& next_token,
    std::optional<int> page_size) {
  Result<RestCall> call = rest_internal::ListNamedShadowsCall(thing, next_token, page_size);
  if (!call.ok()) return call.status();
  RequestResult answer = ToAccepted(impl_->Execute(*call), "ListNamedShadowsForThing");
  if (!answer.ok()) return answer.status();
  const JsonValue& doc = answer->payload;
  const auto results = doc.FindMember("results");
  if (results == doc.MemberEnd() || !results->value.IsArray()) {
    return InternalError("ListNamedShadowsForThing: the answer has no \"results\" array");
  }
  NamedShadowPage page;
  for (const JsonValue& name : results->value.GetArray()) {
    if (!name.IsString()) {
      return InternalError("ListNamedShadowsForThing: a result is not a string");
    }
    page.names.emplace_back(name.GetString(), name.GetStringLength());
  }
  const auto token = doc.FindMember("nextToken");
  if (token != doc.MemberEnd() && token->value.IsString() && token->value.GetStringLength() > 0) {
    page.next_token = std::string(token->value.GetString(), token->value.GetStringLength());
  }
  const auto timestamp = doc.FindMember("timestamp");
  if (timestamp != doc.MemberEnd() && timestamp->value.IsInt64()) {
    page.timestamp = timestamp->value.GetInt64();
  }
  return page;
}

Status ShadowRestClient::Publish(std::string_view topic, std::string_view payload, int qos) {
  Result<RestCall> call = rest_internal::PublishCall(topic, payload, qos);
  if (!call.ok()) return call.status();
  Result<HttpAnswer> answer = impl_->Execute(*call);
  return answer.ok() ? Status::Ok() : answer.status();
}

}  // namespace shadowsync
