// SPDX-License-Identifier: Apache-2.0
#include "shadowsync/rest_transport.h"

#include <condition_variable>
#include <deque>
#include <optional>
#include <set>
#include <thread>
#include <utility>

#include "shadowsync/json.h"
#include "shadowsync/mutex.h"
#include "shadowsync/topic.h"
#include "shadowsync/update_request.h"

namespace shadowsync {
namespace {

// Holds at most this many unsent requests (a full queue is kUnavailable,
// as Paho's full buffer is).
constexpr std::size_t kMaxQueued = 256;

struct Job {
  std::string topic;
  std::string payload;
  int qos = 1;
};

// "409: Version conflict (ConflictException)" -> 409, "Version conflict".
std::pair<int, std::string> SplitErrorStatus(const std::string& message) {
  const std::size_t colon = message.find(": ");
  int code = 500;
  std::string text = message;
  if (colon != std::string::npos && colon <= 3) {
    code = std::atoi(message.substr(0, colon).c_str());
    text = message.substr(colon + 2);
  }
  if (!text.empty() && text.back() == ')') {
    const std::size_t open = text.rfind(" (");
    if (open != std::string::npos) {
      const std::string type = text.substr(open + 2, text.size() - open - 3);
      bool word = !type.empty();
      for (char c : type) {
        word = word && ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'));
      }
      if (word) text.resize(open);
    }
  }
  return {code, text};
}

std::string WithToken(JsonDocument doc, const std::optional<std::string>& token) {
  if (token && doc.IsObject() && !doc.HasMember("clientToken")) {
    doc.AddMember("clientToken", JsonValue(token->c_str(), doc.GetAllocator()), doc.GetAllocator());
  }
  return ToCompactJson(doc);
}

class RestTransport final : public Transport {
 public:
  RestTransport(RestTransportOptions options, std::unique_ptr<ShadowRestClient> client)
      : options_(std::move(options)), client_(std::move(client)) {}
  ~RestTransport() override { (void)Disconnect(); }

  void SetHandlers(MessageHandler on_message, ConnectionHandler on_connection) override {
    on_message_ = std::move(on_message);
    on_connection_ = std::move(on_connection);
  }

  Status Connect() override {
    MutexLock lock(mu_);
    if (running_) return Status::Ok();
    running_ = true;
    online_ = true;
    worker_ = std::thread([this] { Run(); });
    return Status::Ok();
  }

  Status Disconnect() override {
    {
      MutexLock lock(mu_);
      if (!running_) return Status::Ok();
      running_ = false;
    }
    cv_.notify_all();
    if (worker_.joinable()) worker_.join();
    MutexLock lock(mu_);
    online_ = false;
    queue_.clear();
    return Status::Ok();
  }

  bool IsConnected() const override {
    MutexLock lock(mu_);
    return running_ && online_;
  }

  Status Subscribe(std::string_view filter, int) override {
    Result<ShadowTopic> topic = ParseTopic(filter);
    if (topic.ok() && topic->operation == Operation::kUpdate && topic->suffix == Suffix::kDelta) {
      MutexLock lock(mu_);
      polled_.insert(topic->id);
    }
    return Status::Ok();
  }

  Status Publish(std::string_view topic, std::string_view payload, int qos) override {
    {
      MutexLock lock(mu_);
      if (!running_ || !online_) {
        return Status(StatusCode::kUnavailable,
                      "offline: " + options_.rest.endpoint + " is not reachable");
      }
      if (queue_.size() >= kMaxQueued) {
        return Status(StatusCode::kUnavailable, "the REST request queue is full");
      }
      queue_.push_back(Job{std::string(topic), std::string(payload), qos});
      ++unfinished_;
    }
    cv_.notify_all();
    return Status::Ok();
  }

  Status Flush(std::chrono::milliseconds timeout) override {
    MutexLock lock(mu_);
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (unfinished_ > 0) {
      if (!lock.WaitUntil(cv_, deadline) && unfinished_ > 0) {
        return Status(StatusCode::kTimeout,
                      std::to_string(unfinished_) + " REST requests still unanswered");
      }
    }
    return Status::Ok();
  }

 private:
  void Deliver(const std::string& topic, const std::string& payload) {
    if (on_message_) on_message_(MqttMessage{topic, payload, 1, false});
  }
  void Event(ConnectionEvent event, const Status& cause) {
    if (on_connection_) on_connection_(event, cause);
  }

  // A failure to reach the server: offline until a probe succeeds.
  bool IsOffline(const Status& status) {
    return status.code() == StatusCode::kUnavailable || status.code() == StatusCode::kTimeout;
  }
  void GoOffline(const Status& cause) {
    {
      MutexLock lock(mu_);
      if (!online_) return;
      online_ = false;
      queue_.clear();
      unfinished_ = 0;
    }
    cv_.notify_all();
    Event(ConnectionEvent::kConnectionLost, cause);
  }

  // One shadow request or publish; the answer goes to the handler.
  void Serve(const Job& job) {
    Result<ShadowTopic> topic = ParseTopic(job.topic);
    if (!topic.ok() || !topic->is_request()) {
      const Status published = client_->Publish(job.topic, job.payload, job.qos);
      if (IsOffline(published)) GoOffline(published);
      return;
    }
    const std::optional<std::string> token = ExtractClientToken(job.payload);
    RequestResult answer = topic->operation == Operation::kGet ? client_->Get(topic->id)
                           : topic->operation == Operation::kDelete
                               ? client_->Delete(topic->id)
                               : client_->Update(topic->id, job.payload);
    if (!answer.ok() && IsOffline(answer.status())) return GoOffline(answer.status());
    Result<std::string> reply = BuildTopic(topic->id, topic->operation,
                                           answer.ok() ? Suffix::kAccepted : Suffix::kRejected);
    if (!reply.ok()) return;
    if (answer.ok()) return Deliver(*reply, WithToken(std::move(answer->payload), token));
    const auto [code, message] = SplitErrorStatus(answer.status().message());
    JsonDocument error(rapidjson::kObjectType);
    error.AddMember("code", code, error.GetAllocator());
    error.AddMember("message", JsonValue(message.c_str(), error.GetAllocator()),
                    error.GetAllocator());
    Deliver(*reply, WithToken(std::move(error), token));
  }

  // Reads each polled shadow and hands its delta on, if it has one.
  bool Poll(const std::set<ShadowId>& shadows) {
    for (const ShadowId& id : shadows) {
      RequestResult got = client_->Get(id);
      if (!got.ok()) {
        if (IsOffline(got.status())) {
          GoOffline(got.status());
          return false;
        }
        continue;  // 404: no shadow yet, no delta
      }
      const JsonValue& doc = got->payload;
      const auto state = doc.FindMember("state");
      if (state == doc.MemberEnd() || !state->value.IsObject()) continue;
      const auto delta = state->value.FindMember("delta");
      if (delta == state->value.MemberEnd() || !delta->value.IsObject()) continue;
      JsonDocument message(rapidjson::kObjectType);
      auto& allocator = message.GetAllocator();
      message.AddMember("version", got->version, allocator);
      const auto timestamp = doc.FindMember("timestamp");
      if (timestamp != doc.MemberEnd()) {
        message.AddMember("timestamp", JsonValue(timestamp->value, allocator), allocator);
      }
      message.AddMember("state", JsonValue(delta->value, allocator), allocator);
      Result<std::string> topic = BuildTopic(id, Operation::kUpdate, Suffix::kDelta);
      if (topic.ok()) Deliver(*topic, ToCompactJson(message));
    }
    return true;
  }

  // Offline: probe until a GET answers (any HTTP answer means reachable).
  bool Probe(const std::set<ShadowId>& shadows) {
    const ShadowId probe =
        shadows.empty() ? ShadowId{"shadowsync-probe", std::nullopt} : *shadows.begin();
    RequestResult got = client_->Get(probe);
    if (!got.ok() && IsOffline(got.status())) return false;
    {
      MutexLock lock(mu_);
      online_ = true;
    }
    Event(ConnectionEvent::kReconnected, Status::Ok());
    return true;
  }

  void Run() {
    Event(ConnectionEvent::kConnected, Status::Ok());
    const auto poll = options_.poll_interval;
    const auto max_retry = poll.count() > 0 ? poll : std::chrono::milliseconds(60000);
    auto retry = options_.retry_interval;
    auto next_poll = std::chrono::steady_clock::now() + poll;
    MutexLock lock(mu_);
    while (running_) {
      const auto now = std::chrono::steady_clock::now();
      if (!online_) {
        const std::set<ShadowId> shadows = polled_;
        lock.Unlock();
        const bool back = Probe(shadows);
        lock.Lock();
        if (back) {
          retry = options_.retry_interval;
          continue;
        }
        const auto until = std::chrono::steady_clock::now() + retry;
        retry = std::min(retry * 2, max_retry);
        while (running_ && lock.WaitUntil(cv_, until)) {
        }
        continue;
      }
      if (!queue_.empty()) {
        Job job = std::move(queue_.front());
        queue_.pop_front();
        lock.Unlock();
        Serve(job);
        lock.Lock();
        if (unfinished_ > 0) --unfinished_;
        cv_.notify_all();  // Flush()
        continue;
      }
      if (poll.count() > 0 && now >= next_poll) {
        next_poll = now + poll;
        const std::set<ShadowId> shadows = polled_;
        lock.Unlock();
        Poll(shadows);
        lock.Lock();
        continue;
      }
      if (poll.count() > 0) {
        lock.WaitUntil(cv_, next_poll);
      } else {
        lock.Wait(cv_);
      }
    }
  }

  const RestTransportOptions options_;
  std::unique_ptr<ShadowRestClient> client_;
  MessageHandler on_message_;
  ConnectionHandler on_connection_;
  mutable Mutex mu_;
  std::condition_variable_any cv_;
  bool running_ SHADOWSYNC_GUARDED_BY(mu_) = false;
  bool online_ SHADOWSYNC_GUARDED_BY(mu_) = false;
  std::deque<Job> queue_ SHADOWSYNC_GUARDED_BY(mu_);
  std::size_t unfinished_ SHADOWSYNC_GUARDED_BY(mu_) = 0;
  std::set<ShadowId> polled_ SHADOWSYNC_GUARDED_BY(mu_);
  std::thread worker_;
};

}  // namespace

Result<std::unique_ptr<Transport>> MakeRestTransport(RestTransportOptions options) {
  Result<std::unique_ptr<ShadowRestClient>> client = ShadowRestClient::Create(options.rest);
  if (!client.ok()) return client.status();
  if (options.poll_interval.count() < 0 || options.retry_interval.count() <= 0) {
    return InvalidArgumentError("poll_interval, retry_interval: must not be negative");
  }
  return std::unique_ptr<Transport>(
      new RestTransport(std::move(options), std::move(client).value()));
}

}  // namespace shadowsync
