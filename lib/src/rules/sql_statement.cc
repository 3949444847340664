// SPDX-License-Identifier: Apache-2.0
//
// SqlStatement: the parsed tree behind the public API, and the order AWS
// evaluates a statement in: FROM, then WHERE, then SELECT.

#include <cstdio>
#include <memory>
#include <string>
#include <utility>

#include "rules/sql_ast.h"
#include "rules/sql_evaluator.h"
#include "rules/sql_parser.h"
#include "shadowsync/sql.h"
#include "shadowsync/topic.h"

namespace shadowsync {

using rules_internal::Evaluator;
using rules_internal::SelectItem;
using rules_internal::SqlValue;

namespace {

// Sets object[key] = value: in place when the key exists (a later SELECT item
// replaces an earlier one and keeps its position), else appended.
void SetMember(JsonValue& object, const JsonValue& key, JsonValue&& value,
               JsonAllocator& allocator) {
  const auto existing = object.FindMember(key);
  if (existing != object.MemberEnd()) {
    existing->value = std::move(value);
  } else {
    object.AddMember(JsonValue(key, allocator), std::move(value), allocator);
  }
}

}  // namespace

struct SqlStatement::Impl {
  std::unique_ptr<rules_internal::Statement> statement;
};

struct SqlStatementAccess {
  static SqlStatement Make(std::unique_ptr<rules_internal::Statement> statement) {
    auto impl = std::make_unique<SqlStatement::Impl>();
    impl->statement = std::move(statement);
    return SqlStatement(std::move(impl));
  }
};

SqlStatement::SqlStatement(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
SqlStatement::SqlStatement(SqlStatement&&) noexcept = default;
SqlStatement& SqlStatement::operator=(SqlStatement&&) noexcept = default;
SqlStatement::~SqlStatement() = default;

Result<SqlStatement> SqlStatement::Parse(std::string_view sql) {
  Result<std::unique_ptr<rules_internal::Statement>> parsed = rules_internal::ParseStatement(sql);
  if (!parsed.ok()) return parsed.status();
  return SqlStatementAccess::Make(std::move(*parsed));
}

const std::string& SqlStatement::text() const { return impl_->statement->text; }
const std::string& SqlStatement::topic_filter() const { return impl_->statement->topic_filter; }

Result<SqlOutcome> SqlStatement::Evaluate(const SqlMessage& message) const {
  const rules_internal::Statement& statement = *impl_->statement;
  SqlOutcome outcome;
  if (!TopicMatchesFilter(statement.topic_filter, message.topic)) return outcome;

  JsonAllocator& allocator = outcome.result.GetAllocator();
  Evaluator evaluator(message, allocator);
  if (statement.where) {
    const SqlValue condition = evaluator.Evaluate(*statement.where);
    if (!evaluator.status().ok()) return evaluator.status();
    // Only the boolean true selects: Undefined, null and the string "true"
    // do not.
    if (condition.is_undefined() || !condition.json().IsBool() || !condition.json().GetBool()) {
      return outcome;
    }
  }
  outcome.matched = true;

  // `SELECT *` alone passes the payload on as it is, JSON or not.
  if (statement.select.size() == 1 && statement.select[0].star) {
    if (message.payload_json == nullptr) {
      outcome.raw_payload = true;
    } else {
      outcome.result.CopyFrom(*message.payload_json, allocator);
    }
    return outcome;
  }

  outcome.result.SetObject();
  for (const SelectItem& item : statement.select) {
    if (item.star) {
      if (message.payload_json == nullptr || !message.payload_json->IsObject()) {
        return InvalidArgumentError(
            "SELECT * with other items needs a JSON object payload (the payload is " +
            std::string(message.payload_json == nullptr ? "not JSON"
                                                        : JsonTypeName(*message.payload_json)) +
            ")");
      }
      for (const auto& member : message.payload_json->GetObject()) {
        SetMember(outcome.result, member.name, JsonValue(member.value, allocator), allocator);
      }
      continue;
    }
    SqlValue value = evaluator.Evaluate(*item.expr);
    if (!evaluator.status().ok()) return evaluator.status();
    if (value.is_undefined()) continue;  // AWS leaves Undefined out of the result
    const JsonValue key(rapidjson::StringRef(item.key.data(), item.key.size()));
    SetMember(outcome.result, key, std::move(value.json()), allocator);
  }
  return outcome;
}

std::string NewUuidV4(std::mt19937_64& random) {
  const std::uint64_t hi = (random() & 0xffffffffffff0fffULL) | 0x0000000000004000ULL;
  const std::uint64_t lo = (random() & 0x3fffffffffffffffULL) | 0x8000000000000000ULL;
  char text[37];
  std::snprintf(text, sizeof text, "%08x-%04x-%04x-%04x-%012llx", static_cast<unsigned>(hi >> 32),
                static_cast<unsigned>((hi >> 16) & 0xffff), static_cast<unsigned>(hi & 0xffff),
                static_cast<unsigned>(lo >> 48),
                static_cast<unsigned long long>(lo & 0xffffffffffffULL));
  return text;
}

}  // namespace shadowsync
