// SPDX-License-Identifier: Apache-2.0
//
// libFuzzer target: arbitrary bytes as an AWS shared config / credentials
// file (aws::ParseAwsConfigFile, INI as botocore reads it). Properties
// beyond "no crash":
//   - an error is kInvalidArgument, starts with "<path>:<line>: " and never
//     shows a secret (the value after `aws_secret_access_key =`, or
//     `aws_session_token`, or `:`, on any line): with those values replaced
//     by '*', the error is exactly the same;
//   - parsing is deterministic;
//   - what parses has trimmed section names, non-empty lowercase keys
//     without surrounding blanks, values without surrounding blanks, and
//     FindConfigProfile finds `[profile x]` and `[default]` sections.

#include <cstdint>
#include <string>
#include <string_view>

#include "aws/config_file.h"
#include "fuzz_check.h"

namespace {

using shadowsync::StatusCode;
using shadowsync::aws::FindConfigProfile;
using shadowsync::aws::IniSections;
using shadowsync::aws::ParseAwsConfigFile;
using shadowsync::fuzz::Check;
using shadowsync::fuzz::StartsWith;

const std::string kPath = "/fuzz/credentials";

// The blanks the parser trims.
bool IsBlank(char c) { return c == ' ' || c == '\t' || c == '\r'; }

std::string_view Trim(std::string_view s) {
  while (!s.empty() && IsBlank(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsBlank(s.back())) s.remove_suffix(1);
  return s;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

// The input with the value of every secret key (aws_secret_access_key,
// aws_session_token, however the key is written, on any line) replaced by
// as many '*': same lines, same structure, no secret. Empty when the input
// has no secret.
std::string MaskSecrets(std::string_view input) {
  std::string masked(input);
  bool any = false;
  std::size_t start = 0;
  while (start <= input.size()) {
    std::size_t nl = input.find('\n', start);
    if (nl == std::string_view::npos) nl = input.size();
    const std::string_view line = input.substr(start, nl - start);
    const std::size_t sep = line.find_first_of("=:");
    if (sep != std::string_view::npos) {
      const std::string key = Lower(Trim(line.substr(0, sep)));
      const std::string_view value = Trim(line.substr(sep + 1));
      if ((key == "aws_secret_access_key" || key == "aws_session_token") && !value.empty()) {
        const std::size_t at = start + static_cast<std::size_t>(value.data() - line.data());
        masked.replace(at, value.size(), value.size(), '*');
        any = true;
      }
    }
    start = nl + 1;
  }
  return any ? masked : std::string();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  auto parsed = ParseAwsConfigFile(input, kPath);
  auto again = ParseAwsConfigFile(input, kPath);
  Check(parsed.ok() == again.ok(), "parsing is deterministic", input);
  if (!parsed.ok()) {
    const std::string message = parsed.status().message();
    Check(parsed.status().code() == StatusCode::kInvalidArgument, "rejection is InvalidArgument",
          input, parsed.status().ToString());
    Check(StartsWith(message, kPath + ":") && message.size() > kPath.size() + 3,
          "error message names the file and line and says what is wrong", input, message);
    Check(message == again.status().message(), "the same error twice", input, message);
    // The message never quotes a value, so it cannot depend on a secret:
    // with every secret masked, the error is the same.
    const std::string masked = MaskSecrets(input);
    if (!masked.empty()) {
      auto without = ParseAwsConfigFile(masked, kPath);
      Check(!without.ok() && without.status().message() == message,
            "an error message depends on a secret's value", input,
            message + " / masked: " + (without.ok() ? "OK" : without.status().message()));
    }
    return 0;
  }
  Check(*parsed == *again, "parsing is deterministic", input);
  for (const auto& [section, keys] : *parsed) {
    Check(Trim(section) == section, "section names are trimmed", input, section);
    for (const auto& [key, value] : keys) {
      Check(!key.empty(), "a key is not empty", input, section);
      Check(Lower(key) == key, "keys are lowercase", input, key);
      Check(Trim(key) == key, "keys are trimmed", input, key);
      Check(Trim(value) == value, "values are trimmed", input, value);
    }
    if (section == "default") {
      Check(FindConfigProfile(*parsed, "default") != nullptr, "[default] is found", input);
    }
    if (StartsWith(section, "profile ")) {
      const std::string name(Trim(std::string_view(section).substr(8)));
      if (name.empty()) continue;
      Check(FindConfigProfile(*parsed, name) != nullptr, "[profile x] is found", input, section);
    }
  }
  return 0;
}
