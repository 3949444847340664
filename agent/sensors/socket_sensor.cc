// SPDX-License-Identifier: Apache-2.0

#include "sensors/socket_sensor.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "sensors/sensor_util.h"

namespace shadowsync::agent {
namespace {

constexpr std::size_t kDrainBudgetBytes = 1 << 20;

}  // namespace

Status SocketSensor::CheckPath(const SocketSensorOptions& options) {
  sockaddr_un address{};
  if (options.path.empty() || options.path.size() >= sizeof address.sun_path) {
    return InvalidArgumentError("socket path " + QuoteForMessage(options.path) +
                                " must have 1 to " + std::to_string(sizeof address.sun_path - 1) +
                                " bytes");
  }
  struct stat existing {};
  if (::lstat(options.path.c_str(), &existing) == 0 && !S_ISSOCK(existing.st_mode)) {
    return FailedPreconditionError(options.path + " exists and is not a socket");
  }
  const std::size_t slash = options.path.rfind('/');
  const std::string dir = slash == std::string::npos ? "." : options.path.substr(0, slash + 1);
  struct stat parent {};
  int error = 0;
  if (::stat(dir.c_str(), &parent) != 0) {
    error = errno;
  } else if (!S_ISDIR(parent.st_mode)) {
    error = ENOTDIR;
  } else if (::access(dir.c_str(), W_OK | X_OK) != 0) {
    error = errno;
  }
  if (error != 0) {
    return Status(StatusCode::kUnavailable,
                  "cannot listen on " + options.path + ": " + ErrnoText(error));
  }
  return Status::Ok();
}

Result<std::unique_ptr<SocketSensor>> SocketSensor::Create(SocketSensorOptions options) {
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (options.path.empty() || options.path.size() >= sizeof address.sun_path) {
    return InvalidArgumentError("socket path " + QuoteForMessage(options.path) +
                                " must have 1 to " + std::to_string(sizeof address.sun_path - 1) +
                                " bytes");
  }
  std::memcpy(address.sun_path, options.path.c_str(), options.path.size() + 1);

  struct stat existing {};
  if (::lstat(options.path.c_str(), &existing) == 0) {
    if (!S_ISSOCK(existing.st_mode)) {
      return FailedPreconditionError(options.path + " exists and is not a socket");
    }
    // A socket file outlives its listener; one left by a previous run (or a
    // crash) would make bind() fail with EADDRINUSE forever.
    ::unlink(options.path.c_str());
  }

  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return Status(StatusCode::kUnavailable, "socket(): " + ErrnoText(errno));
  if (::bind(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0 ||
      ::listen(fd, 16) != 0) {
    const int error = errno;
    ::close(fd);
    return Status(StatusCode::kUnavailable,
                  "cannot listen on " + options.path + ": " + ErrnoText(error));
  }
  struct stat bound {};
  if (::stat(options.path.c_str(), &bound) != 0) bound.st_ino = 0;
  return std::unique_ptr<SocketSensor>(new SocketSensor(std::move(options), fd, bound.st_ino));
}

SocketSensor::~SocketSensor() {
  for (const auto& client : clients_) ::close(client->fd);
  ::close(listen_fd_);
  struct stat now {};
  if (::lstat(options_.path.c_str(), &now) == 0 && S_ISSOCK(now.st_mode) && now.st_ino == inode_) {
    ::unlink(options_.path.c_str());
  }
}

void SocketSensor::AcceptPending() {
  while (true) {
    const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      return;  // EAGAIN: none left; EMFILE and the like: try again next sample
    }
    if (clients_.size() >= static_cast<std::size_t>(options_.max_clients)) {
      ::close(fd);
      continue;
    }
    auto client = std::make_unique<Client>();
    client->fd = fd;
    client->id = next_client_id_++;
    clients_.push_back(std::move(client));
  }
}

bool SocketSensor::Drain(Client& client, std::size_t* budget, LineErrors* errors) {
  const std::string where = "client " + std::to_string(client.id) + " on " + options_.path;
  const LineSplitter::LineHandler handle = [&](std::string_view line, std::uint64_t number,
                                               bool too_long) {
    if (too_long) {
      errors->Add(
          where, number,
          "longer than " + std::to_string(kMaxJsonLineBytes) + " bytes: " + QuoteForMessage(line));
      return;
    }
    if (Status s = values_.ApplyLine(line); !s.ok()) errors->Add(where, number, s.message());
  };
  char buffer[16 * 1024];
  while (*budget > 0) {
    const ssize_t n = ::recv(client.fd, buffer, std::min(sizeof buffer, *budget), 0);
    if (n > 0) {
      *budget -= static_cast<std::size_t>(n);
      client.lines.Feed(std::string_view(buffer, static_cast<std::size_t>(n)), handle);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return true;
    client.lines.Finish(handle);  // EOF or a reset connection
    return false;
  }
  return true;
}

Status SocketSensor::Sample(JsonValue& out, JsonAllocator& allocator) {
  AcceptPending();
  std::size_t budget = kDrainBudgetBytes;
  LineErrors errors;
  for (auto it = clients_.begin(); it != clients_.end();) {
    if (Drain(**it, &budget, &errors)) {
      ++it;
    } else {
      ::close((*it)->fd);
      it = clients_.erase(it);
    }
  }
  values_.WriteTo(out, allocator);
  return errors.ToStatus();
}

}  // namespace shadowsync::agent
