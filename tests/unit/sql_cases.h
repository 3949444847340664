// SPDX-License-Identifier: Apache-2.0
//
// Tables of AWS IoT SQL cases: a statement evaluated on one message,
// rendered as one string, so that the tests of each part of lib/src/rules/
// (sql_statement_test, sql_evaluator_test, sql_functions_test,
// sql_value_test, sql_parser_test) read as input -> output tables.

#ifndef SHADOWSYNC_TESTS_UNIT_SQL_CASES_H_
#define SHADOWSYNC_TESTS_UNIT_SQL_CASES_H_

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "shadowsync/json.h"
#include "shadowsync/sql.h"

namespace shadowsync::sql_cases {

inline constexpr char kNoMatch[] = "no match";

// The message every example of the SELECT and reference pages uses.
inline constexpr char kRed50[] = R"({"color":"red", "temperature":50})";

// Evaluates `sql` on one message and renders the outcome as the compact
// result, "no match", "raw:<payload>" or "error: <message>".
inline std::string EvaluateSql(const std::string& sql, const std::string& topic,
                               const std::string& payload,
                               std::int64_t timestamp_ms = 1481825251155) {
  Result<SqlStatement> statement = SqlStatement::Parse(sql);
  if (!statement.ok()) return "parse error: " + statement.status().message();
  Result<JsonDocument> json = ParseJson(payload);
  SqlMessage message;
  message.topic = topic;
  message.payload = payload;
  message.payload_json = json.ok() ? &*json : nullptr;
  message.client_id = "lamp-client";
  message.principal = "abc123thumbprint";
  message.timestamp_ms = timestamp_ms;
  int uuids = 0;
  message.new_uuid = [&uuids] { return "uuid-" + std::to_string(++uuids); };
  Result<SqlOutcome> outcome = statement->Evaluate(message);
  if (!outcome.ok()) return "error: " + outcome.status().message();
  if (!outcome->matched) return kNoMatch;
  if (outcome->raw_payload) return "raw:" + payload;
  return ToCompactJson(outcome->result);
}

struct Case {
  std::string sql;
  std::string payload;
  std::string expected;  // compact JSON, "no match", "raw:..." or "error: ..."
  std::string topic = "topic/subtopic";
};

inline void ExpectCases(const std::vector<Case>& cases) {
  for (const Case& c : cases) {
    EXPECT_EQ(EvaluateSql(c.sql, c.topic, c.payload), c.expected)
        << c.sql << "\n  payload " << c.payload << "\n  topic " << c.topic;
  }
}

// A statement that must not parse, and its whole message.
struct ErrorCase {
  std::string sql;
  std::string message;
};

}  // namespace shadowsync::sql_cases

#endif  // SHADOWSYNC_TESTS_UNIT_SQL_CASES_H_
