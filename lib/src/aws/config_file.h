// SPDX-License-Identifier: Apache-2.0
//
// The AWS shared config and credentials files: INI as botocore reads it
// (configparser): `[section]` headers, `key = value` or `key: value`, whole-
// line comments starting with '#' or ';', keys lowercased, indented lines
// continuing the previous value (nested settings such as `s3 =`).

#ifndef SHADOWSYNC_AWS_CONFIG_FILE_H_
#define SHADOWSYNC_AWS_CONFIG_FILE_H_

#include <map>
#include <string>
#include <string_view>

#include "shadowsync/status.h"

namespace shadowsync::aws {

/// section name (as written, trimmed) -> key (lowercase) -> value (trimmed).
using IniSections = std::map<std::string, std::map<std::string, std::string>, std::less<>>;

/// Parses `text`; `path` only names the file in errors. kInvalidArgument
/// names the line ("<path>:<line>: ...") and never quotes a value, since
/// these files hold secrets.
Result<IniSections> ParseAwsConfigFile(std::string_view text, const std::string& path);

/// The section of profile `profile` in the config file: `[profile x]`, or
/// `[default]` (also `[profile default]`) for the default profile.
const std::map<std::string, std::string>* FindConfigProfile(const IniSections& sections,
                                                            std::string_view profile);

}  // namespace shadowsync::aws

#endif  // SHADOWSYNC_AWS_CONFIG_FILE_H_
