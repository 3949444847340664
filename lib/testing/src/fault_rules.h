// SPDX-License-Identifier: Apache-2.0
//
// FaultRules: LoopbackBroker's message faults (DropNext, DuplicateNext,
// Hold), and what they decide for one publication. Rules apply in that
// order: a dropped publication is neither duplicated nor held; a duplicated
// one that is held is held twice. A count rule is used up by the
// publications it matches; a hold stays until Clear() or ClearHolds().
//
// Thread safety: not thread-safe; BrokerCore calls it under its mutex.

#ifndef SHADOWSYNC_TESTING_FAULT_RULES_H_
#define SHADOWSYNC_TESTING_FAULT_RULES_H_

#include <string>
#include <string_view>
#include <vector>

namespace shadowsync::testkit::internal {

class FaultRules {
 public:
  /// What becomes of one publication.
  struct Verdict {
    bool drop = false;  ///< reaches no subscriber and not the service
    int copies = 1;     ///< how many times it is routed (or held)
    bool hold = false;  ///< kept until released instead of routed
  };

  /// The next `n` publications matching `filter` are dropped (n <= 0: none).
  void AddDrop(std::string_view filter, int n);
  /// The next `n` publications matching `filter` are routed twice.
  void AddDuplicate(std::string_view filter, int n);
  /// Every publication matching `filter` is held.
  void AddHold(std::string_view filter);

  /// Decides the fate of a publication on `topic`, using up one match of
  /// the first drop rule, else of the first duplicate rule, that matches.
  Verdict Apply(std::string_view topic);

  /// Removes the hold rules (ReleaseHeld).
  void ClearHolds() { hold_filters_.clear(); }
  /// Removes every rule.
  void Clear();

 private:
  struct CountRule {
    std::string filter;
    int remaining = 0;
  };

  // Consumes one use of the first rule in `rules` matching `topic`.
  static bool TakeRule(std::vector<CountRule>& rules, std::string_view topic);

  std::vector<CountRule> drop_rules_;
  std::vector<CountRule> duplicate_rules_;
  std::vector<std::string> hold_filters_;
};

}  // namespace shadowsync::testkit::internal

#endif  // SHADOWSYNC_TESTING_FAULT_RULES_H_
