// SPDX-License-Identifier: Apache-2.0

#include "response_order.h"

#include <random>
#include <utility>

namespace shadowsync::host {
namespace {

constexpr std::uint64_t kFnvOffset = 14695981039346656037ull;
constexpr std::uint64_t kFnvPrime = 1099511628211ull;

std::uint64_t Fnv1a(std::uint64_t hash, std::string_view bytes) {
  for (unsigned char c : bytes) {
    hash ^= c;
    hash *= kFnvPrime;
  }
  return hash;
}

std::uint64_t SplitMix64(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

}  // namespace

const char* PublishOrderName(PublishOrder order) {
  switch (order) {
    case PublishOrder::kAcceptedFirst:
      return "accepted-first";
    case PublishOrder::kDeltaFirst:
      return "delta-first";
    case PublishOrder::kRandom:
      return "random";
  }
  return "?";
}

std::optional<PublishOrder> ParsePublishOrder(std::string_view name) {
  for (PublishOrder order :
       {PublishOrder::kAcceptedFirst, PublishOrder::kDeltaFirst, PublishOrder::kRandom}) {
    if (name == PublishOrderName(order)) return order;
  }
  return std::nullopt;
}

ResponseOrder ServiceOrderFor(PublishOrder order) {
  return order == PublishOrder::kDeltaFirst ? ResponseOrder::kDeltaFirst
                                            : ResponseOrder::kAcceptedFirst;
}

std::uint64_t HashShadowId(const ShadowId& id) {
  std::uint64_t hash = Fnv1a(kFnvOffset, id.thing);
  if (id.shadow) {
    hash = Fnv1a(hash, std::string_view("\0n", 2));
    hash = Fnv1a(hash, *id.shadow);
  } else {
    hash = Fnv1a(hash, std::string_view("\0c", 2));
  }
  return hash;
}

std::uint64_t RandomOrderSeed() {
  std::random_device device;
  return (static_cast<std::uint64_t>(device()) << 32) | device();
}

void ShuffleResponses(std::uint64_t seed, const ShadowId& id,
                      std::vector<ServiceMessage>& responses) {
  if (responses.size() < 2) return;
  std::uint64_t version = 0;
  for (const ServiceMessage& m : responses) {
    if (m.suffix == Suffix::kAccepted) version = m.version;
  }
  // Fisher-Yates by hand: std::shuffle's use of the engine differs between
  // standard libraries.
  const std::uint64_t mix = SplitMix64(seed ^ SplitMix64(HashShadowId(id) ^ SplitMix64(version)));
  std::mt19937 rng(static_cast<std::uint32_t>(mix ^ (mix >> 32)));
  for (std::size_t i = responses.size() - 1; i > 0; --i) {
    const std::size_t j = rng() % (i + 1);
    std::swap(responses[i], responses[j]);
  }
}

}  // namespace shadowsync::host
