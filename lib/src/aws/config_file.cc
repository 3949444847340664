// SPDX-License-Identifier: Apache-2.0

#include "aws/config_file.h"

#include "aws/sigv4_canonical.h"

namespace shadowsync::aws {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

}  // namespace

Result<IniSections> ParseAwsConfigFile(std::string_view text, const std::string& path) {
  IniSections sections;
  std::map<std::string, std::string>* section = nullptr;
  std::string* last_value = nullptr;
  int line_number = 0;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view raw = text.substr(start, end - start);
    start = end + 1;
    ++line_number;
    auto error = [&](const std::string& what) {
      return InvalidArgumentError(path + ":" + std::to_string(line_number) + ": " + what);
    };
    std::string_view line = Trim(raw);
    if (line.empty() || line.front() == '#' || line.front() == ';') continue;
    const bool indented = raw.front() == ' ' || raw.front() == '\t';
    if (indented && last_value != nullptr) {
      // A continuation: nested settings such as "s3 =\n  max_concurrent_requests = 5".
      *last_value += '\n';
      *last_value += line;
      continue;
    }
    if (line.front() == '[') {
      if (line.back() != ']') return error("a section header must end with ']'");
      std::string name(Trim(line.substr(1, line.size() - 2)));
      if (name.empty()) return error("empty section name");
      section = &sections[name];
      last_value = nullptr;
      continue;
    }
    if (section == nullptr) return error("a setting before the first [section]");
    std::size_t separator = line.find_first_of("=:");
    if (separator == std::string_view::npos) {
      return error("expected 'name = value' (the value is not shown: it may be a secret)");
    }
    std::string key = LowerAscii(Trim(line.substr(0, separator)));
    if (key.empty()) return error("a setting without a name");
    std::string& value = (*section)[key];
    value = std::string(Trim(line.substr(separator + 1)));
    last_value = &value;
  }
  return sections;
}

const std::map<std::string, std::string>* FindConfigProfile(const IniSections& sections,
                                                            std::string_view profile) {
  for (const auto& [name, settings] : sections) {
    std::string_view n = name;
    if (n.rfind("profile", 0) == 0 && n.size() > 7 && (n[7] == ' ' || n[7] == '\t')) {
      if (Trim(n.substr(7)) == profile) return &settings;
    }
  }
  if (profile == "default") {
    auto it = sections.find("default");
    if (it != sections.end()) return &it->second;
  }
  return nullptr;
}

}  // namespace shadowsync::aws
