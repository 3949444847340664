// SPDX-License-Identifier: Apache-2.0
//
// The publish order of one accepted update's responses (spec P8, 12a.11),
// shared by every service host: accepted-first (the default), delta-first
// (Greengrass' order) or a seeded random shuffle that is reproducible per
// (seed, shadow, version), whatever the threads or other shadows do.
//
// Thread safety: free functions over values; safe for concurrent use.

#ifndef SHADOWSYNC_SERVICE_CORE_RESPONSE_ORDER_H_
#define SHADOWSYNC_SERVICE_CORE_RESPONSE_ORDER_H_

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "shadowsync/service.h"
#include "shadowsync/topic.h"

namespace shadowsync::host {

enum class PublishOrder {
  kAcceptedFirst,  ///< accepted, documents, delta (12a.11, the default)
  kDeltaFirst,     ///< delta, documents, accepted (Greengrass' order)
  kRandom,         ///< a seeded shuffle of the update's messages
};

/// "accepted-first", "delta-first", "random".
const char* PublishOrderName(PublishOrder order);
std::optional<PublishOrder> ParsePublishOrder(std::string_view name);

/// The ShadowService order that produces `order` (random starts from
/// accepted-first and is shuffled by ShuffleResponses).
ResponseOrder ServiceOrderFor(PublishOrder order);

/// A stable hash of a shadow id (std::hash differs between standard
/// libraries; the random order must not).
std::uint64_t HashShadowId(const ShadowId& id);

/// A fresh random seed (std::random_device).
std::uint64_t RandomOrderSeed();

/// Shuffles the messages of one request with a Fisher-Yates shuffle seeded
/// by (seed, shadow, version of the messages).
void ShuffleResponses(std::uint64_t seed, const ShadowId& id,
                      std::vector<ServiceMessage>& responses);

}  // namespace shadowsync::host

#endif  // SHADOWSYNC_SERVICE_CORE_RESPONSE_ORDER_H_
