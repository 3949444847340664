// SPDX-License-Identifier: Apache-2.0
//
// OutgoingLedger (lib/src/mqtt/outgoing_ledger.h): what PahoTransport has
// published and the broker has not acknowledged. QoS 1 is at-least-once: a
// message whose delivery failed is sent again, in publish order, on the next
// connection; what a message handler publishes while the transport
// (re)connects is held (bounded), never lost; Flush() waits for what was
// published before it, and Disconnect() cancels it.

#include "mqtt/outgoing_ledger.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace shadowsync::mqtt_internal {
namespace {

mqtt::const_message_ptr Message(const std::string& topic, int qos = 1) {
  return mqtt::make_message(topic, "payload", qos, false);
}

std::vector<std::string> Topics(const std::vector<OutgoingLedger::Unsent>& unsent) {
  std::vector<std::string> topics;
  for (const auto& u : unsent) topics.push_back(u.message->get_topic());
  return topics;
}

using Delivery = OutgoingLedger::Delivery;

TEST(OutgoingLedgerTest, SequencesFollowPublishOrderAndAnAckSettles) {
  OutgoingLedger ledger(10);
  const std::uint64_t a = ledger.Add(Message("a"));
  const std::uint64_t b = ledger.Add(Message("b"));
  EXPECT_LT(a, b);
  EXPECT_EQ(ledger.size(), 2u);
  EXPECT_EQ(ledger.OnDelivered(a, /*ok=*/true, /*closing=*/false, /*connected=*/true),
            Delivery::kSettled);
  EXPECT_EQ(ledger.size(), 1u);
  EXPECT_EQ(ledger.OnDelivered(a, true, false, true), Delivery::kSettled) << "unknown: no-op";
  EXPECT_TRUE(ledger.TakeUnsent().empty()) << "b is in flight";
}

TEST(OutgoingLedgerTest, FailedQos1IsSentAgainOnTheNextConnectionInOrder) {
  OutgoingLedger ledger(10);
  ledger.BeginEpoch();
  const std::uint64_t a = ledger.Add(Message("a"));
  const std::uint64_t b = ledger.Add(Message("b"));
  const std::uint64_t c = ledger.Add(Message("c"));
  // The connection is lost: Paho fails b, then a (order of failure does not
  // matter); c was acknowledged just before.
  EXPECT_EQ(ledger.OnDelivered(c, true, false, false), Delivery::kSettled);
  EXPECT_EQ(ledger.OnDelivered(b, false, false, false), Delivery::kResendLater);
  EXPECT_EQ(ledger.OnDelivered(a, false, false, false), Delivery::kResendLater);
  ledger.BeginEpoch();
  const std::vector<OutgoingLedger::Unsent> todo = ledger.TakeUnsent();
  EXPECT_EQ(Topics(todo), (std::vector<std::string>{"a", "b"})) << "publish order";
  EXPECT_TRUE(ledger.TakeUnsent().empty()) << "in flight again";
  EXPECT_EQ(ledger.size(), 2u);
}

TEST(OutgoingLedgerTest, AFailureFromAnOlderConnectionWhileConnectedAsksForAResendNow) {
  OutgoingLedger ledger(10);
  ledger.BeginEpoch();
  const std::uint64_t old = ledger.Add(Message("old"));
  ledger.BeginEpoch();  // reconnected before Paho reported the failure
  const std::uint64_t fresh = ledger.Add(Message("fresh"));
  EXPECT_EQ(ledger.OnDelivered(old, false, false, /*connected=*/true), Delivery::kResendNow);
  // A failure on the current connection waits for the loss to be noticed.
  EXPECT_EQ(ledger.OnDelivered(fresh, false, false, true), Delivery::kResendLater);
}

TEST(OutgoingLedgerTest, Qos0AndClosingAreNeverResent) {
  OutgoingLedger ledger(10);
  const std::uint64_t q0 = ledger.Add(Message("q0", 0));
  const std::uint64_t q1 = ledger.Add(Message("q1", 1));
  EXPECT_EQ(ledger.OnDelivered(q0, false, false, false), Delivery::kSettled);
  EXPECT_EQ(ledger.OnDelivered(q1, false, /*closing=*/true, false), Delivery::kSettled);
  EXPECT_EQ(ledger.size(), 0u);
}

// The regression this part exists for: a publish from a message handler
// while (re)connecting is held, not refused, and goes out first, in order.
TEST(OutgoingLedgerTest, HeldMessagesAreBoundedAndGoOutInPublishOrder) {
  OutgoingLedger ledger(2);
  const std::uint64_t failed = ledger.Add(Message("failed"));
  EXPECT_EQ(ledger.OnDelivered(failed, false, false, false), Delivery::kResendLater);
  ASSERT_TRUE(ledger.Hold(Message("held1")).has_value());
  ASSERT_TRUE(ledger.Hold(Message("held2")).has_value());
  EXPECT_FALSE(ledger.Hold(Message("held3")).has_value()) << "max_held reached";
  EXPECT_EQ(ledger.held(), 2);
  const std::vector<OutgoingLedger::Unsent> todo = ledger.TakeUnsent();
  EXPECT_EQ(Topics(todo), (std::vector<std::string>{"failed", "held1", "held2"}));
  // Still bounded until the transport is live.
  EXPECT_FALSE(ledger.Hold(Message("held3")).has_value());
  ledger.ResetHeld();
  EXPECT_TRUE(ledger.Hold(Message("held3")).has_value());
}

TEST(OutgoingLedgerTest, WhatPahoDidNotTakeIsUnsentAgain) {
  OutgoingLedger ledger(10);
  for (const char* topic : {"a", "b", "c"}) ASSERT_TRUE(ledger.Hold(Message(topic)).has_value());
  const std::vector<OutgoingLedger::Unsent> todo = ledger.TakeUnsent();
  ASSERT_EQ(todo.size(), 3u);
  ledger.ReturnUnsent(todo, 1);  // Paho took "a", its buffer was full for the rest
  EXPECT_EQ(Topics(ledger.TakeUnsent()), (std::vector<std::string>{"b", "c"}));
}

TEST(OutgoingLedgerTest, APublishPahoRefusedForTheLostConnectionCanBeHeld) {
  OutgoingLedger ledger(1);
  const std::uint64_t a = ledger.Add(Message("a"));
  const std::uint64_t b = ledger.Add(Message("b"));
  EXPECT_TRUE(ledger.HoldRefused(a));
  EXPECT_FALSE(ledger.HoldRefused(b)) << "max_held reached";
  EXPECT_FALSE(ledger.HoldRefused(999)) << "unknown";
  ledger.Forget(b);
  EXPECT_EQ(Topics(ledger.TakeUnsent()), (std::vector<std::string>{"a"}));
  EXPECT_EQ(ledger.size(), 1u);
}

TEST(OutgoingLedgerTest, FlushWaitsOnlyForWhatWasPublishedBefore) {
  OutgoingLedger ledger(10);
  const std::uint64_t a = ledger.Add(Message("a"));
  const std::uint64_t b = ledger.Add(Message("b"));
  const OutgoingLedger::FlushMark mark = ledger.MarkFlush();
  ledger.Add(Message("later"));
  EXPECT_FALSE(ledger.IsFlushed(mark));
  EXPECT_EQ(ledger.PendingUpTo(mark), 2u);
  ledger.OnDelivered(b, true, false, true);
  EXPECT_EQ(ledger.PendingUpTo(mark), 1u);
  ledger.OnDelivered(a, true, false, true);
  EXPECT_TRUE(ledger.IsFlushed(mark)) << "\"later\" is not waited for";
  EXPECT_FALSE(ledger.IsCancelled(mark));
}

TEST(OutgoingLedgerTest, DisconnectCancelsFlushesAndClearDropsEverything) {
  OutgoingLedger ledger(10);
  ledger.Add(Message("a"));
  ASSERT_TRUE(ledger.Hold(Message("held")).has_value());
  const OutgoingLedger::FlushMark mark = ledger.MarkFlush();
  ledger.CancelFlushes();
  EXPECT_TRUE(ledger.IsCancelled(mark));
  EXPECT_TRUE(ledger.IsFlushed(mark)) << "a cancelled Flush() stops waiting";
  const OutgoingLedger::FlushMark second = ledger.MarkFlush();
  ledger.Clear();
  EXPECT_TRUE(ledger.IsCancelled(second));
  EXPECT_EQ(ledger.size(), 0u);
  EXPECT_EQ(ledger.held(), 0);
}

}  // namespace
}  // namespace shadowsync::mqtt_internal
