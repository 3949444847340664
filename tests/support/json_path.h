// SPDX-License-Identifier: Apache-2.0
//
// Test helper: the member of a JSON document at a path of object keys, for
// assertions on shadow documents ("state" / "reported" / sensor / parameter)
// that should fail on the value, not crash on a missing step.

#ifndef SHADOWSYNC_TESTS_SUPPORT_JSON_PATH_H_
#define SHADOWSYNC_TESTS_SUPPORT_JSON_PATH_H_

#include <initializer_list>

#include "shadowsync/json.h"

namespace shadowsync::testing_support {

/// The member at `path`, or null when a step is missing or not an object.
inline const JsonValue& At(const JsonValue& value, std::initializer_list<const char*> path) {
  static const JsonValue kNull;
  const JsonValue* at = &value;
  for (const char* key : path) {
    if (!at->IsObject()) return kNull;
    const auto member = at->FindMember(key);
    if (member == at->MemberEnd()) return kNull;
    at = &member->value;
  }
  return *at;
}

}  // namespace shadowsync::testing_support

#endif  // SHADOWSYNC_TESTS_SUPPORT_JSON_PATH_H_
