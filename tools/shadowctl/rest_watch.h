// SPDX-License-Identifier: Apache-2.0
//
// shadowctl watch over HTTPS (https-cert, https-sigv4). The REST API has no
// push, so watch polls: a GET every --interval seconds (default 2), and when
// the shadow's version changed since the last GET it prints what the MQTT
// watch would have printed for that change, in the same format:
//   {"type":"documents","topic":".../update/documents","payload":{...}}
//   {"type":"delta","topic":".../update/delta","payload":{...}}   (if any)
// The payloads are built by the library's response writers (responses.h)
// from the two GET answers: `previous` is the document of the last GET
// (null when there was no shadow), `current` that of this one, the delta
// the one in this GET, the timestamp this GET's. Versions that come and go
// between two polls show as one change (previous is then older than
// version - 1); a delete shows as nothing (MQTT watch sees none either)
// and a re-created shadow as a change with previous null.
//
// The first GET sets the baseline and prints nothing. Exit codes as MQTT
// watch: 0 at SIGINT/SIGTERM, --count or --timeout; 4 when --count was not
// reached within --timeout; and for the first GET the REST command's codes
// (5 cannot connect, 3 refused, e.g. 403). Later failures (timeout,
// connection) are warnings and polling goes on, as MQTT watch reconnects;
// a refusal (403, ...) ends it with 3.
//
// Thread safety: RunRestWatch runs on one thread; StopSignal::Raise may
// come from another (it wakes the wait between polls).
#ifndef SHADOWSYNC_TOOLS_SHADOWCTL_REST_WATCH_H_
#define SHADOWSYNC_TOOLS_SHADOWCTL_REST_WATCH_H_

#include <functional>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "shadowctl_command.h"
#include "shadowsync/client.h"
#include "shadowsync/json.h"

namespace shadowsync {
namespace shadowctl {

/// The watch lines (without the newline) for the change from `previous` to
/// `current`, two GET answers (`/get/accepted` documents; a null JSON value
/// for "no shadow"). Empty when the versions are equal or `current` is null.
/// kInvalidArgument when a GET answer is not a shadow document.
Result<std::vector<std::string>> PollEvents(const ShadowId& shadow, const JsonValue& previous,
                                            const JsonValue& current);

/// Polls `get` (ShadowRestClient::Get in shadowctl) until the stop, --count
/// or --timeout; prints to `out`, warnings to `err`; returns an ExitCode.
/// `exit_for` maps a failed first GET (or a refusal) to its exit code and
/// message, as the other REST commands do.
int RunRestWatch(const Options& options, const std::function<Result<Accepted>()>& get,
                 const std::function<int(const Status&)>& exit_for, std::ostream& out,
                 std::ostream& err, StopSignal& stop);

}  // namespace shadowctl
}  // namespace shadowsync

#endif  // SHADOWSYNC_TOOLS_SHADOWCTL_REST_WATCH_H_
