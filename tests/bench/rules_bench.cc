// SPDX-License-Identifier: Apache-2.0
//
// (c) AWS IoT SQL evaluations per second (issue 13), against the floor for
// the same bytes.
//
// sql/<statement>: what the rules engine does for one message and one
// matching rule: parse the payload (ParseJson), evaluate the statement
// (FROM, WHERE, SELECT), and write the result as compact JSON (what a
// republish or a table row carries). The statement is parsed once, as the
// plugin does at load.
//
// sql_floor: RapidJSON parses the same payload into a DOM with its default
// flags and writes it back compact: no evaluator can do less per message.
//
// The payload is an update/accepted document of the agent's greenhouse
// section (state, metadata, version, timestamp, clientToken; 523 bytes).

#include <benchmark/benchmark.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cstdint>
#include <string>

#include "bench.h"
#include "shadowsync/json.h"
#include "shadowsync/sql.h"

namespace shadowsync {
namespace bench {
namespace {

const char kTopic[] = "$aws/things/greenhouse-1/shadow/update/accepted";
const char kPayload[] =
    R"({"state":{"reported":{"greenhouse":{"temperature_c":24.5,"humidity_pct":61,"fan":true,)"
    R"("lamp":"off","soil_moisture":[31,33,30,29]}}},"metadata":{"reported":{"greenhouse":{)"
    R"("temperature_c":{"timestamp":1700000000},"humidity_pct":{"timestamp":1700000000},)"
    R"("fan":{"timestamp":1700000000},"lamp":{"timestamp":1700000000},"soil_moisture":[)"
    R"({"timestamp":1700000000},{"timestamp":1700000000},{"timestamp":1700000000},)"
    R"({"timestamp":1700000000}]}}},"version":42,"timestamp":1700000000,)"
    R"("clientToken":"agent-greenhouse-1-0000000000000042"})";

// The issue's agent statement (with isUndefined, docs/rules.md), and the
// ESP32 tutorial's SELECT * with two more keys.
const char kAgentSql[] =
    "SELECT state.reported.greenhouse.temperature_c AS t, topic(3) AS thing, timestamp() AS ts "
    "FROM '$aws/things/+/shadow/update/accepted' "
    "WHERE NOT isUndefined(state.reported.greenhouse.temperature_c)";
const char kStarSql[] =
    "SELECT *, topic() AS topic, timestamp() AS ts FROM '$aws/things/+/shadow/update/accepted'";

void BM_Sql(benchmark::State& state, const char* sql) {
  Result<SqlStatement> statement = SqlStatement::Parse(sql);
  if (!statement.ok()) {
    state.SkipWithError(statement.status().message().c_str());
    return;
  }
  const std::string payload = kPayload;
  std::int64_t now = 1700000000000;
  auto once = [&]() -> std::string {
    Result<JsonDocument> json = ParseJson(payload);
    SqlMessage message;
    message.topic = kTopic;
    message.payload = payload;
    message.payload_json = json.ok() ? &*json : nullptr;
    message.client_id = "n/a";
    message.timestamp_ms = now++;
    Result<SqlOutcome> outcome = statement->Evaluate(message);
    if (!outcome.ok() || !outcome->matched) return std::string();
    return ToCompactJson(outcome->result);
  };
  if (once().empty()) {
    state.SkipWithError("the statement does not match the payload");
    return;
  }
  for (auto _ : state) {
    std::string out = once();
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  state.counters["payload_B"] = static_cast<double>(payload.size());
  state.counters["evaluations/s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}

void BM_SqlFloor(benchmark::State& state) {
  const std::string payload = kPayload;
  for (auto _ : state) {
    rapidjson::Document doc;
    doc.Parse(payload.data(), payload.size());
    rapidjson::StringBuffer buffer;
    rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
    doc.Accept(writer);
    benchmark::DoNotOptimize(buffer.GetString());
    benchmark::ClobberMemory();
  }
  state.counters["payload_B"] = static_cast<double>(payload.size());
}

}  // namespace

void RegisterRulesBenchmarks() {
  benchmark::RegisterBenchmark("sql_floor", BM_SqlFloor)->Unit(benchmark::kMicrosecond);
  benchmark::RegisterBenchmark("sql/agent", BM_Sql, kAgentSql)->Unit(benchmark::kMicrosecond);
  benchmark::RegisterBenchmark("sql/select_star", BM_Sql, kStarSql)->Unit(benchmark::kMicrosecond);
  // No target in issue 13; 3x is the one the shadow service's update has.
  AddRatio({"(c) SQL evaluation / parse+stringify floor, agent statement", "sql/agent", "sql_floor",
            3.0, /*at_most=*/true});
  AddRatio({"(c) SQL evaluation / parse+stringify floor, SELECT *", "sql/select_star", "sql_floor",
            3.0, /*at_most=*/true});
}

}  // namespace bench
}  // namespace shadowsync
