// SPDX-License-Identifier: Apache-2.0

#include "rule_loader.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>
#include <type_traits>
#include <utility>
#include <variant>

namespace shadowsync::host {
namespace {

namespace fs = std::filesystem;

std::string DescribeAction(const TopicRuleAction& action) {
  return std::visit(
      [](const auto& a) -> std::string {
        using A = std::decay_t<decltype(a)>;
        if constexpr (std::is_same_v<A, RepublishAction>) {
          return "republish(" + a.topic.text() + ", qos " + std::to_string(a.qos) + ")";
        } else if constexpr (std::is_same_v<A, DynamoDbV2Action>) {
          return "dynamoDBv2(" + a.table_name.text() + ")";
        } else {
          return "dynamoDB(" + a.table_name.text() + ")";
        }
      },
      action.action);
}

bool WritesTable(const TopicRuleAction& action) {
  return !std::holds_alternative<RepublishAction>(action.action);
}

}  // namespace

Result<std::vector<TopicRule>> LoadRulesDir(const std::string& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    return NotFoundError(dir + ": not a directory" + (ec ? ": " + ec.message() : ""));
  }
  std::vector<fs::path> files;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const fs::path& path = it->path();
    if (path.extension() == ".json" && it->is_regular_file(ec)) files.push_back(path);
  }
  if (ec) return FailedPreconditionError(dir + ": cannot list: " + ec.message());
  std::sort(files.begin(), files.end());

  std::vector<TopicRule> rules;
  for (const fs::path& path : files) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return FailedPreconditionError(path.string() + ": cannot open");
    std::ostringstream text;
    text << in.rdbuf();
    if (in.bad()) return FailedPreconditionError(path.string() + ": cannot read");
    Result<TopicRule> rule = ParseTopicRule(text.str(), path.string());
    if (!rule.ok()) return rule.status();
    rule->name = path.stem().string();
    rules.push_back(std::move(rule).value());
  }
  return rules;
}

std::string DescribeRule(const TopicRule& rule) {
  std::string out = "rule " + rule.name + ": FROM '" + rule.sql.topic_filter() + "' ->";
  for (std::size_t i = 0; i < rule.actions.size(); ++i) {
    out += (i == 0 ? " " : ", ") + DescribeAction(rule.actions[i]);
  }
  if (rule.error_action) out += "; errorAction " + DescribeAction(*rule.error_action);
  if (rule.disabled) out += " (disabled: ruleDisabled)";
  return out;
}

bool RuleWritesTables(const TopicRule& rule) {
  for (const TopicRuleAction& action : rule.actions) {
    if (WritesTable(action)) return true;
  }
  return rule.error_action && WritesTable(*rule.error_action);
}

}  // namespace shadowsync::host
