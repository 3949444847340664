// SPDX-License-Identifier: Apache-2.0
#include "gateway_requests.h"

#include <utility>

namespace shadowsync::host {
namespace {

constexpr std::string_view kPrivate = "$shadowsync/rest/";
constexpr std::string_view kPublic = "$aws/";

bool StartsWith(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

}  // namespace

std::optional<std::string> PublicTopicOfGatewayRequest(std::string_view topic) {
  if (!StartsWith(topic, kPrivate)) return std::nullopt;
  return std::string(kPublic) + std::string(topic.substr(kPrivate.size()));
}

std::string GatewayRequestTopic(std::string_view aws_request_topic) {
  const std::string_view rest = StartsWith(aws_request_topic, kPublic)
                                    ? aws_request_topic.substr(kPublic.size())
                                    : aws_request_topic;
  return std::string(kPrivate) + std::string(rest);
}

const std::vector<std::string>& GatewayRequestFilters() {
  static const std::vector<std::string> filters = {
      "$shadowsync/rest/things/+/shadow/get",
      "$shadowsync/rest/things/+/shadow/update",
      "$shadowsync/rest/things/+/shadow/delete",
      "$shadowsync/rest/things/+/shadow/name/+/get",
      "$shadowsync/rest/things/+/shadow/name/+/update",
      "$shadowsync/rest/things/+/shadow/name/+/delete",
  };
  return filters;
}

const std::vector<std::string>& GatewayAnswerFilters() {
  static const std::vector<std::string> filters = {
      "$shadowsync/rest/things/+/shadow/+/+",
      "$shadowsync/rest/things/+/shadow/name/+/+/+",
  };
  return filters;
}

std::vector<ServiceMessage> ForGatewayRequest(std::vector<ServiceMessage> responses) {
  std::vector<ServiceMessage> out;
  out.reserve(responses.size() + 1);
  std::optional<ServiceMessage> answer;
  for (ServiceMessage& message : responses) {
    if (message.suffix == Suffix::kAccepted || message.suffix == Suffix::kRejected) {
      answer = message;
      answer->topic = GatewayRequestTopic(message.topic);
    }
    if (message.suffix != Suffix::kRejected) out.push_back(std::move(message));
  }
  if (answer) out.push_back(std::move(*answer));
  return out;
}

}  // namespace shadowsync::host
