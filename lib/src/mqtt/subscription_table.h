// SPDX-License-Identifier: Apache-2.0
//
// SubscriptionTable: the filters PahoTransport has subscribed to, with
// their QoS, so that it can renew them after every reconnect (with a clean
// session the broker forgets them, and Paho does not renew them). A filter
// subscribed to again keeps its place and takes the new QoS. Batches() cuts
// the table into SUBSCRIBE packets of at most kFiltersPerSubscribe filters,
// AWS IoT Core's limit. SubackRefused() is the one wording of a refused
// filter (SUBACK 0x80), for a Subscribe() and for a renewal.
//
// Thread safety: not thread-safe; PahoTransport guards it with its mutex.

#ifndef SHADOWSYNC_MQTT_SUBSCRIPTION_TABLE_H_
#define SHADOWSYNC_MQTT_SUBSCRIPTION_TABLE_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "shadowsync/status.h"

namespace shadowsync {
namespace mqtt_internal {

/// AWS IoT Core accepts at most 8 filters per SUBSCRIBE packet.
inline constexpr std::size_t kFiltersPerSubscribe = 8;

struct Subscription {
  std::string filter;
  int qos = 1;
};

class SubscriptionTable {
 public:
  /// Records a granted subscription (a new filter goes last).
  void Remember(std::string_view filter, int qos);

  /// The subscriptions in the order first made, `per_packet` at a time
  /// (at least 1).
  std::vector<std::vector<Subscription>> Batches(
      std::size_t per_packet = kFiltersPerSubscribe) const;

  std::size_t size() const { return subscriptions_.size(); }

 private:
  std::vector<Subscription> subscriptions_;
};

/// kRejected: the broker refused `filter` (SUBACK 0x80); `renewal` when it
/// was the renewal after a reconnect.
Status SubackRefused(std::string_view filter, bool renewal);

}  // namespace mqtt_internal
}  // namespace shadowsync

#endif  // SHADOWSYNC_MQTT_SUBSCRIPTION_TABLE_H_
