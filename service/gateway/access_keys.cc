// SPDX-License-Identifier: Apache-2.0
#include "access_keys.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "aws/config_file.h"

namespace shadowsync::gateway {

Result<AccessKeys> AccessKeys::Parse(std::string_view text, const std::string& path) {
  Result<aws::IniSections> sections = aws::ParseAwsConfigFile(text, path);
  if (!sections.ok()) return sections.status();
  AccessKeys keys;
  for (const auto& [section, values] : *sections) {
    const auto id = values.find("aws_access_key_id");
    const auto secret = values.find("aws_secret_access_key");
    if (id == values.end() && secret == values.end()) continue;
    if (id == values.end() || secret == values.end() || id->second.empty() ||
        secret->second.empty()) {
      return Status(
          StatusCode::kInvalidArgument,
          path + ": [" + section + "]: needs both aws_access_key_id and aws_secret_access_key");
    }
    AwsCredentials credentials;
    credentials.access_key_id = id->second;
    credentials.secret_access_key = secret->second;
    if (const auto token = values.find("aws_session_token"); token != values.end()) {
      credentials.session_token = token->second;
    }
    credentials.source = path + " [" + section + "]";
    if (!keys.keys_.emplace(credentials.access_key_id, credentials).second) {
      return Status(StatusCode::kInvalidArgument, path + ": [" + section + "]: access key id " +
                                                      credentials.access_key_id +
                                                      " is given twice");
    }
  }
  if (keys.keys_.empty()) {
    return Status(StatusCode::kInvalidArgument,
                  path + ": no section has aws_access_key_id and aws_secret_access_key");
  }
  return keys;
}

Result<AccessKeys> AccessKeys::Load(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    const int error = errno;
    return Status(error == ENOENT ? StatusCode::kNotFound : StatusCode::kFailedPrecondition,
                  path + ": " + std::strerror(error));
  }
  std::ostringstream text;
  text << in.rdbuf();
  return Parse(text.str(), path);
}

std::optional<AwsCredentials> AccessKeys::Find(std::string_view access_key_id) const {
  const auto it = keys_.find(access_key_id);
  if (it == keys_.end()) return std::nullopt;
  return it->second;
}

}  // namespace shadowsync::gateway
