// SPDX-License-Identifier: Apache-2.0
#include "shadow_requester.h"

#include <unistd.h>

#include <exception>
#include <random>
#include <utility>

#include "gateway_requests.h"
#include "named_shadow_list.h"
#include "shadowsync/json.h"

namespace shadowsync::gateway {
namespace {

std::string MakePrefix() {
  static const char kDigits[] = "0123456789abcdef";
  std::random_device random;
  std::string prefix = "gw-" + std::to_string(::getpid()) + "-";
  for (int i = 0; i < 8; ++i) prefix.push_back(kDigits[random() % 16]);
  return prefix;
}

bool EndsWith(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

void Call(const AnswerCallback& callback, Result<ShadowAnswer> answer) {
  try {
    callback(std::move(answer));
  } catch (...) {
    // A callback's exception must not unwind into Paho or the timer thread.
  }
}

}  // namespace

ShadowRequester::ShadowRequester(Transport& transport, std::chrono::milliseconds timeout)
    : transport_(transport), timeout_(timeout), prefix_(MakePrefix()) {}

ShadowRequester::~ShadowRequester() { Stop(); }

std::vector<std::string> ShadowRequester::AnswerFilters() {
  std::vector<std::string> filters = host::GatewayAnswerFilters();
  filters.push_back(host::kListAnswerFilter);
  return filters;
}

void ShadowRequester::Start() {
  MutexLock lock(mu_);
  if (started_) return;
  started_ = true;
  stopping_ = false;
  timer_ = std::thread([this] { TimerLoop(); });
}

void ShadowRequester::Stop() {
  std::map<std::string, Pending> dropped;
  {
    MutexLock lock(mu_);
    stopping_ = true;
    dropped.swap(pending_);
  }
  cv_.notify_all();
  if (timer_.joinable()) timer_.join();
  {
    MutexLock lock(mu_);
    started_ = false;
  }
  for (auto& [token, pending] : dropped) {
    Call(pending.callback, Status(StatusCode::kUnavailable, "the gateway is stopping"));
  }
}

std::string ShadowRequester::NewToken() {
  MutexLock lock(mu_);
  return prefix_ + "-" + std::to_string(++next_);
}

Status ShadowRequester::Request(const std::string& request_topic, const std::string& token,
                                const std::string& payload, AnswerCallback callback) {
  {
    MutexLock lock(mu_);
    if (stopping_) return Status(StatusCode::kUnavailable, "the gateway is stopping");
    // Registered before the publish: the answer may come before Publish()
    // returns.
    pending_[token] =
        Pending{request_topic, std::chrono::steady_clock::now() + timeout_, std::move(callback)};
  }
  cv_.notify_all();
  Status published = transport_.Publish(request_topic, payload, 1);
  if (!published.ok()) {
    MutexLock lock(mu_);
    pending_.erase(token);
  }
  return published;
}

void ShadowRequester::OnMessage(const MqttMessage& message) {
  const bool accepted = EndsWith(message.topic, "/accepted");
  if (!accepted && !EndsWith(message.topic, "/rejected")) return;
  // Cheap test first: most answers are for other clients.
  if (message.payload.find(prefix_) == std::string::npos) return;
  Result<JsonDocument> parsed = ParseJson(message.payload);
  if (!parsed.ok() || !parsed->IsObject()) return;
  const auto token = parsed->FindMember("clientToken");
  if (token == parsed->MemberEnd() || !token->value.IsString()) return;
  const std::string key(token->value.GetString(), token->value.GetStringLength());

  AnswerCallback callback;
  {
    MutexLock lock(mu_);
    auto it = pending_.find(key);
    if (it == pending_.end()) return;  // timed out already, or a replay
    const std::string expected = it->second.request_topic + (accepted ? "/accepted" : "/rejected");
    if (message.topic != expected) return;  // our token on another shadow's topic
    callback = std::move(it->second.callback);
    pending_.erase(it);
  }
  Call(callback, ShadowAnswer{accepted, message.payload});
}

std::size_t ShadowRequester::pending() const {
  MutexLock lock(mu_);
  return pending_.size();
}

void ShadowRequester::TimerLoop() {
  MutexLock lock(mu_);
  while (!stopping_) {
    auto next = std::chrono::steady_clock::now() + std::chrono::hours(1);
    for (const auto& [token, pending] : pending_) next = std::min(next, pending.deadline);
    lock.WaitUntil(cv_, next);
    if (stopping_) break;
    const auto now = std::chrono::steady_clock::now();
    std::vector<std::pair<std::string, AnswerCallback>> expired;
    for (auto it = pending_.begin(); it != pending_.end();) {
      if (it->second.deadline <= now) {
        expired.emplace_back(it->second.request_topic, std::move(it->second.callback));
        it = pending_.erase(it);
      } else {
        ++it;
      }
    }
    lock.Unlock();
    for (auto& [topic, callback] : expired) {
      Call(callback, Status(StatusCode::kTimeout, "no answer from the shadow service on " + topic +
                                                      "/accepted or /rejected within " +
                                                      std::to_string(timeout_.count()) + " ms"));
    }
    lock.Lock();
  }
}

}  // namespace shadowsync::gateway
