// SPDX-License-Identifier: Apache-2.0
#include "rest_gateway.h"

#include <chrono>
#include <cstdint>
#include <optional>
#include <random>
#include <utility>

#include "gateway_requests.h"
#include "named_shadow_list.h"
#include "rest_errors.h"
#include "shadowsync/json.h"
#include "shadowsync/shadow_error.h"
#include "shadowsync/update_request.h"

namespace shadowsync::gateway {
namespace {

RestResponse WithPrincipal(RestResponse response, const std::string& principal) {
  if (response.principal == "-") response.principal = principal;
  return response;
}

RestResponse ShadowErrorResponse(const ShadowError& error) {
  return ErrorResponse(error.code, error.message);
}

// Sets the clientToken member to `token`, or removes it when nullopt, and
// serializes.
std::string WithClientToken(JsonDocument& doc, const std::optional<std::string>& token) {
  doc.RemoveMember("clientToken");
  if (token) {
    JsonValue value(token->c_str(), static_cast<rapidjson::SizeType>(token->size()),
                    doc.GetAllocator());
    doc.AddMember("clientToken", value, doc.GetAllocator());
  }
  return ToCompactJson(doc);
}

// The HTTP response for the service's answer.
RestResponse FromAnswer(const ShadowAnswer& answer, const std::optional<std::string>& user_token) {
  Result<JsonDocument> doc = ParseJson(answer.payload);
  if (!doc.ok() || !doc->IsObject()) {
    RestResponse response = ErrorResponse(500, "Internal service failure");
    response.log_note = "the service's answer is not a JSON object";
    return response;
  }
  RestResponse response;
  if (!answer.accepted && !doc->HasMember("timestamp")) {
    // The REST error body always has a timestamp (platform notes §2); the
    // service leaves it out of some /rejected documents.
    doc->AddMember(
        "timestamp",
        JsonValue(static_cast<int64_t>(std::chrono::duration_cast<std::chrono::seconds>(
                                           std::chrono::system_clock::now().time_since_epoch())
                                           .count())),
        doc->GetAllocator());
  }
  response.body = WithClientToken(*doc, user_token);
  if (answer.accepted) return response;
  const auto code = doc->FindMember("code");
  response.status = code != doc->MemberEnd() && code->value.IsInt() &&
                            code->value.GetInt() >= 400 && code->value.GetInt() <= 599
                        ? code->value.GetInt()
                        : 500;
  response.headers.push_back({"x-amzn-ErrorType", ErrorTypeForStatus(response.status)});
  return response;
}

RestResponse FromRequestError(const Status& status) {
  if (status.code() == StatusCode::kTimeout) return ErrorResponse(504, status.message());
  return ErrorResponse(503, "The shadow service is unavailable: " + status.message());
}

std::string TraceId() {
  static const char kDigits[] = "0123456789abcdef";
  thread_local std::mt19937_64 random(std::random_device{}());
  std::string id;
  for (int i = 0; i < 32; ++i) {
    if (i == 8 || i == 12 || i == 16 || i == 20) id.push_back('-');
    id.push_back(kDigits[random() % 16]);
  }
  return id;
}

}  // namespace

RestGateway::RestGateway(const RestAuth& auth, ShadowRequester& requester, Transport& transport)
    : auth_(auth), requester_(requester), transport_(transport) {}

void RestGateway::Handle(RestRequest request, Responder respond) {
  RestResponse error;
  std::optional<RestCaller> caller = auth_.Authenticate(request, &error);
  if (!caller) return respond(std::move(error));

  RouteResult routed = MatchRoute(request.method, request.path, request.query);
  if (!routed.route) return respond(WithPrincipal(std::move(routed.error), caller->label));
  const RestRoute& route = *routed.route;

  if (std::optional<RestResponse> denied = auth_.Authorize(*caller, route.action, route.resource)) {
    return respond(WithPrincipal(std::move(*denied), caller->label));
  }

  switch (route.operation) {
    case RestOperation::kGetThingShadow:
    case RestOperation::kUpdateThingShadow:
    case RestOperation::kDeleteThingShadow:
      return HandleShadow(route, request, caller->label, std::move(respond));
    case RestOperation::kPublish:
      return HandlePublish(route, request, caller->label, std::move(respond));
    case RestOperation::kListNamedShadowsForThing:
      return HandleList(route, request, caller->label, std::move(respond));
  }
}

void RestGateway::HandleList(const RestRoute& route, const RestRequest& request,
                             const std::string& principal, Responder respond) {
  // The service's private list request (named_shadow_list.h) with the
  // query's pageSize and nextToken.
  const std::string token = requester_.NewToken();
  JsonDocument payload;
  payload.SetObject();
  auto& allocator = payload.GetAllocator();
  payload.AddMember("clientToken", JsonValue(token.c_str(), allocator), allocator);
  if (route.page_size) payload.AddMember("pageSize", JsonValue(*route.page_size), allocator);
  if (route.next_token) {
    payload.AddMember("nextToken", JsonValue(route.next_token->c_str(), allocator), allocator);
  }
  (void)request;
  Status sent = requester_.Request(
      host::ListRequestTopic(route.shadow.thing), token, ToCompactJson(payload),
      [respond, principal](Result<ShadowAnswer> answer) {
        if (!answer.ok()) {
          return respond(WithPrincipal(FromRequestError(answer.status()), principal));
        }
        respond(WithPrincipal(FromAnswer(*answer, std::nullopt), principal));
      });
  if (!sent.ok()) respond(WithPrincipal(FromRequestError(sent), principal));
}

void RestGateway::HandleShadow(const RestRoute& route, const RestRequest& request,
                               const std::string& principal, Responder respond) {
  const Operation operation = route.operation == RestOperation::kGetThingShadow ? Operation::kGet
                              : route.operation == RestOperation::kUpdateThingShadow
                                  ? Operation::kUpdate
                                  : Operation::kDelete;
  Result<std::string> aws_topic = BuildTopic(route.shadow, operation);
  if (!aws_topic.ok()) {
    return respond(WithPrincipal(ErrorResponse(400, aws_topic.status().message()), principal));
  }
  // The private twin of the request topic: the service answers it with REST
  // semantics, so a REST error never appears on the devices' /rejected.
  const std::string topic = host::GatewayRequestTopic(*aws_topic);

  const std::string token = requester_.NewToken();
  std::optional<std::string> user_token;
  std::string payload;
  if (operation == Operation::kUpdate) {
    // The service's first checks (spec E3 steps 1 to 3), made here because
    // the gateway must read and replace the token.
    if (!IsValidUtf8(request.body)) {
      return respond(
          WithPrincipal(ShadowErrorResponse(shadow_errors::UnsupportedEncoding()), principal));
    }
    Result<JsonDocument> doc = ParseJson(request.body);
    if (!doc.ok() || !doc->IsObject()) {
      return respond(WithPrincipal(ShadowErrorResponse(shadow_errors::InvalidJson()), principal));
    }
    if (doc->HasMember("clientToken")) {
      user_token = ExtractClientToken(request.body);
      if (!user_token) {
        return respond(
            WithPrincipal(ShadowErrorResponse(shadow_errors::InvalidClientToken()), principal));
      }
    }
    payload = WithClientToken(*doc, token);
  } else {
    payload = "{\"clientToken\":\"" + token + "\"}";
  }

  Status sent = requester_.Request(
      topic, token, payload, [respond, user_token, principal](Result<ShadowAnswer> answer) {
        if (!answer.ok()) {
          return respond(WithPrincipal(FromRequestError(answer.status()), principal));
        }
        respond(WithPrincipal(FromAnswer(*answer, user_token), principal));
      });
  if (!sent.ok()) respond(WithPrincipal(FromRequestError(sent), principal));
}

void RestGateway::HandlePublish(const RestRoute& route, const RestRequest& request,
                                const std::string& principal, Responder respond) {
  Status published = transport_.Publish(route.topic, request.body, route.qos);
  if (published.code() == StatusCode::kInvalidArgument) {
    return respond(WithPrincipal(ErrorResponse(400, published.message()), principal));
  }
  if (!published.ok()) return respond(WithPrincipal(FromRequestError(published), principal));
  RestResponse response;
  response.body = "{\"message\":\"OK\",\"traceId\":\"" + TraceId() + "\"}";
  respond(WithPrincipal(std::move(response), principal));
}

}  // namespace shadowsync::gateway
