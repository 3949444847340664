// SPDX-License-Identifier: Apache-2.0
//
// ListNamedShadowsForThing for the hosts: a private MQTT request that the
// gateway sends for its REST route of that name (docs/architecture.md,
// "How the gateway reaches the service"). AWS's shadow service has no MQTT
// topic for it, so shadowsync adds one outside `$aws/`:
//
//   request   $shadowsync/things/<thing>/shadow/list
//             {"clientToken":"..","pageSize":N,"nextToken":".."}   (all optional)
//   answer    .../list/accepted
//             {"results":["a","b"],"nextToken":"b","timestamp":T,"clientToken":".."}
//             or .../list/rejected with the error document (E1): 400 for a
//             bad payload, pageSize or nextToken, 500 when the store fails.
//
// Names come from the store in name order; the classic shadow and deleted
// shadows (tombstones) are never listed; an unknown thing lists nothing.
// pageSize is 1 to 100 (default 25); nextToken is the last name of the
// previous page (opaque to clients). The store's List() reads every id, so
// this is O(shadows in the store): fine for a local service.
//
// Thread safety: plain functions; `store` must be safe for the caller's use.
#ifndef SHADOWSYNC_SERVICE_CORE_NAMED_SHADOW_LIST_H_
#define SHADOWSYNC_SERVICE_CORE_NAMED_SHADOW_LIST_H_

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "shadowsync/service.h"
#include "shadowsync/store.h"

namespace shadowsync::host {

/// The thing of a list request topic, or nullopt when `topic` is not one
/// (or names an invalid thing).
std::optional<std::string> ParseListRequestTopic(std::string_view topic);

/// The request topic for `thing` (the gateway's side).
std::string ListRequestTopic(std::string_view thing);

/// The filter that covers every list request (what a host that is an MQTT
/// client, the emulator, subscribes to; the plugin sees every publish).
inline constexpr char kListRequestFilter[] = "$shadowsync/things/+/shadow/list";

/// The filter that covers every answer (accepted and rejected).
inline constexpr char kListAnswerFilter[] = "$shadowsync/things/+/shadow/list/+";

/// The answer to one list request.
ServiceMessage AnswerListRequest(Store& store, std::string_view thing, std::string_view payload,
                                 std::chrono::system_clock::time_point now);

}  // namespace shadowsync::host

#endif  // SHADOWSYNC_SERVICE_CORE_NAMED_SHADOW_LIST_H_
