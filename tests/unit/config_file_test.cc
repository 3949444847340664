// SPDX-License-Identifier: Apache-2.0
//
// The AWS shared config and credentials files (lib/src/aws/config_file.cc):
// INI as botocore reads it, and the profile sections of the config file.
// Errors name the file and line and never quote a value (these files hold
// secrets). The chain that reads them: credentials_test.cc.

#include "aws/config_file.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <utility>

namespace shadowsync {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kSecret[] = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

TEST(AwsConfigFileTest, SectionsKeysAndValues) {
  auto sections = aws::ParseAwsConfigFile(
      "# comment\n; another\n\n[default]\nAWS_Access_Key_ID = AKID\n"
      "aws_secret_access_key: s = t\n[ spaced name ]  \nregion=eu-west-1\n"
      "empty =\n",
      "config");
  ASSERT_TRUE(sections.ok()) << sections.status().ToString();
  ASSERT_EQ(sections->size(), 2u);
  const auto& first = sections->at("default");
  // Keys are lowercased, values trimmed; the first '=' or ':' separates.
  EXPECT_EQ(first.at("aws_access_key_id"), "AKID");
  EXPECT_EQ(first.at("aws_secret_access_key"), "s = t");
  const auto& second = sections->at("spaced name");
  EXPECT_EQ(second.at("region"), "eu-west-1");
  EXPECT_EQ(second.at("empty"), "");
}

TEST(AwsConfigFileTest, IndentedLinesContinueTheValue) {
  auto sections = aws::ParseAwsConfigFile(
      "[profile lab]\ns3 =\n  max_concurrent_requests = 5\n\tmax_queue_size = 9\nregion = x\n",
      "config");
  ASSERT_TRUE(sections.ok()) << sections.status().ToString();
  const auto& lab = sections->at("profile lab");
  EXPECT_EQ(lab.at("s3"), "\nmax_concurrent_requests = 5\nmax_queue_size = 9");
  EXPECT_EQ(lab.at("region"), "x");
  EXPECT_EQ(lab.count("max_concurrent_requests"), 0u);
}

TEST(AwsConfigFileTest, ALaterKeyReplacesAnEarlierOne) {
  auto sections = aws::ParseAwsConfigFile("[a]\nk = 1\n[a]\nk = 2\n", "config");
  ASSERT_TRUE(sections.ok());
  EXPECT_EQ(sections->at("a").at("k"), "2");
}

TEST(AwsConfigFileTest, ErrorsNameTheFileAndLineNotTheValue) {
  const std::pair<std::string, std::string> cases[] = {
      {std::string("aws_secret_access_key = ") + kSecret + "\n",
       "/home/u/.aws/credentials:1: a setting before the first [section]"},
      {std::string("[default]\n") + kSecret + "\n",
       "/home/u/.aws/credentials:2: expected 'name = value' (the value is not shown: it may be a "
       "secret)"},
      {"[default\n", "/home/u/.aws/credentials:1: a section header must end with ']'"},
      {"\n[  ]\n", "/home/u/.aws/credentials:2: empty section name"},
      {std::string("[default]\n = ") + kSecret + "\n",
       "/home/u/.aws/credentials:2: a setting without a name"},
  };
  for (const auto& [text, message] : cases) {
    auto sections = aws::ParseAwsConfigFile(text, "/home/u/.aws/credentials");
    ASSERT_FALSE(sections.ok()) << message;
    EXPECT_EQ(sections.status().code(), StatusCode::kInvalidArgument);
    EXPECT_THAT(sections.status().message(), AllOf(HasSubstr(message), Not(HasSubstr(kSecret))));
  }
}

TEST(AwsConfigFileTest, ProfilesAreProfilePrefixedSectionsButDefault) {
  auto sections = aws::ParseAwsConfigFile(
      "[lab]\nk = bare\n[profile lab]\nk = prefixed\n[profile\tother ]\nk = tab\n"
      "[default]\nk = default\n[profilex]\nk = no\n",
      "config");
  ASSERT_TRUE(sections.ok()) << sections.status().ToString();
  const auto* lab = aws::FindConfigProfile(*sections, "lab");
  ASSERT_NE(lab, nullptr);
  EXPECT_EQ(lab->at("k"), "prefixed");
  const auto* other = aws::FindConfigProfile(*sections, "other");
  ASSERT_NE(other, nullptr);
  EXPECT_EQ(other->at("k"), "tab");
  const auto* fallback = aws::FindConfigProfile(*sections, "default");
  ASSERT_NE(fallback, nullptr);
  EXPECT_EQ(fallback->at("k"), "default");
  EXPECT_EQ(aws::FindConfigProfile(*sections, "x"), nullptr);
  EXPECT_EQ(aws::FindConfigProfile(*sections, ""), nullptr);

  // [profile default] counts as the default profile too.
  auto prefixed = aws::ParseAwsConfigFile("[profile default]\nk = p\n", "config");
  ASSERT_TRUE(prefixed.ok());
  const auto* found = aws::FindConfigProfile(*prefixed, "default");
  ASSERT_NE(found, nullptr);
  EXPECT_EQ(found->at("k"), "p");
}

}  // namespace
}  // namespace shadowsync
