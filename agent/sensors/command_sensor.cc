// SPDX-License-Identifier: Apache-2.0

#include "sensors/command_sensor.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "sensors/json_lines.h"
#include "sensors/sensor_util.h"

extern char** environ;

namespace shadowsync::agent {
namespace {

constexpr std::size_t kMaxStdoutBytes = 64 * 1024;
constexpr std::size_t kMaxStderrBytes = 4 * 1024;

struct RunOutcome {
  Status status;  // of the run itself (spawn, timeout, exit status)
  std::string out;
  std::string err;
};

std::string FormatSeconds(double seconds) {
  char text[32];
  std::snprintf(text, sizeof text, "%g", seconds);
  return text;
}

// Only async-signal-safe calls between fork() and exec(): the agent has other
// threads (Paho's), and one of them may hold malloc's lock at fork time.
[[noreturn]] void ExecChild(int out_fd, int err_fd, char* const argv[], long max_fd) {
  ::setpgid(0, 0);
  const int null_fd = ::open("/dev/null", O_RDONLY);
  if (null_fd >= 0) ::dup2(null_fd, STDIN_FILENO);
  ::dup2(out_fd, STDOUT_FILENO);
  ::dup2(err_fd, STDERR_FILENO);
#ifdef SYS_close_range
  if (::syscall(SYS_close_range, 3U, ~0U, 0U) != 0)
#endif
  {
    for (long fd = 3; fd < max_fd; ++fd) ::close(static_cast<int>(fd));
  }
  // The agent blocks SIGTERM/SIGINT/SIGHUP for its sigwait thread and may
  // ignore SIGPIPE; both survive exec and would make the command immune to
  // them.
  sigset_t none;
  ::sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  struct sigaction default_action {};
  default_action.sa_handler = SIG_DFL;
  ::sigaction(SIGPIPE, &default_action, nullptr);
  ::execve("/bin/sh", argv, environ);
  ::_exit(127);
}

RunOutcome RunShell(const std::string& command, std::chrono::duration<double> timeout) {
  RunOutcome outcome;
  int out_pipe[2];
  int err_pipe[2];
  if (::pipe2(out_pipe, O_CLOEXEC) != 0) {
    outcome.status = InternalError("pipe2(): " + ErrnoText(errno));
    return outcome;
  }
  if (::pipe2(err_pipe, O_CLOEXEC) != 0) {
    outcome.status = InternalError("pipe2(): " + ErrnoText(errno));
    ::close(out_pipe[0]);
    ::close(out_pipe[1]);
    return outcome;
  }
  // Everything the child needs is built before fork(): no allocation after.
  std::string arg0 = "sh";
  std::string arg1 = "-c";
  std::string arg2 = command;
  char* argv[] = {arg0.data(), arg1.data(), arg2.data(), nullptr};
  const long max_fd = ::sysconf(_SC_OPEN_MAX) > 0 ? ::sysconf(_SC_OPEN_MAX) : 1024;

  const auto deadline = std::chrono::steady_clock::now() +
                        std::chrono::duration_cast<std::chrono::steady_clock::duration>(timeout);
  const pid_t pid = ::fork();
  if (pid < 0) {
    outcome.status = InternalError("fork(): " + ErrnoText(errno));
    for (int fd : {out_pipe[0], out_pipe[1], err_pipe[0], err_pipe[1]}) ::close(fd);
    return outcome;
  }
  if (pid == 0) ExecChild(out_pipe[1], err_pipe[1], argv, max_fd);

  // Also from the parent, so the group exists before we might kill it (the
  // child may not have run yet). EACCES after the child's exec is harmless.
  ::setpgid(pid, pid);
  ::close(out_pipe[1]);
  ::close(err_pipe[1]);

  auto remaining_ms = [&deadline]() -> int {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    return left.count() > 0 ? static_cast<int>(left.count()) : 0;
  };

  bool timed_out = false;
  bool too_long = false;
  int fds[2] = {out_pipe[0], err_pipe[0]};
  std::string* sinks[2] = {&outcome.out, &outcome.err};
  const std::size_t limits[2] = {kMaxStdoutBytes, kMaxStderrBytes};
  bool open[2] = {true, true};
  while ((open[0] || open[1]) && !too_long) {
    pollfd polls[2];
    nfds_t count = 0;
    int which[2];
    for (int i = 0; i < 2; ++i) {
      if (open[i]) {
        polls[count] = pollfd{fds[i], POLLIN, 0};
        which[count++] = i;
      }
    }
    const int wait_ms = remaining_ms();
    if (wait_ms == 0) {
      timed_out = true;
      break;
    }
    const int ready = ::poll(polls, count, wait_ms);
    if (ready < 0) {
      if (errno == EINTR) continue;
      outcome.status = InternalError("poll(): " + ErrnoText(errno));
      break;
    }
    for (nfds_t k = 0; k < count; ++k) {
      if (polls[k].revents == 0) continue;
      const int i = which[k];
      char buffer[4096];
      const ssize_t n = ::read(fds[i], buffer, sizeof buffer);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        open[i] = false;
        continue;
      }
      const std::size_t room = limits[i] + 1 - std::min(limits[i] + 1, sinks[i]->size());
      sinks[i]->append(buffer, std::min(room, static_cast<std::size_t>(n)));
      // Too much stderr is only cut; too much stdout is an error.
      if (i == 0 && outcome.out.size() > kMaxStdoutBytes) too_long = true;
    }
  }
  ::close(out_pipe[0]);
  ::close(err_pipe[0]);

  // The pipes closed (or we gave up on them); the shell may still be running
  // (it can close its stdout and go on), so the deadline still applies.
  int wait_status = 0;
  bool reaped = false;
  while (!timed_out && !too_long && outcome.status.ok()) {
    const pid_t done = ::waitpid(pid, &wait_status, WNOHANG);
    if (done == pid) {
      reaped = true;
      break;
    }
    if (done < 0 && errno != EINTR) break;
    if (remaining_ms() == 0) {
      timed_out = true;
      break;
    }
    ::usleep(2000);
  }
  if (!reaped) {
    // SIGKILL to the whole group: `sh -c 'a | b'` or a script's children go
    // too, and nothing can catch it, so the blocking waitpid() is short.
    ::kill(-pid, SIGKILL);
    while (::waitpid(pid, &wait_status, 0) < 0 && errno == EINTR) {
    }
  }

  const std::string quoted = QuoteForMessage(command);
  if (!outcome.status.ok()) {
    outcome.status =
        Status(outcome.status.code(), "command " + quoted + ": " + outcome.status.message());
  } else if (timed_out) {
    outcome.status = Status(StatusCode::kTimeout, "command " + quoted + " timed out after " +
                                                      FormatSeconds(timeout.count()) +
                                                      " s; killed its process group");
  } else if (too_long) {
    outcome.status = InvalidArgumentError("command " + quoted + " wrote more than " +
                                          std::to_string(kMaxStdoutBytes) +
                                          " bytes to stdout; killed its process group");
  } else if (!WIFEXITED(wait_status) || WEXITSTATUS(wait_status) != 0) {
    std::string how;
    if (WIFEXITED(wait_status)) {
      how = "exited with code " + std::to_string(WEXITSTATUS(wait_status));
    } else if (WIFSIGNALED(wait_status)) {
      how = "was killed by signal " + std::to_string(WTERMSIG(wait_status)) + " (" +
            ::strsignal(WTERMSIG(wait_status)) + ")";
    } else {
      how = "ended with wait status " + std::to_string(wait_status);
    }
    const std::string_view err = TrimWhitespace(outcome.err);
    outcome.status =
        Status(StatusCode::kUnavailable,
               "command " + quoted + " " + how +
                   (err.empty() ? std::string() : "; stderr: " + QuoteForMessage(err, 200)));
  }
  return outcome;
}

}  // namespace

void CommandSensor::Run() {
  ++run_count_;
  RunOutcome outcome = RunShell(options_.command, options_.timeout);
  // A fresh document: reusing one would grow its pool on every run.
  last_value_ = JsonDocument();
  last_value_.SetObject();
  if (!outcome.status.ok()) {
    last_status_ = outcome.status;
    return;
  }
  const std::string quoted = QuoteForMessage(options_.command);
  const std::string_view text = TrimWhitespace(outcome.out);
  Result<JsonDocument> parsed = ParseJson(text);
  if (parsed.ok() && parsed->IsNumber()) {
    last_value_.AddMember(JsonValue(options_.parameter.c_str(),
                                    static_cast<rapidjson::SizeType>(options_.parameter.size()),
                                    last_value_.GetAllocator()),
                          JsonValue(*parsed, last_value_.GetAllocator()),
                          last_value_.GetAllocator());
    last_status_ = Status::Ok();
  } else if (parsed.ok() && parsed->IsObject() && NestingDepth(*parsed) <= kMaxJsonLineDepth) {
    last_value_.CopyFrom(*parsed, last_value_.GetAllocator());
    last_status_ = Status::Ok();
  } else {
    const std::string found = !parsed.ok() ? parsed.status().message()
                                           : std::string("found ") + JsonTypeName(*parsed) +
                                                 (parsed->IsObject() ? " nested too deeply" : "");
    last_status_ = InvalidArgumentError("command " + quoted +
                                        ": expected a number or a JSON object on stdout, " + found +
                                        ": " + QuoteForMessage(text));
  }
}

Status CommandSensor::Sample(JsonValue& out, JsonAllocator& allocator) {
  const SensorClock::time_point now = clock_();
  if (!last_run_ || now - *last_run_ >= options_.interval) {
    last_run_ = now;
    Run();
  }
  out.CopyFrom(last_value_, allocator);
  return last_status_;
}

}  // namespace shadowsync::agent
