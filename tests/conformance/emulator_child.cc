// SPDX-License-Identifier: Apache-2.0

#include "conformance/emulator_child.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <sstream>

namespace shadowsync::conformance {
namespace {

std::string DescribeWaitStatus(int status) {
  if (WIFEXITED(status)) return "exited with code " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) {
    const int sig = WTERMSIG(status);
    const char* name = strsignal(sig);
    return "killed by signal " + std::to_string(sig) + (name ? std::string(" (") + name + ")" : "");
  }
  return "ended with wait status " + std::to_string(status);
}

// In the child, between fork() and exec(): async-signal-safe calls only.
[[noreturn]] void ExecChild(char* const* argv, int out_fd, pid_t parent, long max_fd,
                            const std::string& exec_error) {
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (::getppid() != parent) ::_exit(127);  // the parent died before prctl
  const int null_fd = ::open("/dev/null", O_RDONLY);
  if (null_fd >= 0) ::dup2(null_fd, STDIN_FILENO);
  ::dup2(out_fd, STDOUT_FILENO);
  ::dup2(out_fd, STDERR_FILENO);
  // Close everything else (the runner's MQTT socket among them).
#ifdef SYS_close_range
  if (::syscall(SYS_close_range, 3U, ~0U, 0U) != 0)
#endif
  {
    for (long fd = 3; fd < max_fd; ++fd) ::close(static_cast<int>(fd));
  }
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  for (int sig = 1; sig < NSIG; ++sig) {
    if (sig != SIGKILL && sig != SIGSTOP) ::signal(sig, SIG_DFL);
  }
  ::execv(argv[0], argv);
  ssize_t ignored = ::write(STDERR_FILENO, exec_error.data(), exec_error.size());
  (void)ignored;
  ::_exit(127);
}

}  // namespace

EmulatorChild::~EmulatorChild() { Kill(); }

Status EmulatorChild::Start(const std::vector<std::string>& argv,
                            std::chrono::milliseconds ready_timeout) {
  if (pid_ > 0) return FailedPreconditionError("an emulator is already running");
  if (argv.empty()) return InvalidArgumentError("no emulator command");
  {
    std::lock_guard<std::mutex> lock(mu_);
    lines_.clear();
    line_times_.clear();
    taken_ = 0;
    ready_ = false;
    eof_ = false;
  }

  // Everything the child needs, prepared before fork().
  std::vector<char*> args;
  args.reserve(argv.size() + 1);
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const std::string exec_error =
      "shadowsync-conformance: cannot execute " + argv.front() + " (exec failed)\n";
  long max_fd = ::sysconf(_SC_OPEN_MAX);
  if (max_fd < 0 || max_fd > 65536) max_fd = 65536;
  const pid_t parent = ::getpid();

  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    return InternalError(std::string("pipe2: ") + std::strerror(errno));
  }
  started_ = std::chrono::steady_clock::now();
  const pid_t pid = ::fork();
  if (pid < 0) {
    const int err = errno;
    ::close(fds[0]);
    ::close(fds[1]);
    return InternalError(std::string("fork: ") + std::strerror(err));
  }
  if (pid == 0) ExecChild(args.data(), fds[1], parent, max_fd, exec_error);
  ::close(fds[1]);
  pid_ = pid;
  reader_ = std::thread([this, fd = fds[0]] { ReadOutput(fd); });

  bool ready = false;
  {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait_until(lock, started_ + ready_timeout, [this] { return ready_ || eof_; });
    ready = ready_;
  }
  if (ready) return Status::Ok();
  const std::string ended = Kill();
  std::string why = ended.empty() ? "did not print \"" +
                                        (ready_marker_.empty() ? std::string(kReadyPrefix) + "..."
                                                               : ready_marker_) +
                                        "\" within " + std::to_string(ready_timeout.count()) + " ms"
                                  : ended + " before it was ready";
  return Status(StatusCode::kUnavailable, "the emulator " + why + "; its output:\n" + Tail());
}

void EmulatorChild::ReadOutput(int fd) {
  std::string pending;
  char buffer[4096];
  while (true) {
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    pending.append(buffer, static_cast<std::size_t>(n));
    std::size_t start = 0;
    std::size_t newline;
    while ((newline = pending.find('\n', start)) != std::string::npos) {
      std::string line = pending.substr(start, newline - start);
      start = newline + 1;
      const auto now = std::chrono::steady_clock::now();
      std::lock_guard<std::mutex> lock(mu_);
      if (ready_marker_.empty() ? line.rfind(kReadyPrefix, 0) == 0
                                : line.find(ready_marker_) != std::string::npos) {
        ready_ = true;
      }
      lines_.push_back(std::move(line));
      line_times_.push_back(now - started_);
      cv_.notify_all();
    }
    pending.erase(0, start);
  }
  ::close(fd);
  std::lock_guard<std::mutex> lock(mu_);
  if (!pending.empty()) {
    lines_.push_back(std::move(pending));
    line_times_.push_back(std::chrono::steady_clock::now() - started_);
  }
  eof_ = true;
  cv_.notify_all();
}

std::string EmulatorChild::Kill() {
  std::string ended;
  if (pid_ > 0) {
    int status = 0;
    pid_t reaped = ::waitpid(pid_, &status, WNOHANG);
    if (reaped == pid_) {
      ended = DescribeWaitStatus(status);
    } else {
      ::kill(pid_, SIGKILL);
      while ((reaped = ::waitpid(pid_, &status, 0)) < 0 && errno == EINTR) {
      }
    }
    pid_ = -1;
  }
  if (reader_.joinable()) reader_.join();  // EOF: the child is gone
  return ended;
}

std::vector<std::string> EmulatorChild::TakeLines() {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::string> out;
  for (; taken_ < lines_.size(); ++taken_) {
    const auto us = std::chrono::duration_cast<std::chrono::microseconds>(line_times_[taken_]);
    char offset[32];
    std::snprintf(offset, sizeof offset, "+%.1f ms ", static_cast<double>(us.count()) / 1000.0);
    out.push_back(offset + lines_[taken_]);
  }
  return out;
}

std::string EmulatorChild::Tail(std::size_t max_lines) {
  std::lock_guard<std::mutex> lock(mu_);
  std::ostringstream out;
  const std::size_t first = lines_.size() > max_lines ? lines_.size() - max_lines : 0;
  for (std::size_t i = first; i < lines_.size(); ++i) out << "  | " << lines_[i] << '\n';
  if (lines_.empty()) out << "  | (nothing)\n";
  return out.str();
}

}  // namespace shadowsync::conformance
