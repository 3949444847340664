// SPDX-License-Identifier: Apache-2.0
#include "atomic_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace shadowsync::internal {
namespace {

std::string ErrnoText(int error) { return std::strerror(error); }

bool WriteAllBytes(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t written = ::write(fd, data.data(), data.size());
    if (written < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    data.remove_prefix(static_cast<std::size_t>(written));
  }
  return true;
}

// The rename or unlink of an entry is durable only once its directory is.
Status SyncDirectoryOf(const std::string& path) {
  std::string dir = std::filesystem::path(path).parent_path().string();
  if (dir.empty()) dir = ".";
  const int dir_fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd < 0) {
    return FailedPreconditionError(path + ": cannot open directory " + dir + ": " +
                                   ErrnoText(errno));
  }
  const int synced = ::fsync(dir_fd);
  const int error = errno;
  ::close(dir_fd);
  if (synced != 0) {
    return FailedPreconditionError(path + ": cannot fsync directory " + dir + ": " +
                                   ErrnoText(error));
  }
  return Status::Ok();
}

}  // namespace

Status WriteFileAtomically(const std::string& path, std::string_view contents, int mode) {
  const std::string tmp = path + ".tmp";
  const auto fail = [&](const std::string& step, int error) {
    ::unlink(tmp.c_str());
    return FailedPreconditionError(path + ": " + step + ": " + ErrnoText(error));
  };
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) {
    return FailedPreconditionError(path + ": cannot create " + tmp + ": " + ErrnoText(errno));
  }
  if (!WriteAllBytes(fd, contents)) {
    const int error = errno;
    ::close(fd);
    return fail("cannot write " + tmp, error);
  }
  if (::fsync(fd) != 0) {
    const int error = errno;
    ::close(fd);
    return fail("cannot fsync " + tmp, error);
  }
  if (::close(fd) != 0) return fail("cannot close " + tmp, errno);
  if (::rename(tmp.c_str(), path.c_str()) != 0) return fail("cannot rename " + tmp, errno);
  return SyncDirectoryOf(path);
}

Status RemoveFileDurably(const std::string& path) {
  if (::unlink(path.c_str()) != 0) {
    if (errno == ENOENT) return Status::Ok();
    return FailedPreconditionError(path + ": cannot remove: " + ErrnoText(errno));
  }
  return SyncDirectoryOf(path);
}

Result<std::string> ReadWholeFile(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    const int error = errno;
    std::string message = path + ": cannot open: " + ErrnoText(error);
    if (error == ENOENT) return NotFoundError(std::move(message));
    return FailedPreconditionError(std::move(message));
  }
  std::string text;
  char buffer[8192];
  for (;;) {
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n == 0) break;
    if (n < 0) {
      if (errno == EINTR) continue;
      const int error = errno;
      ::close(fd);
      return FailedPreconditionError(path + ": cannot read: " + ErrnoText(error));
    }
    text.append(buffer, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return text;
}

}  // namespace shadowsync::internal
