// SPDX-License-Identifier: Apache-2.0

#include "gateway_identity.h"

#include <sys/stat.h>

#include <cstddef>
#include <string>
#include <string_view>

#include "atomic_file.h"

namespace shadowsync::host {

Result<std::string> LoadGatewaySecret(const std::string& path) {
  struct stat info;
  if (::stat(path.c_str(), &info) == 0 && (info.st_mode & 077) != 0) {
    return InvalidArgumentError(path +
                                ": readable by group or others; the gateway secret must "
                                "not be (fix: chmod 600 " +
                                path + ")");
  }
  Result<std::string> text = internal::ReadWholeFile(path);
  if (!text.ok()) return text.status();
  std::string_view secret = *text;
  secret = secret.substr(0, secret.find('\n'));
  while (!secret.empty() &&
         (secret.back() == ' ' || secret.back() == '\r' || secret.back() == '\t')) {
    secret.remove_suffix(1);
  }
  while (!secret.empty() && (secret.front() == ' ' || secret.front() == '\t')) {
    secret.remove_prefix(1);
  }
  if (secret.size() < 16) {
    return InvalidArgumentError(path +
                                ": the secret on its first line must be at least 16 "
                                "characters (e.g. openssl rand -hex 32 > " +
                                path + ")");
  }
  return std::string(secret);
}

bool GatewaySecretMatches(std::string_view expected, std::string_view given) {
  if (expected.empty() || expected.size() != given.size()) return false;
  unsigned char difference = 0;
  for (std::size_t i = 0; i < expected.size(); ++i) {
    difference |= static_cast<unsigned char>(expected[i] ^ given[i]);
  }
  return difference == 0;
}

std::string IamUsername(std::string_view access_key_id) {
  return std::string(kIamUsernamePrefix) + std::string(access_key_id);
}

std::string_view AccessKeyOfUsername(std::string_view username) {
  if (username.substr(0, kIamUsernamePrefix.size()) != kIamUsernamePrefix) return {};
  return username.substr(kIamUsernamePrefix.size());
}

}  // namespace shadowsync::host
