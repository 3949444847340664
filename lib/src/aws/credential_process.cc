// SPDX-License-Identifier: Apache-2.0

#include "aws/credential_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "shadowsync/json.h"

extern char** environ;

namespace shadowsync::aws {
namespace {

constexpr std::size_t kMaxOutput = 1 << 20;

int Digits(std::string_view text, std::size_t at, std::size_t count) {
  if (at + count > text.size()) return -1;
  int value = 0;
  for (std::size_t i = at; i < at + count; ++i) {
    if (text[i] < '0' || text[i] > '9') return -1;
    value = value * 10 + (text[i] - '0');
  }
  return value;
}

}  // namespace

Result<std::vector<std::string>> SplitCommandLine(std::string_view command) {
  std::vector<std::string> words;
  std::string word;
  bool in_word = false;
  for (std::size_t i = 0; i < command.size(); ++i) {
    char c = command[i];
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      if (in_word) words.push_back(std::move(word));
      word.clear();
      in_word = false;
    } else if (c == '\'') {
      std::size_t close = command.find('\'', i + 1);
      if (close == std::string_view::npos) {
        return InvalidArgumentError("credential_process: unterminated ' quote");
      }
      word.append(command.substr(i + 1, close - i - 1));
      i = close;
      in_word = true;
    } else if (c == '"') {
      std::size_t j = i + 1;
      for (; j < command.size() && command[j] != '"'; ++j) {
        if (command[j] == '\\' && j + 1 < command.size() &&
            std::strchr("\"\\$`", command[j + 1]) != nullptr) {
          ++j;
        }
        word += command[j];
      }
      if (j >= command.size()) {
        return InvalidArgumentError("credential_process: unterminated \" quote");
      }
      i = j;
      in_word = true;
    } else if (c == '\\') {
      if (i + 1 >= command.size()) {
        return InvalidArgumentError("credential_process: a trailing backslash");
      }
      word += command[++i];
      in_word = true;
    } else {
      word += c;
      in_word = true;
    }
  }
  if (in_word) words.push_back(std::move(word));
  if (words.empty()) return InvalidArgumentError("credential_process: the command is empty");
  return words;
}

Result<std::chrono::system_clock::time_point> ParseIso8601(std::string_view text) {
  auto bad = [&] {
    return InvalidArgumentError("Expiration is not an ISO 8601 time such as 2019-05-29T00:21:43Z");
  };
  const int year = Digits(text, 0, 4), month = Digits(text, 5, 2), day = Digits(text, 8, 2);
  const int hour = Digits(text, 11, 2), minute = Digits(text, 14, 2), second = Digits(text, 17, 2);
  if (year < 0 || month < 1 || month > 12 || day < 1 || day > 31 || hour < 0 || hour > 23 ||
      minute < 0 || minute > 59 || second < 0 || second > 60 || text[4] != '-' || text[7] != '-' ||
      (text[10] != 'T' && text[10] != 't' && text[10] != ' ') || text[13] != ':' ||
      text[16] != ':') {
    return bad();
  }
  std::size_t at = 19;
  if (at < text.size() && text[at] == '.') {
    ++at;
    while (at < text.size() && text[at] >= '0' && text[at] <= '9') ++at;
  }
  long offset_seconds = 0;
  if (at < text.size() && (text[at] == 'Z' || text[at] == 'z')) {
    ++at;
  } else if (at < text.size() && (text[at] == '+' || text[at] == '-')) {
    const int oh = Digits(text, at + 1, 2), om = Digits(text, at + 4, 2);
    if (oh < 0 || om < 0 || at + 3 >= text.size() || text[at + 3] != ':') return bad();
    offset_seconds = (text[at] == '+' ? 1 : -1) * (oh * 3600L + om * 60L);
    at += 6;
  } else {
    return bad();
  }
  if (at != text.size()) return bad();
  struct tm utc {};
  utc.tm_year = year - 1900;
  utc.tm_mon = month - 1;
  utc.tm_mday = day;
  utc.tm_hour = hour;
  utc.tm_min = minute;
  utc.tm_sec = second;
  return std::chrono::system_clock::from_time_t(timegm(&utc) - offset_seconds);
}

Result<AwsCredentials> ParseCredentialProcessOutput(std::string_view output,
                                                    const std::string& source) {
  auto bad = [&](const std::string& what) {
    return InvalidArgumentError(source + ": " + what + " (output not shown: it holds secrets)");
  };
  Result<JsonDocument> parsed = ParseJson(output);
  if (!parsed.ok()) return bad("the output is not JSON");
  const JsonValue& root = *parsed;
  if (!root.IsObject()) return bad("the output is not a JSON object");
  auto string_member = [&](const char* name) -> const JsonValue* {
    auto it = root.FindMember(name);
    return it != root.MemberEnd() && it->value.IsString() ? &it->value : nullptr;
  };
  auto version = root.FindMember("Version");
  if (version == root.MemberEnd() || !version->value.IsInt() || version->value.GetInt() != 1) {
    return bad("\"Version\" must be the number 1");
  }
  const JsonValue* key_id = string_member("AccessKeyId");
  const JsonValue* secret = string_member("SecretAccessKey");
  if (key_id == nullptr || key_id->GetStringLength() == 0) {
    return bad("\"AccessKeyId\" is missing or not a non-empty string");
  }
  if (secret == nullptr || secret->GetStringLength() == 0) {
    return bad("\"SecretAccessKey\" is missing or not a non-empty string");
  }
  AwsCredentials credentials;
  credentials.access_key_id.assign(key_id->GetString(), key_id->GetStringLength());
  credentials.secret_access_key.assign(secret->GetString(), secret->GetStringLength());
  if (const JsonValue* token = string_member("SessionToken")) {
    credentials.session_token.assign(token->GetString(), token->GetStringLength());
  }
  if (auto it = root.FindMember("Expiration"); it != root.MemberEnd() && !it->value.IsNull()) {
    if (!it->value.IsString()) return bad("\"Expiration\" must be a string");
    auto expiration =
        ParseIso8601(std::string_view(it->value.GetString(), it->value.GetStringLength()));
    if (!expiration.ok()) return bad(expiration.status().message());
    credentials.expiration = *expiration;
  }
  credentials.source = source;
  return credentials;
}

Result<std::string> RunProcessForOutput(const std::vector<std::string>& argv,
                                        std::chrono::milliseconds timeout) {
  if (argv.empty()) return InvalidArgumentError("no program to run");
  const std::string& program = argv.front();
  int pipe_fds[2];
  if (pipe2(pipe_fds, O_CLOEXEC) != 0) {
    return InternalError("pipe: " + std::string(std::strerror(errno)));
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], 1);
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = -1;
  int spawn_error = posix_spawnp(&pid, program.c_str(), &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(pipe_fds[1]);
  if (spawn_error != 0) {
    close(pipe_fds[0]);
    return Status(StatusCode::kUnavailable,
                  "cannot run '" + program + "': " + std::strerror(spawn_error));
  }

  std::string output;
  bool timed_out = false;
  bool too_long = false;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      timed_out = true;
      break;
    }
    pollfd p{pipe_fds[0], POLLIN, 0};
    int ready = poll(&p, 1, static_cast<int>(left.count()));
    if (ready < 0 && errno == EINTR) continue;
    if (ready == 0) {
      timed_out = true;
      break;
    }
    char buffer[4096];
    ssize_t n = read(pipe_fds[0], buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    output.append(buffer, static_cast<std::size_t>(n));
    if (output.size() > kMaxOutput) {
      too_long = true;
      break;
    }
  }
  close(pipe_fds[0]);
  if (timed_out || too_long) kill(pid, SIGKILL);
  int wait_status = 0;
  while (waitpid(pid, &wait_status, 0) < 0 && errno == EINTR) {
  }
  if (timed_out) {
    return Status(StatusCode::kTimeout, "'" + program + "' did not finish within " +
                                            std::to_string(timeout.count()) + " ms; killed it");
  }
  if (too_long) {
    return Status(StatusCode::kUnavailable, "'" + program + "' wrote more than 1 MiB; killed it");
  }
  if (WIFSIGNALED(wait_status)) {
    return Status(StatusCode::kUnavailable, "'" + program + "' was killed by signal " +
                                                std::to_string(WTERMSIG(wait_status)));
  }
  if (WIFEXITED(wait_status) && WEXITSTATUS(wait_status) != 0) {
    return Status(StatusCode::kUnavailable, "'" + program + "' exited with status " +
                                                std::to_string(WEXITSTATUS(wait_status)) +
                                                " (its stderr goes to ours)");
  }
  return output;
}

}  // namespace shadowsync::aws
