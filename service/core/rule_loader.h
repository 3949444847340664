// SPDX-License-Identifier: Apache-2.0
//
// Loading a rules directory (plugin_opt_rules_dir): every `*.json` file in
// it is one AWS IoT topic rule (topic_rule.h), named after the file's stem,
// loaded in file-name order. Disabled rules (ruleDisabled) are loaded too;
// the engine skips them.
//
// Thread safety: free functions; safe for concurrent use.

#ifndef SHADOWSYNC_SERVICE_CORE_RULE_LOADER_H_
#define SHADOWSYNC_SERVICE_CORE_RULE_LOADER_H_

#include <string>
#include <vector>

#include "shadowsync/status.h"
#include "shadowsync/topic_rule.h"

namespace shadowsync::host {

/// Parses every `*.json` file of `dir` (not recursive). The first refused
/// file fails the whole load with ParseTopicRule's message, which starts
/// with the file's path, e.g. "/etc/rules/temp.json: /sql: SQL position 27:
/// ...". kNotFound / kFailedPrecondition when the directory or a file
/// cannot be read.
Result<std::vector<TopicRule>> LoadRulesDir(const std::string& dir);

/// One log line's worth about a loaded rule: name, FROM filter, actions,
/// error action and whether it is disabled, e.g.
/// `rule esp32_readings: FROM 'esp32/pub' -> dynamoDBv2(esp32_readings);
/// errorAction republish(rules/errors/esp32_readings, qos 0)`.
std::string DescribeRule(const TopicRule& rule);

/// True when the rule has a dynamoDBv2 or dynamoDB action (or error action).
bool RuleWritesTables(const TopicRule& rule);

}  // namespace shadowsync::host

#endif  // SHADOWSYNC_SERVICE_CORE_RULE_LOADER_H_
