// SPDX-License-Identifier: Apache-2.0

#include "fault_rules.h"

#include <algorithm>

#include "shadowsync/topic.h"

namespace shadowsync::testkit::internal {

void FaultRules::AddDrop(std::string_view filter, int n) {
  if (n <= 0) return;
  drop_rules_.push_back(CountRule{std::string(filter), n});
}

void FaultRules::AddDuplicate(std::string_view filter, int n) {
  if (n <= 0) return;
  duplicate_rules_.push_back(CountRule{std::string(filter), n});
}

void FaultRules::AddHold(std::string_view filter) { hold_filters_.emplace_back(filter); }

FaultRules::Verdict FaultRules::Apply(std::string_view topic) {
  Verdict verdict;
  if (TakeRule(drop_rules_, topic)) {
    verdict.drop = true;
    return verdict;
  }
  if (TakeRule(duplicate_rules_, topic)) verdict.copies = 2;
  verdict.hold =
      std::any_of(hold_filters_.begin(), hold_filters_.end(),
                  [&](const std::string& filter) { return TopicMatchesFilter(filter, topic); });
  return verdict;
}

void FaultRules::Clear() {
  drop_rules_.clear();
  duplicate_rules_.clear();
  hold_filters_.clear();
}

bool FaultRules::TakeRule(std::vector<CountRule>& rules, std::string_view topic) {
  for (auto it = rules.begin(); it != rules.end(); ++it) {
    if (!TopicMatchesFilter(it->filter, topic)) continue;
    if (--it->remaining <= 0) rules.erase(it);
    return true;
  }
  return false;
}

}  // namespace shadowsync::testkit::internal
