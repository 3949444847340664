// SPDX-License-Identifier: Apache-2.0
//
// FaultRules (lib/testing/src/fault_rules.h): LoopbackBroker's DropNext,
// DuplicateNext and Hold decide one publication at a time, in that order,
// with MQTT filter matching (T10: '#' does not match $aws topics).

#include "fault_rules.h"

#include <gtest/gtest.h>

namespace shadowsync::testkit::internal {
namespace {

constexpr const char* kUpdate = "$aws/things/lamp/shadow/update";

bool Passes(const FaultRules::Verdict& v) { return !v.drop && v.copies == 1 && !v.hold; }

TEST(FaultRulesTest, NoRulesLetEverythingThroughOnce) {
  FaultRules rules;
  EXPECT_TRUE(Passes(rules.Apply(kUpdate)));
  EXPECT_TRUE(Passes(rules.Apply("a/b")));
}

TEST(FaultRulesTest, DropIsUsedUpByMatchingTopicsOnly) {
  FaultRules rules;
  rules.AddDrop("$aws/things/+/shadow/update", 2);
  EXPECT_TRUE(Passes(rules.Apply("$aws/things/lamp/shadow/get")));
  EXPECT_TRUE(rules.Apply(kUpdate).drop);
  EXPECT_TRUE(rules.Apply(kUpdate).drop);
  EXPECT_TRUE(Passes(rules.Apply(kUpdate))) << "two drops, then through";
}

TEST(FaultRulesTest, ANonPositiveCountAddsNoRule) {
  FaultRules rules;
  rules.AddDrop(kUpdate, 0);
  rules.AddDuplicate(kUpdate, -1);
  EXPECT_TRUE(Passes(rules.Apply(kUpdate)));
}

TEST(FaultRulesTest, ADroppedPublicationDoesNotUseADuplicateRule) {
  FaultRules rules;
  rules.AddDrop(kUpdate, 1);
  rules.AddDuplicate(kUpdate, 1);
  const FaultRules::Verdict first = rules.Apply(kUpdate);
  EXPECT_TRUE(first.drop);
  EXPECT_EQ(first.copies, 1);
  EXPECT_EQ(rules.Apply(kUpdate).copies, 2) << "the duplicate rule is still there";
  EXPECT_EQ(rules.Apply(kUpdate).copies, 1);
}

TEST(FaultRulesTest, HoldStaysUntilClearedAndHoldsDuplicatesToo) {
  FaultRules rules;
  rules.AddHold("a/#");
  rules.AddDuplicate("a/b", 1);
  const FaultRules::Verdict duplicated = rules.Apply("a/b");
  EXPECT_TRUE(duplicated.hold);
  EXPECT_EQ(duplicated.copies, 2);
  EXPECT_TRUE(rules.Apply("a/c").hold);
  EXPECT_TRUE(rules.Apply("a/c").hold);
  EXPECT_FALSE(rules.Apply("b").hold);
  rules.ClearHolds();
  EXPECT_TRUE(Passes(rules.Apply("a/c")));
}

TEST(FaultRulesTest, AWildcardFirstFilterDoesNotMatchAwsTopics) {
  FaultRules rules;
  rules.AddDrop("#", 5);
  rules.AddHold("+/things/#");
  EXPECT_TRUE(Passes(rules.Apply(kUpdate))) << "T10";
  EXPECT_TRUE(rules.Apply("dt/lamp").drop);
}

TEST(FaultRulesTest, ClearRemovesEveryRule) {
  FaultRules rules;
  rules.AddDrop(kUpdate, 3);
  rules.AddDuplicate(kUpdate, 3);
  rules.AddHold(kUpdate);
  rules.Clear();
  EXPECT_TRUE(Passes(rules.Apply(kUpdate)));
}

}  // namespace
}  // namespace shadowsync::testkit::internal
