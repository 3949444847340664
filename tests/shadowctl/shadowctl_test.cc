// SPDX-License-Identifier: Apache-2.0
//
// shadowctl's logic (tools/shadowctl/shadowctl_command.cc) against a fake
// Transport: argument parsing, request payloads, correlation by clientToken
// (P11, V7), rejection, timeout, interruption and watch.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <functional>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "shadowctl_command.h"
#include "shadowsync/json.h"
#include "shadowsync/update_request.h"

namespace shadowsync {
namespace shadowctl {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr char kAccepted[] = "$aws/things/lamp/shadow/get/accepted";
constexpr char kRejected[] = "$aws/things/lamp/shadow/get/rejected";

// Records every call; answers publishes through `on_publish`, which may
// deliver messages synchronously (the handler only enqueues) or start a
// thread that delivers later. Thread safety: Deliver() may run on any thread
// once Run() has installed the handlers; the rest is test-thread only.
class FakeTransport : public Transport {
 public:
  void SetHandlers(MessageHandler on_message, ConnectionHandler on_connection) override {
    on_message_ = std::move(on_message);
    on_connection_ = std::move(on_connection);
  }
  Status Connect() override {
    calls.push_back("connect");
    if (connect_status.ok()) connected_ = true;
    return connect_status;
  }
  Status Disconnect() override {
    calls.push_back("disconnect");
    connected_ = false;
    return Status::Ok();
  }
  bool IsConnected() const override { return connected_; }
  Status Subscribe(std::string_view filter, int qos) override {
    calls.push_back("subscribe " + std::string(filter) + " " + std::to_string(qos));
    if (subscribe_status.ok() && on_subscribe) on_subscribe(std::string(filter));
    return subscribe_status;
  }
  Status Publish(std::string_view topic, std::string_view payload, int qos) override {
    calls.push_back("publish " + std::string(topic) + " " + std::to_string(qos));
    published.emplace_back(std::string(topic), std::string(payload));
    if (publish_status.ok() && on_publish) on_publish(std::string(topic), std::string(payload));
    return publish_status;
  }
  Status Flush(std::chrono::milliseconds) override { return Status::Ok(); }

  void Deliver(const std::string& topic, const std::string& payload, bool retained = false) {
    MqttMessage message;
    message.topic = topic;
    message.payload = payload;
    message.qos = 1;
    message.retained = retained;
    on_message_(message);
  }
  void Lose(const Status& cause) { on_connection_(ConnectionEvent::kConnectionLost, cause); }

  Status connect_status;
  Status subscribe_status;
  Status publish_status;
  std::function<void(const std::string& topic, const std::string& payload)> on_publish;
  std::function<void(const std::string& filter)> on_subscribe;
  std::vector<std::string> calls;
  std::vector<std::pair<std::string, std::string>> published;

 private:
  MessageHandler on_message_;
  ConnectionHandler on_connection_;
  bool connected_ = false;
};

// The clientToken of a request payload.
std::string TokenOf(const std::string& payload) {
  Result<JsonDocument> doc = ParseJson(payload);
  if (!doc.ok() || !doc->IsObject() || !doc->HasMember("clientToken")) return "";
  return (*doc)["clientToken"].GetString();
}

Options ParseOk(const std::vector<std::string>& args) {
  Result<Options> options = ParseArguments(args);
  EXPECT_TRUE(options.ok()) << options.status().ToString();
  return options.ok() ? *options : Options();
}

std::string ParseError(const std::vector<std::string>& args) {
  Result<Options> options = ParseArguments(args);
  EXPECT_FALSE(options.ok());
  return options.ok() ? "" : options.status().message();
}

std::vector<std::string> Base(const std::string& command) {
  return {command, "--thing", "lamp", "--broker", "tcp://127.0.0.1:1883"};
}

std::vector<std::string> With(std::vector<std::string> args, std::vector<std::string> more) {
  args.insert(args.end(), more.begin(), more.end());
  return args;
}

// Runs a command line against `transport`, as main() does.
struct Outcome {
  int rc;
  std::string out;
  std::string err;
};

Outcome RunCtl(const Options& options, FakeTransport& transport, const std::string& token = "tok-1",
               StopSignal* stop = nullptr) {
  Result<Request> request = Request{};
  if (options.command != Command::kWatch) request = BuildRequest(options, token);
  EXPECT_TRUE(request.ok()) << request.status().ToString();
  std::ostringstream out;
  std::ostringstream err;
  StopSignal local_stop;
  ShadowCtl ctl(options, request.ok() ? *request : Request{}, transport, out, err,
                stop ? *stop : local_stop);
  const int rc = ctl.Run();
  return {rc, out.str(), err.str()};
}

std::string TempFile(const std::string& content) {
  char path[] = "/tmp/shadowctl_test_XXXXXX";
  const int fd = mkstemp(path);
  EXPECT_GE(fd, 0);
  close(fd);
  std::ofstream(path, std::ios::binary) << content;
  return path;
}

// --- argument parsing ---

TEST(ParseArgumentsTest, GetWithDefaults) {
  Options o = ParseOk(Base("get"));
  EXPECT_EQ(o.command, Command::kGet);
  EXPECT_EQ(o.shadow.thing, "lamp");
  EXPECT_TRUE(o.shadow.is_classic());
  EXPECT_EQ(o.mqtt.server_uri, "tcp://127.0.0.1:1883");
  EXPECT_EQ(o.timeout, std::chrono::seconds(10));
  EXPECT_FALSE(o.timeout_given);
  EXPECT_EQ(o.mqtt.connect_timeout, std::chrono::seconds(10));
  EXPECT_FALSE(o.compact);
  EXPECT_FALSE(o.help);
  EXPECT_TRUE(o.mqtt.client_id.empty());  // RunMain makes a unique one
}

TEST(ParseArgumentsTest, EveryConnectionOption) {
  Options o = ParseOk({"delete",    "--thing=lamp",   "--shadow",
                       "cfg",       "--broker",       "ssl://x-ats.iot.eu-west-1.amazonaws.com:443",
                       "--ca",      "ca.pem",         "--cert",
                       "c.pem",     "--key",          "k.pem",
                       "--alpn",    "x-amzn-mqtt-ca", "--alpn",
                       "mqtt",      "--client-id",    "lamp",
                       "--timeout", "0.25",           "--compact"});
  EXPECT_EQ(o.command, Command::kDelete);
  EXPECT_EQ(o.shadow.shadow, std::optional<std::string>("cfg"));
  EXPECT_EQ(o.mqtt.ca_file, "ca.pem");
  EXPECT_EQ(o.mqtt.cert_file, "c.pem");
  EXPECT_EQ(o.mqtt.key_file, "k.pem");
  EXPECT_THAT(o.mqtt.alpn_protocols, ElementsAre("x-amzn-mqtt-ca", "mqtt"));
  EXPECT_EQ(o.mqtt.client_id, "lamp");
  EXPECT_EQ(o.timeout, std::chrono::milliseconds(250));
  EXPECT_TRUE(o.timeout_given);
  EXPECT_EQ(o.mqtt.connect_timeout, std::chrono::seconds(1));
  EXPECT_TRUE(o.compact);
}

TEST(ParseArgumentsTest, UpdateAndWatchOptions) {
  Options u = ParseOk(With(Base("update"), {"--desired", "{\"on\":true}", "--version", "7",
                                            "--max-document-bytes", "30000", "--max-depth", "8"}));
  EXPECT_EQ(u.source, UpdateSource::kDesired);
  EXPECT_EQ(u.source_arg, "{\"on\":true}");
  EXPECT_EQ(u.version, std::optional<std::uint64_t>(7));
  EXPECT_EQ(u.limits.max_document_bytes, 30000u);
  EXPECT_EQ(u.limits.max_depth, 8);
  EXPECT_EQ(ParseOk(With(Base("update"), {"--reported", "{}"})).source, UpdateSource::kReported);
  EXPECT_EQ(ParseOk(With(Base("update"), {"--file", "-"})).source, UpdateSource::kFile);

  Options w = ParseOk(With(Base("watch"), {"--count", "3"}));
  EXPECT_EQ(w.command, Command::kWatch);
  EXPECT_EQ(w.count, std::optional<std::uint64_t>(3));
}

TEST(ParseArgumentsTest, HelpWinsOverErrors) {
  EXPECT_TRUE(ParseOk({"--help"}).help);
  EXPECT_TRUE(ParseOk({"bogus", "--nope", "-h"}).help);
  EXPECT_THAT(UsageText(), HasSubstr("Exit codes:"));
  EXPECT_THAT(UsageText(), HasSubstr("130"));
}

TEST(ParseArgumentsTest, ErrorMessages) {
  struct Case {
    std::vector<std::string> args;
    std::string message;
  };
  const std::vector<Case> cases = {
      {{}, "missing command: get, update, delete, watch or list"},
      {{"--thing", "lamp"}, "missing command: get, update, delete, watch or list"},
      {{"lsit"}, "unknown command 'lsit'; did you mean 'list'?"},
      {{"list"}, "missing --thing"},
      {{"gte"}, "unknown command 'gte'; did you mean 'get'?"},
      {With(Base("get"), {"extra"}), "unexpected argument 'extra'"},
      {With(Base("get"), {"--verbose"}), "unknown flag '--verbose'"},
      {With(Base("get"), {"--brokr", "x"}), "unknown flag '--brokr'; did you mean '--broker'?"},
      {With(Base("get"), {"-v"}), "unknown flag '-v'"},
      {With(Base("get"), {"--timeout"}), "--timeout: needs a value"},
      {With(Base("get"), {"--thing", "other"}), "--thing given more than once"},
      {{"get", "--broker", "tcp://h:1"}, "missing --thing"},
      {{"get", "--thing", "lamp"},
       "missing --broker (mqtts://host:port, tcp://host:port, wss://host/mqtt or "
       "https://host:port)"},
      {{"get", "--thing", "la.mp", "--broker", "tcp://h:1"},
       "--thing: thing name: character '.' at position 2 is not allowed (allowed: a-z A-Z 0-9 "
       ": _ -)"},
      {{"get", "--thing", "", "--broker", "tcp://h:1"},
       "--thing: thing name: empty (must be 1 to 128 characters)"},
      {With(Base("get"), {"--shadow", "a/b"}),
       "--shadow: shadow name: character '/' at position 1 is not allowed (allowed: $ a-z A-Z 0-9 "
       ": _ -)"},
      {{"get", "--thing", "lamp", "--broker", "localhost:1883"},
       "--broker: 'localhost:1883' is not mqtts://host:port, tcp://host:port, wss://host/mqtt or "
       "https://host:port"},
      {With(Base("get"), {"--ca", "ca.pem"}), "--ca needs a TLS broker, not tcp://127.0.0.1:1883"},
      {With(Base("get"), {"--alpn", "x-amzn-mqtt-ca"}),
       "--alpn needs a TLS broker, not tcp://127.0.0.1:1883"},
      {{"get", "--thing", "lamp", "--broker", "ssl://h:8883", "--cert", "c.pem"},
       "--cert and --key go together"},
      {{"get", "--thing", "lamp", "--broker", "ssl://h:8883", "--alpn", ""},
       "--alpn: a protocol name is 1 to 255 bytes"},
      {With(Base("get"), {"--client-id", ""}), "--client-id: empty value"},
      {With(Base("get"), {"--timeout", "0"}), "--timeout: '0' is not a positive number of seconds"},
      {With(Base("get"), {"--timeout", "-1"}),
       "--timeout: '-1' is not a positive number of seconds"},
      {With(Base("get"), {"--timeout", "5s"}),
       "--timeout: '5s' is not a positive number of seconds"},
      {With(Base("get"), {"--desired", "{}"}), "--desired is only valid with update"},
      {With(Base("update"), {"--count", "1", "--desired", "{}"}),
       "--count is only valid with watch"},
      {Base("update"), "update needs one of --desired, --reported or --file"},
      {With(Base("update"), {"--desired", "{}", "--reported", "{}"}),
       "update takes only one of --desired, --reported or --file"},
      {With(Base("update"), {"--file", ""}), "--file: empty path"},
      {With(Base("update"), {"--desired", "{}", "--version", "-3"}),
       "--version: '-3' is not a non-negative integer"},
      {With(Base("update"), {"--desired", "{}", "--version", "99999999999999999999"}),
       "--version: '99999999999999999999' is not a non-negative integer"},
      {With(Base("update"), {"--desired", "{}", "--max-document-bytes", "0"}),
       "--max-document-bytes: '0' is not a positive integer"},
      {With(Base("update"), {"--desired", "{}", "--max-depth", "x"}),
       "--max-depth: 'x' is not an integer from 1 to 1000"},
      {With(Base("watch"), {"--count", "0"}), "--count: '0' is not a positive integer"},
  };
  for (const Case& c : cases) {
    std::string joined;
    for (const std::string& a : c.args) joined += "[" + a + "] ";
    EXPECT_EQ(ParseError(c.args), c.message) << joined;
  }
}

// --- request payloads ---

TEST(BuildRequestTest, GetAndDeleteCarryOnlyTheClientToken) {
  Result<Request> get = BuildRequest(ParseOk(Base("get")), "shadowctl-1-ab");
  ASSERT_TRUE(get.ok());
  EXPECT_EQ(get->payload, R"({"clientToken":"shadowctl-1-ab"})");
  EXPECT_EQ(get->client_token, "shadowctl-1-ab");
  Result<Request> del = BuildRequest(ParseOk(Base("delete")), "t");
  ASSERT_TRUE(del.ok());
  EXPECT_EQ(del->payload, R"({"clientToken":"t"})");
}

TEST(BuildRequestTest, DesiredWithVersion) {
  Options o =
      ParseOk(With(Base("update"), {"--desired", R"({"color":"red","n":1.50})", "--version", "4"}));
  Result<Request> r = BuildRequest(o, "tok");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  // The user's JSON is sent byte for byte.
  EXPECT_EQ(r->payload,
            R"({"state":{"desired":{"color":"red","n":1.50}},"clientToken":"tok","version":4})");
  UpdateRequest parsed = UpdateRequest::Parse(r->payload);
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed.client_token(), std::optional<std::string>("tok"));
  EXPECT_EQ(parsed.version(), std::optional<std::uint64_t>(4));
  ASSERT_NE(parsed.desired(), nullptr);
  EXPECT_EQ(parsed.reported(), nullptr);
}

TEST(BuildRequestTest, ReportedAndNull) {
  Result<Request> r =
      BuildRequest(ParseOk(With(Base("update"), {"--reported", R"({"on":true})"})), "tok");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->payload, R"({"state":{"reported":{"on":true}},"clientToken":"tok"})");
  // M7: null clears the section.
  Result<Request> clear = BuildRequest(ParseOk(With(Base("update"), {"--desired", "null"})), "t");
  ASSERT_TRUE(clear.ok());
  EXPECT_EQ(clear->payload, R"({"state":{"desired":null},"clientToken":"t"})");
}

TEST(BuildRequestTest, JsonErrorShowsTheOffset) {
  Result<Request> r =
      BuildRequest(ParseOk(With(Base("update"), {"--desired", R"({"a":1,})"})), "t");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(),
            "--desired: JSON parse error at offset 7: Missing a name for object member. A "
            "trailing comma before '}'? JSON allows none.\n"
            "  {\"a\":1,}\n"
            "         ^");
  Result<Request> empty = BuildRequest(ParseOk(With(Base("update"), {"--reported", ""})), "t");
  ASSERT_FALSE(empty.ok());
  EXPECT_THAT(empty.status().message(),
              StartsWith("--reported: JSON parse error at offset 0: The document is empty."));
}

TEST(BuildRequestTest, ServiceRejectionsBecomeLocalErrors) {
  struct Case {
    std::string desired;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"[1,2]",
       "invalid update request: Desired node must be an object (the service would answer 400)"},
      {"\"on\"",
       "invalid update request: Desired node must be an object (the service would answer 400)"},
      {R"({"a":[1,null]})", "invalid update request: Invalid JSON"},
      {R"({"a":{"b":{"c":{"d":{"e":{"f":{"g":1}}}}}}})",
       "invalid update request: JSON contains too many levels of nesting; maximum is 6 (the "
       "service would answer 400)"},
  };
  for (const Case& c : cases) {
    Result<Request> r = BuildRequest(ParseOk(With(Base("update"), {"--desired", c.desired})), "t");
    ASSERT_FALSE(r.ok()) << c.desired;
    EXPECT_THAT(r.status().message(), StartsWith(c.message)) << c.desired;
  }
  // --max-depth follows an emulator started with a larger limit.
  Result<Request> deeper = BuildRequest(
      ParseOk(With(Base("update"), {"--desired", cases[3].desired, "--max-depth", "7"})), "t");
  EXPECT_TRUE(deeper.ok()) << deeper.status().ToString();
}

TEST(BuildRequestTest, DocumentSizeLimitWhereCertain) {
  const std::string big = "{\"blob\":\"" + std::string(8200, 'x') + "\"}";
  Result<Request> r = BuildRequest(ParseOk(With(Base("update"), {"--desired", big})), "t");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(),
            "update too large: desired and reported would hold at least 8211 bytes after the "
            "merge, more than the limit of 8192 (L1; the service would answer 413 The payload "
            "exceeds the maximum size allowed)");
  EXPECT_TRUE(
      BuildRequest(
          ParseOk(With(Base("update"), {"--desired", big, "--max-document-bytes", "9000"})), "t")
          .ok());
  // Deletions are not stored: a long list of nulls is fine (M2, M10).
  std::string nulls = "{";
  for (int i = 0; i < 1000; ++i) nulls += (i ? ",\"key" : "\"key") + std::to_string(i) + "\":null";
  nulls += ",\"nested\":{\"x\":null}}";
  EXPECT_TRUE(BuildRequest(ParseOk(With(Base("update"), {"--reported", nulls})), "t").ok());
  // L5: the PUBLISH itself.
  const std::string huge = "{\"blob\":\"" + std::string(140000, 'x') + "\"}";
  Result<Request> h = BuildRequest(
      ParseOk(With(Base("update"), {"--desired", huge, "--max-document-bytes", "1000000"})), "t");
  ASSERT_FALSE(h.ok());
  EXPECT_THAT(h.status().message(), HasSubstr("more than the 131072 bytes AWS IoT accepts"));
}

TEST(BuildRequestTest, FileGetsTokenAndVersionInserted) {
  const std::string path = TempFile("  {\"state\": {\"reported\": {\"t\": 21.50}}}\n");
  Result<Request> r =
      BuildRequest(ParseOk(With(Base("update"), {"--file", path, "--version", "3"})), "tok");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  // Inserted first; every other byte stays as in the file.
  EXPECT_EQ(
      r->payload,
      "  {\"clientToken\":\"tok\",\"version\":3,\"state\": {\"reported\": {\"t\": 21.50}}}\n");
  EXPECT_EQ(r->client_token, "tok");
  std::remove(path.c_str());
}

TEST(BuildRequestTest, FileKeepsItsOwnToken) {
  const std::string path =
      TempFile(R"({"state":{"desired":{"a":1}},"clientToken":"mine","version":5})");
  Result<Request> r =
      BuildRequest(ParseOk(With(Base("update"), {"--file", path, "--version", "5"})), "tok");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->payload, R"({"state":{"desired":{"a":1}},"clientToken":"mine","version":5})");
  EXPECT_EQ(r->client_token, "mine");
  Result<Request> conflict =
      BuildRequest(ParseOk(With(Base("update"), {"--file", path, "--version", "6"})), "tok");
  ASSERT_FALSE(conflict.ok());
  EXPECT_EQ(conflict.status().message(), "--version 6 conflicts with \"version\": 5 in " + path);
  std::remove(path.c_str());
}

TEST(BuildRequestTest, FileErrors) {
  Result<Request> missing =
      BuildRequest(ParseOk(With(Base("update"), {"--file", "/nonexistent/shadowctl.json"})), "t");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().message(),
            "--file: cannot open '/nonexistent/shadowctl.json': No such file or directory");

  const std::string array = TempFile("[1]");
  Result<Request> not_object = BuildRequest(ParseOk(With(Base("update"), {"--file", array})), "t");
  ASSERT_FALSE(not_object.ok());
  EXPECT_EQ(not_object.status().message(),
            "--file " + array +
                ": an update request is a JSON object like {\"state\":{\"desired\":{...}}}, not "
                "array");

  const std::string broken = TempFile("{\"state\":{\"desired\":{\"a\" 1}}}");
  Result<Request> syntax = BuildRequest(ParseOk(With(Base("update"), {"--file", broken})), "t");
  ASSERT_FALSE(syntax.ok());
  EXPECT_THAT(syntax.status().message(),
              StartsWith("--file " + broken + ": JSON parse error at offset 25"));

  // The common mistake: no "state" wrapper.
  const std::string no_state = TempFile(R"({"desired":{"a":1}})");
  Result<Request> missing_state =
      BuildRequest(ParseOk(With(Base("update"), {"--file", no_state})), "t");
  ASSERT_FALSE(missing_state.ok());
  EXPECT_EQ(missing_state.status().message(),
            "invalid update request: Missing required node: state (the service would answer "
            "400)");

  // L3: a clientToken of 65 bytes.
  const std::string long_token =
      TempFile("{\"state\":null,\"clientToken\":\"" + std::string(65, 'k') + "\"}");
  Result<Request> token = BuildRequest(ParseOk(With(Base("update"), {"--file", long_token})), "t");
  ASSERT_FALSE(token.ok());
  EXPECT_EQ(token.status().message(),
            "invalid update request: Invalid clientToken (the service would answer 400)");
  for (const std::string& p : {array, broken, no_state, long_token}) std::remove(p.c_str());
}

TEST(BuildRequestTest, MadeTokensAreUniqueAndShort) {
  const std::string a = MakeClientToken();
  const std::string b = MakeClientToken();
  EXPECT_NE(a, b);
  EXPECT_THAT(a, StartsWith("shadowctl-" + std::to_string(getpid()) + "-"));
  EXPECT_LE(a.size(), 64u);
}

// --- running a request ---

TEST(ShadowCtlTest, GetSubscribesBeforePublishingAndPrintsTheDocument) {
  FakeTransport t;
  t.on_publish = [&t](const std::string&, const std::string& payload) {
    t.Deliver(kAccepted, R"({"state":{"reported":{"on":true}},"metadata":{},"version":3,)"
                         R"("timestamp":1700000000,"clientToken":")" +
                             TokenOf(payload) + "\"}");
  };
  Outcome o = RunCtl(ParseOk(Base("get")), t);
  EXPECT_EQ(o.rc, kExitOk) << o.err;
  EXPECT_THAT(t.calls, ElementsAre("connect", std::string("subscribe ") + kAccepted + " 1",
                                   std::string("subscribe ") + kRejected + " 1",
                                   "publish $aws/things/lamp/shadow/get 1", "disconnect"));
  EXPECT_EQ(t.published[0].second, R"({"clientToken":"tok-1"})");
  EXPECT_EQ(o.out,
            "{\n"
            "  \"state\": {\n"
            "    \"reported\": {\n"
            "      \"on\": true\n"
            "    }\n"
            "  },\n"
            "  \"metadata\": {},\n"
            "  \"version\": 3,\n"
            "  \"timestamp\": 1700000000,\n"
            "  \"clientToken\": \"tok-1\"\n"
            "}\n");
  EXPECT_EQ(o.err, "");
}

TEST(ShadowCtlTest, CompactOutputAndNamedShadow) {
  FakeTransport t;
  t.on_publish = [&t](const std::string& topic, const std::string& payload) {
    EXPECT_EQ(topic, "$aws/things/lamp/shadow/name/cfg/delete");
    t.Deliver("$aws/things/lamp/shadow/name/cfg/delete/accepted",
              R"({"version": 9, "timestamp": 1, "clientToken": ")" + TokenOf(payload) + "\"}");
  };
  Outcome o = RunCtl(ParseOk(With(Base("delete"), {"--shadow", "cfg", "--compact"})), t);
  EXPECT_EQ(o.rc, kExitOk) << o.err;
  EXPECT_EQ(o.out, "{\"version\":9,\"timestamp\":1,\"clientToken\":\"tok-1\"}\n");
}

TEST(ShadowCtlTest, UpdatePublishesTheValidatedRequest) {
  FakeTransport t;
  t.on_publish = [&t](const std::string&, const std::string& payload) {
    t.Deliver("$aws/things/lamp/shadow/update/accepted",
              R"({"state":{"desired":{"color":"green"}},"metadata":{"desired":{"color":)"
              R"({"timestamp":5}}},"version":2,"timestamp":5,"clientToken":")" +
                  TokenOf(payload) + "\"}");
  };
  Outcome o = RunCtl(ParseOk(With(Base("update"), {"--desired", R"({"color":"green"})", "--version",
                                                   "1", "--compact"})),
                     t, "shadowctl-42-00ff");
  EXPECT_EQ(o.rc, kExitOk) << o.err;
  ASSERT_EQ(t.published.size(), 1u);
  EXPECT_EQ(t.published[0].first, "$aws/things/lamp/shadow/update");
  EXPECT_EQ(t.published[0].second,
            R"({"state":{"desired":{"color":"green"}},"clientToken":"shadowctl-42-00ff",)"
            R"("version":1})");
  EXPECT_THAT(t.calls[1], HasSubstr("update/accepted"));
  EXPECT_THAT(t.calls[2], HasSubstr("update/rejected"));
  EXPECT_THAT(o.out, HasSubstr("\"version\":2"));
}

TEST(ShadowCtlTest, IgnoresAnswersForOtherClients) {
  FakeTransport t;
  t.on_publish = [&t](const std::string&, const std::string& payload) {
    const std::string token = TokenOf(payload);
    // P11: other requesters' answers reach every subscriber.
    t.Deliver(kRejected, R"({"code":409,"message":"Version conflict","clientToken":"other"})");
    t.Deliver(kAccepted, R"({"version":1,"clientToken":"other"})");
    t.Deliver(kAccepted, R"({"version":2})");                  // no token
    t.Deliver(kAccepted, R"({"version":3,"clientToken":5})");  // not a string
    t.Deliver(kAccepted, "not json " + token);                 // garbage
    t.Deliver("$aws/things/lamp/shadow/update/accepted",       // another topic
              R"({"version":4,"clientToken":")" + token + "\"}");
    t.Deliver(kAccepted, R"({"version":5,"clientToken":")" + token + "\"}");
    t.Deliver(kAccepted, R"({"version":6,"clientToken":")" + token + "\"}");  // after ours
  };
  Outcome o = RunCtl(ParseOk(With(Base("get"), {"--compact"})), t);
  EXPECT_EQ(o.rc, kExitOk) << o.err;
  EXPECT_EQ(o.out, "{\"version\":5,\"clientToken\":\"tok-1\"}\n");
}

TEST(ShadowCtlTest, AnswerFromAnotherThreadWithinTheTimeout) {
  FakeTransport t;
  std::thread responder;
  t.on_publish = [&t, &responder](const std::string&, const std::string& payload) {
    const std::string token = TokenOf(payload);
    responder = std::thread([&t, token] {
      t.Deliver(kAccepted, R"({"version":1,"clientToken":"someone-else"})");
      t.Deliver(kAccepted, R"({"version":1,"clientToken":")" + token + "\"}");
    });
  };
  Outcome o = RunCtl(ParseOk(With(Base("get"), {"--timeout", "5", "--compact"})), t);
  responder.join();
  EXPECT_EQ(o.rc, kExitOk) << o.err;
  EXPECT_EQ(o.out, "{\"version\":1,\"clientToken\":\"tok-1\"}\n");
}

TEST(ShadowCtlTest, RejectedExitsThreeWithCodeAndMessage) {
  FakeTransport t;
  t.on_publish = [&t](const std::string&, const std::string& payload) {
    t.Deliver(kRejected, R"({"code":404,"message":"No shadow exists with name: 'lamp'",)"
                         R"("clientToken":")" +
                             TokenOf(payload) + "\"}");
  };
  Outcome o = RunCtl(ParseOk(Base("get")), t);
  EXPECT_EQ(o.rc, kExitRejected);
  EXPECT_EQ(o.out, "");
  EXPECT_EQ(o.err, "error: 404 No shadow exists with name: 'lamp'\n");
  EXPECT_EQ(t.calls.back(), "disconnect");
}

TEST(ShadowCtlTest, UpdateVersionConflictIsRejected) {
  FakeTransport t;
  t.on_publish = [&t](const std::string&, const std::string& payload) {
    t.Deliver(
        "$aws/things/lamp/shadow/update/rejected",
        R"({"code":409,"message":"Version conflict","clientToken":")" + TokenOf(payload) + "\"}");
  };
  Outcome o = RunCtl(ParseOk(With(Base("update"), {"--reported", "{}", "--version", "1"})), t);
  EXPECT_EQ(o.rc, kExitRejected);
  EXPECT_EQ(o.err, "error: 409 Version conflict\n");
}

TEST(ShadowCtlTest, TimeoutExitsFourAndNamesTheTopics) {
  FakeTransport t;
  t.on_publish = [&t](const std::string&, const std::string&) {
    t.Deliver(kAccepted, R"({"version":1,"clientToken":"not-ours"})");
  };
  const auto start = std::chrono::steady_clock::now();
  Outcome o = RunCtl(ParseOk(With(Base("get"), {"--timeout", "0.2"})), t);
  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(o.rc, kExitTimeout);
  EXPECT_GE(elapsed, std::chrono::milliseconds(200));
  EXPECT_LT(elapsed, std::chrono::seconds(2));
  EXPECT_EQ(o.out, "");
  EXPECT_EQ(o.err,
            "error: no answer within 0.2s (is the shadow service running? topics: "
            "$aws/things/lamp/shadow/get/accepted, $aws/things/lamp/shadow/get/rejected)\n");
}

TEST(ShadowCtlTest, TimeoutMentionsALostConnection) {
  FakeTransport t;
  t.on_publish = [&t](const std::string&, const std::string&) {
    t.Lose(Status(StatusCode::kUnavailable, "connection reset by peer"));
  };
  Outcome o = RunCtl(ParseOk(With(Base("get"), {"--timeout", "0.1"})), t);
  EXPECT_EQ(o.rc, kExitTimeout);
  EXPECT_THAT(o.err, HasSubstr("warning: connection lost: connection reset by peer"));
  EXPECT_THAT(o.err, HasSubstr("within 0.1s"));
  EXPECT_THAT(o.err, HasSubstr("; the connection was lost while waiting\n"));
}

TEST(ShadowCtlTest, ConnectFailureExitsFiveWithTheCause) {
  FakeTransport t;
  t.connect_status = Status(StatusCode::kUnavailable, "TLS: certificate verify failed");
  Outcome o = RunCtl(ParseOk({"get", "--thing", "lamp", "--broker",
                              "ssl://abc-ats.iot.eu-west-1.amazonaws.com:443"}),
                     t);
  EXPECT_EQ(o.rc, kExitConnection);
  EXPECT_EQ(o.err,
            "error: cannot connect to ssl://abc-ats.iot.eu-west-1.amazonaws.com:443: TLS: "
            "certificate verify failed\n"
            "hint: AWS IoT on port 443 needs --alpn x-amzn-mqtt-ca\n");
  EXPECT_TRUE(t.published.empty());

  FakeTransport plain;
  plain.connect_status = Status(StatusCode::kUnavailable, "connection refused");
  Outcome p = RunCtl(ParseOk(Base("get")), plain);
  EXPECT_EQ(p.rc, kExitConnection);
  EXPECT_EQ(p.err, "error: cannot connect to tcp://127.0.0.1:1883: connection refused\n");

  // The transport's TLS diagnosis names the flags, not MqttOptions' fields.
  FakeTransport no_cert;
  no_cert.connect_status = Status(
      StatusCode::kUnavailable,
      "connect to ssl://localhost:28883 failed: TLS: the broker requires a client certificate "
      "(tlsv13 alert certificate required); set cert_file and key_file");
  Outcome c = RunCtl(
      ParseOk({"get", "--thing", "lamp", "--broker", "ssl://localhost:28883", "--ca", "ca.crt"}),
      no_cert);
  EXPECT_EQ(c.rc, kExitConnection);
  EXPECT_THAT(c.err, HasSubstr("; set --cert and --key\n"));

  // A cause that names the URI already is shown alone.
  FakeTransport named;
  named.connect_status =
      Status(StatusCode::kUnavailable, "connect to tcp://127.0.0.1:1883 failed: refused");
  Outcome n = RunCtl(ParseOk(Base("get")), named);
  EXPECT_EQ(n.rc, kExitConnection);
  EXPECT_EQ(n.err, "error: connect to tcp://127.0.0.1:1883 failed: refused\n");
}

TEST(ShadowCtlTest, SubscribeAndPublishFailuresExitFive) {
  FakeTransport t;
  t.subscribe_status = Status(StatusCode::kRejected, "SUBACK 0x80");
  Outcome o = RunCtl(ParseOk(Base("get")), t);
  EXPECT_EQ(o.rc, kExitConnection);
  EXPECT_EQ(o.err, std::string("error: cannot subscribe to ") + kAccepted + ": SUBACK 0x80\n");
  EXPECT_TRUE(t.published.empty());  // never publish without the answer topics

  FakeTransport p;
  p.publish_status = Status(StatusCode::kUnavailable, "not connected");
  Outcome q = RunCtl(ParseOk(Base("get")), p);
  EXPECT_EQ(q.rc, kExitConnection);
  EXPECT_EQ(q.err, "error: cannot publish to $aws/things/lamp/shadow/get: not connected\n");
}

TEST(ShadowCtlTest, InterruptWhileWaitingExits130) {
  FakeTransport t;
  StopSignal stop;
  std::thread interrupter;
  t.on_publish = [&stop, &interrupter](const std::string&, const std::string&) {
    interrupter = std::thread([&stop] { stop.Raise(2); });
  };
  const auto start = std::chrono::steady_clock::now();
  Outcome o = RunCtl(ParseOk(Base("get")), t, "tok", &stop);
  interrupter.join();
  EXPECT_EQ(o.rc, kExitInterrupted);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  EXPECT_EQ(o.err,
            std::string("error: interrupted (signal 2) before an answer on ") + kAccepted + "\n");
}

// --- watch ---

constexpr char kDelta[] = "$aws/things/lamp/shadow/update/delta";
constexpr char kDocuments[] = "$aws/things/lamp/shadow/update/documents";

TEST(WatchTest, PrintsOneLinePerEventAndIgnoresOthers) {
  FakeTransport t;
  t.on_subscribe = [&t](const std::string& filter) {
    if (filter != kDocuments) return;  // both subscriptions are in place
    t.Deliver(kDelta, R"({"state": {"on": true}, "version": 2})");
    t.Deliver("$aws/things/lamp/shadow/update/accepted", R"({"version":2})");  // not an event
    t.Deliver(kDelta, R"({"state":{"on":false}})", /*retained=*/true);         // a replay
    t.Deliver(kDelta, "garbage");
    t.Deliver(kDocuments, R"({"previous":null,"current":{"version":2},"timestamp":7})");
    t.Deliver(kDelta, R"({"state":{"x":1},"version":3})");
    t.Deliver(kDelta, R"({"state":{"x":2},"version":4})");  // beyond --count
  };
  Outcome o = RunCtl(ParseOk(With(Base("watch"), {"--count", "3"})), t);
  EXPECT_EQ(o.rc, kExitOk) << o.err;
  EXPECT_THAT(t.calls, ElementsAre("connect", std::string("subscribe ") + kDelta + " 1",
                                   std::string("subscribe ") + kDocuments + " 1", "disconnect"));
  EXPECT_EQ(o.out,
            "{\"type\":\"delta\",\"topic\":\"$aws/things/lamp/shadow/update/delta\","
            "\"payload\":{\"state\":{\"on\":true},\"version\":2}}\n"
            "{\"type\":\"documents\",\"topic\":\"$aws/things/lamp/shadow/update/documents\","
            "\"payload\":{\"previous\":null,\"current\":{\"version\":2},\"timestamp\":7}}\n"
            "{\"type\":\"delta\",\"topic\":\"$aws/things/lamp/shadow/update/delta\","
            "\"payload\":{\"state\":{\"x\":1},\"version\":3}}\n");
  EXPECT_THAT(o.err, HasSubstr("warning: ignoring a message on " + std::string(kDelta) +
                               " that is not JSON"));
  // Every line is one JSON object.
  std::istringstream lines(o.out);
  for (std::string line; std::getline(lines, line);) {
    Result<JsonDocument> doc = ParseJson(line);
    ASSERT_TRUE(doc.ok()) << line;
    EXPECT_TRUE(doc->IsObject());
  }
}

TEST(WatchTest, NamedShadowTopics) {
  FakeTransport t;
  Outcome o = RunCtl(ParseOk(With(Base("watch"), {"--shadow", "cfg", "--timeout", "0.05"})), t);
  EXPECT_EQ(o.rc, kExitOk);  // --timeout without --count: a normal end
  EXPECT_THAT(
      t.calls,
      ElementsAre("connect", "subscribe $aws/things/lamp/shadow/name/cfg/update/delta 1",
                  "subscribe $aws/things/lamp/shadow/name/cfg/update/documents 1", "disconnect"));
}

TEST(WatchTest, StopsOnSignalWithExitZero) {
  FakeTransport t;
  StopSignal stop;
  std::thread feeder;
  t.on_subscribe = [&](const std::string& filter) {
    if (filter != kDocuments) return;
    feeder = std::thread([&] {
      t.Deliver(kDelta, R"({"state":{"a":1}})");
      stop.Raise(15);
    });
  };
  Outcome o = RunCtl(ParseOk(Base("watch")), t, "tok", &stop);
  feeder.join();
  EXPECT_EQ(o.rc, kExitOk) << o.err;
  EXPECT_EQ(o.out,
            "{\"type\":\"delta\",\"topic\":\"$aws/things/lamp/shadow/update/delta\","
            "\"payload\":{\"state\":{\"a\":1}}}\n");
  EXPECT_EQ(o.err, "");
}

TEST(WatchTest, CountNotReachedWithinTimeoutExitsFour) {
  FakeTransport t;
  t.on_subscribe = [&t](const std::string& filter) {
    if (filter == kDocuments) t.Deliver(kDocuments, R"({"current":{}})");
  };
  Outcome o = RunCtl(ParseOk(With(Base("watch"), {"--count", "2", "--timeout", "0.1"})), t);
  EXPECT_EQ(o.rc, kExitTimeout);
  EXPECT_EQ(o.err,
            "error: 1 of 2 events within 0.1s (topics: $aws/things/lamp/shadow/update/delta, "
            "$aws/things/lamp/shadow/update/documents)\n");
}

// --- RunMain: everything main() does except signals and Paho ---

struct FactoryProbe {
  MqttOptions options;
  int calls = 0;
  std::vector<std::string> payloads;  // published by the (now destroyed) transport
};

TransportFactory FakeFactory(FactoryProbe* probe,
                             std::function<void(FakeTransport&)> setup = nullptr) {
  return [probe, setup](const MqttOptions& options) -> Result<std::unique_ptr<Transport>> {
    ++probe->calls;
    probe->options = options;
    auto t = std::make_unique<FakeTransport>();
    if (setup) setup(*t);
    return std::unique_ptr<Transport>(std::move(t));
  };
}

Outcome Main(const std::vector<std::string>& args, const TransportFactory& factory) {
  std::ostringstream out;
  std::ostringstream err;
  StopSignal stop;
  const int rc = RunMain(args, factory, out, err, stop);
  return {rc, out.str(), err.str()};
}

TEST(RunMainTest, UsageErrorExitsTwo) {
  FactoryProbe probe;
  Outcome o = Main({"get", "--thing", "lamp"}, FakeFactory(&probe));
  EXPECT_EQ(o.rc, kExitUsage);
  EXPECT_EQ(o.err,
            "error: missing --broker (mqtts://host:port, tcp://host:port, wss://host/mqtt or "
            "https://host:port)\n"
            "see 'shadowctl --help'\n");
  EXPECT_EQ(probe.calls, 0);
}

TEST(RunMainTest, HelpExitsZero) {
  FactoryProbe probe;
  Outcome o = Main({"--help"}, FakeFactory(&probe));
  EXPECT_EQ(o.rc, kExitOk);
  EXPECT_EQ(o.out, UsageText());
  EXPECT_EQ(probe.calls, 0);
}

TEST(RunMainTest, InvalidUpdateIsNotSent) {
  FactoryProbe probe;
  Outcome o = Main(With(Base("update"), {"--desired", "{\"a\":}"}), FakeFactory(&probe));
  EXPECT_EQ(o.rc, kExitUsage);
  EXPECT_THAT(o.err, StartsWith("error: --desired: JSON parse error at offset 5: "));
  EXPECT_EQ(probe.calls, 0);
}

TEST(InFlagTermsTest, NamesTheFlagsNotTheFields) {
  EXPECT_EQ(InFlagTerms("ca_file: required for ssl://"), "--ca: required for ssl://");
  EXPECT_EQ(InFlagTerms("set cert_file and key_file"), "set --cert and --key");
  EXPECT_EQ(InFlagTerms("alpn_protocols: empty protocol name"), "--alpn: empty protocol name");
  // Not inside other words or paths.
  EXPECT_EQ(InFlagTerms("/etc/ca_file.pem and my_cert_file"), "/etc/ca_file.pem and my_cert_file");
}

// F10: --desired with a whole request nests it; valid, so sent, but warned.
TEST(RunMainTest, DesiredWithAStateMemberIsSentWithAWarning) {
  FactoryProbe probe;
  Result<Request> nested = BuildRequest(
      ParseOk(With(Base("update"), {"--desired", R"({"state":{"desired":{"a":1}}})"})), "t");
  ASSERT_TRUE(nested.ok()) << nested.status().ToString();
  ASSERT_EQ(nested->warnings.size(), 1u);
  EXPECT_EQ(nested->warnings[0],
            "--desired got an object with a \"state\" member, which is stored as desired.state; "
            "to send a whole update request {\"state\":{...}}, use --file F (or --file - for "
            "stdin)");
  Result<Request> reported =
      BuildRequest(ParseOk(With(Base("update"), {"--reported", R"({"reported":{"a":1}})"})), "t");
  ASSERT_TRUE(reported.ok());
  EXPECT_THAT(reported->warnings, ElementsAre(HasSubstr("stored as reported.reported")));
  Result<Request> plain =
      BuildRequest(ParseOk(With(Base("update"), {"--desired", R"({"a":{"state":1}})"})), "t");
  ASSERT_TRUE(plain.ok());
  EXPECT_TRUE(plain->warnings.empty());
  // RunMain prints it before it connects.
  Outcome o = Main(With(Base("update"), {"--desired", R"({"state":{"desired":{"a":1}}})"}),
                   [](const MqttOptions&) -> Result<std::unique_ptr<Transport>> {
                     return Status(StatusCode::kUnavailable, "down");
                   });
  EXPECT_THAT(o.err, StartsWith("warning: --desired got an object with a \"state\" member"));
}

TEST(RunMainTest, FactoryErrors) {
  auto failing = [](Status status) {
    return [status](const MqttOptions&) -> Result<std::unique_ptr<Transport>> { return status; };
  };
  Outcome bad = Main(Base("get"), failing(InvalidArgumentError("ca_file: cannot read 'x'")));
  EXPECT_EQ(bad.rc, kExitUsage);
  EXPECT_EQ(bad.err, "error: --ca: cannot read 'x'\n");  // shadowctl's name for ca_file
  // The library's key rule (the agent's) holds here too, named by the flag.
  Outcome open_key =
      Main(Base("get"), failing(FailedPreconditionError(
                            "key_file k.pem has mode 0644: the private key must not be readable by "
                            "group or others; fix: chmod 600 k.pem")));
  EXPECT_EQ(open_key.rc, kExitUsage);
  EXPECT_EQ(open_key.err,
            "error: --key k.pem has mode 0644: the private key must not be readable by group or "
            "others; fix: chmod 600 k.pem\n");
  Outcome down = Main(Base("get"), failing(Status(StatusCode::kUnavailable, "no memory")));
  EXPECT_EQ(down.rc, kExitConnection);
}

TEST(RunMainTest, RoundTripWithAGeneratedClientIdAndToken) {
  FactoryProbe probe;
  Outcome o =
      Main(With(Base("get"), {"--compact"}), FakeFactory(&probe, [&probe](FakeTransport& t) {
             t.on_publish = [&t, &probe](const std::string&, const std::string& payload) {
               probe.payloads.push_back(payload);
               t.Deliver(kAccepted, R"({"version":1,"clientToken":")" + TokenOf(payload) + "\"}");
             };
           }));
  EXPECT_EQ(o.rc, kExitOk) << o.err;
  EXPECT_THAT(probe.options.client_id, StartsWith("shadowctl-" + std::to_string(getpid()) + "-"));
  ASSERT_EQ(probe.payloads.size(), 1u);
  EXPECT_THAT(TokenOf(probe.payloads[0]), StartsWith("shadowctl-"));
  EXPECT_THAT(o.out, StartsWith("{\"version\":1,\"clientToken\":\"shadowctl-"));
}

// The protocol follows from --broker's scheme and --cert (docs/shadowctl.md,
// "Over HTTPS"), or from --protocol, which must agree with the scheme.
TEST(ParseArgumentsTest, ProtocolFromTheSchemeTheCertificateOrTheFlag) {
  EXPECT_EQ(ParseOk(Base("get")).protocol, Protocol::kMqtt);
  const std::vector<std::string> https = {"get", "--thing", "lamp", "--broker",
                                          "https://127.0.0.1:8443"};
  EXPECT_EQ(ParseOk(https).protocol, Protocol::kHttpsSigV4);
  EXPECT_EQ(ParseOk(With(https, {"--cert", "c.pem", "--key", "k.pem"})).protocol,
            Protocol::kHttpsCertificate);
  Options sigv4 = ParseOk(With(https, {"--profile", "ops", "--region", "eu-west-1"}));
  EXPECT_EQ(sigv4.profile, "ops");
  EXPECT_EQ(sigv4.region, "eu-west-1");
  EXPECT_EQ(ParseOk(With(https, {"--protocol", "https-sigv4"})).protocol, Protocol::kHttpsSigV4);
  // wss:// is MQTT, signed with SigV4: the region is resolved when parsing.
  const Options websocket = ParseOk(
      {"get", "--thing", "lamp", "--broker", "wss://example.com/mqtt", "--region", "eu-west-1"});
  EXPECT_EQ(websocket.protocol, Protocol::kMqtt);
  ASSERT_TRUE(websocket.mqtt.sigv4.has_value());
  EXPECT_EQ(websocket.mqtt.sigv4->region, "eu-west-1");

  EXPECT_EQ(
      ParseError(With(Base("get"), {"--protocol", "https-cert"})),
      "--protocol https-cert does not go with --broker tcp://127.0.0.1:1883 (an MQTT broker)");
  EXPECT_EQ(ParseError(With(https, {"--protocol", "https-cert"})),
            "--protocol https-cert needs --cert and --key");
  EXPECT_EQ(ParseError(With(https, {"--protocol", "coap"})),
            "--protocol: 'coap' is not mqtt, https-cert or https-sigv4");
  EXPECT_EQ(ParseError(With(Base("get"), {"--region", "x"})),
            "--region is for SigV4 (https:// without --cert, or wss://)");
}

TEST(ParseArgumentsTest, WatchPollsOverHttpsAndListNeedsHttps) {
  const std::vector<std::string> https_watch = {"watch", "--thing", "lamp", "--broker",
                                                "https://h"};
  EXPECT_EQ(ParseOk(https_watch).poll_interval, std::chrono::milliseconds(2000));
  EXPECT_EQ(ParseOk(With(https_watch, {"--interval", "0.25"})).poll_interval,
            std::chrono::milliseconds(250));
  EXPECT_EQ(ParseError(With(https_watch, {"--interval", "0"})),
            "--interval: '0' is not a positive number of seconds");
  EXPECT_EQ(ParseError(With(Base("watch"), {"--interval", "1"})),
            "--interval is for watch over HTTPS (it polls); MQTT watch is pushed");
  EXPECT_NE(ParseError(Base("list")).find("list needs HTTPS"), std::string::npos);
  Options list = ParseOk({"list", "--thing", "lamp", "--broker", "https://h", "--page-size", "10"});
  EXPECT_EQ(list.command, Command::kList);
  EXPECT_EQ(list.page_size, 10);
  EXPECT_EQ(ParseError({"list", "--thing", "lamp", "--broker", "https://h", "--page-size", "0"}),
            "--page-size: '0' is not an integer from 1 to 100");
}

}  // namespace
}  // namespace shadowctl
}  // namespace shadowsync
