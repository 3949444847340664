// SPDX-License-Identifier: Apache-2.0
//
// libFuzzer target for the WebSocket relay's CONNECT rewrite
// (service/gateway/mqtt_connect_rewrite.h): the first bytes a WebSocket
// client sends, which nobody has checked yet. Properties:
//   - a rewrite consumes no more than it was given, and the packet it
//     builds is itself a whole CONNECT that rewrites to the same bytes
//     (same client id, username and password replaced, nothing else moved);
//   - every shorter prefix of an accepted packet asks for more input
//     (std::nullopt), never an error and never a different packet;
//   - nothing over the size limit is accepted, and an error says
//     "CONNECT" or "MQTT".

#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_check.h"
#include "mqtt_connect_rewrite.h"

namespace {

using shadowsync::fuzz::Check;
using shadowsync::gateway::RewriteMqttConnect;

constexpr std::string_view kUser = "gateway|iam:fuzz";
constexpr std::string_view kPassword = "secret-of-the-relay";
constexpr std::size_t kLimit = 4096;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  auto result = RewriteMqttConnect(input, kUser, kPassword, kLimit);
  if (!result.ok()) {
    const std::string message = result.status().message();
    Check(message.find("CONNECT") != std::string::npos || message.find("MQTT") != std::string::npos,
          "an error names the MQTT CONNECT", input, message);
    return 0;
  }
  if (!result->has_value()) return 0;
  const auto& rewritten = **result;
  Check(rewritten.consumed > 0 && rewritten.consumed <= input.size(), "consumed is within input",
        input);
  Check(rewritten.consumed <= kLimit, "nothing over the limit is accepted", input);

  auto again = RewriteMqttConnect(rewritten.packet, kUser, kPassword, SIZE_MAX);
  Check(again.ok() && again->has_value(), "the rewritten packet is a whole CONNECT", input,
        again.ok() ? "" : again.status().message());
  const auto& second = **again;
  Check(second.consumed == rewritten.packet.size(), "the rewritten packet is exactly one packet",
        input);
  Check(second.packet == rewritten.packet, "rewriting twice changes nothing", input);
  Check(second.client_id == rewritten.client_id, "the client id survives", input);

  // Prefixes: a handful, not all (quadratic in the input otherwise).
  for (std::size_t cut :
       {std::size_t{0}, std::size_t{1}, rewritten.consumed / 2, rewritten.consumed - 1}) {
    if (cut >= rewritten.consumed) continue;
    auto partial = RewriteMqttConnect(input.substr(0, cut), kUser, kPassword, kLimit);
    Check(partial.ok() && !partial->has_value(), "a prefix asks for more input", input,
          std::to_string(cut));
  }
  return 0;
}
