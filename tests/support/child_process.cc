// SPDX-License-Identifier: Apache-2.0

#include "support/child_process.h"

#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <memory>
#include <thread>

#include "support/temp_dir.h"

extern char** environ;

namespace shadowsync::testing_support {
namespace {

using Clock = std::chrono::steady_clock;

// What the child reports through the exec-error pipe when it cannot exec.
struct ChildFailure {
  int stage;  // one of the kStage* values below
  int error;  // errno
};
constexpr int kStageChdir = 1;
constexpr int kStageExec = 2;
constexpr int kStageParentGone = 3;

// Poll interval that starts short (a child that is already exiting is
// reaped within a millisecond) and backs off to keep idle waits cheap.
void SleepWithBackoff(std::chrono::microseconds* delay) {
  std::this_thread::sleep_for(*delay);
  *delay = std::min<std::chrono::microseconds>(*delay * 2, std::chrono::milliseconds(10));
}

pid_t WaitPidRetry(pid_t pid, int* status, int flags) {
  pid_t result;
  do {
    result = waitpid(pid, status, flags);
  } while (result < 0 && errno == EINTR);
  return result;
}

std::string ErrnoText(int error) { return std::strerror(error); }

bool IsDirectory(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

}  // namespace

bool ExitStatus::exited() const { return WIFEXITED(wait_status_); }
int ExitStatus::exit_code() const { return WEXITSTATUS(wait_status_); }
bool ExitStatus::signaled() const { return WIFSIGNALED(wait_status_); }
int ExitStatus::term_signal() const { return WTERMSIG(wait_status_); }

std::string ExitStatus::ToString() const {
  if (exited()) return "exited with code " + std::to_string(exit_code());
  if (signaled()) {
    const char* name = strsignal(term_signal());
    return "killed by signal " + std::to_string(term_signal()) + " (" +
           (name != nullptr ? name : "?") + ")";
  }
  return "wait status " + std::to_string(wait_status_);
}

Result<std::string> FindExecutable(const std::string& program, const std::string& search_path,
                                   const std::vector<std::string>& extra_dirs) {
  auto executable = [](const std::string& path) {
    struct stat st;
    return stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && access(path.c_str(), X_OK) == 0;
  };
  if (program.find('/') != std::string::npos) {
    if (executable(program)) return program;
    return NotFoundError("not an executable file: " + program);
  }
  std::vector<std::string> dirs;
  size_t start = 0;
  while (start <= search_path.size()) {
    size_t end = search_path.find(':', start);
    if (end == std::string::npos) end = search_path.size();
    std::string dir = search_path.substr(start, end - start);
    dirs.push_back(dir.empty() ? "." : dir);
    start = end + 1;
  }
  dirs.insert(dirs.end(), extra_dirs.begin(), extra_dirs.end());
  for (const std::string& dir : dirs) {
    std::string candidate = dir + "/" + program;
    if (executable(candidate)) return candidate;
  }
  return NotFoundError("'" + program + "' not found in PATH=" + search_path);
}

ChildProcess::~ChildProcess() { (void)Stop(); }

Status ChildProcess::Start(ChildProcessOptions options) {
  if (!reaped_) {
    return FailedPreconditionError("child " + std::to_string(pid_) +
                                   " has not been reaped; Stop() it first");
  }
  if (options.argv.empty()) return InvalidArgumentError("ChildProcess::Start: empty argv");

  // Everything the child needs is prepared here: between fork() and exec()
  // only async-signal-safe calls are allowed (the parent may run threads).
  std::vector<std::string> env_strings;
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    std::string item(*entry);
    std::string name = item.substr(0, item.find('='));
    bool overridden = std::any_of(options.env.begin(), options.env.end(),
                                  [&](const auto& added) { return added.first == name; });
    if (!overridden) env_strings.push_back(std::move(item));
  }
  for (const auto& [name, value] : options.env) env_strings.push_back(name + "=" + value);
  std::string search_path = "/usr/local/bin:/usr/bin:/bin";
  for (const std::string& item : env_strings) {
    if (item.rfind("PATH=", 0) == 0) search_path = item.substr(5);
  }
  Result<std::string> program = FindExecutable(options.argv[0], search_path);
  if (!program.ok()) return program.status();
  if (!options.working_dir.empty() && !IsDirectory(options.working_dir)) {
    return NotFoundError("working directory does not exist: " + options.working_dir);
  }

  std::vector<char*> argv;
  for (std::string& arg : options.argv) argv.push_back(arg.data());
  argv.push_back(nullptr);
  std::vector<char*> envp;
  for (std::string& item : env_strings) envp.push_back(item.data());
  envp.push_back(nullptr);

  int stdin_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (stdin_fd < 0) return InternalError("open(/dev/null): " + ErrnoText(errno));
  // O_APPEND even when truncating: the child may open the same file itself
  // (mosquitto's log_dest file), and both must add at the end.
  int log_fd =
      options.log_path.empty()
          ? open("/dev/null", O_WRONLY | O_CLOEXEC)
          : open(options.log_path.c_str(),
                 O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | (options.append_log ? 0 : O_TRUNC),
                 0644);
  if (log_fd < 0) {
    int error = errno;
    close(stdin_fd);
    return InternalError("open(" + options.log_path + "): " + ErrnoText(error));
  }
  int error_pipe[2];
  if (pipe2(error_pipe, O_CLOEXEC) != 0) {
    int error = errno;
    close(stdin_fd);
    close(log_fd);
    return InternalError("pipe2: " + ErrnoText(error));
  }
  struct rlimit fd_limit = {1024, 1024};
  getrlimit(RLIMIT_NOFILE, &fd_limit);
  const pid_t parent = getpid();
  const char* working_dir = options.working_dir.empty() ? nullptr : options.working_dir.c_str();
  const bool die_with_parent = options.die_with_parent;

  pid_t pid = fork();
  if (pid < 0) {
    int error = errno;
    close(stdin_fd);
    close(log_fd);
    close(error_pipe[0]);
    close(error_pipe[1]);
    return InternalError("fork: " + ErrnoText(error));
  }
  if (pid == 0) {
    // Child. Async-signal-safe calls only.
    auto fail = [&](int stage) {
      ChildFailure failure{stage, errno};
      ssize_t ignored = write(error_pipe[1], &failure, sizeof failure);
      (void)ignored;
      _exit(127);
    };
    // Own process group: Stop() can signal the child and anything it
    // starts, and a terminal's Ctrl-C does not reach it twice.
    setpgid(0, 0);
    if (die_with_parent) {
      prctl(PR_SET_PDEATHSIG, SIGKILL);
      // The parent may have died before prctl() took effect.
      if (getppid() != parent) fail(kStageParentGone);
    }
    // Ignored signals and the blocked mask survive exec(); the agent blocks
    // SIGTERM in its threads, for example. Give the child a clean slate.
    struct sigaction default_action;
    std::memset(&default_action, 0, sizeof default_action);
    default_action.sa_handler = SIG_DFL;
    sigemptyset(&default_action.sa_mask);
    for (int sig = 1; sig < NSIG; ++sig) sigaction(sig, &default_action, nullptr);
    sigset_t empty_set;
    sigemptyset(&empty_set);
    sigprocmask(SIG_SETMASK, &empty_set, nullptr);

    if (dup2(stdin_fd, STDIN_FILENO) < 0 || dup2(log_fd, STDOUT_FILENO) < 0 ||
        dup2(log_fd, STDERR_FILENO) < 0) {
      fail(kStageExec);
    }
    if (working_dir != nullptr && chdir(working_dir) != 0) fail(kStageChdir);
    // Close every other inherited descriptor at exec (sockets of other
    // brokers, Paho's sockets ...). The error pipe is CLOEXEC too, so a
    // successful exec closes it and the parent reads EOF.
    if (close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) != 0) {
      for (rlim_t fd = 3; fd < fd_limit.rlim_cur && fd < 1048576; ++fd) {
        fcntl(static_cast<int>(fd), F_SETFD, FD_CLOEXEC);
      }
    }
    execve(program.value().c_str(), argv.data(), envp.data());
    fail(kStageExec);
  }

  // Parent.
  close(stdin_fd);
  close(log_fd);
  close(error_pipe[1]);
  // Also set the group here, so a Stop() right after Start() cannot race
  // the child's own setpgid(). EACCES after the child's exec is harmless.
  setpgid(pid, pid);
  ChildFailure failure{0, 0};
  ssize_t n;
  do {
    n = read(error_pipe[0], &failure, sizeof failure);
  } while (n < 0 && errno == EINTR);
  close(error_pipe[0]);
  if (n == static_cast<ssize_t>(sizeof failure)) {
    int status = 0;
    WaitPidRetry(pid, &status, 0);
    if (failure.stage == kStageChdir) {
      return NotFoundError("chdir(" + options.working_dir + "): " + ErrnoText(failure.error));
    }
    if (failure.stage == kStageParentGone) return InternalError("parent died during Start()");
    std::string what = "exec " + program.value() + ": " + ErrnoText(failure.error);
    if (failure.error == ENOENT) return NotFoundError(what);
    return InternalError(what);
  }
  options_ = std::move(options);
  pid_ = pid;
  reaped_ = false;
  exit_status_.reset();
  return Status::Ok();
}

void ChildProcess::Reaped(int wait_status) {
  reaped_ = true;
  exit_status_ = ExitStatus(wait_status);
}

bool ChildProcess::IsRunning() {
  if (reaped_) return false;
  int status = 0;
  pid_t result = WaitPidRetry(pid_, &status, WNOHANG);
  if (result == 0) return true;
  if (result == pid_) {
    Reaped(status);
  } else {
    // ECHILD: somebody else reaped it (SIGCHLD set to SIG_IGN, or a stray
    // waitpid(-1)). It is gone; its status is unknown.
    reaped_ = true;
  }
  return false;
}

Status ChildProcess::Signal(int sig) {
  if (pid_ < 0 || reaped_) {
    return FailedPreconditionError("no running child to send signal " + std::to_string(sig));
  }
  // Not reaped yet, so the pid cannot have been reused (at worst it is a
  // zombie, and the signal is a no-op).
  if (kill(pid_, sig) != 0) {
    return InternalError("kill(" + std::to_string(pid_) + ", " + std::to_string(sig) +
                         "): " + ErrnoText(errno));
  }
  return Status::Ok();
}

Result<ExitStatus> ChildProcess::WaitForExit(std::chrono::milliseconds timeout) {
  if (pid_ < 0) return FailedPreconditionError("WaitForExit: no child was started");
  const auto deadline = Clock::now() + timeout;
  std::chrono::microseconds delay(250);
  while (IsRunning()) {
    if (Clock::now() >= deadline) {
      return Status(StatusCode::kTimeout, "child " + std::to_string(pid_) +
                                              " still running after " +
                                              std::to_string(timeout.count()) + " ms");
    }
    SleepWithBackoff(&delay);
  }
  if (!exit_status_)
    return InternalError("child " + std::to_string(pid_) + " was reaped elsewhere");
  return *exit_status_;
}

Status ChildProcess::Stop(std::chrono::milliseconds timeout) {
  if (pid_ < 0 || reaped_) return Status::Ok();
  if (kill(-pid_, SIGTERM) != 0) kill(pid_, SIGTERM);
  if (!WaitForExit(timeout).ok()) return Kill();
  // The leader is gone; take down anything it left in its group. The group
  // id stays allocated while members remain, so this cannot hit a stranger.
  kill(-pid_, SIGKILL);
  return Status::Ok();
}

Status ChildProcess::Kill() {
  if (pid_ < 0 || reaped_) return Status::Ok();
  if (kill(-pid_, SIGKILL) != 0 && kill(pid_, SIGKILL) != 0 && errno != ESRCH) {
    return InternalError("kill(" + std::to_string(pid_) + ", SIGKILL): " + ErrnoText(errno));
  }
  int status = 0;
  pid_t result = WaitPidRetry(pid_, &status, 0);
  if (result == pid_) {
    Reaped(status);
  } else {
    reaped_ = true;
  }
  return Status::Ok();
}

std::string ChildProcess::ReadLog() const {
  if (options_.log_path.empty()) return "";
  Result<std::string> contents = ReadFileToString(options_.log_path);
  return contents.ok() ? contents.value() : "";
}

Result<ProcessOutput> RunProcess(ChildProcessOptions options, std::chrono::milliseconds timeout) {
  std::unique_ptr<TempDir> scratch;
  if (options.log_path.empty()) {
    Result<std::unique_ptr<TempDir>> created =
        TempDir::Create("shadowsync-run", TempDir::Retention::kAlwaysRemove);
    if (!created.ok()) return created.status();
    scratch = std::move(created).value();
    options.log_path = scratch->File("output.log");
  }
  const std::string program = options.argv.empty() ? "" : options.argv[0];
  ChildProcess child;
  Status started = child.Start(std::move(options));
  if (!started.ok()) return started;
  Result<ExitStatus> exit = child.WaitForExit(timeout);
  if (!exit.ok()) {
    (void)child.Kill();
    return Status(StatusCode::kTimeout, program + " did not finish within " +
                                            std::to_string(timeout.count()) +
                                            " ms; output so far:\n" + child.ReadLog());
  }
  return ProcessOutput{exit.value(), child.ReadLog()};
}

}  // namespace shadowsync::testing_support
