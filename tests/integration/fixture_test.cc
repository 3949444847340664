// SPDX-License-Identifier: Apache-2.0
//
// Proves the test fixture itself: ChildProcess starts, signals and reaps;
// the generated certificates are valid (or broken) as promised; the
// mosquitto broker serves all listeners, enforces the ACL, refuses bad
// certificates, restarts on its ports and leaves no process behind.
// Clients are the mosquitto_pub/mosquitto_sub CLI, independent of our code.

#include <arpa/inet.h>
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "support/child_process.h"
#include "support/eventually.h"
#include "support/mosquitto_clients.h"
#include "support/mosquitto_fixture.h"
#include "support/temp_dir.h"
#include "support/tls_certificates.h"

namespace shadowsync::testing_support {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// True once `pid` is no child of ours: waitpid() says ECHILD, i.e. it was
// reaped (a zombie we forgot would still be reported as our child).
bool IsReaped(pid_t pid) {
  int status = 0;
  return waitpid(pid, &status, WNOHANG) == -1 && errno == ECHILD;
}

// True if no process `pid` exists (kill -0 fails with ESRCH). Only
// meaningful right after reaping: pids are reused eventually.
bool IsGone(pid_t pid) { return kill(pid, 0) == -1 && errno == ESRCH; }

// The state letter from /proc/<pid>/stat ('Z' for a zombie), or '\0' if the
// process does not exist.
char ProcessState(pid_t pid) {
  Result<std::string> stat = ReadFileToString("/proc/" + std::to_string(pid) + "/stat");
  if (!stat.ok()) return '\0';
  size_t paren = stat->rfind(')');
  if (paren == std::string::npos || paren + 2 >= stat->size()) return '\0';
  return (*stat)[paren + 2];
}

::testing::AssertionResult PubSucceeds(const CliEndpoint& endpoint, const std::string& topic,
                                       const std::string& message = "x", int qos = 1) {
  Result<ProcessOutput> run = MosquittoPub(endpoint, topic, message, qos);
  if (!run.ok()) return ::testing::AssertionFailure() << run.status().ToString();
  if (!run->status.success()) {
    return ::testing::AssertionFailure()
           << "mosquitto_pub to port " << endpoint.port << " " << run->status.ToString() << ":\n"
           << run->output;
  }
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult PubFails(const CliEndpoint& endpoint, const std::string& topic) {
  Result<ProcessOutput> run = MosquittoPub(endpoint, topic, "x", 1);
  if (!run.ok()) return ::testing::AssertionFailure() << run.status().ToString();
  if (run->status.success()) {
    return ::testing::AssertionFailure()
           << "mosquitto_pub to port " << endpoint.port << " unexpectedly succeeded:\n"
           << run->output;
  }
  return ::testing::AssertionSuccess() << run->output;
}

// The broker log written since `offset` (a size from an earlier ReadLog()).
std::string LogSince(const MosquittoBroker& broker, size_t offset) {
  std::string log = broker.ReadLog();
  return offset < log.size() ? log.substr(offset) : "";
}

ChildProcessOptions Shell(const std::string& script, const std::string& log_path) {
  ChildProcessOptions options;
  options.argv = {"/bin/sh", "-c", script};
  options.log_path = log_path;
  return options;
}

class ChildProcessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Result<std::unique_ptr<TempDir>> dir = TempDir::Create("shadowsync-child-test");
    ASSERT_TRUE(dir.ok()) << dir.status().ToString();
    dir_ = std::move(dir).value();
    log_ = dir_->File("child.log");
  }
  std::unique_ptr<TempDir> dir_;
  std::string log_;
};

TEST_F(ChildProcessTest, ReportsExitCodeAndCapturesBothStreams) {
  ChildProcess child;
  ASSERT_TRUE(child.Start(Shell("echo to-stdout; echo to-stderr >&2; exit 3", log_)).ok());
  Result<ExitStatus> exit = child.WaitForExit(milliseconds(5000));
  ASSERT_TRUE(exit.ok()) << exit.status().ToString();
  EXPECT_TRUE(exit->exited());
  EXPECT_EQ(exit->exit_code(), 3);
  EXPECT_FALSE(exit->success());
  EXPECT_THAT(child.ReadLog(), HasSubstr("to-stdout"));
  EXPECT_THAT(child.ReadLog(), HasSubstr("to-stderr"));
  EXPECT_FALSE(child.IsRunning());
  EXPECT_TRUE(IsReaped(child.pid()));
}

TEST_F(ChildProcessTest, AppliesEnvironmentWorkingDirectoryAndProcessGroup) {
  ChildProcessOptions options = Shell(
      "echo \"foo=$SHADOWSYNC_TEST_FOO\"; pwd; echo \"pgid=$(cut -d' ' -f5 /proc/$$/stat)\"", log_);
  options.env = {{"SHADOWSYNC_TEST_FOO", "bar baz"}};
  options.working_dir = dir_->path();
  ChildProcess child;
  ASSERT_TRUE(child.Start(options).ok());
  ASSERT_TRUE(child.WaitForExit(milliseconds(5000)).ok());
  std::string log = child.ReadLog();
  EXPECT_THAT(log, HasSubstr("foo=bar baz\n"));
  EXPECT_THAT(log, HasSubstr(std::filesystem::canonical(dir_->path()).string() + "\n"));
  // Its own process group: the group id is its pid.
  EXPECT_THAT(log, HasSubstr("pgid=" + std::to_string(child.pid()) + "\n"));
}

TEST_F(ChildProcessTest, ClosesInheritedDescriptors) {
  // Deliberately without O_CLOEXEC, as a careless library might open one.
  int leaked = open("/dev/null", O_RDONLY);
  ASSERT_GE(leaked, 3);
  ChildProcess child;
  Status started = child.Start(Shell("ls /proc/$$/fd", log_));
  close(leaked);
  ASSERT_TRUE(started.ok()) << started.ToString();
  ASSERT_TRUE(child.WaitForExit(milliseconds(5000)).ok());
  // The shell's descriptors: stdin, stdout, stderr and nothing else.
  EXPECT_EQ(child.ReadLog(), "0\n1\n2\n");
}

TEST_F(ChildProcessTest, ReportsMissingProgramAndDirectory) {
  ChildProcess child;
  ChildProcessOptions missing;
  missing.argv = {"shadowsync-no-such-program"};
  EXPECT_EQ(child.Start(missing).code(), StatusCode::kNotFound);
  missing.argv = {dir_->File("not-there")};
  EXPECT_EQ(child.Start(missing).code(), StatusCode::kNotFound);
  ChildProcessOptions bad_dir = Shell("true", log_);
  bad_dir.working_dir = dir_->File("no-such-dir");
  EXPECT_EQ(child.Start(bad_dir).code(), StatusCode::kNotFound);
  EXPECT_EQ(child.Start(ChildProcessOptions()).code(), StatusCode::kInvalidArgument);
  EXPECT_FALSE(child.IsRunning());
}

TEST_F(ChildProcessTest, StopUsesSigtermEvenWhenTheParentBlocksIt) {
  // The agent blocks SIGTERM in its threads; children must not inherit it.
  sigset_t term, old_mask;
  sigemptyset(&term);
  sigaddset(&term, SIGTERM);
  ASSERT_EQ(pthread_sigmask(SIG_BLOCK, &term, &old_mask), 0);
  ChildProcess child;
  ChildProcessOptions options;
  options.argv = {"sleep", "30"};
  Status started = child.Start(options);
  pthread_sigmask(SIG_SETMASK, &old_mask, nullptr);
  ASSERT_TRUE(started.ok()) << started.ToString();
  EXPECT_TRUE(child.IsRunning());

  const auto begin = Clock::now();
  ASSERT_TRUE(child.Stop(milliseconds(5000)).ok());
  EXPECT_LT(Clock::now() - begin, milliseconds(2000));
  ASSERT_TRUE(child.exit_status().has_value());
  EXPECT_TRUE(child.exit_status()->signaled());
  EXPECT_EQ(child.exit_status()->term_signal(), SIGTERM);
  EXPECT_TRUE(IsReaped(child.pid()));
  EXPECT_TRUE(IsGone(child.pid()));
  EXPECT_EQ(child.Signal(SIGTERM).code(), StatusCode::kFailedPrecondition);
}

TEST_F(ChildProcessTest, StopEscalatesToSigkillForTheWholeGroup) {
  // Both the shell and its background sleep ignore SIGTERM.
  ChildProcess child;
  ASSERT_TRUE(child.Start(Shell("trap '' TERM; sleep 30 & echo $!; wait", log_)).ok());
  pid_t grandchild = 0;
  ASSERT_TRUE(
      Eventually([&] { return std::sscanf(child.ReadLog().c_str(), "%d", &grandchild) == 1; }));
  ASSERT_GT(grandchild, 0);

  const auto begin = Clock::now();
  ASSERT_TRUE(child.Stop(milliseconds(200)).ok());
  const auto elapsed = Clock::now() - begin;
  EXPECT_GE(elapsed, milliseconds(200));
  EXPECT_LT(elapsed, milliseconds(3000));
  ASSERT_TRUE(child.exit_status().has_value());
  EXPECT_EQ(child.exit_status()->term_signal(), SIGKILL) << child.exit_status()->ToString();
  EXPECT_TRUE(IsReaped(child.pid()));
  // The orphaned sleep died with the group. PID 1 here does not reap, so it
  // may linger as a zombie ('Z'), but it must not be running.
  EXPECT_TRUE(Eventually([&] {
    char state = ProcessState(grandchild);
    return state == '\0' || state == 'Z';
  })) << "grandchild "
      << grandchild << " state " << ProcessState(grandchild);
}

TEST_F(ChildProcessTest, SignalReachesTheChildAndIsRunningReaps) {
  ChildProcess child;
  ChildProcessOptions options;
  options.argv = {"sleep", "30"};
  ASSERT_TRUE(child.Start(options).ok());
  EXPECT_EQ(child.Start(options).code(), StatusCode::kFailedPrecondition);
  ASSERT_TRUE(child.Signal(SIGUSR1).ok());
  ASSERT_TRUE(Eventually([&] { return !child.IsRunning(); }));
  ASSERT_TRUE(child.exit_status().has_value());
  EXPECT_EQ(child.exit_status()->term_signal(), SIGUSR1);
  EXPECT_TRUE(IsReaped(child.pid()));
  // Reaped: it can be started again.
  EXPECT_TRUE(child.Start(Shell("exit 0", log_)).ok());
  EXPECT_TRUE(child.WaitForExit(milliseconds(5000)).ok());
}

TEST_F(ChildProcessTest, DestructorStopsAndReaps) {
  pid_t pid = -1;
  {
    ChildProcess child;
    ChildProcessOptions options;
    options.argv = {"sleep", "30"};
    ASSERT_TRUE(child.Start(options).ok());
    pid = child.pid();
    ASSERT_TRUE(child.IsRunning());
  }
  EXPECT_TRUE(IsReaped(pid));
  EXPECT_TRUE(IsGone(pid));
}

TEST_F(ChildProcessTest, RunProcessCapturesOutputAndTimesOut) {
  ChildProcessOptions echo;
  echo.argv = {"echo", "captured"};
  Result<ProcessOutput> run = RunProcess(echo);
  ASSERT_TRUE(run.ok()) << run.status().ToString();
  EXPECT_TRUE(run->status.success());
  EXPECT_EQ(run->output, "captured\n");

  ChildProcessOptions slow;
  slow.argv = {"sleep", "30"};
  const auto begin = Clock::now();
  Result<ProcessOutput> timed_out = RunProcess(slow, milliseconds(100));
  EXPECT_EQ(timed_out.status().code(), StatusCode::kTimeout);
  EXPECT_LT(Clock::now() - begin, milliseconds(3000));
}

// --- Certificates -----------------------------------------------------------

// openssl with the given arguments; returns its output, or fails the test.
std::string Openssl(const std::vector<std::string>& args, bool expect_success = true) {
  ChildProcessOptions options;
  options.argv = {"openssl"};
  options.argv.insert(options.argv.end(), args.begin(), args.end());
  Result<ProcessOutput> run = RunProcess(options);
  EXPECT_TRUE(run.ok()) << run.status().ToString();
  if (!run.ok()) return "";
  EXPECT_EQ(run->status.success(), expect_success) << run->output;
  return run->output;
}

class TlsCertificatesTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    TestCertificateOptions options;
    options.client_names = {"thingA", "thing:B_2.x-y"};
    Result<TestCertificates> generated = GenerateTestCertificates(options);
    ASSERT_TRUE(generated.ok()) << generated.status().ToString();
    certs_ = new TestCertificates(std::move(generated).value());
  }
  static void TearDownTestSuite() {
    delete certs_;
    certs_ = nullptr;
  }
  void SetUp() override { ASSERT_NE(certs_, nullptr); }
  static TestCertificates* certs_;
};
TestCertificates* TlsCertificatesTest::certs_ = nullptr;

TEST_F(TlsCertificatesTest, PrivateKeysAreOwnerOnly) {
  auto mode_of = [](const std::string& path) -> int {
    struct stat st;
    return stat(path.c_str(), &st) == 0 ? static_cast<int>(st.st_mode & 07777) : -1;
  };
  std::vector<std::string> keys = {
      certs_->ca_key,
      certs_->server_ec.key,
      certs_->server_rsa.key,
      certs_->client_wrong_ca.key,
      certs_->server_expired.key,
      certs_->server_wrong_host.key,
      certs_->client_mismatched_key.key,
  };
  for (const std::string& name : certs_->client_names) {
    keys.push_back(certs_->client(name).ec.key);
    keys.push_back(certs_->client(name).rsa.key);
  }
  for (const std::string& key : keys) EXPECT_EQ(mode_of(key), 0600) << key;
  // Including keys this struct does not name (the wrong CA's, later clients).
  int found = 0;
  for (const auto& entry : std::filesystem::directory_iterator(certs_->dir)) {
    if (entry.path().extension() != ".key") continue;
    ++found;
    EXPECT_EQ(mode_of(entry.path()), 0600) << entry.path();
  }
  EXPECT_GE(found, static_cast<int>(keys.size()) + 1);
  EXPECT_EQ(mode_of(certs_->dir) & 0077, 0) << "the directory must not be open to others";
}

TEST_F(TlsCertificatesTest, ValidCertificatesVerifyForLocalhostAndTheirPurpose) {
  for (const CertKeyPair* server : {&certs_->server_ec, &certs_->server_rsa}) {
    EXPECT_THAT(Openssl({"verify", "-CAfile", certs_->ca_cert, "-purpose", "sslserver",
                         "-verify_hostname", "localhost", server->cert}),
                HasSubstr(": OK"));
    EXPECT_THAT(
        Openssl({"verify", "-CAfile", certs_->ca_cert, "-verify_ip", "127.0.0.1", server->cert}),
        HasSubstr(": OK"));
  }
  EXPECT_THAT(Openssl({"x509", "-noout", "-text", "-in", certs_->server_rsa.cert}),
              HasSubstr("rsaEncryption"));
  EXPECT_THAT(Openssl({"x509", "-noout", "-text", "-in", certs_->server_ec.cert}),
              HasSubstr("prime256v1"));
  for (const std::string& name : certs_->client_names) {
    for (const CertKeyPair* client : {&certs_->client(name).ec, &certs_->client(name).rsa}) {
      EXPECT_THAT(
          Openssl({"verify", "-CAfile", certs_->ca_cert, "-purpose", "sslclient", client->cert}),
          HasSubstr(": OK"));
      EXPECT_THAT(Openssl({"x509", "-noout", "-subject", "-in", client->cert}),
                  HasSubstr("CN = " + name));
    }
  }
}

TEST_F(TlsCertificatesTest, BrokenMaterialIsBrokenForTheStatedReason) {
  EXPECT_THAT(Openssl({"verify", "-CAfile", certs_->ca_cert, certs_->server_expired.cert}, false),
              HasSubstr("certificate has expired"));
  EXPECT_THAT(Openssl({"verify", "-CAfile", certs_->ca_cert, "-verify_hostname", "localhost",
                       certs_->server_wrong_host.cert},
                      false),
              HasSubstr("hostname mismatch"));
  // Not from our CA, but a genuine certificate of the other one.
  EXPECT_THAT(Openssl({"verify", "-CAfile", certs_->ca_cert, certs_->client_wrong_ca.cert}, false),
              HasSubstr("unable to get local issuer certificate"));
  EXPECT_THAT(Openssl({"verify", "-CAfile", certs_->wrong_ca_cert, certs_->client_wrong_ca.cert}),
              HasSubstr(": OK"));
  // Public keys only: key material is never printed.
  auto public_of_cert = [](const std::string& cert) {
    return Openssl({"x509", "-noout", "-pubkey", "-in", cert});
  };
  auto public_of_key = [](const std::string& key) {
    return Openssl({"pkey", "-pubout", "-in", key});
  };
  const CertKeyPair& good = certs_->default_client().ec;
  EXPECT_TRUE(public_of_cert(good.cert) == public_of_key(good.key));
  EXPECT_TRUE(public_of_cert(certs_->client_mismatched_key.cert) !=
              public_of_key(certs_->client_mismatched_key.key));
  EXPECT_TRUE(public_of_cert(certs_->client_mismatched_key.cert) == public_of_cert(good.cert));
}

TEST_F(TlsCertificatesTest, IssuesMoreClientsAndRejectsBadNames) {
  Result<ClientCertificates> extra = IssueClientCertificates(*certs_, "late-thing");
  ASSERT_TRUE(extra.ok()) << extra.status().ToString();
  EXPECT_THAT(Openssl({"verify", "-CAfile", certs_->ca_cert, extra->rsa.cert}), HasSubstr(": OK"));
  EXPECT_EQ(IssueClientCertificates(*certs_, "bad/name").status().code(),
            StatusCode::kInvalidArgument);
  TestCertificateOptions bad;
  bad.client_names = {"CN=evil,O=x"};
  EXPECT_EQ(GenerateTestCertificates(bad).status().code(), StatusCode::kInvalidArgument);
  bad.client_names = {};
  EXPECT_EQ(GenerateTestCertificates(bad).status().code(), StatusCode::kInvalidArgument);
}

// --- The broker -------------------------------------------------------------

// A topic no other test uses.
std::string UniqueTopic(const std::string& what) {
  static int counter = 0;
  return "fixture-test/" + std::to_string(getpid()) + "/" + what + "/" + std::to_string(++counter);
}

TEST(MosquittoBrokerTest, SharedBrokerAnswersOnAllListeners) {
  MosquittoBroker* broker = SharedBroker();
  ASSERT_NE(broker, nullptr);
  EXPECT_EQ(SharedBroker(), broker);
  RecordProperty("broker_start_ms", static_cast<int>(broker->last_start_duration().count()));
  EXPECT_GT(broker->plain_port(), 0);
  EXPECT_EQ(broker->plain_uri(), "tcp://127.0.0.1:" + std::to_string(broker->plain_port()));
  EXPECT_EQ(broker->tls_ec_uri(), "ssl://localhost:" + std::to_string(broker->tls_ec_port()));
  EXPECT_EQ(broker->tls_rsa_uri(), "ssl://localhost:" + std::to_string(broker->tls_rsa_port()));

  const ClientCertificates& client = broker->certificates().default_client();
  EXPECT_TRUE(PubSucceeds(PlainEndpoint(*broker), UniqueTopic("plain")));
  EXPECT_TRUE(PubSucceeds(TlsEcEndpoint(*broker, client.ec), UniqueTopic("ec")));
  EXPECT_TRUE(PubSucceeds(TlsRsaEndpoint(*broker, client.rsa), UniqueTopic("rsa")));
  // use_identity_as_username: the certificate's CN became the username.
  EXPECT_THAT(broker->ReadLog(),
              HasSubstr("u'" + broker->certificates().client_names.front() + "'"));
}

TEST(MosquittoBrokerTest, QosOneMessageCrossesFromTlsEcToTlsRsa) {
  MosquittoBroker* broker = SharedBroker();
  ASSERT_NE(broker, nullptr);
  const ClientCertificates& client = broker->certificates().default_client();
  const std::string topic = UniqueTopic("cross-tls");
  MosquittoSub sub;
  ASSERT_TRUE(sub.Start(TlsRsaEndpoint(*broker, client.rsa), {topic}, 1).ok());
  Status subscribed = sub.WaitSubscribed();
  ASSERT_TRUE(subscribed.ok()) << subscribed.ToString();

  ASSERT_TRUE(PubSucceeds(TlsEcEndpoint(*broker, client.ec), topic, "hello over TLS", 1));
  Result<std::vector<ReceivedMessage>> messages = sub.WaitForMessages();
  ASSERT_TRUE(messages.ok()) << messages.status().ToString();
  EXPECT_THAT(*messages, ElementsAre(ReceivedMessage{topic, "hello over TLS"}));
  EXPECT_THAT(sub.Output(), HasSubstr("received PUBLISH (d0, q1"));
}

// T10: $aws topics are ordinary topics for publish and subscribe, but a "#"
// subscription does not see them (MQTT 3.1.1, 4.7.2).
TEST(MosquittoBrokerTest, AwsTopicsAreAllowedButHiddenFromHashWildcard) {
  MosquittoBroker* broker = SharedBroker();
  ASSERT_NE(broker, nullptr);
  const std::string aws_topic = "$aws/things/T/shadow/update";
  const std::string sentinel_topic = UniqueTopic("sentinel");
  MosquittoSub aws_sub;
  MosquittoSub everything;
  ASSERT_TRUE(aws_sub.Start(PlainEndpoint(*broker), {"$aws/things/+/shadow/#"}, 1).ok());
  ASSERT_TRUE(everything.Start(PlainEndpoint(*broker), {"#"}, 1).ok());
  ASSERT_TRUE(aws_sub.WaitSubscribed().ok());
  ASSERT_TRUE(everything.WaitSubscribed().ok());

  ASSERT_TRUE(PubSucceeds(PlainEndpoint(*broker), aws_topic, "{\"state\":{}}", 1));
  // Published after the $aws message, so "#" would have got that one first.
  ASSERT_TRUE(PubSucceeds(PlainEndpoint(*broker), sentinel_topic, "sentinel", 1));

  Result<std::vector<ReceivedMessage>> aws = aws_sub.WaitForMessages();
  ASSERT_TRUE(aws.ok()) << aws.status().ToString();
  EXPECT_THAT(*aws, ElementsAre(ReceivedMessage{aws_topic, "{\"state\":{}}"}));
  Result<std::vector<ReceivedMessage>> all = everything.WaitForMessages();
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  EXPECT_THAT(*all, ElementsAre(ReceivedMessage{sentinel_topic, "sentinel"}));
}

// Certificates for the ACL tests, made once (RSA keys take a while).
std::shared_ptr<const TestCertificates> AclCertificates() {
  static std::shared_ptr<const TestCertificates> certs = [] {
    TestCertificateOptions options;
    options.client_names = {"thingA", "thingB", "shadowsync-emulator"};
    Result<TestCertificates> generated = GenerateTestCertificates(options);
    EXPECT_TRUE(generated.ok()) << generated.status().ToString();
    return generated.ok() ? std::make_shared<const TestCertificates>(std::move(generated).value())
                          : nullptr;
  }();
  return certs;
}

TEST(MosquittoBrokerTest, AclLetsAThingUseOnlyItsOwnShadowTopics) {
  BrokerOptions options;
  options.acl = true;
  options.certificates = AclCertificates();
  ASSERT_NE(options.certificates, nullptr);
  options.acl_privileged_identities = {"shadowsync-emulator"};
  MosquittoBroker broker;
  Status started = broker.Start(options);
  ASSERT_TRUE(started.ok()) << started.ToString();
  EXPECT_EQ(broker.plain_port(), 0) << "no plain listener: it could claim any username";
  EXPECT_EQ(broker.plain_uri(), "");
  const TestCertificates& certs = broker.certificates();
  const CliEndpoint as_a = TlsEcEndpoint(broker, certs.client("thingA").ec);
  const CliEndpoint as_b = TlsRsaEndpoint(broker, certs.client("thingB").rsa);
  const CliEndpoint as_emulator = TlsEcEndpoint(broker, certs.client("shadowsync-emulator").ec);
  const std::string a_update = "$aws/things/thingA/shadow/update";
  const std::string b_update = "$aws/things/thingB/shadow/update";

  MosquittoSub sub_a, sub_b, sub_emulator;
  ASSERT_TRUE(sub_a.Start(as_a, {"$aws/things/thingA/shadow/#"}, 1).ok());
  ASSERT_TRUE(sub_b.Start(as_b, {"$aws/things/thingB/shadow/#"}, 1).ok());
  ASSERT_TRUE(sub_emulator.Start(as_emulator, {"$aws/things/+/shadow/#"}, 2).ok());
  for (MosquittoSub* sub : {&sub_a, &sub_b, &sub_emulator}) {
    Status subscribed = sub->WaitSubscribed();
    ASSERT_TRUE(subscribed.ok()) << subscribed.ToString();
  }

  const size_t log_before = broker.ReadLog().size();
  CliEndpoint a_publisher = as_a;
  a_publisher.client_id = "thingA-publisher";
  ASSERT_TRUE(PubSucceeds(a_publisher, a_update, "mine", 1));
  // Denied, but over MQTT 3.1.1 the publisher still gets its PUBACK.
  ASSERT_TRUE(PubSucceeds(a_publisher, b_update, "forbidden", 1));
  ASSERT_TRUE(PubSucceeds(as_b, b_update, "sentinel", 1));

  Result<std::vector<ReceivedMessage>> got_a = sub_a.WaitForMessages();
  ASSERT_TRUE(got_a.ok()) << got_a.status().ToString();
  EXPECT_THAT(*got_a, ElementsAre(ReceivedMessage{a_update, "mine"}));
  // thingB's first message is its own sentinel, not thingA's forbidden one.
  Result<std::vector<ReceivedMessage>> got_b = sub_b.WaitForMessages();
  ASSERT_TRUE(got_b.ok()) << got_b.status().ToString();
  EXPECT_THAT(*got_b, ElementsAre(ReceivedMessage{b_update, "sentinel"}));
  Result<std::vector<ReceivedMessage>> got_emulator = sub_emulator.WaitForMessages();
  ASSERT_TRUE(got_emulator.ok()) << got_emulator.status().ToString();
  EXPECT_THAT(*got_emulator, ElementsAre(ReceivedMessage{a_update, "mine"},
                                         ReceivedMessage{b_update, "sentinel"}));
  EXPECT_THAT(LogSince(broker, log_before),
              HasSubstr("Denied PUBLISH from thingA-publisher (d0, q1, r0, m1, '" + b_update));
}

// mosquitto 2.0 grants the SUBSCRIBE (AWS IoT would refuse it) but never
// delivers another thing's messages to it.
TEST(MosquittoBrokerTest, AclHidesAnotherThingsMessagesFromASubscriber) {
  BrokerOptions options;
  options.acl = true;
  options.certificates = AclCertificates();
  ASSERT_NE(options.certificates, nullptr);
  MosquittoBroker broker;
  Status started = broker.Start(options);
  ASSERT_TRUE(started.ok()) << started.ToString();
  const TestCertificates& certs = broker.certificates();
  const std::string a_update = "$aws/things/thingA/shadow/update";
  const std::string b_update = "$aws/things/thingB/shadow/update";
  MosquittoSub spy;
  ASSERT_TRUE(spy.Start(TlsEcEndpoint(broker, certs.client("thingA").ec),
                        {"$aws/things/thingB/shadow/#", "$aws/things/thingA/shadow/#"}, 1)
                  .ok());
  Status subscribed = spy.WaitSubscribed();
  ASSERT_TRUE(subscribed.ok()) << subscribed.ToString();

  ASSERT_TRUE(PubSucceeds(TlsEcEndpoint(broker, certs.client("thingB").ec), b_update, "secret"));
  ASSERT_TRUE(PubSucceeds(TlsRsaEndpoint(broker, certs.client("thingA").rsa), a_update, "own"));
  Result<std::vector<ReceivedMessage>> seen = spy.WaitForMessages();
  ASSERT_TRUE(seen.ok()) << seen.status().ToString();
  EXPECT_THAT(*seen, ElementsAre(ReceivedMessage{a_update, "own"}));
}

TEST(MosquittoBrokerTest, ClientCertificateFromTheWrongCaIsRefused) {
  MosquittoBroker* broker = SharedBroker();
  ASSERT_NE(broker, nullptr);
  const TestCertificates& certs = broker->certificates();
  // Control: the same listener accepts a certificate from our CA.
  ASSERT_TRUE(PubSucceeds(TlsEcEndpoint(*broker, certs.default_client().ec), UniqueTopic("ok")));
  const size_t log_before = broker->ReadLog().size();
  EXPECT_TRUE(PubFails(TlsEcEndpoint(*broker, certs.client_wrong_ca), UniqueTopic("wrong-ca")));
  EXPECT_TRUE(PubFails(TlsRsaEndpoint(*broker, certs.client_wrong_ca), UniqueTopic("wrong-ca")));
  EXPECT_THAT(LogSince(*broker, log_before), HasSubstr("certificate verify failed"));
  // No certificate at all is refused too (require_certificate true).
  CliEndpoint anonymous = TlsEcEndpoint(*broker, certs.default_client().ec);
  anonymous.cert_file.clear();
  EXPECT_TRUE(PubFails(anonymous, UniqueTopic("no-cert")));
}

TEST(MosquittoBrokerTest, ClientKeyNotMatchingItsCertificateIsRejected) {
  MosquittoBroker* broker = SharedBroker();
  ASSERT_NE(broker, nullptr);
  EXPECT_TRUE(PubFails(TlsEcEndpoint(*broker, broker->certificates().client_mismatched_key),
                       UniqueTopic("mismatched")));
}

// A second broker, same CA, whose EC listener presents a broken certificate.
class BrokenServerCertificateTest : public ::testing::TestWithParam<ServerCertificate> {};

TEST_P(BrokenServerCertificateTest, ClientRefusesTheServer) {
  MosquittoBroker* shared = SharedBroker();
  ASSERT_NE(shared, nullptr);
  BrokerOptions options;
  options.certificates = shared->shared_certificates();
  options.ec_server_certificate = GetParam();
  MosquittoBroker broker;
  Status started = broker.Start(options);
  ASSERT_TRUE(started.ok()) << started.ToString();
  const ClientCertificates& client = broker.certificates().default_client();
  EXPECT_EQ(broker.certificates().ca_cert, shared->certificates().ca_cert);

  // Control: the RSA listener of the same broker has a valid certificate.
  EXPECT_TRUE(PubSucceeds(TlsRsaEndpoint(broker, client.rsa), UniqueTopic("control")));
  const size_t log_before = broker.ReadLog().size();
  ::testing::AssertionResult refused =
      PubFails(TlsEcEndpoint(broker, client.ec), UniqueTopic("bad"));
  EXPECT_TRUE(refused);
  if (GetParam() == ServerCertificate::kExpired) {
    // The client's TLS alert names the reason.
    EXPECT_THAT(LogSince(broker, log_before), HasSubstr("certificate expired"));
  } else {
    // Only the host name is wrong: skipping the name check connects.
    CliEndpoint insecure = TlsEcEndpoint(broker, client.ec);
    insecure.insecure = true;
    EXPECT_TRUE(PubSucceeds(insecure, UniqueTopic("insecure")));
  }
}

INSTANTIATE_TEST_SUITE_P(Broken, BrokenServerCertificateTest,
                         ::testing::Values(ServerCertificate::kExpired,
                                           ServerCertificate::kWrongHost),
                         [](const ::testing::TestParamInfo<ServerCertificate>& info) {
                           return info.param == ServerCertificate::kExpired ? "Expired"
                                                                            : "WrongHost";
                         });

TEST(MosquittoBrokerTest, RestartKeepsPortsAndServesAgain) {
  MosquittoBroker* shared = SharedBroker();
  ASSERT_NE(shared, nullptr);
  BrokerOptions options;
  options.certificates = shared->shared_certificates();
  MosquittoBroker broker;
  ASSERT_TRUE(broker.Start(options).ok());
  const int plain = broker.plain_port(), ec = broker.tls_ec_port(), rsa = broker.tls_rsa_port();
  const pid_t old_pid = broker.pid();
  ASSERT_TRUE(PubSucceeds(PlainEndpoint(broker), UniqueTopic("before")));
  // Clients still connected when the broker goes down leave the server side
  // of their connections behind; that must not keep the ports busy.
  std::vector<int> connections;
  for (int port : {plain, ec, rsa}) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    ASSERT_GE(fd, 0);
    connections.push_back(fd);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<uint16_t>(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  }

  RecordProperty("start_ms", static_cast<int>(broker.last_start_duration().count()));
  const auto restart_begin = Clock::now();
  Status restarted = broker.Restart();
  ASSERT_TRUE(restarted.ok()) << restarted.ToString();
  RecordProperty(
      "restart_total_ms",
      static_cast<int>(
          std::chrono::duration_cast<milliseconds>(Clock::now() - restart_begin).count()));
  RecordProperty("restart_start_ms", static_cast<int>(broker.last_start_duration().count()));
  for (int fd : connections) {
    char byte;
    EXPECT_LE(recv(fd, &byte, 1, 0), 0) << "the old broker closed every connection";
    close(fd);
  }
  EXPECT_TRUE(IsReaped(old_pid));
  EXPECT_NE(broker.pid(), old_pid);
  EXPECT_EQ(broker.plain_port(), plain);
  EXPECT_EQ(broker.tls_ec_port(), ec);
  EXPECT_EQ(broker.tls_rsa_port(), rsa);
  const ClientCertificates& client = broker.certificates().default_client();
  EXPECT_TRUE(PubSucceeds(PlainEndpoint(broker), UniqueTopic("after")));
  EXPECT_TRUE(PubSucceeds(TlsEcEndpoint(broker, client.ec), UniqueTopic("after")));
  EXPECT_TRUE(PubSucceeds(TlsRsaEndpoint(broker, client.rsa), UniqueTopic("after")));
}

TEST(MosquittoBrokerTest, RestartWaitsForAPortThatIsStillTaken) {
  MosquittoBroker* shared = SharedBroker();
  ASSERT_NE(shared, nullptr);
  BrokerOptions options;
  options.certificates = shared->shared_certificates();
  options.start_timeout = milliseconds(1000);
  MosquittoBroker broker;
  ASSERT_TRUE(broker.Start(options).ok());
  ASSERT_TRUE(broker.Stop().ok());

  // Someone else binds the EC port while the broker is down.
  int squatter = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(squatter, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(broker.tls_ec_port()));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(squatter, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  ASSERT_EQ(listen(squatter, 1), 0);
  const auto begin = Clock::now();
  Status blocked = broker.Restart();
  EXPECT_EQ(blocked.code(), StatusCode::kUnavailable) << blocked.ToString();
  EXPECT_GE(Clock::now() - begin, milliseconds(1000));
  EXPECT_FALSE(broker.IsRunning());
  close(squatter);

  Status restarted = broker.Restart();
  ASSERT_TRUE(restarted.ok()) << restarted.ToString();
  EXPECT_TRUE(PubSucceeds(PlainEndpoint(broker), UniqueTopic("after-squatter")));
}

TEST(MosquittoBrokerTest, StopAndDestructionLeaveNoProcess) {
  MosquittoBroker* shared = SharedBroker();
  ASSERT_NE(shared, nullptr);
  BrokerOptions options;
  options.certificates = shared->shared_certificates();
  pid_t pid = -1;
  std::string dir;
  int port = 0;
  {
    MosquittoBroker broker;
    ASSERT_TRUE(broker.Start(options).ok());
    pid = broker.pid();
    port = broker.plain_port();
    ASSERT_TRUE(broker.IsRunning());
    ASSERT_TRUE(broker.Stop().ok());
    EXPECT_FALSE(broker.IsRunning());
    EXPECT_TRUE(IsReaped(pid));
    EXPECT_TRUE(IsGone(pid));
    ASSERT_TRUE(broker.exit_status().has_value());
    // SIGTERM is a clean mosquitto shutdown, not a SIGKILL.
    EXPECT_TRUE(broker.exit_status()->success()) << broker.exit_status()->ToString();
    EXPECT_FALSE(CanConnect(port));

    ASSERT_TRUE(broker.Restart().ok());
    pid = broker.pid();
    dir = broker.dir();
  }
  // The destructor stopped, reaped and cleaned up, as when a test fails.
  EXPECT_TRUE(IsReaped(pid));
  EXPECT_TRUE(IsGone(pid));
  EXPECT_FALSE(CanConnect(port));
  EXPECT_FALSE(std::filesystem::exists(dir));
}

TEST(MosquittoBrokerTest, StartReportsABrokerThatDiesWithItsLog) {
  MosquittoBroker* shared = SharedBroker();
  ASSERT_NE(shared, nullptr);
  BrokerOptions options;
  options.certificates = shared->shared_certificates();
  options.extra_config = {"no_such_mosquitto_option 1"};
  MosquittoBroker broker;
  const auto begin = Clock::now();
  Status started = broker.Start(options);
  EXPECT_EQ(started.code(), StatusCode::kUnavailable);
  EXPECT_THAT(started.message(), HasSubstr("no_such_mosquitto_option"));
  EXPECT_LT(Clock::now() - begin, milliseconds(3000)) << "must not wait for the timeout";
  EXPECT_FALSE(broker.IsRunning());
  EXPECT_TRUE(IsReaped(broker.pid()));
}

}  // namespace
}  // namespace shadowsync::testing_support
