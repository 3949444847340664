// SPDX-License-Identifier: Apache-2.0
#include "rest_errors.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <chrono>

namespace shadowsync::gateway {

const char* ErrorTypeForStatus(int status) {
  switch (status) {
    case 400:
      return "InvalidRequestException";
    case 401:
      return "UnauthorizedException";
    case 403:
      return "ForbiddenException";
    case 404:
      return "ResourceNotFoundException";
    case 405:
      return "MethodNotAllowedException";
    case 409:
      return "ConflictException";
    case 413:
      return "RequestEntityTooLargeException";
    case 415:
      return "UnsupportedDocumentEncodingException";
    case 429:
      return "ThrottlingException";
    case 501:
      return "NotImplementedException";
    case 503:
      return "ServiceUnavailableException";
    case 504:
      return "GatewayTimeoutException";
    default:
      return "InternalFailureException";
  }
}

RestResponse ErrorResponse(int status, std::string_view message, std::string_view error_type,
                           std::string_view client_token) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  writer.StartObject();
  writer.Key("code");
  writer.Int(status);
  writer.Key("message");
  writer.String(message.data(), static_cast<rapidjson::SizeType>(message.size()));
  writer.Key("timestamp");
  writer.Int64(std::chrono::duration_cast<std::chrono::seconds>(
                   std::chrono::system_clock::now().time_since_epoch())
                   .count());
  if (!client_token.empty()) {
    writer.Key("clientToken");
    writer.String(client_token.data(), static_cast<rapidjson::SizeType>(client_token.size()));
  }
  writer.EndObject();

  RestResponse response;
  response.status = status;
  response.body = buffer.GetString();
  response.headers.push_back({"x-amzn-ErrorType", error_type.empty() ? ErrorTypeForStatus(status)
                                                                     : std::string(error_type)});
  return response;
}

}  // namespace shadowsync::gateway
