// SPDX-License-Identifier: Apache-2.0

#include "table_sink.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>

namespace shadowsync::host {
namespace {

bool AllNameCharacters(const std::string& name) {
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '.' || c == '-';
    if (!ok) return false;
  }
  return true;
}

}  // namespace

bool ValidTableName(const std::string& name) {
  return name.size() >= 3 && name.size() <= 255 && AllNameCharacters(name);
}

bool ValidKeyColumn(const std::string& name) {
  return !name.empty() && name.size() <= 255 && AllNameCharacters(name) && name != "item" &&
         name != "inserted_ms";
}

std::string QuoteIdentifier(const std::string& name) {
  std::string out = "\"";
  for (char c : name) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string KeyColumnList(const TableWrite& write) {
  std::string out;
  for (const TableKey& key : write.keys) {
    if (!out.empty()) out += ", ";
    out += QuoteIdentifier(key.column);
  }
  return out;
}

std::string DeleteSql(const TableWrite& write, char placeholder) {
  std::string sql = "DELETE FROM " + QuoteIdentifier(write.table) + " WHERE ";
  int n = 0;
  for (const TableKey& key : write.keys) {
    if (n > 0) sql += " AND ";
    sql += QuoteIdentifier(key.column) + " = " + placeholder + std::to_string(++n);
  }
  return sql;
}

Status CheckKeyValue(const TableKey& key) {
  if (!key.number) return Status::Ok();
  char* end = nullptr;
  errno = 0;
  const double value = std::strtod(key.value.c_str(), &end);
  if (key.value.empty() || *end != '\0' || errno != 0 || !std::isfinite(value)) {
    return InvalidArgumentError("key " + key.column + ": value '" + key.value +
                                "' is not a NUMBER");
  }
  return Status::Ok();
}

}  // namespace shadowsync::host
