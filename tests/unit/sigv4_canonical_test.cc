// SPDX-License-Identifier: Apache-2.0
//
// SigV4's canonical form (lib/src/aws/sigv4_canonical.cc), shared by the
// signer and the verifier: the canonical URI and query, headers folded,
// merged and sorted, the canonical request and string to sign of
// aws-sig-v4-test-suite's get-vanilla (the vectors: sigv4_test.cc), the
// signing key chain, X-Amz-Date, and the query decoding the verifier uses.

#include "aws/sigv4_canonical.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "shadowsync/sigv4.h"

namespace shadowsync {
namespace {

using ::testing::HasSubstr;

// The time of every case of the test suite: 2015-08-30T12:36:00Z.
const std::chrono::system_clock::time_point kSuiteTime =
    std::chrono::system_clock::from_time_t(1440938160);

std::vector<std::string> Lines(const std::vector<aws::CanonicalHeader>& headers) {
  std::vector<std::string> lines;
  for (const aws::CanonicalHeader& h : headers) lines.push_back(h.name + ":" + h.value);
  return lines;
}

TEST(SigV4Test, FormatsAndParsesAmzDate) {
  EXPECT_EQ(FormatAmzDate(kSuiteTime), "20150830T123600Z");
  auto parsed = ParseAmzDate("20150830T123600Z");
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(*parsed, kSuiteTime);
  EXPECT_FALSE(ParseAmzDate("20150230T123600Z").ok());  // 30 February
  EXPECT_FALSE(ParseAmzDate("2015-08-30T12:36:00Z").ok());
  EXPECT_FALSE(ParseAmzDate("").ok());
}

// Found by sigv4_fuzzer: a year the clock cannot hold (nanoseconds in 64
// bits: 1678 to 2261) overflowed in from_time_t, undefined behaviour that
// UBSan reports. Such a date is an error now, and so the verifier's
// "malformed" for a request carrying one.
TEST(SigV4Test, AmzDateOutsideTheClocksRangeIsAnError) {
  for (const char* text :
       {"60150830T123600Z", "99991231T235959Z", "00000101T000000Z", "16000101T000000Z"}) {
    auto parsed = ParseAmzDate(text);
    ASSERT_FALSE(parsed.ok()) << text;
    EXPECT_THAT(parsed.status().message(), HasSubstr("out of range")) << text;
  }
  EXPECT_TRUE(ParseAmzDate("22000101T000000Z").ok());
  EXPECT_TRUE(ParseAmzDate("17000101T000000Z").ok());
}

TEST(SigV4Test, CanonicalUriEncodesTheWirePathOnceMore) {
  EXPECT_EQ(SigV4CanonicalUri(""), "/");
  EXPECT_EQ(SigV4CanonicalUri("/topics/a%2Fb"), "/topics/a%252Fb");
  EXPECT_EQ(SigV4CanonicalUri("/things/lamp/shadow"), "/things/lamp/shadow");
  EXPECT_EQ(SigV4CanonicalUri("/a b/$:+"), "/a%20b/%24%3A%2B");
  EXPECT_EQ(SigV4CanonicalUri("//a/./b/../c/"), "/a/c/");
  EXPECT_EQ(SigV4CanonicalUri("/.."), "/");
}

TEST(SigV4Test, CanonicalQuerySortsByEncodedNameThenValue) {
  // "a-b" sorts before "a" when whole "name=value" strings are compared;
  // SigV4 sorts by name first.
  EXPECT_EQ(SigV4CanonicalQuery({{"a-b", "1"}, {"a", "z"}, {"a", ""}, {"b", "x y"}}),
            "a=&a=z&a-b=1&b=x%20y");
  EXPECT_EQ(SigV4EncodeQuery({{"k", "a+b/c"}}), "k=a%2Bb%2Fc");
}

TEST(SigV4CanonicalTest, UriEncodingKeepsOnlyUnreservedCharacters) {
  EXPECT_EQ(SigV4UriEncode("AZaz09-._~"), "AZaz09-._~");
  EXPECT_EQ(SigV4UriEncode("a b/c+d=e%"), "a%20b%2Fc%2Bd%3De%25");
  EXPECT_EQ(SigV4UriEncode("a b/c", /*keep_slash=*/true), "a%20b/c");
  EXPECT_EQ(SigV4UriEncode("\xE1\x88\xB4"), "%E1%88%B4");  // uppercase hex, byte by byte
}

TEST(SigV4CanonicalTest, HeaderValuesAreTrimmedAndFolded) {
  EXPECT_EQ(aws::FoldHeaderValue("  a   b\t\tc \r\n d  "), "a b c d");
  EXPECT_EQ(aws::FoldHeaderValue("\"a   b\""), "\"a b\"");  // quotes do not protect
  EXPECT_EQ(aws::FoldHeaderValue(" \t "), "");
  EXPECT_EQ(aws::LowerAscii("X-Amz-DATE\xC3\x89"), "x-amz-date\xC3\x89");
  EXPECT_TRUE(aws::EqualsIgnoreCase("Host", "hOST"));
  EXPECT_FALSE(aws::EqualsIgnoreCase("Host", "Hosts"));
}

TEST(SigV4CanonicalTest, HeadersAreLowercasedMergedInOrderAndSorted) {
  const std::vector<HttpField> headers = {{"X-Multi", "b"},
                                          {"Host", "example.amazonaws.com"},
                                          {"x-multi", " a  c "},
                                          {"My-Header1", "  value1 "},
                                          {"X-MULTI", ""}};
  EXPECT_THAT(
      Lines(aws::CanonicalizeHeaders(headers)),
      ::testing::ElementsAre("host:example.amazonaws.com", "my-header1:value1", "x-multi:b,a c,"));
  EXPECT_TRUE(aws::CanonicalizeHeaders({}).empty());
}

TEST(SigV4CanonicalTest, HeadersBotocoreNeverSigns) {
  for (const char* name : {"user-agent", "expect", "x-amzn-trace-id"}) {
    EXPECT_TRUE(aws::IsUnsignedHeader(name)) << name;
  }
  for (const char* name : {"host", "x-amz-date", "content-type", "User-Agent"}) {
    EXPECT_FALSE(aws::IsUnsignedHeader(name)) << name;  // lowercase names only
  }
}

TEST(SigV4CanonicalTest, GetVanillaCanonicalRequestAndStringToSign) {
  const std::vector<aws::CanonicalHeader> headers = aws::CanonicalizeHeaders(
      {{"Host", "example.amazonaws.com"}, {"X-Amz-Date", "20150830T123600Z"}});
  const SigV4Canonical c =
      aws::MakeCanonical("get", "/", "", headers, "", "20150830T123600Z", "us-east-1", "service");
  EXPECT_EQ(c.canonical_request,
            "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n"
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(c.signed_headers, "host;x-amz-date");
  EXPECT_EQ(c.credential_scope, "20150830/us-east-1/service/aws4_request");
  EXPECT_EQ(c.string_to_sign,
            "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n"
            "bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63");
  EXPECT_EQ(SigV4Signature("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "20150830", "us-east-1",
                           "service", c.string_to_sign),
            "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
  // A given payload hash is used as it is.
  const SigV4Canonical unsigned_payload = aws::MakeCanonical(
      "PUT", "/a", "x=1", headers, "UNSIGNED-PAYLOAD", "20150830T123600Z", "us-east-1", "s3");
  EXPECT_THAT(unsigned_payload.canonical_request, HasSubstr("\nhost;x-amz-date\nUNSIGNED-PAYLOAD"));
  EXPECT_THAT(unsigned_payload.canonical_request, ::testing::StartsWith("PUT\n/a\nx=1\n"));
  EXPECT_EQ(aws::CredentialScope("20150830", "eu-west-1", "iotdevicegateway"),
            "20150830/eu-west-1/iotdevicegateway/aws4_request");
  EXPECT_EQ(Sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(SigV4CanonicalTest, QueriesAreSplitAndPercentDecoded) {
  EXPECT_EQ(aws::PercentDecode("a%2Fb%2fc+d%"), "a/b/c+d%");  // '+' stays, a lone '%' too
  EXPECT_EQ(aws::PercentDecode("%zz%4"), "%zz%4");            // malformed escapes stay
  const std::vector<HttpField> params =
      aws::ParseQuery("X-Amz-Credential=AKID%2F20150830&&flag&empty=&a=b=c&=v");
  ASSERT_EQ(params.size(), 5u);
  EXPECT_EQ(params[0].name, "X-Amz-Credential");
  EXPECT_EQ(params[0].value, "AKID/20150830");
  EXPECT_EQ(params[1].name, "flag");  // the empty piece between && is skipped
  EXPECT_EQ(params[1].value, "");
  EXPECT_EQ(params[2].name, "empty");
  EXPECT_EQ(params[2].value, "");
  EXPECT_EQ(params[3].name, "a");  // the first '=' separates
  EXPECT_EQ(params[3].value, "b=c");
  EXPECT_EQ(params[4].name, "");
  EXPECT_EQ(params[4].value, "v");
  EXPECT_TRUE(aws::ParseQuery("").empty());
}

TEST(SigV4CanonicalTest, FormatUtcTakesAnyStrftimeFormat) {
  EXPECT_EQ(aws::FormatUtc(kSuiteTime, "%Y-%m-%dT%H:%M:%SZ"), "2015-08-30T12:36:00Z");
  EXPECT_EQ(aws::FormatUtc(kSuiteTime, "%Y%m%d"), "20150830");
}

}  // namespace
}  // namespace shadowsync
