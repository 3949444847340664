// SPDX-License-Identifier: Apache-2.0

#include "sensors/stdin_sensor.h"

#include <poll.h>
#include <unistd.h>

#include <cerrno>

#include "sensors/sensor_util.h"

namespace shadowsync::agent {

Status StdinSensor::Sample(JsonValue& out, JsonAllocator& allocator) {
  LineErrors errors;
  const LineSplitter::LineHandler handle = [&](std::string_view line, std::uint64_t number,
                                               bool too_long) {
    if (too_long) {
      errors.Add(
          "stdin", number,
          "longer than " + std::to_string(kMaxJsonLineBytes) + " bytes: " + QuoteForMessage(line));
      return;
    }
    if (Status s = values_.ApplyLine(line); !s.ok()) errors.Add("stdin", number, s.message());
  };
  Status read_error;
  std::size_t budget = 1 << 20;
  char buffer[16 * 1024];
  while (!eof_ && budget > 0) {
    pollfd p{fd_, POLLIN, 0};
    const int ready = ::poll(&p, 1, 0);
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) break;
    if ((p.revents & POLLNVAL) != 0) {
      read_error = Status(StatusCode::kUnavailable,
                          "stdin (descriptor " + std::to_string(fd_) + ") is not open");
      break;
    }
    // Readable, or hung up (then read() returns what is left, then 0): a
    // single read() on a ready descriptor does not block.
    const ssize_t n = ::read(fd_, buffer, std::min(sizeof buffer, budget));
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) break;
      read_error = Status(StatusCode::kUnavailable, "cannot read stdin: " + ErrnoText(errno));
      break;
    }
    if (n == 0) {
      eof_ = true;
      lines_.Finish(handle);
      break;
    }
    budget -= static_cast<std::size_t>(n);
    lines_.Feed(std::string_view(buffer, static_cast<std::size_t>(n)), handle);
  }
  values_.WriteTo(out, allocator);
  if (!read_error.ok()) return read_error;
  return errors.ToStatus();
}

}  // namespace shadowsync::agent
