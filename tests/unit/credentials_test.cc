// SPDX-License-Identifier: Apache-2.0
//
// The AWS credential chain (lib/src/aws/credentials.cc) with an injected
// environment and real temporary files (and real processes for
// credential_process). Its parts: config_file_test.cc (the INI files),
// credential_process_test.cc (splitting, running, the JSON it prints).

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <map>
#include <sstream>

#include "shadowsync/aws_credentials.h"
#include "support/temp_dir.h"

namespace shadowsync {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;
using testing_support::TempDir;
using testing_support::WriteStringToFile;

constexpr char kSecret[] = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
constexpr char kToken[] = "FwoGZXIvYXdzEXAMPLETOKEN";

class AwsCredentialsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto dir = TempDir::Create("aws-credentials");
    ASSERT_TRUE(dir.ok()) << dir.status().ToString();
    dir_ = std::move(*dir);
    env_vars_["HOME"] = dir_->path();
    ASSERT_EQ(mkdir(dir_->File(".aws").c_str(), 0700), 0);
  }

  // The real file system and processes; the variables from env_vars_.
  AwsEnvironment Environment() {
    AwsEnvironment env = SystemAwsEnvironment();
    env.get_env = [this](const std::string& name) -> std::optional<std::string> {
      auto it = env_vars_.find(name);
      if (it == env_vars_.end()) return std::nullopt;
      return it->second;
    };
    env.now = [] { return std::chrono::system_clock::from_time_t(1700000000); };
    return env;
  }

  void Write(const std::string& relative, const std::string& text, int mode = 0600) {
    ASSERT_TRUE(WriteStringToFile(dir_->File(relative), text, mode).ok());
  }

  std::unique_ptr<TempDir> dir_;
  std::map<std::string, std::string> env_vars_;
};

TEST_F(AwsCredentialsTest, EnvironmentComesFirst) {
  env_vars_["AWS_ACCESS_KEY_ID"] = "AKIDENV";
  env_vars_["AWS_SECRET_ACCESS_KEY"] = kSecret;
  env_vars_["AWS_SESSION_TOKEN"] = kToken;
  Write(".aws/credentials", "[default]\naws_access_key_id = AKIDFILE\naws_secret_access_key = x\n");
  auto c = LoadAwsCredentials({}, Environment());
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->access_key_id, "AKIDENV");
  EXPECT_EQ(c->secret_access_key, kSecret);
  EXPECT_EQ(c->session_token, kToken);
  EXPECT_EQ(c->source, "environment");
}

TEST_F(AwsCredentialsTest, AnExplicitProfileSkipsTheEnvironment) {
  env_vars_["AWS_ACCESS_KEY_ID"] = "AKIDENV";
  env_vars_["AWS_SECRET_ACCESS_KEY"] = kSecret;
  Write(".aws/credentials", "[ops]\naws_access_key_id = AKIDOPS\naws_secret_access_key = s\n");
  AwsCredentialOptions options;
  options.profile = "ops";
  auto c = LoadAwsCredentials(options, Environment());
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->access_key_id, "AKIDOPS");
  EXPECT_THAT(c->source, HasSubstr("[ops]"));
}

TEST_F(AwsCredentialsTest, ProfileAndFilesFromTheEnvironment) {
  env_vars_["AWS_PROFILE"] = "lab";
  env_vars_["AWS_SHARED_CREDENTIALS_FILE"] = dir_->File("creds");
  Write("creds",
        "# comment\n[default]\naws_access_key_id = AKIDDEFAULT\naws_secret_access_key = d\n\n"
        "[lab]\nAWS_ACCESS_KEY_ID=AKIDLAB\naws_secret_access_key: s\naws_session_token = t\n");
  auto c = LoadAwsCredentials({}, Environment());
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->access_key_id, "AKIDLAB");
  EXPECT_EQ(c->session_token, "t");
  EXPECT_EQ(c->source, "shared credentials file " + dir_->File("creds") + " [lab]");
}

TEST_F(AwsCredentialsTest, ConfigFileUsesProfilePrefixedSections) {
  Write(".aws/config",
        "[lab]\naws_access_key_id = AKIDWRONG\naws_secret_access_key = w\n"
        "[profile lab]\naws_access_key_id = AKIDCONFIG\naws_secret_access_key = c\n"
        "region = eu-west-1\ns3 =\n  max_concurrent_requests = 5\n");
  env_vars_["AWS_PROFILE"] = "lab";
  auto c = LoadAwsCredentials({}, Environment());
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->access_key_id, "AKIDCONFIG");
  auto region = LoadAwsRegion({}, Environment());
  ASSERT_TRUE(region.ok()) << region.status().ToString();
  EXPECT_EQ(*region, "eu-west-1");
}

TEST_F(AwsCredentialsTest, RegionOrder) {
  Write(".aws/config", "[default]\nregion = us-west-2\n");
  EXPECT_EQ(*LoadAwsRegion({}, Environment()), "us-west-2");
  env_vars_["AWS_DEFAULT_REGION"] = "eu-central-1";
  EXPECT_EQ(*LoadAwsRegion({}, Environment()), "eu-central-1");
  env_vars_["AWS_REGION"] = "ap-south-1";
  EXPECT_EQ(*LoadAwsRegion({}, Environment()), "ap-south-1");
  AwsCredentialOptions options;
  options.region = "sa-east-1";
  EXPECT_EQ(*LoadAwsRegion(options, Environment()), "sa-east-1");
}

TEST_F(AwsCredentialsTest, NothingFoundNamesEverySourceAndPath) {
  auto c = LoadAwsCredentials({}, Environment());
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), StatusCode::kNotFound);
  EXPECT_THAT(
      c.status().message(),
      AllOf(HasSubstr("profile 'default'"), HasSubstr("environment (AWS_ACCESS_KEY_ID unset)"),
            HasSubstr("shared credentials file " + dir_->File(".aws/credentials") +
                      " [default] (no such file)"),
            HasSubstr("credential_process (none in profile 'default')"),
            HasSubstr("config file " + dir_->File(".aws/config") + " [default]")));
  auto region = LoadAwsRegion({}, Environment());
  EXPECT_EQ(region.status().code(), StatusCode::kNotFound);
  EXPECT_THAT(region.status().message(), HasSubstr("AWS_REGION"));
}

TEST_F(AwsCredentialsTest, HalfAKeyPairIsAnError) {
  env_vars_["AWS_ACCESS_KEY_ID"] = "AKIDENV";
  auto c = LoadAwsCredentials({}, Environment());
  EXPECT_EQ(c.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(c.status().message(), HasSubstr("AWS_SECRET_ACCESS_KEY is not"));
  env_vars_.erase("AWS_ACCESS_KEY_ID");
  Write(".aws/credentials", "[default]\naws_secret_access_key = " + std::string(kSecret) + "\n");
  c = LoadAwsCredentials({}, Environment());
  EXPECT_EQ(c.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(c.status().message(),
              AllOf(HasSubstr("no aws_access_key_id"), Not(HasSubstr(kSecret))));
}

TEST_F(AwsCredentialsTest, AMalformedFileNamesTheLineButNotTheValue) {
  Write(".aws/credentials", "[default]\naws_access_key_id = A\n" + std::string(kSecret) + "\n");
  auto c = LoadAwsCredentials({}, Environment());
  ASSERT_FALSE(c.ok());
  EXPECT_THAT(c.status().message(),
              AllOf(HasSubstr(dir_->File(".aws/credentials") + ":3:"), Not(HasSubstr(kSecret))));
}

TEST_F(AwsCredentialsTest, CredentialProcessRunsWithoutAShell) {
  Write("helper.sh",
        "#!/bin/sh\n"
        "[ \"$1\" = 'two words' ] || exit 9\n"
        "printf '{\"Version\": 1, \"AccessKeyId\": \"AKIDPROC\", \"SecretAccessKey\": \"%s\", "
        "\"SessionToken\": \"%s\", \"Expiration\": \"2030-01-02T03:04:05Z\"}' \"$2\" \"$3\"\n",
        0700);
  Write(".aws/config", "[profile proc]\ncredential_process = " + dir_->File("helper.sh") +
                           " 'two words' " + kSecret + " \"" + kToken + "\"\n");
  AwsCredentialOptions options;
  options.profile = "proc";
  auto c = LoadAwsCredentials(options, Environment());
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->access_key_id, "AKIDPROC");
  EXPECT_EQ(c->secret_access_key, kSecret);
  EXPECT_EQ(c->session_token, kToken);
  ASSERT_TRUE(c->expiration.has_value());
  EXPECT_EQ(*c->expiration, std::chrono::system_clock::from_time_t(1893553445));
  EXPECT_EQ(c->source, "credential_process of profile 'proc'");
}

TEST_F(AwsCredentialsTest, AFailingCredentialProcessGivesAClearError) {
  Write(".aws/config", "[default]\ncredential_process = sh -c 'exit 3'\n");
  auto c = LoadAwsCredentials({}, Environment());
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), StatusCode::kUnavailable);
  EXPECT_THAT(c.status().message(), AllOf(HasSubstr("credential_process of profile 'default'"),
                                          HasSubstr("'sh' exited with status 3")));

  Write(".aws/config", "[default]\ncredential_process = /nonexistent/helper\n");
  c = LoadAwsCredentials({}, Environment());
  EXPECT_EQ(c.status().code(), StatusCode::kUnavailable);
  EXPECT_THAT(c.status().message(), HasSubstr("cannot run '/nonexistent/helper'"));

  Write(".aws/config", "[default]\ncredential_process = echo '{\"Version\": 2}'\n");
  c = LoadAwsCredentials({}, Environment());
  EXPECT_EQ(c.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(c.status().message(), HasSubstr("\"Version\" must be the number 1"));

  Write(".aws/config",
        "[default]\ncredential_process = echo '{\"Version\": 1, \"AccessKeyId\": \"A\", "
        "\"SecretAccessKey\": \"S\", \"Expiration\": \"2001-01-01T00:00:00Z\"}'\n");
  c = LoadAwsCredentials({}, Environment());
  EXPECT_THAT(c.status().message(), HasSubstr("expired at 2001-01-01T00:00:00Z"));
}

TEST_F(AwsCredentialsTest, ASlowCredentialProcessIsKilled) {
  Write(".aws/config", "[default]\ncredential_process = sleep 10\n");
  AwsCredentialOptions options;
  options.process_timeout = std::chrono::milliseconds(200);
  const auto start = std::chrono::steady_clock::now();
  auto c = LoadAwsCredentials(options, Environment());
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  EXPECT_EQ(c.status().code(), StatusCode::kTimeout);
  EXPECT_THAT(c.status().message(), HasSubstr("did not finish within 200 ms"));
}

TEST(AwsCredentialsPrintTest, SecretsAreRedacted) {
  AwsCredentials c;
  c.access_key_id = "AKIDEXAMPLE";
  c.secret_access_key = kSecret;
  c.session_token = kToken;
  c.source = "environment";
  std::ostringstream printed;
  printed << c;
  for (const std::string& text : {c.ToString(), printed.str(), ::testing::PrintToString(c)}) {
    EXPECT_THAT(text,
                AllOf(HasSubstr("AKIDEXAMPLE"), HasSubstr("<redacted>"), HasSubstr("environment"),
                      Not(HasSubstr(kSecret)), Not(HasSubstr(kToken))));
  }
  c.session_token.clear();
  EXPECT_THAT(c.ToString(), HasSubstr("session_token=<none>"));
}

}  // namespace
}  // namespace shadowsync
