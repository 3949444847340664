// SPDX-License-Identifier: Apache-2.0

#include "mqtt/outgoing_ledger.h"

#include <utility>

namespace shadowsync {
namespace mqtt_internal {

std::uint64_t OutgoingLedger::Add(mqtt::const_message_ptr message) {
  const std::uint64_t seq = ++next_seq_;
  messages_.emplace(seq, Entry{std::move(message), epoch_, /*in_flight=*/true});
  return seq;
}

std::optional<std::uint64_t> OutgoingLedger::Hold(mqtt::const_message_ptr message) {
  if (held_ >= max_held_) return std::nullopt;
  ++held_;
  const std::uint64_t seq = ++next_seq_;
  messages_.emplace(seq, Entry{std::move(message), epoch_, /*in_flight=*/false});
  return seq;
}

bool OutgoingLedger::HoldRefused(std::uint64_t seq) {
  const auto it = messages_.find(seq);
  if (it == messages_.end() || held_ >= max_held_) return false;
  ++held_;
  it->second.in_flight = false;
  return true;
}

OutgoingLedger::Delivery OutgoingLedger::OnDelivered(std::uint64_t seq, bool ok, bool closing,
                                                     bool connected) {
  const auto it = messages_.find(seq);
  if (it == messages_.end()) return Delivery::kSettled;
  if (ok || it->second.message->get_qos() == 0 || closing) {
    messages_.erase(it);
    return Delivery::kSettled;
  }
  // QoS 1 and not acknowledged: the connection it went out on is gone
  // (clean session: Paho fails it with -11 on the loss; persistent session:
  // when the broker had lost the session). Send it again on the next
  // connection; if that connection is already up, now.
  it->second.in_flight = false;
  return connected && it->second.epoch < epoch_ ? Delivery::kResendNow : Delivery::kResendLater;
}

std::vector<OutgoingLedger::Unsent> OutgoingLedger::TakeUnsent() {
  std::vector<Unsent> todo;
  for (auto& [seq, entry] : messages_) {
    if (entry.in_flight) continue;
    entry.in_flight = true;
    entry.epoch = epoch_;
    todo.push_back(Unsent{seq, entry.message});
  }
  return todo;
}

void OutgoingLedger::ReturnUnsent(const std::vector<Unsent>& todo, std::size_t from) {
  for (std::size_t i = from; i < todo.size(); ++i) {
    const auto it = messages_.find(todo[i].seq);
    if (it != messages_.end()) it->second.in_flight = false;
  }
}

void OutgoingLedger::Clear() {
  messages_.clear();
  held_ = 0;
  ++flush_generation_;
}

bool OutgoingLedger::IsFlushed(const FlushMark& mark) const {
  return IsCancelled(mark) || messages_.empty() || messages_.begin()->first > mark.last_seq;
}

std::size_t OutgoingLedger::PendingUpTo(const FlushMark& mark) const {
  std::size_t pending = 0;
  for (const auto& entry : messages_) {
    if (entry.first > mark.last_seq) break;
    ++pending;
  }
  return pending;
}

}  // namespace mqtt_internal
}  // namespace shadowsync
