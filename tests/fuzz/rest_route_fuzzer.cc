// SPDX-License-Identifier: Apache-2.0
//
// libFuzzer target for the gateway's REST routing (service/gateway/
// rest_routes.h): the method, path and query of an HTTPS request as a
// client sent them. The input is split at '\n' into method, path and query.
// Properties:
//   - a refusal is 400, 404 or 405 with a JSON body that names the problem;
//   - a matched shadow route names a thing that ValidateThingName accepts
//     (and a shadow ValidateShadowName accepts), and its policy resource is
//     exactly thing/<thing>[/<shadow>];
//   - a matched Publish names a valid MQTT topic without wildcards, whose
//     resource is topic/<topic>, with QoS 0 or 1;
//   - every action is one of the five iot: actions of the table;
//   - PercentDecode undoes a full percent-encoding of any bytes.

#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_check.h"
#include "rest_routes.h"
#include "shadowsync/topic.h"

namespace {

using shadowsync::fuzz::Check;
using namespace shadowsync::gateway;

std::string_view NextField(std::string_view* rest) {
  const std::size_t newline = rest->find('\n');
  const std::string_view field = rest->substr(0, newline);
  *rest = newline == std::string_view::npos ? std::string_view() : rest->substr(newline + 1);
  return field;
}

std::string PercentEncodeAll(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : bytes) {
    out += '%';
    out += kHex[c >> 4];
    out += kHex[c & 0xf];
  }
  return out;
}

bool KnownAction(const std::string& action) {
  return action == "iot:GetThingShadow" || action == "iot:UpdateThingShadow" ||
         action == "iot:DeleteThingShadow" || action == "iot:ListNamedShadowsForThing" ||
         action == "iot:Publish";
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  std::string_view rest = input;
  const std::string_view method = NextField(&rest);
  const std::string_view path = NextField(&rest);
  const std::string_view query = NextField(&rest);

  const std::optional<std::string> decoded = PercentDecode(PercentEncodeAll(input));
  Check(decoded.has_value() && *decoded == input, "PercentDecode undoes PercentEncode", input);

  const RouteResult result = MatchRoute(method, path, query);
  if (!result.route) {
    const int status = result.error.status;
    Check(status == 400 || status == 404 || status == 405, "refusal is 400, 404 or 405", input,
          std::to_string(status));
    Check(result.error.body.find("\"message\"") != std::string::npos, "refusal body has a message",
          input, result.error.body);
    return 0;
  }
  const RestRoute& route = *result.route;
  Check(KnownAction(route.action), "action is one of the table's", input, route.action);
  if (route.operation == RestOperation::kPublish) {
    Check(route.topic.find_first_of("+#") == std::string::npos, "publish topic has no wildcard",
          input, route.topic);
    Check(shadowsync::IsValidTopicFilter(route.topic), "publish topic is a valid MQTT topic", input,
          route.topic);
    Check(route.resource == "topic/" + route.topic, "publish resource is topic/<topic>", input,
          route.resource);
    Check(route.qos == 0 || route.qos == 1, "publish QoS is 0 or 1", input);
    return 0;
  }
  Check(shadowsync::ValidateThingName(route.shadow.thing).ok(), "thing name is valid", input,
        route.shadow.thing);
  std::string resource = "thing/" + route.shadow.thing;
  if (route.shadow.shadow) {
    Check(route.operation != RestOperation::kListNamedShadowsForThing, "List has no shadow name",
          input);
    Check(shadowsync::ValidateShadowName(*route.shadow.shadow).ok(), "shadow name is valid", input,
          *route.shadow.shadow);
    resource += "/" + *route.shadow.shadow;
  }
  Check(route.resource == resource, "resource is thing/<thing>[/<shadow>]", input, route.resource);
  if (route.page_size) {
    Check(*route.page_size >= 1 && *route.page_size <= 100, "pageSize is 1 to 100", input);
  }
  return 0;
}
