// SPDX-License-Identifier: Apache-2.0
//
// libFuzzer target for lib/src/rules/ (sql.h, substitution_template.h).
//
// The input is a statement, optionally followed by a NUL and a payload.
// 1. SqlStatement::Parse on the statement: an error is kInvalidArgument
//    naming a position inside the text ("SQL position P", 1 <= P <= size+1).
// 2. When it parses: Evaluate on the payload (as JSON when it parses, else
//    as bytes) for a topic the FROM filter matches, twice, with the same
//    clock and uuids: the outcomes must be identical (evaluation is pure),
//    and a SELECT list result is an object.
// 3. SubstitutionTemplate::Parse on the statement text, and Render when it
//    parses: errors name a "template position" inside the text.
// Any broken property aborts, so libFuzzer reports it as a crash.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "shadowsync/json.h"
#include "shadowsync/sql.h"
#include "shadowsync/substitution_template.h"

namespace {

void Check(bool condition) {
  if (!condition) std::abort();
}

// Checks "<label> position P: ..." with P inside [1, size + 1].
void CheckPositionedError(const shadowsync::Status& status, std::string_view label,
                          std::size_t size) {
  Check(status.code() == shadowsync::StatusCode::kInvalidArgument);
  const std::string& message = status.message();
  const std::string prefix = std::string(label) + " position ";
  Check(message.rfind(prefix, 0) == 0);
  const std::size_t position = std::strtoull(message.c_str() + prefix.size(), nullptr, 10);
  Check(position >= 1 && position <= size + 1);
}

// A topic the filter matches: wildcards replaced by one level.
std::string TopicFor(std::string_view filter) {
  std::string topic;
  for (std::size_t i = 0; i < filter.size(); ++i) {
    const char c = filter[i];
    topic += (c == '+' || c == '#') ? std::string("lvl") : std::string(1, c);
  }
  return topic;
}

std::string Describe(const shadowsync::Result<shadowsync::SqlOutcome>& outcome) {
  if (!outcome.ok()) return "error " + outcome.status().message();
  if (!outcome->matched) return "no match";
  if (outcome->raw_payload) return "raw";
  return shadowsync::ToCompactJson(outcome->result);
}

shadowsync::SqlMessage MakeMessage(std::string_view topic, std::string_view payload,
                                   const shadowsync::JsonValue* json) {
  shadowsync::SqlMessage message;
  message.topic = topic;
  message.payload = payload;
  message.payload_json = json;
  message.client_id = "client";
  message.principal = "principal";
  message.timestamp_ms = 1700000000000;
  message.new_uuid = [] { return std::string("00000000-0000-4000-8000-000000000000"); };
  return message;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const std::size_t nul = input.find('\0');
  const std::string_view sql = input.substr(0, nul);
  const std::string_view payload = nul == std::string_view::npos
                                       ? std::string_view("{\"a\":{\"b\":1},\"s\":\"x\"}")
                                       : input.substr(nul + 1);

  shadowsync::Result<shadowsync::JsonDocument> json = shadowsync::ParseJson(payload);
  const shadowsync::JsonValue* payload_json = json.ok() ? &*json : nullptr;

  shadowsync::Result<shadowsync::SqlStatement> statement = shadowsync::SqlStatement::Parse(sql);
  if (!statement.ok()) {
    CheckPositionedError(statement.status(), "SQL", sql.size());
  } else {
    const std::string topic = TopicFor(statement->topic_filter());
    const shadowsync::SqlMessage message = MakeMessage(topic, payload, payload_json);
    const shadowsync::Result<shadowsync::SqlOutcome> first = statement->Evaluate(message);
    const shadowsync::Result<shadowsync::SqlOutcome> second = statement->Evaluate(message);
    Check(Describe(first) == Describe(second));
    if (first.ok() && first->matched && !first->raw_payload) {
      Check(!first->result.IsNull() || (payload_json != nullptr && payload_json->IsNull()));
    }
  }

  shadowsync::Result<shadowsync::SubstitutionTemplate> tmpl =
      shadowsync::SubstitutionTemplate::Parse(sql);
  if (!tmpl.ok()) {
    CheckPositionedError(tmpl.status(), "template", sql.size());
  } else {
    if (tmpl->has_expressions()) Check(sql.find("${") != std::string_view::npos);
    const shadowsync::SqlMessage message = MakeMessage("a/b", payload, payload_json);
    const shadowsync::Result<std::string> rendered = tmpl->Render(message);
    Check(rendered.ok());
  }
  return 0;
}
