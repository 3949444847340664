// SPDX-License-Identifier: Apache-2.0
//
// The gateway's shadow requests (docs/architecture.md, "How the gateway
// reaches the service"). AWS returns a REST error only in HTTP and
// publishes nothing on `/rejected`; so shadowsync-gateway does not publish
// its requests on the devices' topics but on a private twin of them, which
// the hosts (plugin, emulator) handle as the same request with REST
// semantics:
//
//   request  $shadowsync/rest/things/T/shadow[/name/S]/get|update|delete
//            = $aws/things/T/shadow[/name/S]/... for the service
//   answers  the service's messages on the $aws topics as for any request
//            (accepted, delta, documents), except `/rejected`; and the
//            answer (accepted or rejected) once more on the private topic
//            + "/accepted" or "/rejected", for the gateway only.
//
// Thread safety: plain functions.
#ifndef SHADOWSYNC_SERVICE_CORE_GATEWAY_REQUESTS_H_
#define SHADOWSYNC_SERVICE_CORE_GATEWAY_REQUESTS_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "shadowsync/service.h"

namespace shadowsync::host {

/// The $aws request topic of a gateway request topic; nullopt for any
/// other topic.
std::optional<std::string> PublicTopicOfGatewayRequest(std::string_view topic);

/// The gateway request topic for a $aws request topic.
std::string GatewayRequestTopic(std::string_view aws_request_topic);

/// What a host subscribes to for the gateway's requests (the emulator; the
/// plugin sees every publish).
const std::vector<std::string>& GatewayRequestFilters();

/// What the gateway subscribes to for the answers.
const std::vector<std::string>& GatewayAnswerFilters();

/// The messages for a gateway request: `responses` without `/rejected`,
/// plus the answer (accepted or rejected) on the gateway's private topic.
std::vector<ServiceMessage> ForGatewayRequest(std::vector<ServiceMessage> responses);

}  // namespace shadowsync::host

#endif  // SHADOWSYNC_SERVICE_CORE_GATEWAY_REQUESTS_H_
