// SPDX-License-Identifier: Apache-2.0

#include "support/temp_dir.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

namespace shadowsync::testing_support {

Result<std::unique_ptr<TempDir>> TempDir::Create(const std::string& prefix, Retention retention) {
  if (prefix.find('/') != std::string::npos) {
    return InvalidArgumentError("temp dir prefix must not contain '/': " + prefix);
  }
  const char* tmp = std::getenv("TMPDIR");
  std::string base = (tmp != nullptr && *tmp != '\0') ? tmp : "/tmp";
  while (base.size() > 1 && base.back() == '/') base.pop_back();
  std::string pattern = base + "/" + prefix + "-XXXXXX";
  std::vector<char> buffer(pattern.begin(), pattern.end());
  buffer.push_back('\0');
  // mkdtemp creates the directory with mode 0700: keys inside stay private.
  if (mkdtemp(buffer.data()) == nullptr) {
    return InternalError("mkdtemp(" + pattern + "): " + std::strerror(errno));
  }
  return std::unique_ptr<TempDir>(new TempDir(buffer.data(), retention));
}

TempDir::~TempDir() {
  const char* keep = std::getenv("SHADOWSYNC_KEEP_TEST_FILES");
  if (retention_ == Retention::kKeepOnRequest && keep != nullptr && *keep != '\0' &&
      std::string(keep) != "0") {
    std::fprintf(stderr, "[shadowsync] keeping test files in %s\n", path_.c_str());
    return;
  }
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

Result<std::string> ReadFileToString(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return NotFoundError("cannot open " + path);
  std::ostringstream contents;
  contents << in.rdbuf();
  return contents.str();
}

Status WriteStringToFile(const std::string& path, const std::string& contents, int mode) {
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, static_cast<mode_t>(mode));
  if (fd < 0) return InternalError("open(" + path + "): " + std::strerror(errno));
  // The umask may have narrowed the mode; a pre-existing file keeps its old
  // one. Either way, set exactly what was asked for.
  if (fchmod(fd, static_cast<mode_t>(mode)) != 0) {
    int error = errno;
    close(fd);
    return InternalError("fchmod(" + path + "): " + std::strerror(error));
  }
  size_t written = 0;
  while (written < contents.size()) {
    ssize_t n = write(fd, contents.data() + written, contents.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int error = errno;
      close(fd);
      return InternalError("write(" + path + "): " + std::strerror(error));
    }
    written += static_cast<size_t>(n);
  }
  if (close(fd) != 0) return InternalError("close(" + path + "): " + std::strerror(errno));
  return Status::Ok();
}

}  // namespace shadowsync::testing_support
