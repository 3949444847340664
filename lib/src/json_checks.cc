// SPDX-License-Identifier: Apache-2.0
//
// Pointer-naming checks shared by the registry and rule-file loaders.

#include "json_checks.h"

#include <string>

namespace shadowsync::json_checks {

Status At(const std::string& pointer, const std::string& what) {
  return InvalidArgumentError((pointer.empty() ? std::string("/") : pointer) + ": " + what);
}

Status ExpectType(const JsonValue& v, bool ok, const char* expected, const std::string& pointer) {
  if (ok) return Status::Ok();
  return At(pointer, std::string("expected ") + expected + ", found " + JsonTypeName(v));
}

Status CheckMembers(const JsonValue& object, std::initializer_list<std::string_view> known,
                    const std::string& pointer, const char* what) {
  for (const auto& m : object.GetObject()) {
    bool found = false;
    for (std::string_view k : known) found = found || View(m.name) == k;
    if (!found) {
      std::string list;
      for (std::string_view k : known) list += (list.empty() ? "" : ", ") + std::string(k);
      return At(JsonPointerAppend(pointer, View(m.name)),
                std::string("unknown member (") + what + " has " + list + ")");
    }
  }
  return Status::Ok();
}

}  // namespace shadowsync::json_checks
