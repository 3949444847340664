// SPDX-License-Identifier: Apache-2.0
//
// Checks for loaders of JSON files that people edit (the registry, rule
// files): every error names the JSON pointer of what is wrong, and unknown
// members are refused so that typos never pass silently. Private to the
// library.

#ifndef SHADOWSYNC_JSON_CHECKS_H_
#define SHADOWSYNC_JSON_CHECKS_H_

#include <initializer_list>
#include <string>
#include <string_view>

#include "shadowsync/json.h"
#include "shadowsync/status.h"

namespace shadowsync::json_checks {

/// kInvalidArgument "<pointer>: <what>" ("/" for the root); the caller adds
/// the file name.
Status At(const std::string& pointer, const std::string& what);

/// A string value as a view (it must be a string).
inline std::string_view View(const JsonValue& v) { return {v.GetString(), v.GetStringLength()}; }

/// OK when `ok`, else "<pointer>: expected <expected>, found <type of v>".
Status ExpectType(const JsonValue& v, bool ok, const char* expected, const std::string& pointer);

/// Refuses members of `object` outside `known`: "<pointer>/<member>:
/// unknown member (<what> has a, b, c)".
Status CheckMembers(const JsonValue& object, std::initializer_list<std::string_view> known,
                    const std::string& pointer, const char* what);

}  // namespace shadowsync::json_checks

#endif  // SHADOWSYNC_JSON_CHECKS_H_
