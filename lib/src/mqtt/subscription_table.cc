// SPDX-License-Identifier: Apache-2.0

#include "mqtt/subscription_table.h"

#include <algorithm>

namespace shadowsync {
namespace mqtt_internal {

void SubscriptionTable::Remember(std::string_view filter, int qos) {
  const auto it = std::find_if(subscriptions_.begin(), subscriptions_.end(),
                               [&](const Subscription& s) { return s.filter == filter; });
  if (it != subscriptions_.end()) {
    it->qos = qos;
  } else {
    subscriptions_.push_back(Subscription{std::string(filter), qos});
  }
}

std::vector<std::vector<Subscription>> SubscriptionTable::Batches(std::size_t per_packet) const {
  per_packet = std::max<std::size_t>(per_packet, 1);
  std::vector<std::vector<Subscription>> batches;
  for (std::size_t first = 0; first < subscriptions_.size(); first += per_packet) {
    const std::size_t last = std::min(subscriptions_.size(), first + per_packet);
    batches.emplace_back(subscriptions_.begin() + static_cast<std::ptrdiff_t>(first),
                         subscriptions_.begin() + static_cast<std::ptrdiff_t>(last));
  }
  return batches;
}

Status SubackRefused(std::string_view filter, bool renewal) {
  return Status(StatusCode::kRejected, std::string("the broker refused the ") +
                                           (renewal ? "renewed " : "") + "subscription to \"" +
                                           std::string(filter) + "\" (SUBACK 0x80)");
}

}  // namespace mqtt_internal
}  // namespace shadowsync
