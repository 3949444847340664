// SPDX-License-Identifier: Apache-2.0
//
// The republish action of AWS IoT rules: the rule's result as a payload and
// its topic template rendered for one message. The publish itself is the
// host's (the broker thread, mosquitto_broker_publish_copy), and so is
// feeding the new message back into the rules: a republished message is a
// message like any other, one republish deeper than the message that
// caused it. Beyond kMaxRepublishDepth the engine cuts the loop.
//
// Thread safety: free functions over values; safe for concurrent use.

#ifndef SHADOWSYNC_SERVICE_CORE_RULE_REPUBLISH_H_
#define SHADOWSYNC_SERVICE_CORE_RULE_REPUBLISH_H_

#include <string>
#include <string_view>

#include "shadowsync/sql.h"
#include "shadowsync/status.h"
#include "shadowsync/topic_rule.h"

namespace shadowsync::host {

/// Messages from clients and the shadow service have depth 0; a republish
/// of a message at depth d has depth d + 1. A republish that would exceed
/// this depth is cut: not published, reported through the error action.
/// So a rule republishing to its own FROM publishes 4 times per message.
constexpr int kMaxRepublishDepth = 4;

/// What a rule's result is published as: compact JSON, or the original
/// bytes when the result is the raw (non-JSON) payload (`SELECT *`).
std::string ResultPayload(const SqlOutcome& outcome, std::string_view original_payload);

/// The republish topic for `message`: the template rendered, checked to be
/// a topic one may publish to (not empty, no `+` or `#`, at most 65535
/// bytes). kInvalidArgument otherwise, naming the topic.
Result<std::string> RenderRepublishTopic(const RepublishAction& action, const SqlMessage& message);

}  // namespace shadowsync::host

#endif  // SHADOWSYNC_SERVICE_CORE_RULE_REPUBLISH_H_
