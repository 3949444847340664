// SPDX-License-Identifier: Apache-2.0
//
// AWS IoT data plane error responses (platform notes §2): the status code,
// the body {"code":<status>,"message":"...","timestamp":<s>} and the
// x-amzn-ErrorType header that the AWS SDKs read the error type from.
//
// Thread safety: free functions on values; safe for concurrent use.
#ifndef SHADOWSYNC_SERVICE_GATEWAY_REST_ERRORS_H_
#define SHADOWSYNC_SERVICE_GATEWAY_REST_ERRORS_H_

#include <string>
#include <string_view>

#include "rest_types.h"

namespace shadowsync::gateway {

/// "InvalidRequestException" for 400, "ResourceNotFoundException" for 404,
/// and so on by the table of the notes; "ForbiddenException" for 403,
/// "InternalFailureException" for an unknown status.
const char* ErrorTypeForStatus(int status);

/// The error response: `status`, the AWS error body with `message`, the
/// current time as `timestamp`, and x-amzn-ErrorType (`error_type`, or
/// ErrorTypeForStatus(status) when empty). A `client_token` is added to
/// the body when not empty (the shadow service echoes the caller's token).
RestResponse ErrorResponse(int status, std::string_view message, std::string_view error_type = "",
                           std::string_view client_token = "");

}  // namespace shadowsync::gateway

#endif  // SHADOWSYNC_SERVICE_GATEWAY_REST_ERRORS_H_
