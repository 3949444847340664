// SPDX-License-Identifier: Apache-2.0
//
// One mapping from an AWS IoT error code (an MQTT /rejected document's
// `code`, or a REST answer's HTTP status) to a Status, so that ShadowClient
// and ShadowRestClient report the same error the same way: 409 is
// kConflict, 404 kNotFound, anything else kRejected. `message` is the full
// text ("409: Version conflict").
//
// Thread safety: a pure function.

#ifndef SHADOWSYNC_SRC_REJECTION_STATUS_H_
#define SHADOWSYNC_SRC_REJECTION_STATUS_H_

#include <string>
#include <utility>

#include "shadowsync/status.h"

namespace shadowsync::internal {

inline Status StatusForErrorCode(long code, std::string message) {
  if (code == 409) return Status(StatusCode::kConflict, std::move(message));
  if (code == 404) return Status(StatusCode::kNotFound, std::move(message));
  return Status(StatusCode::kRejected, std::move(message));
}

}  // namespace shadowsync::internal

#endif  // SHADOWSYNC_SRC_REJECTION_STATUS_H_
