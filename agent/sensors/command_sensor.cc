// SPDX-License-Identifier: Apache-2.0

#include "sensors/command_sensor.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
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

// Starts `sh -c <command>` with posix_spawn (glibc: clone + exec, no fork
// of a threaded daemon): stdin from /dev/null, stdout and stderr into the
// pipes, no other descriptor of the agent, in a process group of its own
// (so that a timeout can kill the whole group), with the signal mask and
// SIGPIPE reset. The agent blocks SIGTERM/SIGINT/SIGHUP for its sigwait
// thread and may ignore SIGPIPE; both survive exec and would make the
// command immune to them. Returns the pid, or the error number.
Result<pid_t> SpawnShell(const std::string& command, int out_fd, int err_fd) {
  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attributes;
  if (int rc = posix_spawn_file_actions_init(&actions); rc != 0) {
    return InternalError("posix_spawn_file_actions_init(): " + ErrnoText(rc));
  }
  if (int rc = posix_spawnattr_init(&attributes); rc != 0) {
    posix_spawn_file_actions_destroy(&actions);
    return InternalError("posix_spawnattr_init(): " + ErrnoText(rc));
  }
  sigset_t none;
  sigemptyset(&none);
  sigset_t defaults;
  sigemptyset(&defaults);
  sigaddset(&defaults, SIGPIPE);
  int rc = posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  if (rc == 0) rc = posix_spawn_file_actions_adddup2(&actions, out_fd, STDOUT_FILENO);
  if (rc == 0) rc = posix_spawn_file_actions_adddup2(&actions, err_fd, STDERR_FILENO);
  if (rc == 0) rc = posix_spawn_file_actions_addclosefrom_np(&actions, 3);
  if (rc == 0) {
    rc = posix_spawnattr_setflags(
        &attributes, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  }
  if (rc == 0) rc = posix_spawnattr_setpgroup(&attributes, 0);
  if (rc == 0) rc = posix_spawnattr_setsigmask(&attributes, &none);
  if (rc == 0) rc = posix_spawnattr_setsigdefault(&attributes, &defaults);
  pid_t pid = -1;
  if (rc == 0) {
    std::string arg0 = "sh";
    std::string arg1 = "-c";
    std::string arg2 = command;
    char* argv[] = {arg0.data(), arg1.data(), arg2.data(), nullptr};
    rc = posix_spawn(&pid, "/bin/sh", &actions, &attributes, argv, environ);
  }
  posix_spawnattr_destroy(&attributes);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) return InternalError("posix_spawn(/bin/sh): " + ErrnoText(rc));
  return pid;
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
  const auto deadline = std::chrono::steady_clock::now() +
                        std::chrono::duration_cast<std::chrono::steady_clock::duration>(timeout);
  Result<pid_t> spawned = SpawnShell(command, out_pipe[1], err_pipe[1]);
  if (!spawned.ok()) {
    outcome.status = spawned.status();
    for (int fd : {out_pipe[0], out_pipe[1], err_pipe[0], err_pipe[1]}) ::close(fd);
    return outcome;
  }
  const pid_t pid = *spawned;
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
