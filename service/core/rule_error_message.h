// SPDX-License-Identifier: Apache-2.0
//
// The message a rule's errorAction receives when an action fails, in the
// shape AWS IoT publishes it ("Error action example" of the AWS IoT
// developer guide):
//
//   {"ruleName":"temp","topic":"dt/greenhouse/1/telemetry",
//    "clientId":"esp32-1","base64OriginalPayload":"eyJ0ZW1w...",
//    "failures":[{"failedAction":"DynamoActionV2",
//                 "failedResource":"greenhouse",
//                 "errorMessage":"..."}]}
//
// AWS's cloudwatchTraceId is left out (there is no CloudWatch).
//
// Thread safety: free functions over values; safe for concurrent use.

#ifndef SHADOWSYNC_SERVICE_CORE_RULE_ERROR_MESSAGE_H_
#define SHADOWSYNC_SERVICE_CORE_RULE_ERROR_MESSAGE_H_

#include <string>
#include <string_view>
#include <vector>

namespace shadowsync::host {

/// One failed action. `action` is AWS's name: "RepublishAction",
/// "DynamoActionV2", "DynamoAction" (or "Rule" for a SQL evaluation error).
///
/// Thread safety: a value.
struct RuleActionFailure {
  std::string action;
  std::string resource;  ///< the topic or table, as far as it was rendered
  std::string message;
};

/// The error action's payload, compact JSON.
std::string RuleErrorPayload(std::string_view rule, std::string_view topic,
                             std::string_view client_id, std::string_view original_payload,
                             const std::vector<RuleActionFailure>& failures);

/// Standard base64 (RFC 4648, with padding).
std::string Base64Encode(std::string_view bytes);

}  // namespace shadowsync::host

#endif  // SHADOWSYNC_SERVICE_CORE_RULE_ERROR_MESSAGE_H_
