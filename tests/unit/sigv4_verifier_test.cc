// SPDX-License-Identifier: Apache-2.0
//
// The SigV4 verifier on requests signed by our signer; botocore-signed
// requests are verified in tests/aws/sigv4_botocore_test.py.

#include "shadowsync/sigv4_verifier.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace shadowsync {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

const auto kSignTime = std::chrono::system_clock::from_time_t(1440938160);  // 20150830T123600Z

AwsCredentials Credentials(std::string token = "") {
  AwsCredentials c;
  c.access_key_id = "AKIDEXAMPLE";
  c.secret_access_key = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
  c.session_token = std::move(token);
  return c;
}

SigV4Request RestRequest() {
  SigV4Request r;
  r.method = "POST";
  r.host = "localhost:8443";
  r.path = "/things/lamp/shadow";
  r.query = {{"name", "$cfg"}};
  r.headers = {{"Content-Type", "application/json"}};
  r.payload_sha256 = Sha256Hex("{\"state\":{}}");
  return r;
}

SigV4VerifierOptions Options() {
  SigV4VerifierOptions o;
  o.region = "us-east-1";
  return o;
}

class SigV4VerifierTest : public ::testing::Test {
 protected:
  SigV4CredentialLookup Lookup() {
    return [this](std::string_view id) -> std::optional<AwsCredentials> {
      if (id != known_.access_key_id) return std::nullopt;
      return known_;
    };
  }

  // Signs RestRequest() with an Authorization header, as received.
  SigV4IncomingRequest SignedWithHeader(const std::string& service = "iotdata") {
    SigV4Request r = RestRequest();
    auto s = SignSigV4Headers(r, known_, {"us-east-1", service, kSignTime});
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    SigV4IncomingRequest in;
    in.method = r.method;
    in.path = r.path;
    in.query = SigV4EncodeQuery(r.query);
    in.headers = {{"Host", r.host}, {"User-Agent", "test"}};
    in.headers.insert(in.headers.end(), r.headers.begin(), r.headers.end());
    in.headers.insert(in.headers.end(), s->headers.begin(), s->headers.end());
    in.payload_sha256 = r.payload_sha256;
    return in;
  }

  // A presigned WebSocket GET /mqtt, as Paho sends it (Host with :443).
  SigV4IncomingRequest Presigned(std::chrono::seconds expires = std::chrono::seconds(3600)) {
    SigV4Request r;
    r.host = "endpoint.example:443";
    r.path = "/mqtt";
    SigV4PresignOptions options;
    options.expires = expires;
    auto p = PresignSigV4(r, known_, {"us-east-1", "iotdevicegateway", kSignTime}, options);
    EXPECT_TRUE(p.ok()) << p.status().ToString();
    SigV4IncomingRequest in;
    in.method = "GET";
    in.path = "/mqtt";
    in.query = p->query;
    in.headers = {{"Host", r.host}, {"Sec-WebSocket-Protocol", "mqtt"}};
    return in;
  }

  SigV4Verdict Verify(const SigV4IncomingRequest& in,
                      std::chrono::system_clock::time_point now = kSignTime) {
    return VerifySigV4(in, Lookup(), Options(), now);
  }

  AwsCredentials known_ = Credentials();
};

TEST_F(SigV4VerifierTest, AcceptsOurHeaderSignature) {
  SigV4Verdict v = Verify(SignedWithHeader());
  EXPECT_TRUE(v.ok()) << v.reason;
  EXPECT_EQ(v.access_key_id, "AKIDEXAMPLE");
  EXPECT_EQ(v.service, "iotdata");
  EXPECT_FALSE(v.presigned);
  EXPECT_TRUE(Verify(SignedWithHeader("iotdevicegateway")).ok());
}

TEST_F(SigV4VerifierTest, AcceptsOurPresignedUrlWithTheTokenAppended) {
  known_ = Credentials("session/token+=");
  SigV4IncomingRequest in = Presigned();
  EXPECT_THAT(in.query, HasSubstr("&X-Amz-Security-Token=session%2Ftoken%2B%3D"));
  SigV4Verdict v = Verify(in, kSignTime + std::chrono::seconds(3599));
  EXPECT_TRUE(v.ok()) << v.reason;
  EXPECT_TRUE(v.presigned);
}

TEST_F(SigV4VerifierTest, RefusesAPresignedUrlThatExpired) {
  SigV4Verdict v =
      Verify(Presigned(std::chrono::seconds(60)), kSignTime + std::chrono::seconds(61));
  EXPECT_EQ(v.rejection, SigV4Rejection::kExpired);
  EXPECT_THAT(v.reason,
              HasSubstr("expired 1 s ago (X-Amz-Date 20150830T123600Z, X-Amz-Expires 60)"));
}

TEST_F(SigV4VerifierTest, RefusesClockSkewOverFiveMinutes) {
  SigV4IncomingRequest in = SignedWithHeader();
  EXPECT_TRUE(Verify(in, kSignTime + std::chrono::seconds(300)).ok());
  SigV4Verdict late = Verify(in, kSignTime + std::chrono::seconds(301));
  EXPECT_EQ(late.rejection, SigV4Rejection::kClockSkew);
  EXPECT_THAT(late.reason, HasSubstr("301 s behind"));
  EXPECT_EQ(Verify(in, kSignTime - std::chrono::seconds(301)).rejection,
            SigV4Rejection::kClockSkew);
}

TEST_F(SigV4VerifierTest, RefusesAWrongRegionOrService) {
  SigV4IncomingRequest in = SignedWithHeader();
  SigV4VerifierOptions options = Options();
  options.region = "eu-west-1";
  SigV4Verdict v = VerifySigV4(in, Lookup(), options, kSignTime);
  EXPECT_EQ(v.rejection, SigV4Rejection::kWrongScope);
  EXPECT_THAT(v.reason, HasSubstr("region 'us-east-1' is wrong; expecting 'eu-west-1'"));

  options = Options();
  options.services = {"iotdevicegateway"};
  v = VerifySigV4(in, Lookup(), options, kSignTime);
  EXPECT_EQ(v.rejection, SigV4Rejection::kWrongScope);
  EXPECT_THAT(v.reason, HasSubstr("service 'iotdata' is wrong; expecting 'iotdevicegateway'"));
}

TEST_F(SigV4VerifierTest, RefusesTamperingWithTheCanonicalRequestInTheReason) {
  SigV4IncomingRequest in = SignedWithHeader();
  in.path = "/things/other/shadow";
  SigV4Verdict v = Verify(in);
  EXPECT_EQ(v.rejection, SigV4Rejection::kSignatureMismatch);
  EXPECT_THAT(v.reason, HasSubstr("POST\n/things/other/shadow\nname=%24cfg\n"));
  EXPECT_THAT(v.reason, Not(HasSubstr(known_.secret_access_key)));

  in = SignedWithHeader();
  in.payload_sha256 = Sha256Hex("{}");
  EXPECT_EQ(Verify(in).rejection, SigV4Rejection::kSignatureMismatch);
}

TEST_F(SigV4VerifierTest, NamesWhatIsMissing) {
  SigV4IncomingRequest in = SignedWithHeader();
  in.headers.erase(in.headers.begin() + 2);  // Content-Type, which was signed
  SigV4Verdict v = Verify(in);
  EXPECT_EQ(v.rejection, SigV4Rejection::kMalformed);
  EXPECT_THAT(v.reason, HasSubstr("signed header 'content-type' is not in the request"));

  in = SignedWithHeader();
  in.headers.erase(in.headers.begin() + 3);  // X-Amz-Date
  EXPECT_THAT(Verify(in).reason, HasSubstr("X-Amz-Date header is missing"));

  in = SignedWithHeader();
  in.headers.pop_back();  // Authorization
  v = Verify(in);
  EXPECT_EQ(v.rejection, SigV4Rejection::kMissingAuthentication);

  in = Presigned();
  in.query = in.query.substr(in.query.find('&') + 1);  // without X-Amz-Algorithm
  EXPECT_THAT(Verify(in).reason, HasSubstr("X-Amz-Algorithm is missing"));
}

TEST_F(SigV4VerifierTest, RefusesAnUnknownKeyAndAWrongToken) {
  SigV4IncomingRequest in = SignedWithHeader();
  known_.access_key_id = "AKIDOTHER";
  SigV4Verdict v = Verify(in);
  EXPECT_EQ(v.rejection, SigV4Rejection::kUnknownAccessKey);
  EXPECT_THAT(v.reason, HasSubstr("AKIDEXAMPLE is not known"));

  known_ = Credentials("token-a");
  in = SignedWithHeader();
  known_.session_token = "token-b";
  EXPECT_EQ(Verify(in).rejection, SigV4Rejection::kBadSessionToken);
}

TEST_F(SigV4VerifierTest, ASignedTokenOnTheWebSocketEndpointIsAMismatch) {
  known_ = Credentials("tok");
  SigV4Request r;
  r.host = "endpoint.example:443";
  r.path = "/mqtt";
  SigV4PresignOptions options;
  options.token_placement = SigV4TokenPlacement::kSigned;
  auto p = PresignSigV4(r, known_, {"us-east-1", "iotdevicegateway", kSignTime}, options);
  ASSERT_TRUE(p.ok());
  SigV4IncomingRequest in;
  in.path = "/mqtt";
  in.method = "GET";
  in.query = p->query;
  in.headers = {{"Host", r.host}};
  SigV4Verdict v = Verify(in);
  EXPECT_EQ(v.rejection, SigV4Rejection::kSignatureMismatch);
  EXPECT_THAT(v.reason, HasSubstr("appended after signing"));
}

TEST(SigV4AuthorizationTest, ParsesAndNamesWhatIsWrong) {
  auto a = ParseSigV4Authorization(
      "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iotdata/aws4_request, "
      "SignedHeaders=host;x-amz-date, "
      "Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_EQ(a->access_key_id, "AKIDEXAMPLE");
  EXPECT_EQ(a->date, "20150830");
  EXPECT_EQ(a->region, "us-east-1");
  EXPECT_EQ(a->service, "iotdata");
  EXPECT_THAT(a->signed_headers, ::testing::ElementsAre("host", "x-amz-date"));

  EXPECT_THAT(ParseSigV4Authorization("AWS4-HMAC-SHA1 Credential=x").status().message(),
              HasSubstr("does not start with AWS4-HMAC-SHA256"));
  EXPECT_THAT(ParseSigV4Authorization("AWS4-HMAC-SHA256 Credential=A/20150830/r/s/aws4_request")
                  .status()
                  .message(),
              HasSubstr("has no SignedHeaders"));
  EXPECT_THAT(ParseSigV4Authorization("AWS4-HMAC-SHA256 Credential=A/2015/r/s/aws4_request, "
                                      "SignedHeaders=host, Signature=00")
                  .status()
                  .message(),
              HasSubstr("Credential must be"));
  EXPECT_THAT(ParseSigV4Authorization("AWS4-HMAC-SHA256 Credential=A/20150830/r/s/aws4_request, "
                                      "SignedHeaders=host, Signature=XYZ")
                  .status()
                  .message(),
              HasSubstr("64 lowercase hex"));
}

}  // namespace
}  // namespace shadowsync
