// SPDX-License-Identifier: Apache-2.0
//
// OutgoingLedger: every message PahoTransport::Publish() accepted, from the
// call until the broker's PUBACK (QoS 1) or until Paho has written it
// (QoS 0). It gives each message a sequence number (publish order, the key
// Paho hands back in the delivery callback) and knows which connection
// ("epoch") it was last handed to Paho on.
//
// A message is either in flight (with Paho) or unsent: its QoS 1 delivery
// failed with a lost connection, or a message handler published it while
// the transport was (re)connecting ("held"; at most max_held of those per
// (re)connect). TakeUnsent() hands the unsent ones back, oldest first, to be
// given to Paho once connected. Flush() waits on a FlushMark: done when
// every message up to the mark has left the ledger, cancelled when Clear()
// or CancelFlushes() ran since (Disconnect()).
//
// Thread safety: not thread-safe; PahoTransport guards it with its mutex.

#ifndef SHADOWSYNC_MQTT_OUTGOING_LEDGER_H_
#define SHADOWSYNC_MQTT_OUTGOING_LEDGER_H_

#include <mqtt/message.h>

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <vector>

namespace shadowsync {
namespace mqtt_internal {

class OutgoingLedger {
 public:
  /// A message to hand to Paho, with its sequence number.
  struct Unsent {
    std::uint64_t seq = 0;
    mqtt::const_message_ptr message;
  };

  /// What OnDelivered() made of Paho's delivery callback.
  enum class Delivery {
    kSettled,      ///< acknowledged, written (QoS 0), dropped, or unknown
    kResendLater,  ///< unsent now; goes out on the next connection
    kResendNow,    ///< unsent now, and a newer connection is already up
  };

  /// Where a Flush() began: the newest message it waits for.
  struct FlushMark {
    std::uint64_t last_seq = 0;
    std::uint64_t generation = 0;
  };

  /// `max_held`: how many messages a handler may hold per (re)connect
  /// (MqttOptions::max_buffered_messages).
  explicit OutgoingLedger(int max_held) : max_held_(max_held) {}

  /// A new connection is up: messages handed to Paho from now on are on it.
  void BeginEpoch() { ++epoch_; }

  /// Records a message about to be handed to Paho; returns its sequence.
  std::uint64_t Add(mqtt::const_message_ptr message);
  /// Records a message a handler published while (re)connecting, unsent;
  /// nullopt when max_held are held already.
  std::optional<std::uint64_t> Hold(mqtt::const_message_ptr message);
  /// Paho refused `seq` because it had just lost the connection: holds it
  /// like Hold(). False when it is unknown or max_held are held already.
  bool HoldRefused(std::uint64_t seq);
  /// Drops `seq` (Paho refused it for good); unknown is fine.
  void Forget(std::uint64_t seq) { messages_.erase(seq); }

  /// Paho's verdict on `seq`. `ok`: acknowledged (QoS 1) or written (QoS
  /// 0). A QoS 1 message that failed becomes unsent, unless `closing`
  /// (Disconnect() drops what is not acknowledged). `connected`: whether
  /// the transport counts itself connected now.
  Delivery OnDelivered(std::uint64_t seq, bool ok, bool closing, bool connected);

  /// Every unsent message, oldest first, now in flight on this epoch.
  std::vector<Unsent> TakeUnsent();
  /// Paho took `todo[0, from)` but not the rest: unsent again.
  void ReturnUnsent(const std::vector<Unsent>& todo, std::size_t from);
  /// The transport is live: a handler may hold max_held messages again.
  void ResetHeld() { held_ = 0; }

  /// The connection ended for good: drops everything, cancels flushes.
  void Clear();
  /// Disconnect() began: every waiting Flush() fails.
  void CancelFlushes() { ++flush_generation_; }

  FlushMark MarkFlush() const { return FlushMark{next_seq_, flush_generation_}; }
  bool IsCancelled(const FlushMark& mark) const { return mark.generation != flush_generation_; }
  /// Cancelled, or nothing up to the mark is left.
  bool IsFlushed(const FlushMark& mark) const;
  /// How many messages up to the mark are left.
  std::size_t PendingUpTo(const FlushMark& mark) const;

  std::size_t size() const { return messages_.size(); }
  int held() const { return held_; }
  int max_held() const { return max_held_; }

 private:
  struct Entry {
    mqtt::const_message_ptr message;
    std::uint64_t epoch = 0;  // connection it was last handed to Paho on
    bool in_flight = true;    // false: unsent (see above)
  };

  const int max_held_;
  std::uint64_t epoch_ = 0;
  std::uint64_t next_seq_ = 0;
  std::map<std::uint64_t, Entry> messages_;  // by sequence: publish order
  int held_ = 0;                             // held since the transport was last live
  std::uint64_t flush_generation_ = 0;
};

}  // namespace mqtt_internal
}  // namespace shadowsync

#endif  // SHADOWSYNC_MQTT_OUTGOING_LEDGER_H_
