// SPDX-License-Identifier: Apache-2.0
//
// A Transport over the Device Shadow REST API, so that ShadowClient (and
// the agent) work unchanged on a report-only HTTPS connection
// (docs/protocols.md): nothing stays open, a report is one POST.
//
//   Publish(.../update|get|delete, payload)  -> one REST call (queued; a
//       worker thread makes it) -> its answer delivered to the message
//       handler as `.../accepted` or `.../rejected`, with the request's
//       clientToken (as the service would publish it on MQTT)
//   Publish(any other topic)                 -> POST /topics/<topic>
//   Subscribe(".../update/delta")            -> that shadow is polled: every
//       poll_interval a GET, and its state.delta (if any) delivered as an
//       `.../update/delta` message (ShadowClient drops repeats by version)
//   Subscribe(anything else)                 -> OK, nothing to do
//
// Connection events: kConnected from the worker once it runs; a call that
// cannot reach the server (kUnavailable, kTimeout) gives kConnectionLost and
// is dropped (ShadowClient resends what matters after the reconnect); the
// worker then probes with a GET, after retry_interval doubling up to
// poll_interval, and reports kReconnected on success. While offline,
// Publish returns kUnavailable, as the MQTT transport does.
//
// Thread safety: safe for concurrent use. Handlers run on the transport's
// worker thread and must only enqueue (as with Paho).

#ifndef SHADOWSYNC_REST_TRANSPORT_H_
#define SHADOWSYNC_REST_TRANSPORT_H_

#include <chrono>
#include <memory>

#include "shadowsync/rest_client.h"
#include "shadowsync/transport.h"

namespace shadowsync {

struct RestTransportOptions {
  RestClientOptions rest;
  /// How often a subscribed shadow is read for a delta; 0: never.
  std::chrono::milliseconds poll_interval{60000};
  /// The first wait before probing after a failure (doubles up to
  /// poll_interval, or 60 s when polling is off).
  std::chrono::milliseconds retry_interval{2000};
};

/// kInvalidArgument as ShadowRestClient::Create for bad options.
Result<std::unique_ptr<Transport>> MakeRestTransport(RestTransportOptions options);

}  // namespace shadowsync

#endif  // SHADOWSYNC_REST_TRANSPORT_H_
