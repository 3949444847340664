// SPDX-License-Identifier: Apache-2.0

#include "table_sink.h"

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

}  // namespace shadowsync::host
