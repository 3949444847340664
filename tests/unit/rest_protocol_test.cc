// SPDX-License-Identifier: Apache-2.0
//
// ShadowRestClient's pure parts (lib/src/rest/rest_protocol.h) and what the
// client does without a server: option checks, retries of a refused
// connection. Against the gateway: tests/gateway/rest_client_test.cc.

#include "rest/rest_protocol.h"

#include <gtest/gtest.h>

#include <vector>

#include "shadowsync/rest_client.h"

namespace shadowsync {
namespace {

using rest_internal::BackoffCeiling;
using rest_internal::HttpErrorStatus;
using rest_internal::IsRetryableHttpStatus;
using rest_internal::ListNamedShadowsCall;
using rest_internal::ParseRestEndpoint;
using rest_internal::PublishCall;
using rest_internal::ShadowCall;

TEST(RestProtocolTest, EndpointForms) {
  Result<rest_internal::RestEndpoint> aws =
      ParseRestEndpoint("https://abc-ats.iot.eu-west-1.amazonaws.com");
  ASSERT_TRUE(aws.ok()) << aws.status().ToString();
  EXPECT_EQ(aws->port, 443);
  EXPECT_EQ(aws->host_header, "abc-ats.iot.eu-west-1.amazonaws.com");
  EXPECT_EQ(aws->base_url, "https://abc-ats.iot.eu-west-1.amazonaws.com:443");

  Result<rest_internal::RestEndpoint> local = ParseRestEndpoint("https://127.0.0.1:8443/");
  ASSERT_TRUE(local.ok());
  EXPECT_EQ(local->host_header, "127.0.0.1:8443");

  Result<rest_internal::RestEndpoint> v6 = ParseRestEndpoint("https://[::1]:8444");
  ASSERT_TRUE(v6.ok());
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->host_header, "[::1]:8444");
}

TEST(RestProtocolTest, BadEndpointsNameTheField) {
  for (const char* bad : {"http://h", "h:8443", "https://", "https://h:0", "https://h:70000",
                          "https://h:x", "https://h/things", "https://h?x=1", "https://[::1"}) {
    Result<rest_internal::RestEndpoint> parsed = ParseRestEndpoint(bad);
    ASSERT_FALSE(parsed.ok()) << bad;
    EXPECT_EQ(parsed.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(parsed.status().message().rfind("endpoint: '", 0), 0u) << parsed.status().message();
  }
}

TEST(RestProtocolTest, ShadowPathsAndNameQuery) {
  Result<rest_internal::RestCall> classic = ShadowCall("GET", {"lamp", std::nullopt});
  ASSERT_TRUE(classic.ok());
  EXPECT_EQ(classic->path, "/things/lamp/shadow");
  EXPECT_TRUE(classic->query.empty());

  Result<rest_internal::RestCall> named = ShadowCall("POST", {"a:b_c-d", std::string("$cfg")});
  ASSERT_TRUE(named.ok());
  EXPECT_EQ(named->path, "/things/a%3Ab_c-d/shadow");  // ':' encoded once on the wire
  ASSERT_EQ(named->query.size(), 1u);
  EXPECT_EQ(named->query[0].name, "name");
  EXPECT_EQ(named->query[0].value, "$cfg");

  EXPECT_EQ(ShadowCall("GET", {"bad/thing", std::nullopt}).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(ShadowCall("GET", {"lamp", std::string("bad name")}).status().code(),
            StatusCode::kInvalidArgument);
}

TEST(RestProtocolTest, ListAndPublishCalls) {
  Result<rest_internal::RestCall> list = ListNamedShadowsCall("lamp", std::string("tok"), 25);
  ASSERT_TRUE(list.ok());
  EXPECT_EQ(list->path, "/api/things/shadow/ListNamedShadowsForThing/lamp");
  ASSERT_EQ(list->query.size(), 2u);
  EXPECT_EQ(list->query[0].name, "nextToken");
  EXPECT_EQ(list->query[1].value, "25");
  EXPECT_FALSE(ListNamedShadowsCall("lamp", std::nullopt, 0).ok());
  EXPECT_FALSE(ListNamedShadowsCall("lamp", std::nullopt, 101).ok());

  Result<rest_internal::RestCall> publish = PublishCall("dt/lamp/1", "x", 0);
  ASSERT_TRUE(publish.ok());
  EXPECT_EQ(publish->path, "/topics/dt%2Flamp%2F1");
  EXPECT_EQ(publish->query[0].value, "0");
  EXPECT_FALSE(PublishCall("a/+/b", "x", 1).ok());
  EXPECT_FALSE(PublishCall("a", "x", 2).ok());
  EXPECT_FALSE(PublishCall("", "x", 1).ok());
}

TEST(RestProtocolTest, ErrorBodyCodeAndMessageKept) {
  const Status conflict = HttpErrorStatus(
      409, R"({"code":409,"message":"Version conflict","timestamp":1})", "ConflictException");
  EXPECT_EQ(conflict.code(), StatusCode::kConflict);
  EXPECT_EQ(conflict.message(), "409: Version conflict (ConflictException)");

  const Status missing =
      HttpErrorStatus(404, R"({"code":404,"message":"No shadow exists with name: 'lamp'"})", "");
  EXPECT_EQ(missing.code(), StatusCode::kNotFound);
  EXPECT_EQ(missing.message(), "404: No shadow exists with name: 'lamp'");

  // AWS sometimes appends ":<url>" to the type; botocore drops it too.
  const Status forbidden = HttpErrorStatus(403, R"({"message":"Forbidden"})",
                                           "ForbiddenException:http://internal.amazon.com/");
  EXPECT_EQ(forbidden.code(), StatusCode::kRejected);
  EXPECT_EQ(forbidden.message(), "403: Forbidden (ForbiddenException)");

  const Status html = HttpErrorStatus(502, "<html>\nBad gateway</html>", "");
  EXPECT_EQ(html.message(), "502: <html> Bad gateway</html>");
  EXPECT_EQ(HttpErrorStatus(504, "", "").code(), StatusCode::kTimeout);
  EXPECT_EQ(HttpErrorStatus(500, "", "").message(), "500: (no message)");
}

TEST(RestProtocolTest, RetriesOnlyThrottlingAndServerErrors) {
  for (long status : {429L, 500L, 502L, 503L, 504L}) EXPECT_TRUE(IsRetryableHttpStatus(status));
  for (long status : {400L, 401L, 403L, 404L, 409L, 413L, 415L, 501L}) {
    EXPECT_FALSE(IsRetryableHttpStatus(status)) << status;
  }
}

TEST(RestProtocolTest, BackoffDoublesUpToTheCeiling) {
  using std::chrono::milliseconds;
  EXPECT_EQ(BackoffCeiling(1, milliseconds(200), milliseconds(5000)), milliseconds(200));
  EXPECT_EQ(BackoffCeiling(2, milliseconds(200), milliseconds(5000)), milliseconds(400));
  EXPECT_EQ(BackoffCeiling(5, milliseconds(200), milliseconds(5000)), milliseconds(3200));
  EXPECT_EQ(BackoffCeiling(6, milliseconds(200), milliseconds(5000)), milliseconds(5000));
  EXPECT_EQ(BackoffCeiling(60, milliseconds(200), milliseconds(5000)), milliseconds(5000));
}

TEST(ShadowRestClientTest, CreateChecksTheOptions) {
  RestClientOptions options;
  options.endpoint = "https://127.0.0.1:8443";
  Result<std::unique_ptr<ShadowRestClient>> no_cert = ShadowRestClient::Create(options);
  ASSERT_FALSE(no_cert.ok());
  EXPECT_NE(no_cert.status().message().find("cert_file"), std::string::npos);

  options.authentication = RestAuthentication::kSigV4;
  options.credentials.access_key_id = "AKID";
  options.credentials.secret_access_key = "secret";
  Result<std::unique_ptr<ShadowRestClient>> no_region = ShadowRestClient::Create(options);
  ASSERT_FALSE(no_region.ok());
  EXPECT_EQ(no_region.status().message(), "region: SigV4 needs the region");
  // The secret never appears in an error.
  EXPECT_EQ(no_region.status().message().find("secret"), std::string::npos);

  options.region = "us-east-1";
  options.max_attempts = 0;
  EXPECT_FALSE(ShadowRestClient::Create(options).ok());
}

// A refused connection is retried max_attempts times with a backoff within
// the ceiling, then reported as kUnavailable naming the request.
TEST(ShadowRestClientTest, RefusedConnectionIsRetriedWithBoundedBackoff) {
  RestClientOptions options;
  options.endpoint = "https://127.0.0.1:1";  // nothing listens on port 1
  options.authentication = RestAuthentication::kSigV4;
  options.credentials.access_key_id = "AKID";
  options.credentials.secret_access_key = "secret";
  options.region = "us-east-1";
  options.max_attempts = 3;
  options.initial_backoff = std::chrono::milliseconds(100);
  std::vector<std::chrono::milliseconds> waits;
  options.sleep = [&waits](std::chrono::milliseconds wait) { waits.push_back(wait); };
  Result<std::unique_ptr<ShadowRestClient>> client = ShadowRestClient::Create(options);
  ASSERT_TRUE(client.ok()) << client.status().ToString();
  RequestResult got = (*client)->Get({"lamp", std::nullopt});
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(got.status().message().find("GET https://127.0.0.1:1/things/lamp/shadow"),
            std::string::npos)
      << got.status().message();
  ASSERT_EQ(waits.size(), 2u);
  EXPECT_LE(waits[0], std::chrono::milliseconds(100));
  EXPECT_LE(waits[1], std::chrono::milliseconds(200));
}

}  // namespace
}  // namespace shadowsync
