// SPDX-License-Identifier: Apache-2.0
//
// ShadowService: the AWS IoT Device Shadow service as a function. One request
// (topic, payload bytes, time) goes in; the exact ordered list of (topic,
// payload) messages AWS IoT would publish comes out (spec P1 to P11, E1 to E4,
// V1 to V7, L1 to L3, L8, L10). It is the core that the emulator and the
// testing broker host; it does no I/O of its own besides its Store.
//
// Thread safety: safe for concurrent use. Requests are applied one at a time
// in the order Handle() is entered.

#ifndef SHADOWSYNC_SERVICE_H_
#define SHADOWSYNC_SERVICE_H_

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "shadowsync/mutex.h"
#include "shadowsync/store.h"
#include "shadowsync/topic.h"
#include "shadowsync/update_request.h"

namespace shadowsync {

/// Order in which the messages of one accepted update are returned. AWS
/// guarantees none (P8); the default is the project's choice (12a.11).
enum class ResponseOrder {
  kAcceptedFirst,  ///< accepted, documents, delta (default)
  kDeltaFirst,     ///< delta, documents, accepted (what Greengrass does)
};

struct ServiceOptions {
  DocumentLimits limits;
  /// L10: how long a deleted shadow's version is remembered (V5).
  std::int64_t tombstone_lifetime_seconds = 48 * 3600;
  /// L8: requests per second per thing, across all its shadows and
  /// operations; 0 turns the limit off. Excess requests get 429.
  int max_requests_per_second_per_thing = 0;
  ResponseOrder order = ResponseOrder::kAcceptedFirst;
};

/// One PUBLISH the service received. The views are borrowed: the topic and
/// payload they point to must outlive the Handle() call.
struct ServiceRequest {
  std::string_view topic;
  std::string_view payload;
  std::chrono::system_clock::time_point time;
  /// A retained message replayed by the broker on subscribe is not a new
  /// request (T9, 12a.12); such requests are ignored.
  bool retained_replay = false;
};

/// One PUBLISH the service sends (QoS 1, never retained, P10).
struct ServiceMessage {
  std::string topic;
  std::string payload;
  /// What the message is, so that hosts need not re-parse topic or payload.
  Suffix suffix = Suffix::kNone;
  /// `rejected`: the error code (400 ... 500); `accepted`: 200; otherwise 0.
  int code = 0;
  /// The shadow version the message carries (update/delete accepted,
  /// documents' current, delta, get accepted); 0 when none (rejected).
  std::uint64_t version = 0;

  /// Topic and payload only: the other fields are derived from them.
  friend bool operator==(const ServiceMessage& a, const ServiceMessage& b) {
    return a.topic == b.topic && a.payload == b.payload;
  }
};

class ShadowService {
 public:
  /// `store` is borrowed and must outlive the service.
  explicit ShadowService(Store& store, ServiceOptions options = {});

  /// Handles one request. Returns nothing for topics that are not shadow
  /// request topics, for invalid thing or shadow names (T6, 12a.10) and for
  /// retained replays (T9). Never throws.
  std::vector<ServiceMessage> Handle(const ServiceRequest& request);

  const ServiceOptions& options() const { return options_; }

 private:
  std::vector<ServiceMessage> HandleUpdate(const ShadowTopic& topic, std::string_view payload,
                                           Timestamp now);
  std::vector<ServiceMessage> HandleGet(const ShadowTopic& topic, std::string_view payload,
                                        Timestamp now);
  std::vector<ServiceMessage> HandleDelete(const ShadowTopic& topic, std::string_view payload,
                                           Timestamp now);
  bool OverRateLimit(const std::string& thing, Timestamp now) SHADOWSYNC_REQUIRES(mu_);

  Store& store_;
  const ServiceOptions options_;
  Mutex mu_;
  // L8 bookkeeping: thing -> (second, requests in that second).
  std::map<std::string, std::pair<Timestamp, int>> rate_ SHADOWSYNC_GUARDED_BY(mu_);
};

}  // namespace shadowsync

#endif  // SHADOWSYNC_SERVICE_H_
