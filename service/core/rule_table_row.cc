// SPDX-License-Identifier: Apache-2.0

#include "rule_table_row.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <utility>

#include "cli/log.h"
#include "shadowsync/json.h"

namespace shadowsync::host {
namespace {

Result<std::string> RenderTable(const SubstitutionTemplate& name, const SqlMessage& message) {
  Result<std::string> table = name.Render(message);
  if (!table.ok()) return table.status();
  if (!ValidTableName(*table)) {
    return InvalidArgumentError("table name '" + cli::Printable(*table, 100) +
                                "' is not a valid table name (3 to 255 of A-Z a-z 0-9 _ . -)");
  }
  return table;
}

// Renders one key of a v1 row and adds it to the item.
Status AddKey(const SubstitutionTemplate& field, const SubstitutionTemplate& value,
              DynamoDbAction::KeyType type, const SqlMessage& message, TableWrite& row,
              JsonDocument& item) {
  Result<std::string> column = field.Render(message);
  if (!column.ok()) return column.status();
  if (!ValidKeyColumn(*column)) {
    return InvalidArgumentError("key field '" + cli::Printable(*column, 100) +
                                "' is not a valid column name (A-Z a-z 0-9 _ . -, not item or "
                                "inserted_ms)");
  }
  Result<std::string> rendered = value.Render(message);
  if (!rendered.ok()) return rendered.status();
  auto& a = item.GetAllocator();
  JsonValue name(column->c_str(), static_cast<rapidjson::SizeType>(column->size()), a);
  const bool number = type == DynamoDbAction::KeyType::kNumber;
  if (number) {
    const char* begin = rendered->c_str();
    char* end = nullptr;
    errno = 0;
    const double d = std::strtod(begin, &end);
    if (rendered->empty() || *end != '\0' || errno != 0 || !std::isfinite(d)) {
      return InvalidArgumentError("key " + *column + ": value '" + cli::Printable(*rendered, 100) +
                                  "' is not a NUMBER");
    }
    errno = 0;
    const long long integer = std::strtoll(begin, &end, 10);
    if (*end == '\0' && errno == 0) {
      item.AddMember(name, JsonValue(static_cast<std::int64_t>(integer)), a);
    } else {
      item.AddMember(name, JsonValue(d), a);
    }
  } else {
    item.AddMember(
        name, JsonValue(rendered->c_str(), static_cast<rapidjson::SizeType>(rendered->size()), a),
        a);
  }
  row.keys.push_back(TableKey{std::move(column).value(), std::move(rendered).value(), number});
  return Status::Ok();
}

}  // namespace

Result<TableWrite> DynamoDbV2Row(const DynamoDbV2Action& action, const SqlMessage& message,
                                 const SqlOutcome& outcome) {
  Result<std::string> table = RenderTable(action.table_name, message);
  if (!table.ok()) return table.status();
  if (outcome.raw_payload || !outcome.result.IsObject()) {
    return InvalidArgumentError(
        "dynamoDBv2 needs a JSON object result (each top-level key is an attribute)");
  }
  TableWrite row;
  row.table = std::move(table).value();
  row.item_json = ToCompactJson(outcome.result);
  return row;
}

Result<TableWrite> DynamoDbRow(const DynamoDbAction& action, const SqlMessage& message,
                               const SqlOutcome& outcome) {
  Result<std::string> table = RenderTable(action.table_name, message);
  if (!table.ok()) return table.status();
  Result<std::string> operation = action.operation.Render(message);
  if (!operation.ok()) return operation.status();
  TableWrite row;
  row.table = std::move(table).value();
  if (*operation == "INSERT" || *operation == "UPDATE") {
    row.operation = TableWrite::Operation::kPut;
  } else if (*operation == "DELETE") {
    row.operation = TableWrite::Operation::kDelete;
  } else {
    return InvalidArgumentError("operation '" + cli::Printable(*operation, 100) +
                                "' is not INSERT, UPDATE or DELETE");
  }
  if (outcome.raw_payload) {
    return InvalidArgumentError(
        "the payload is not JSON: the local table stores JSON items only (AWS stores binary)");
  }
  JsonDocument item(rapidjson::kObjectType);
  Status s = AddKey(action.hash_key_field, action.hash_key_value, action.hash_key_type, message,
                    row, item);
  if (!s.ok()) return s;
  if (action.range_key_field && action.range_key_value) {
    s = AddKey(*action.range_key_field, *action.range_key_value, action.range_key_type, message,
               row, item);
    if (!s.ok()) return s;
    if (row.keys[0].column == row.keys[1].column) {
      return InvalidArgumentError("hash and range key fields are both '" + row.keys[0].column +
                                  "'");
    }
  }
  Result<std::string> payload_field = action.payload_field.Render(message);
  if (!payload_field.ok()) return payload_field.status();
  auto& a = item.GetAllocator();
  JsonValue name(payload_field->c_str(), static_cast<rapidjson::SizeType>(payload_field->size()),
                 a);
  if (item.HasMember(name)) {
    return InvalidArgumentError("payloadField '" + cli::Printable(*payload_field, 100) +
                                "' is also a key field");
  }
  JsonValue result(outcome.result, a);  // a deep copy
  item.AddMember(name, result, a);
  row.item_json = ToCompactJson(item);
  return row;
}

}  // namespace shadowsync::host
