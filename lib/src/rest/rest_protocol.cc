// SPDX-License-Identifier: Apache-2.0
#include "rest/rest_protocol.h"

#include <algorithm>
#include <cstdlib>

#include "rejection_status.h"
#include "shadowsync/json.h"

namespace shadowsync {
namespace rest_internal {
namespace {

bool StartsWith(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

std::string Str(const JsonValue& value) {
  return std::string(value.GetString(), value.GetStringLength());
}

}  // namespace

Result<RestEndpoint> ParseRestEndpoint(std::string_view endpoint) {
  const std::string quoted = "endpoint: '" + std::string(endpoint) + "'";
  constexpr std::string_view kScheme = "https://";
  if (!StartsWith(endpoint, kScheme)) {
    return InvalidArgumentError(quoted + " is not https://host[:port]");
  }
  std::string_view rest = endpoint.substr(kScheme.size());
  if (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
  if (rest.find_first_of("/?#@ ") != std::string_view::npos) {
    return InvalidArgumentError(quoted + ": only https://host[:port], no path, query or user");
  }
  RestEndpoint out;
  std::string_view port_text;
  bool ipv6 = false;
  if (StartsWith(rest, "[")) {
    const std::size_t close = rest.find(']');
    if (close == std::string_view::npos) {
      return InvalidArgumentError(quoted + ": an IPv6 address needs its closing ']'");
    }
    out.host = std::string(rest.substr(1, close - 1));
    ipv6 = true;
    std::string_view after = rest.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return InvalidArgumentError(quoted + ": junk after ']'");
      port_text = after.substr(1);
      if (port_text.empty()) return InvalidArgumentError(quoted + ": empty port");
    }
  } else {
    const std::size_t colon = rest.find(':');
    out.host = std::string(rest.substr(0, colon));
    if (colon != std::string_view::npos) {
      port_text = rest.substr(colon + 1);
      if (port_text.empty()) return InvalidArgumentError(quoted + ": empty port");
    }
  }
  if (out.host.empty()) return InvalidArgumentError(quoted + ": no host");
  if (!port_text.empty()) {
    if (port_text.size() > 5 ||
        port_text.find_first_not_of("0123456789") != std::string_view::npos) {
      return InvalidArgumentError(quoted + ": the port is not a number from 1 to 65535");
    }
    out.port = std::atoi(std::string(port_text).c_str());
    if (out.port < 1 || out.port > 65535) {
      return InvalidArgumentError(quoted + ": the port is not a number from 1 to 65535");
    }
  }
  const std::string host = ipv6 ? "[" + out.host + "]" : out.host;
  out.host_header = out.port == 443 ? host : host + ":" + std::to_string(out.port);
  out.base_url = "https://" + host + ":" + std::to_string(out.port);
  return out;
}

Result<RestCall> ShadowCall(std::string_view method, const ShadowId& shadow) {
  if (Status s = ValidateThingName(shadow.thing); !s.ok()) return s;
  RestCall call;
  call.method = std::string(method);
  call.path = "/things/" + SigV4UriEncode(shadow.thing) + "/shadow";
  if (shadow.shadow) {
    if (Status s = ValidateShadowName(*shadow.shadow); !s.ok()) return s;
    call.query.push_back({"name", *shadow.shadow});
  }
  return call;
}

Result<RestCall> ListNamedShadowsCall(std::string_view thing,
                                      const std::optional<std::string>& next_token,
                                      std::optional<int> page_size) {
  if (Status s = ValidateThingName(thing); !s.ok()) return s;
  RestCall call;
  call.method = "GET";
  call.path = "/api/things/shadow/ListNamedShadowsForThing/" + SigV4UriEncode(thing);
  if (next_token) call.query.push_back({"nextToken", *next_token});
  if (page_size) {
    if (*page_size < 1 || *page_size > 100) {
      return InvalidArgumentError("pageSize: " + std::to_string(*page_size) +
                                  " is not from 1 to 100");
    }
    call.query.push_back({"pageSize", std::to_string(*page_size)});
  }
  return call;
}

Result<RestCall> PublishCall(std::string_view topic, std::string_view payload, int qos) {
  if (topic.empty()) return InvalidArgumentError("topic: empty");
  if (topic.find_first_of("+#") != std::string_view::npos) {
    return InvalidArgumentError("topic '" + std::string(topic) +
                                "': wildcards (+, #) are not allowed in a publish topic");
  }
  if (qos != 0 && qos != 1) {
    return InvalidArgumentError("qos: " + std::to_string(qos) + " is not 0 or 1");
  }
  RestCall call;
  call.method = "POST";
  call.path = "/topics/" + SigV4UriEncode(topic);
  call.query.push_back({"qos", std::to_string(qos)});
  call.body = std::string(payload);
  call.content_type = "application/octet-stream";
  return call;
}

Status HttpErrorStatus(long http_status, std::string_view body, std::string_view error_type) {
  std::string message;
  Result<JsonDocument> doc = ParseJson(body);
  if (doc.ok() && doc->IsObject()) {
    for (const char* key : {"message", "Message"}) {
      const auto it = doc->FindMember(key);
      if (it != doc->MemberEnd() && it->value.IsString()) {
        message = Str(it->value);
        break;
      }
    }
  }
  if (message.empty()) {
    // Not AWS's error shape (a proxy's page, say): a short excerpt.
    constexpr std::size_t kExcerpt = 200;
    std::string excerpt(body.substr(0, kExcerpt));
    std::replace_if(
        excerpt.begin(), excerpt.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20; },
        ' ');
    message = excerpt.empty() ? "(no message)" : excerpt;
    if (body.size() > kExcerpt) message += "...";
  }
  std::string type(error_type.substr(0, error_type.find(':')));
  std::string full = std::to_string(http_status) + ": " + message;
  if (!type.empty()) full += " (" + type + ")";
  if (http_status == 408 || http_status == 504) return Status(StatusCode::kTimeout, full);
  return internal::StatusForErrorCode(http_status, std::move(full));
}

bool IsRetryableHttpStatus(long http_status) {
  return http_status == 429 || (http_status >= 500 && http_status <= 599 && http_status != 501);
}

std::chrono::milliseconds BackoffCeiling(int retry, std::chrono::milliseconds initial,
                                         std::chrono::milliseconds max) {
  std::chrono::milliseconds ceiling = initial;
  for (int i = 1; i < retry && ceiling < max; ++i) ceiling *= 2;
  return std::min(ceiling, max);
}

}  // namespace rest_internal
}  // namespace shadowsync
