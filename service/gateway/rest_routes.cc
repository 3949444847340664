// SPDX-License-Identifier: Apache-2.0
#include "rest_routes.h"

#include <utility>
#include <vector>

#include "rest_errors.h"

namespace shadowsync::gateway {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool StartsWith(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

RouteResult Error(int status, std::string message) {
  RouteResult result;
  result.error = ErrorResponse(status, message);
  return result;
}

// name -> decoded value of the query; false for a malformed escape.
bool ParseQuery(std::string_view query, std::vector<std::pair<std::string, std::string>>* out) {
  while (!query.empty()) {
    const std::size_t amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (pair.empty()) continue;
    const std::size_t eq = pair.find('=');
    std::optional<std::string> name = PercentDecode(pair.substr(0, eq));
    std::optional<std::string> value =
        PercentDecode(eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1));
    if (!name || !value) return false;
    out->emplace_back(std::move(*name), std::move(*value));
  }
  return true;
}

const std::string* Find(const std::vector<std::pair<std::string, std::string>>& params,
                        std::string_view name) {
  for (const auto& [key, value] : params) {
    if (key == name) return &value;
  }
  return nullptr;
}

}  // namespace

const char* RestOperationName(RestOperation operation) {
  switch (operation) {
    case RestOperation::kGetThingShadow:
      return "GetThingShadow";
    case RestOperation::kUpdateThingShadow:
      return "UpdateThingShadow";
    case RestOperation::kDeleteThingShadow:
      return "DeleteThingShadow";
    case RestOperation::kListNamedShadowsForThing:
      return "ListNamedShadowsForThing";
    case RestOperation::kPublish:
      return "Publish";
  }
  return "?";
}

std::optional<std::string> PercentDecode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out.push_back(text[i]);
      continue;
    }
    if (i + 2 >= text.size()) return std::nullopt;
    const int high = HexValue(text[i + 1]);
    const int low = HexValue(text[i + 2]);
    if (high < 0 || low < 0) return std::nullopt;
    out.push_back(static_cast<char>(high * 16 + low));
    i += 2;
  }
  return out;
}

RouteResult MatchRoute(std::string_view method, std::string_view path, std::string_view query) {
  std::vector<std::pair<std::string, std::string>> params;
  if (!ParseQuery(query, &params)) return Error(400, "Invalid query string: bad percent-encoding");

  constexpr std::string_view kThings = "/things/";
  constexpr std::string_view kShadow = "/shadow";
  constexpr std::string_view kList = "/api/things/shadow/ListNamedShadowsForThing/";
  constexpr std::string_view kTopics = "/topics/";

  RestRoute route;
  std::string_view encoded_thing;
  if (StartsWith(path, kThings) && path.size() > kThings.size() + kShadow.size() &&
      path.substr(path.size() - kShadow.size()) == kShadow &&
      path.substr(kThings.size(), path.size() - kThings.size() - kShadow.size()).find('/') ==
          std::string_view::npos) {
    encoded_thing = path.substr(kThings.size(), path.size() - kThings.size() - kShadow.size());
    if (method == "GET") {
      route.operation = RestOperation::kGetThingShadow;
      route.action = "iot:GetThingShadow";
    } else if (method == "POST") {
      route.operation = RestOperation::kUpdateThingShadow;
      route.action = "iot:UpdateThingShadow";
    } else if (method == "DELETE") {
      route.operation = RestOperation::kDeleteThingShadow;
      route.action = "iot:DeleteThingShadow";
    } else {
      return Error(405, "Method " + std::string(method) + " is not allowed on " +
                            std::string(path) + "; use GET, POST or DELETE");
    }
  } else if (StartsWith(path, kList) && path.size() > kList.size() &&
             path.substr(kList.size()).find('/') == std::string_view::npos) {
    if (method != "GET") {
      return Error(405, "Method " + std::string(method) + " is not allowed on " +
                            std::string(path) + "; use GET");
    }
    encoded_thing = path.substr(kList.size());
    route.operation = RestOperation::kListNamedShadowsForThing;
    route.action = "iot:ListNamedShadowsForThing";
  } else if (StartsWith(path, kTopics) && path.size() > kTopics.size()) {
    if (method != "POST") {
      return Error(405, "Method " + std::string(method) + " is not allowed on " +
                            std::string(path) + "; use POST");
    }
    std::optional<std::string> topic = PercentDecode(path.substr(kTopics.size()));
    if (!topic) return Error(400, "Invalid topic: bad percent-encoding");
    // What the broker would refuse (a NUL, bad UTF-8, a wildcard) is a 400
    // here: passed on, it would cost the gateway its MQTT connection.
    if (Status valid = ValidateTopicName(*topic); !valid.ok()) {
      return Error(400, "Invalid topic: " + valid.message());
    }
    route.operation = RestOperation::kPublish;
    route.topic = std::move(*topic);
    route.action = "iot:Publish";
    route.resource = "topic/" + route.topic;
    if (const std::string* qos = Find(params, "qos")) {
      if (*qos == "0") {
        route.qos = 0;
      } else if (*qos == "1") {
        route.qos = 1;
      } else {
        return Error(400, "Invalid qos: must be 0 or 1");
      }
    }
    return RouteResult{std::move(route), {}};
  } else {
    return Error(404, "No route for " + std::string(method) + " " + std::string(path));
  }

  std::optional<std::string> thing = PercentDecode(encoded_thing);
  if (!thing) return Error(400, "Invalid thing name: bad percent-encoding");
  Status valid = ValidateThingName(*thing);
  if (!valid.ok()) return Error(400, valid.message());
  route.shadow.thing = std::move(*thing);
  route.resource = "thing/" + route.shadow.thing;
  if (route.operation == RestOperation::kListNamedShadowsForThing) {
    if (const std::string* size = Find(params, "pageSize")) {
      const bool digits = !size->empty() && size->size() <= 3 &&
                          size->find_first_not_of("0123456789") == std::string::npos;
      const int n = digits ? std::stoi(*size) : 0;
      if (n < 1 || n > 100) return Error(400, "Invalid pageSize: must be from 1 to 100");
      route.page_size = n;
    }
    if (const std::string* token = Find(params, "nextToken")) {
      if (!token->empty()) route.next_token = *token;
    }
  } else {
    if (const std::string* name = Find(params, "name")) {
      Status valid_name = ValidateShadowName(*name);
      if (!valid_name.ok()) return Error(400, valid_name.message());
      route.shadow.shadow = *name;
      route.resource += "/" + *name;
    }
  }
  return RouteResult{std::move(route), {}};
}

}  // namespace shadowsync::gateway
