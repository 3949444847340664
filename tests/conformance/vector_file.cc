// SPDX-License-Identifier: Apache-2.0

#include "conformance/vector_file.h"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>

namespace shadowsync::conformance {

Result<JsonDocument> LoadVectorFile(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) return NotFoundError("cannot read: is a directory");
  std::ifstream in(path, std::ios::binary);
  if (!in) return NotFoundError(std::string("cannot open: ") + std::strerror(errno));
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return NotFoundError(std::string("cannot read: ") + std::strerror(errno));
  Result<JsonDocument> doc = ParseJson(text.str());
  if (!doc.ok()) return doc.status();
  if (!doc->IsArray()) {
    return InvalidArgumentError(std::string("the top level must be an array of vectors, not ") +
                                JsonTypeName(*doc));
  }
  return doc;
}

}  // namespace shadowsync::conformance
