// SPDX-License-Identifier: Apache-2.0

#include "shadowsync/service.h"

#include <iterator>

#include "shadowsync/responses.h"

namespace shadowsync {
namespace {

Timestamp ToTimestamp(std::chrono::system_clock::time_point time) {
  return std::chrono::duration_cast<std::chrono::seconds>(time.time_since_epoch()).count();
}

// Topics are built from a parsed, validated topic, so this cannot fail.
std::string TopicFor(const ShadowTopic& request, Suffix suffix) {
  Result<std::string> topic = BuildTopic(request.id, request.operation, suffix);
  return topic.ok() ? std::move(topic).value() : std::string();
}

ServiceMessage Rejected(const ShadowTopic& topic, const ShadowError& error,
                        const ClientToken& token) {
  return {TopicFor(topic, Suffix::kRejected), ErrorPayload(error, token), Suffix::kRejected,
          error.code};
}

ServiceMessage Message(const ShadowTopic& topic, Suffix suffix, std::string payload,
                       std::uint64_t version) {
  return {TopicFor(topic, suffix), std::move(payload), suffix,
          suffix == Suffix::kAccepted ? 200 : 0, version};
}

}  // namespace

ShadowService::ShadowService(Store& store, ServiceOptions options)
    : store_(store), options_(std::move(options)) {}

std::vector<ServiceMessage> ShadowService::Handle(const ServiceRequest& request) {
  if (request.retained_replay) return {};  // T9, 12a.12
  Result<ShadowTopic> topic = ParseTopic(request.topic);
  // Not a shadow request topic, or invalid names: no answer at all (T6,
  // 12a.10). Responses looping back through a broker land here too.
  if (!topic.ok() || !topic->is_request()) return {};

  const Timestamp now = ToTimestamp(request.time);
  MutexLock lock(mu_);
  if (OverRateLimit(topic->id.thing, now)) {  // L8
    return {Rejected(*topic, shadow_errors::TooManyRequests(),
                     ExtractClientToken(request.payload, options_.limits))};
  }
  switch (topic->operation) {
    case Operation::kUpdate:
      return HandleUpdate(*topic, request.payload, now);
    case Operation::kGet:
      return HandleGet(*topic, request.payload, now);
    case Operation::kDelete:
      return HandleDelete(*topic, request.payload, now);
  }
  return {};
}

bool ShadowService::OverRateLimit(const std::string& thing, Timestamp now) {
  if (options_.max_requests_per_second_per_thing <= 0) return false;
  // Only the current second matters; forget older entries so the map stays
  // as small as the set of things active right now.
  if (rate_.size() > 4096) {
    for (auto it = rate_.begin(); it != rate_.end();) {
      it = it->second.first == now ? std::next(it) : rate_.erase(it);
    }
  }
  auto& [second, count] = rate_[thing];
  if (second != now) {
    second = now;
    count = 0;
  }
  return ++count > options_.max_requests_per_second_per_thing;
}

std::vector<ServiceMessage> ShadowService::HandleUpdate(const ShadowTopic& topic,
                                                        std::string_view payload, Timestamp now) {
  // E3 steps 1 to 10.
  UpdateRequest request = UpdateRequest::Parse(payload, options_.limits);
  const ClientToken& token = request.client_token();
  if (!request.ok()) return {Rejected(topic, request.error(), token)};

  Result<StoredShadow> loaded = store_.Load(topic.id);
  if (!loaded.ok()) return {Rejected(topic, shadow_errors::InternalFailure(), token)};
  StoredShadow& entry = *loaded;

  // E3 step 11: versions (V3, V4 with 12a.5).
  std::uint64_t base_version = 0;
  if (entry.document) {
    if (request.version() && *request.version() != entry.document->version()) {
      return {Rejected(topic, shadow_errors::VersionConflict(), token)};
    }
    base_version = entry.document->version();
  } else {
    // V5: a recent tombstone continues the numbering; an expired one (L10)
    // starts again from 0.
    const bool tombstone_lives =
        entry.tombstone && now - entry.tombstone->deleted_at < options_.tombstone_lifetime_seconds;
    if (request.version()) {
      // V4, 12a.5: to a deleted shadow whose tombstone lives, any version
      // conflicts; to one that never existed (or was forgotten) only 1 is
      // valid.
      if (tombstone_lives) return {Rejected(topic, shadow_errors::VersionConflict(), token)};
      if (*request.version() != 1) {
        return {Rejected(topic, shadow_errors::InvalidVersion(), token)};
      }
    }
    if (tombstone_lives) base_version = entry.tombstone->version;
  }

  // E3 step 12: merge (into our own copy from the store), then check the
  // size (L1 after the merge). The previous document's text is cached from
  // when it was stored, so `documents` does not serialise it again.
  const bool created = !entry.document.has_value();
  const std::string previous_json = created ? std::string() : entry.document->CachedJson();
  ShadowDocument current = created ? ShadowDocument() : std::move(*entry.document);
  current.ApplyState(request.state(), now);
  current.set_version(base_version + 1);                   // V1, V2
  const std::string& current_json = current.CachedJson();  // measures L1 too
  if (current.StateSize() > options_.limits.max_document_bytes) {
    return {Rejected(topic, shadow_errors::PayloadTooLarge(), token)};
  }

  // Build every message first, then make the update durable, then publish.
  const std::uint64_t version = current.version();
  ServiceMessage accepted =
      Message(topic, Suffix::kAccepted, UpdateAcceptedPayload(request, version, now), version);
  ServiceMessage documents =
      Message(topic, Suffix::kDocuments,
              DocumentsPayloadFromJson(previous_json, current_json, now, token), version);
  std::optional<std::string> delta = DeltaPayload(current, now, token);  // P1, P2, D5

  if (!store_.Save(topic.id, std::move(current)).ok()) {
    return {Rejected(topic, shadow_errors::InternalFailure(), token)};
  }

  std::vector<ServiceMessage> out;
  out.reserve(3);
  ServiceMessage delta_message;
  if (delta) delta_message = Message(topic, Suffix::kDelta, std::move(*delta), version);
  if (options_.order == ResponseOrder::kDeltaFirst) {
    if (delta) out.push_back(std::move(delta_message));
    out.push_back(std::move(documents));
    out.push_back(std::move(accepted));
  } else {
    out.push_back(std::move(accepted));
    out.push_back(std::move(documents));
    if (delta) out.push_back(std::move(delta_message));
  }
  return out;
}

std::vector<ServiceMessage> ShadowService::HandleGet(const ShadowTopic& topic,
                                                     std::string_view payload, Timestamp now) {
  const ClientToken token = ExtractClientToken(payload, options_.limits);  // P5, 12a.9
  Result<StoredShadow> loaded = store_.Load(topic.id);
  if (!loaded.ok()) return {Rejected(topic, shadow_errors::InternalFailure(), token)};
  if (!loaded->document) {  // P3, P6: 404 until the first update
    return {Rejected(topic, shadow_errors::NoShadow(topic.id.display_name()), token)};
  }
  return {Message(topic, Suffix::kAccepted, GetAcceptedPayload(*loaded->document, now, token),
                  loaded->document->version())};
}

std::vector<ServiceMessage> ShadowService::HandleDelete(const ShadowTopic& topic,
                                                        std::string_view payload, Timestamp now) {
  const ClientToken token = ExtractClientToken(payload, options_.limits);  // P5, 12a.9
  Result<StoredShadow> loaded = store_.Load(topic.id);
  if (!loaded.ok()) return {Rejected(topic, shadow_errors::InternalFailure(), token)};
  if (!loaded->document) {
    return {Rejected(topic, shadow_errors::NoShadow(topic.id.display_name()), token)};
  }
  const std::uint64_t version = loaded->document->version();  // not incremented (4.6)
  if (!store_.Delete(topic.id, Tombstone{version, now}).ok()) {
    return {Rejected(topic, shadow_errors::InternalFailure(), token)};
  }
  return {Message(topic, Suffix::kAccepted, DeleteAcceptedPayload(version, now, token), version)};
}

}  // namespace shadowsync
