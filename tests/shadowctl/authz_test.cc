// SPDX-License-Identifier: Apache-2.0
//
// `shadowctl authz` (tools/shadowctl/authz_command.cc): argument parsing,
// the resource for each action, PEM certificates (subject CN and SHA-256
// fingerprint, checked against `openssl x509 -fingerprint -sha256`), and
// whole runs against examples/registry/registry.json and a registry that
// pins a certificate by fingerprint.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "authz_command.h"
#include "certificate_identity.h"
#include "shadowctl_command.h"

namespace shadowsync {
namespace shadowctl {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::StartsWith;

// tests/data/policy/*.crt were made with
//   openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes
//     -subj "/O=shadowsync tests/CN=<cn>" -days 36500
// (keys discarded); fingerprints from openssl x509 -noout -fingerprint -sha256.
constexpr char kLampSha256[] = "0c1ac5c1201b8103635edd8d7e3c1bec4070bb317b82298b821c05fc514511fb";
constexpr char kStrangerSha256[] =
    "9a5c4760e54ef8c5438bd9768f261d2af8babbecf62e52ffe24ba4b1f474c0d9";

fs::path SourceDir() { return fs::path(SHADOWSYNC_SOURCE_DIR); }
std::string Example() { return (SourceDir() / "examples/registry/registry.json").string(); }
std::string CertFile(const char* name) {
  return (SourceDir() / "tests/data/policy" / name).string();
}

struct Outcome {
  int rc;
  std::string out;
  std::string err;
};

Outcome Authz(std::vector<std::string> args) {
  std::ostringstream out;
  std::ostringstream err;
  StopSignal stop;
  const TransportFactory no_transport =
      [](const MqttOptions&) -> Result<std::unique_ptr<Transport>> {
    ADD_FAILURE() << "authz must not make a transport";
    return InternalError("no transport");
  };
  const int rc = RunMain(args, no_transport, out, err, stop);
  return {rc, out.str(), err.str()};
}

class TempFile {
 public:
  explicit TempFile(const std::string& text) {
    char pattern[] = "/tmp/shadowctl-authz-XXXXXX";
    const int fd = mkstemp(pattern);
    EXPECT_GE(fd, 0);
    if (fd >= 0) close(fd);
    path_ = pattern;
    std::ofstream(path_) << text;
  }
  ~TempFile() { std::remove(path_.c_str()); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

TEST(AuthzCommandTest, IsAuthzCommandFindsTheCommandWord) {
  EXPECT_TRUE(IsAuthzCommand({"authz", "--registry", "r"}));
  EXPECT_TRUE(IsAuthzCommand({"--registry", "r", "authz"}));
  EXPECT_TRUE(IsAuthzCommand({"--registry=r", "authz"}));
  EXPECT_FALSE(IsAuthzCommand({"get", "--thing", "authz"}));
  EXPECT_FALSE(IsAuthzCommand({"--thing", "authz", "get"}));  // a value, not the command
  EXPECT_FALSE(IsAuthzCommand({}));
}

TEST(AuthzCommandTest, ResourceForEachAction) {
  AuthzOptions o;
  o.client_id = "lamp";
  const auto resource = [&o](const std::string& action, const std::string& given) {
    o.action = action;
    o.resource = given;
    Result<std::string> r = AuthzResource(o);
    return r.ok() ? *r : "error: " + r.status().message();
  };
  EXPECT_EQ(resource("iot:Publish", "a/b"), "topic/a/b");
  EXPECT_EQ(resource("iot:Receive", "$aws/things/lamp/shadow/get/accepted"),
            "topic/$aws/things/lamp/shadow/get/accepted");
  EXPECT_EQ(resource("iot:RetainPublish", "topic/a"), "topic/a");  // already prefixed
  EXPECT_EQ(resource("iot:Subscribe", "a/+/b"), "topicfilter/a/+/b");
  EXPECT_EQ(resource("iot:Subscribe", "topic/a"), "topicfilter/topic/a");  // not its prefix
  EXPECT_EQ(resource("iot:Subscribe", "topicfilter/a/#"), "topicfilter/a/#");
  EXPECT_EQ(resource("iot:Connect", ""), "client/lamp");
  EXPECT_EQ(resource("iot:connect", "other"), "client/other");  // actions fold case
  EXPECT_EQ(resource("iot:Publish", "arn:aws:iot:us-east-1:1:topic/x"),
            "arn:aws:iot:us-east-1:1:topic/x");
  EXPECT_EQ(resource("iot:UpdateThingShadow", "thing/lamp"), "thing/lamp");
  EXPECT_THAT(resource("iot:UpdateThingShadow", ""), StartsWith("error: --resource is needed"));
  EXPECT_THAT(resource("iot:Publish", ""), StartsWith("error: --resource is needed"));
}

TEST(AuthzCommandTest, UsageErrors) {
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"authz", "--cert", "c", "--client-id", "x", "--action", "iot:Connect"},
       "authz needs --registry F"},
      {{"authz", "--registry", "r", "--action", "iot:Connect"},
       "authz needs exactly one of --cert PEM and --thing T"},
      {{"authz", "--registry", "r", "--cert", "c", "--thing", "t", "--action", "iot:Connect"},
       "authz needs exactly one of --cert PEM and --thing T"},
      {{"authz", "--registry", "r", "--cert", "c", "--action", "iot:Connect"},
       "authz --cert needs --client-id ID (policies often depend on it)"},
      {{"authz", "--registry", "r", "--thing", "t"},
       "authz needs --action, e.g. --action iot:Publish"},
      {{"authz", "--registry", "r", "--thing", "t", "--action", "Publish"},
       "--action: 'Publish' is not service:action, e.g. iot:Publish"},
      {{"authz", "--registry", "r", "--thing", "a/b", "--action", "iot:Connect"}, "--thing: ..."},
      {{"authz", "--registry", "r", "--thing", "t", "--action", "iot:Connect", "--broker", "x"},
       "unknown option '--broker' for authz (shadowctl authz --help)"},
      {{"authz", "--registry", "r", "--registry", "s"}, "--registry given more than once"},
      {{"authz", "extra", "--registry", "r"}, "unexpected argument 'extra'"},
      {{"authz", "--registry"}, "--registry needs a value"},
  };
  for (const auto& [args, message] : cases) {
    Result<AuthzOptions> parsed = ParseAuthzArguments(args);
    ASSERT_FALSE(parsed.ok()) << message;
    if (message.size() > 3 && message.substr(message.size() - 3) == "...") {
      EXPECT_THAT(parsed.status().message(), StartsWith(message.substr(0, message.size() - 3)));
    } else {
      EXPECT_EQ(parsed.status().message(), message);
    }
  }
  const Outcome o = Authz({"authz", "--registry", Example()});
  EXPECT_EQ(o.rc, kExitUsage);
  EXPECT_EQ(o.err,
            "error: authz needs exactly one of --cert PEM and --thing T\n"
            "(shadowctl authz --help shows the usage)\n");
}

TEST(AuthzCommandTest, HelpAndTheMainUsageMentionAuthz) {
  const Outcome help = Authz({"authz", "--help"});
  EXPECT_EQ(help.rc, kExitOk);
  EXPECT_EQ(help.out, AuthzUsageText());
  EXPECT_THAT(help.out, HasSubstr("3  denied"));
  EXPECT_THAT(UsageText(), HasSubstr("shadowctl authz --registry F"));
}

TEST(CertificateIdentityTest, CommonNameAndFingerprint) {
  Result<CertificateIdentity> lamp = ReadCertificateIdentity(CertFile("lamp.crt"));
  ASSERT_TRUE(lamp.ok()) << lamp.status().ToString();
  EXPECT_EQ(lamp->common_name, "lamp");
  EXPECT_EQ(lamp->sha256, kLampSha256);
  Result<CertificateIdentity> missing = ReadCertificateIdentity("/nonexistent.crt");
  ASSERT_FALSE(missing.ok());
  EXPECT_THAT(missing.status().message(), StartsWith("--cert: cannot open '/nonexistent.crt'"));
  TempFile not_pem("hello\n");
  Result<CertificateIdentity> garbage = ReadCertificateIdentity(not_pem.path());
  ASSERT_FALSE(garbage.ok());
  EXPECT_THAT(garbage.status().message(), HasSubstr("holds no PEM certificate"));
}

TEST(AuthzRunTest, ThingShadowPolicyFromTheExample) {
  const std::vector<std::string> base = {"authz", "--registry", Example(), "--thing", "lamp"};
  auto with = [&base](std::vector<std::string> more) {
    std::vector<std::string> args = base;
    args.insert(args.end(), more.begin(), more.end());
    return Authz(args);
  };
  Outcome o = with({"--action", "iot:Connect"});
  EXPECT_EQ(o.rc, kExitOk) << o.err;
  EXPECT_EQ(o.out, "allowed: allowed by policy lamp-policy statement 1\n");
  o = with({"--action", "iot:Publish", "--resource", "$aws/things/lamp/shadow/name/cfg/update"});
  EXPECT_EQ(o.rc, kExitOk) << o.err;
  EXPECT_EQ(o.out, "allowed: allowed by policy lamp-policy statement 2\n");
  o = with({"--action", "iot:Publish", "--resource", "$aws/things/esp32/shadow/update"});
  EXPECT_EQ(o.rc, kExitRejected);
  EXPECT_EQ(o.out,
            "denied: no statement allows iot:Publish on "
            "topic/$aws/things/esp32/shadow/update (default deny)\n");
  EXPECT_EQ(o.err, "");
  o = with({"--action", "iot:Subscribe", "--resource", "$aws/things/+/shadow/update/delta"});
  EXPECT_EQ(o.rc, kExitRejected);
  o = with({"--client-id", "lamp-cli", "--action", "iot:Connect"});
  EXPECT_EQ(o.rc, kExitRejected);
  EXPECT_EQ(o.out, "denied: no statement allows iot:Connect on client/lamp-cli (default deny)\n");
  // A full ARN of another account: the policy's ARNs name 123456789012.
  o = with(
      {"--action", "iot:Connect", "--resource", "arn:aws:iot:us-east-1:999999999999:client/lamp"});
  EXPECT_EQ(o.rc, kExitRejected);
  o = with(
      {"--action", "iot:Connect", "--resource", "arn:aws:iot:us-east-1:123456789012:client/lamp"});
  EXPECT_EQ(o.rc, kExitOk);
}

TEST(AuthzRunTest, Esp32AndDataLoggerFromTheExample) {
  Outcome o = Authz({"authz", "--registry", Example(), "--thing", "esp32", "--action",
                     "iot:Publish", "--resource", "esp32/pub"});
  EXPECT_EQ(o.rc, kExitOk);
  o = Authz({"authz", "--registry", Example(), "--thing", "esp32", "--action", "iot:Subscribe",
             "--resource", "$aws/things/esp32/shadow/get/accepted"});
  EXPECT_EQ(o.rc, kExitRejected);
  o = Authz({"authz", "--registry", Example(), "--thing", "datalogger", "--client-id", "anything",
             "--action", "iot:Publish", "--resource", "$aws/things/lamp/shadow/update"});
  EXPECT_EQ(o.rc, kExitOk);
  EXPECT_EQ(o.out, "allowed: allowed by policy datalogger-policy statement 1\n");
}

TEST(AuthzRunTest, CertificateFileByCommonNameAndFingerprint) {
  // The example knows "lamp" by CN: the PEM's CN picks it.
  Outcome o = Authz({"authz", "--registry", Example(), "--cert", CertFile("lamp.crt"),
                     "--client-id", "lamp", "--action", "iot:Connect"});
  EXPECT_EQ(o.rc, kExitOk) << o.err;
  // Unknown certificate: denied, naming CN and fingerprint, as the broker would.
  o = Authz({"authz", "--registry", Example(), "--cert", CertFile("stranger.crt"), "--client-id",
             "x", "--action", "iot:Connect"});
  EXPECT_EQ(o.rc, kExitRejected);
  EXPECT_EQ(o.out, std::string("denied: unknown certificate (CN stranger, SHA-256 ") +
                       kStrangerSha256 + ")\n");
  // Pinned by fingerprint, with colons and upper case as openssl prints it.
  std::string colons;
  for (std::size_t i = 0; i < 64; i += 2) {
    colons += (i ? ":" : "") + std::string(kStrangerSha256).substr(i, 2);
  }
  for (char& c : colons) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  TempFile registry(R"({"certificates":[{"sha256":")" + colons +
                    R"(","thing":"t","policies":["p"]},{"commonName":"two","thing":"t",
      "policies":["q"]}], "things":{"t":{}},
      "policies":{"p":{"Version":"2012-10-17","Statement":[{"Sid":"OwnTopics","Effect":"Allow",
        "Action":"iot:Publish","Resource":"arn:aws:iot:*:*:topic/${iot:Connection.Thing.ThingName}/*"}]},
                  "q":{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"*",
        "Resource":"*"}]}}})");
  o = Authz({"authz", "--registry", registry.path(), "--cert", CertFile("stranger.crt"),
             "--client-id", "t", "--action", "iot:Publish", "--resource", "t/data"});
  EXPECT_EQ(o.rc, kExitOk) << o.err;
  EXPECT_EQ(o.out, "allowed: allowed by policy p statement 1 (Sid OwnTopics)\n");
  // The lamp certificate's CN is not in this registry.
  o = Authz({"authz", "--registry", registry.path(), "--cert", CertFile("lamp.crt"), "--client-id",
             "t", "--action", "iot:Publish", "--resource", "t/data"});
  EXPECT_EQ(o.rc, kExitRejected);
  EXPECT_THAT(o.out, HasSubstr(kLampSha256));
  // --thing with two certificates: one line each, exit 3 when one denies.
  o = Authz({"authz", "--registry", registry.path(), "--thing", "t", "--action", "iot:Publish",
             "--resource", "t/data"});
  EXPECT_EQ(o.rc, kExitRejected);
  EXPECT_EQ(o.out, "/certificates/0 (SHA-256 " + std::string(kStrangerSha256) +
                       "): allowed: allowed by policy p statement 1 (Sid OwnTopics)\n"
                       "/certificates/1 (CN two): denied: denied by policy q statement 1\n");
}

TEST(AuthzRunTest, RegistryAndCertificateErrorsExitTwo) {
  Outcome o = Authz(
      {"authz", "--registry", "/nonexistent/r.json", "--thing", "lamp", "--action", "iot:Connect"});
  EXPECT_EQ(o.rc, kExitUsage);
  EXPECT_EQ(o.err, "error: /nonexistent/r.json: no such file\n");
  TempFile bad(R"({"certificates":[{"commonName":"a","policies":["nope"]}],"policies":{}})");
  o = Authz({"authz", "--registry", bad.path(), "--thing", "lamp", "--action", "iot:Connect"});
  EXPECT_EQ(o.rc, kExitUsage);
  EXPECT_EQ(o.err, "error: " + bad.path() +
                       ": /certificates/0/policies/0: policy \"nope\" is not defined in "
                       "/policies\n");
  o = Authz({"authz", "--registry", Example(), "--thing", "nobody", "--action", "iot:Connect"});
  EXPECT_EQ(o.rc, kExitUsage);
  EXPECT_THAT(o.err, HasSubstr("no certificate is attached to thing nobody"));
  o = Authz({"authz", "--registry", Example(), "--cert", "/nonexistent.crt", "--client-id", "x",
             "--action", "iot:Connect"});
  EXPECT_EQ(o.rc, kExitUsage);
  EXPECT_THAT(o.err, StartsWith("error: --cert: cannot open"));
}

}  // namespace
}  // namespace shadowctl
}  // namespace shadowsync
