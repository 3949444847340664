// SPDX-License-Identifier: Apache-2.0

#include "rule_republish.h"

#include "cli/log.h"

namespace shadowsync::host {

std::string ResultPayload(const SqlOutcome& outcome, std::string_view original_payload) {
  if (outcome.raw_payload) return std::string(original_payload);
  return ToCompactJson(outcome.result);
}

Result<std::string> RenderRepublishTopic(const RepublishAction& action, const SqlMessage& message) {
  Result<std::string> topic = action.topic.Render(message);
  if (!topic.ok()) return topic.status();
  if (topic->empty()) {
    return InvalidArgumentError("republish topic '" + action.topic.text() + "' rendered empty");
  }
  if (topic->find_first_of("+#") != std::string::npos || topic->size() > 65535) {
    return InvalidArgumentError("republish topic '" + cli::Printable(*topic, 200) +
                                "' is not a topic one can publish to");
  }
  return topic;
}

}  // namespace shadowsync::host
