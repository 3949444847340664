// SPDX-License-Identifier: Apache-2.0
//
// `shadowctl rules test` (the offline SQL tester: stdout and exit codes as
// docs/shadowctl.md promises) and the table `shadowctl rules` prints from a
// $shadowsync/rules/stats snapshot. The live listing runs against a real
// broker in tests/integration/broker_rules_test.cc.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

#include "rules_command.h"

namespace shadowsync::shadowctl {
namespace {

using ::testing::HasSubstr;

struct Outcome {
  int rc;
  std::string out;
  std::string err;
};

Outcome Rules(const std::vector<std::string>& args) {
  std::ostringstream out, err;
  StopSignal stop;
  TransportFactory no_broker = [](const MqttOptions&) -> Result<std::unique_ptr<Transport>> {
    return InternalError("no broker in this test");
  };
  const int rc = RunRules(args, no_broker, out, err, stop);
  return {rc, out.str(), err.str()};
}

TEST(RulesTest, TheCommandWordIsRules) {
  EXPECT_TRUE(IsRulesCommand({"rules", "test"}));
  EXPECT_FALSE(IsRulesCommand({"get", "--thing", "rules"}));
  EXPECT_FALSE(IsRulesCommand({}));
}

TEST(RulesTest, AMatchPrintsTheResultAsOneCompactJsonDocumentAndExitsZero) {
  Outcome r =
      Rules({"rules", "test", "--sql",
             "SELECT *, topic() AS topic, timestamp() AS ts, clientid() AS c, principal() AS "
             "p FROM 'esp32/pub'",
             "--topic", "esp32/pub", "--payload", R"({"temperature": 21.5, "humidity": 40})",
             "--clientid", "esp32-1", "--principal", "abc", "--timestamp", "1700000000000"});
  EXPECT_EQ(r.rc, 0) << r.err;
  EXPECT_EQ(r.out, R"({"temperature":21.5,"humidity":40,"topic":"esp32/pub","ts":1700000000000,)"
                   R"("c":"esp32-1","p":"abc"})"
                   "\n");
  EXPECT_EQ(r.err, "");
}

TEST(RulesTest, TheIssuesAgentStatementWithIsUndefined) {
  const std::string sql =
      "SELECT state.reported.greenhouse.temperature_c AS t, topic(3) AS thing FROM "
      "'$aws/things/+/shadow/update/accepted' WHERE NOT "
      "isUndefined(state.reported.greenhouse.temperature_c)";
  Outcome hit =
      Rules({"rules", "test", "--sql", sql, "--topic", "$aws/things/gh-1/shadow/update/accepted",
             "--payload", R"({"state":{"reported":{"greenhouse":{"temperature_c":24}}}})"});
  EXPECT_EQ(hit.rc, 0) << hit.err;
  EXPECT_EQ(hit.out, "{\"t\":24,\"thing\":\"gh-1\"}\n");
  // WHERE is Undefined-false: nothing on stdout, exit 1.
  Outcome miss =
      Rules({"rules", "test", "--sql", sql, "--topic", "$aws/things/gh-1/shadow/update/accepted",
             "--payload", R"({"state":{"reported":{"fan":true}}})"});
  EXPECT_EQ(miss.rc, kExitNoMatch);
  EXPECT_EQ(miss.out, "");
}

TEST(RulesTest, ATopicOutsideFromPrintsNothingAndExitsOne) {
  Outcome r =
      Rules({"rules", "test", "--sql", "SELECT * FROM 'a/+'", "--topic", "b/c", "--payload", "{}"});
  EXPECT_EQ(r.rc, 1);
  EXPECT_EQ(r.out, "");
}

TEST(RulesTest, SqlOutsideTheSubsetExitsTwoWithThePositionOnStderr) {
  Outcome r = Rules({"rules", "test", "--sql", "SELECT * FROM 'a' WHERE t != 1", "--topic", "a",
                     "--payload", "{}"});
  EXPECT_EQ(r.rc, 2);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, "error: SQL position 27: != is not an AWS IoT SQL operator; use <>\n");
  Outcome nested = Rules({"rules", "test", "--sql", "SELECT (SELECT a FROM 'b') AS x FROM 'a'",
                          "--topic", "a", "--payload", "{}"});
  EXPECT_EQ(nested.rc, 2);
  EXPECT_THAT(nested.err, HasSubstr("nested SELECT is not supported"));
}

TEST(RulesTest, ANonJsonPayloadPassesThroughSelectStarAsBytes) {
  Outcome r = Rules(
      {"rules", "test", "--sql", "SELECT * FROM 'raw'", "--topic", "raw", "--payload", "not json"});
  EXPECT_EQ(r.rc, 0) << r.err;
  EXPECT_EQ(r.out, "not json\n");
}

TEST(RulesTest, MissingFlagsAreAUsageError) {
  Outcome r = Rules({"rules", "test", "--sql", "SELECT * FROM 'a'"});
  EXPECT_EQ(r.rc, 2);
  EXPECT_THAT(r.err, HasSubstr("--topic"));
  Outcome list = Rules({"rules"});
  EXPECT_EQ(list.rc, 2);
  EXPECT_THAT(list.err, HasSubstr("--broker"));
}

TEST(RulesTest, HelpNamesTheExitCodes) {
  Outcome r = Rules({"rules", "test", "--help"});
  EXPECT_EQ(r.rc, 0);
  EXPECT_THAT(r.out, HasSubstr("--sql"));
  EXPECT_THAT(r.out, HasSubstr("1 FROM does not match"));
}

TEST(RulesTest, TheSnapshotIsPrintedAsATable) {
  Result<std::string> table = FormatRuleStats(
      R"({"rules":[{"name":"esp32_readings","enabled":true,"from":"esp32/pub","matched":12,)"
      R"("actionsSucceeded":11,"actionsFailed":1,"dropped":1,"republishCut":0},)"
      R"({"name":"off","enabled":false,"from":"a","matched":0,"actionsSucceeded":0,)"
      R"("actionsFailed":0,"dropped":0,"republishCut":0}]})");
  ASSERT_TRUE(table.ok()) << table.status().ToString();
  EXPECT_EQ(*table,
            "RULE            STATE     FROM       MATCHED  SUCCEEDED  FAILED  DROPPED  CUT\n"
            "esp32_readings  enabled   esp32/pub       12         11       1        1    0\n"
            "off             disabled  a                0          0       0        0    0\n");
  EXPECT_FALSE(FormatRuleStats("[]").ok());
}

}  // namespace
}  // namespace shadowsync::shadowctl
