// SPDX-License-Identifier: Apache-2.0

#include "emulator.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <random>
#include <utility>

#include "shadowsync/responses.h"
#include "shadowsync/shadow_error.h"
#include "shadowsync/update_request.h"
#include "store_file.h"

namespace shadowsync::emulator {
namespace {

constexpr std::uint64_t kFnvOffset = 14695981039346656037ull;
constexpr std::uint64_t kFnvPrime = 1099511628211ull;

std::uint64_t Fnv1a(std::uint64_t hash, std::string_view bytes) {
  for (unsigned char c : bytes) {
    hash ^= c;
    hash *= kFnvPrime;
  }
  return hash;
}

// A stable hash of a shadow id (std::hash differs between standard
// libraries; the random order must not).
std::uint64_t HashShadowId(const ShadowId& id) {
  std::uint64_t hash = Fnv1a(kFnvOffset, id.thing);
  if (id.shadow) {
    hash = Fnv1a(hash, std::string_view("\0n", 2));
    hash = Fnv1a(hash, *id.shadow);
  } else {
    hash = Fnv1a(hash, std::string_view("\0c", 2));
  }
  return hash;
}

std::uint64_t SplitMix64(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

bool IsJsonSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

void SkipSpace(std::string_view s, std::size_t& i) {
  while (i < s.size() && IsJsonSpace(s[i])) ++i;
}

// Skips a JSON string starting at s[i] == '"'; false when unterminated.
bool SkipString(std::string_view s, std::size_t& i) {
  for (++i; i < s.size(); ++i) {
    if (s[i] == '\\') {
      ++i;
    } else if (s[i] == '"') {
      ++i;
      return true;
    }
  }
  return false;
}

// Skips one JSON value of any depth, iteratively.
bool SkipValue(std::string_view s, std::size_t& i) {
  if (i >= s.size()) return false;
  if (s[i] == '"') return SkipString(s, i);
  if (s[i] == '{' || s[i] == '[') {
    std::size_t depth = 0;
    while (i < s.size()) {
      const char c = s[i];
      if (c == '"') {
        if (!SkipString(s, i)) return false;
        continue;
      }
      if (c == '{' || c == '[') ++depth;
      if (c == '}' || c == ']') {
        if (--depth == 0) {
          ++i;
          return true;
        }
      }
      ++i;
    }
    return false;
  }
  const std::size_t start = i;
  while (i < s.size() && s[i] != ',' && s[i] != '}' && s[i] != ']' && !IsJsonSpace(s[i])) ++i;
  return i > start;
}

// A topic or other untrusted text, printable and bounded, for a log line.
std::string Printable(std::string_view text, std::size_t max = 300) {
  std::string out;
  out.reserve(std::min(text.size(), max) + 8);
  for (std::size_t i = 0; i < text.size() && i < max; ++i) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c < 0x7f && c != '\\') {
      out.push_back(static_cast<char>(c));
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    }
  }
  if (text.size() > max) out += "...";
  return out;
}

std::string Describe(const ShadowTopic& topic) {
  std::string out = "thing=" + topic.id.thing + " shadow=";
  out += topic.id.shadow ? *topic.id.shadow : "-";
  out += " op=";
  out += OperationName(topic.operation);
  return out;
}

}  // namespace

const char* LogLevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kError:
      return "error";
    case LogLevel::kWarn:
      return "warn";
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kDebug:
      return "debug";
  }
  return "?";
}

std::optional<LogLevel> ParseLogLevel(std::string_view name) {
  for (LogLevel level : {LogLevel::kError, LogLevel::kWarn, LogLevel::kInfo, LogLevel::kDebug}) {
    if (name == LogLevelName(level)) return level;
  }
  return std::nullopt;
}

void WriteToStderr(std::string_view text) {
  const char* data = text.data();
  std::size_t left = text.size();
  while (left > 0) {
    const ssize_t n = ::write(STDERR_FILENO, data, left);
    if (n <= 0) {
      if (n < 0 && errno == EINTR) continue;
      return;
    }
    data += n;
    left -= static_cast<std::size_t>(n);
  }
}

Logger::Logger(LogLevel level, LogSink sink) : level_(level), sink_(std::move(sink)) {}

void Logger::Log(LogLevel level, std::string_view text) const {
  if (!Enabled(level)) return;
  std::string line = "shadowsync-emulator: ";
  line += LogLevelName(level);
  line += ": ";
  line += text;
  if (sink_) {
    sink_(level, line);
    return;
  }
  line.push_back('\n');
  WriteToStderr(line);
}

const char* PublishOrderName(PublishOrder order) {
  switch (order) {
    case PublishOrder::kAcceptedFirst:
      return "accepted-first";
    case PublishOrder::kDeltaFirst:
      return "delta-first";
    case PublishOrder::kRandom:
      return "random";
  }
  return "?";
}

std::optional<PublishOrder> ParsePublishOrder(std::string_view name) {
  for (PublishOrder order :
       {PublishOrder::kAcceptedFirst, PublishOrder::kDeltaFirst, PublishOrder::kRandom}) {
    if (name == PublishOrderName(order)) return order;
  }
  return std::nullopt;
}

ServiceOptions DefaultEmulatorServiceOptions() {
  ServiceOptions options;
  options.max_requests_per_second_per_thing = 20;  // L8
  return options;
}

const std::vector<std::string>& RequestFilters() {
  static const std::vector<std::string> filters = {
      "$aws/things/+/shadow/get",           "$aws/things/+/shadow/update",
      "$aws/things/+/shadow/delete",        "$aws/things/+/shadow/name/+/get",
      "$aws/things/+/shadow/name/+/update", "$aws/things/+/shadow/name/+/delete",
  };
  return filters;
}

std::optional<std::int64_t> TopLevelInteger(std::string_view json, std::string_view key) {
  std::size_t i = 0;
  SkipSpace(json, i);
  if (i >= json.size() || json[i] != '{') return std::nullopt;
  ++i;
  while (true) {
    SkipSpace(json, i);
    if (i >= json.size() || json[i] != '"') return std::nullopt;
    const std::size_t key_start = i + 1;
    if (!SkipString(json, i)) return std::nullopt;
    // Compared raw: the keys we look for never need escapes.
    const std::string_view member = json.substr(key_start, i - 1 - key_start);
    SkipSpace(json, i);
    if (i >= json.size() || json[i] != ':') return std::nullopt;
    ++i;
    SkipSpace(json, i);
    if (member == key) {
      std::int64_t value = 0;
      const char* first = json.data() + i;
      const char* last = json.data() + json.size();
      auto [end, ec] = std::from_chars(first, last, value);
      if (ec != std::errc() || end == first) return std::nullopt;
      if (end != last && (*end == '.' || *end == 'e' || *end == 'E')) return std::nullopt;
      return value;
    }
    if (!SkipValue(json, i)) return std::nullopt;
    SkipSpace(json, i);
    if (i >= json.size() || json[i] != ',') return std::nullopt;
    ++i;
  }
}

Emulator::Emulator(Transport& transport, Store& store, const Logger& logger,
                   EmulatorOptions options)
    : transport_(transport),
      store_(store),
      logger_(logger),
      options_(std::move(options)),
      service_(store,
               [this] {
                 ServiceOptions service = options_.service;
                 service.order = options_.order == PublishOrder::kDeltaFirst
                                     ? ResponseOrder::kDeltaFirst
                                     : ResponseOrder::kAcceptedFirst;
                 return service;
               }()),
      gate_(std::make_shared<Gate>()) {
  if (options_.order == PublishOrder::kRandom) {
    if (options_.order_seed) {
      order_seed_ = *options_.order_seed;
    } else {
      std::random_device device;
      order_seed_ = (static_cast<std::uint64_t>(device()) << 32) | device();
    }
    logger_.Info("publish order random with seed " + std::to_string(order_seed_) +
                 " (pass --seed " + std::to_string(order_seed_) + " to repeat it)");
  }
  for (int i = 0; i < options_.workers; ++i) workers_.push_back(std::make_unique<Worker>());
  gate_->target = this;
  std::shared_ptr<Gate> gate = gate_;
  transport_.SetHandlers(
      [gate](const MqttMessage& message) {
        std::lock_guard<std::mutex> lock(gate->mu);
        if (gate->target) gate->target->OnMessage(message);
      },
      [gate](ConnectionEvent event, const Status& cause) {
        std::lock_guard<std::mutex> lock(gate->mu);
        if (gate->target) gate->target->OnConnection(event, cause);
      });
}

Emulator::~Emulator() {
  Stop();
  std::lock_guard<std::mutex> lock(gate_->mu);
  gate_->target = nullptr;
}

Status Emulator::Start() {
  {
    std::lock_guard<std::mutex> lock(lifecycle_mu_);
    if (stopped_) return FailedPreconditionError("the emulator is stopped");
    if (!started_) {
      started_ = true;
      for (auto& worker : workers_) {
        Worker* w = worker.get();
        w->thread = std::thread([this, w] { RunWorker(*w); });
      }
    }
  }
  for (const std::string& filter : RequestFilters()) {
    Status status = transport_.Subscribe(filter, 1);
    if (!status.ok()) {
      logger_.Warn("subscribe to " + filter + " failed: " + status.ToString());
      return status;
    }
    logger_.Debug("subscribed to " + filter + " at QoS 1");
  }
  logger_.Info("subscribed to " + std::to_string(RequestFilters().size()) +
               " request filters ($aws/things/+/shadow/{get,update,delete} and "
               "$aws/things/+/shadow/name/+/{get,update,delete}); workers=" +
               std::to_string(options_.workers) + " order=" + PublishOrderName(options_.order) +
               " max_inflight=" + std::to_string(options_.max_inflight) +
               " max_requests_per_second=" +
               std::to_string(options_.service.max_requests_per_second_per_thing));
  return Status::Ok();
}

void Emulator::Stop() {
  {
    std::lock_guard<std::mutex> lock(lifecycle_mu_);
    if (stopped_) return;
    stopped_ = true;
  }
  const auto deadline = std::chrono::steady_clock::now() + options_.stop_timeout;
  accepting_ = false;
  // A handler call that saw accepting_ still true finishes (enqueues, or
  // handles inline) while holding the gate; after this, no new work comes.
  { std::lock_guard<std::mutex> lock(gate_->mu); }

  bool threads_running = false;
  {
    std::lock_guard<std::mutex> lock(lifecycle_mu_);
    threads_running = started_;
  }
  if (threads_running) {
    for (auto& worker : workers_) {
      std::lock_guard<std::mutex> lock(worker->mu);
      worker->stop = true;
      worker->cv.notify_one();
    }
    // Workers finish their queues; if a publish retry keeps one busy past
    // the deadline, retries are abandoned (the responses are logged lost).
    std::thread abandon_timer;
    std::mutex timer_mu;
    std::condition_variable timer_cv;
    bool joined = false;
    abandon_timer = std::thread([&] {
      std::unique_lock<std::mutex> lock(timer_mu);
      if (!timer_cv.wait_until(lock, deadline, [&] { return joined; })) {
        abandon_retries_ = true;
        logger_.Warn(
            "stop: queued requests still pending at the deadline; giving up on "
            "publish retries");
      }
    });
    for (auto& worker : workers_) {
      if (worker->thread.joinable()) worker->thread.join();
    }
    {
      std::lock_guard<std::mutex> lock(timer_mu);
      joined = true;
    }
    timer_cv.notify_one();
    abandon_timer.join();
  } else {
    // Never started: handle what was queued here, without retries.
    for (auto& worker : workers_) {
      std::deque<Job> queue;
      {
        std::lock_guard<std::mutex> lock(worker->mu);
        queue.swap(worker->queue);
      }
      for (Job& job : queue) {
        Process(job, false);
        ReleaseInflight(job.parsed.id.thing);
      }
    }
  }

  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now());
  if (left < std::chrono::milliseconds(200)) left = std::chrono::milliseconds(200);
  Status flushed = transport_.Flush(left);
  if (!flushed.ok()) logger_.Warn("stop: responses not all delivered: " + flushed.ToString());
  const Stats s = stats();
  logger_.Info("stopped: handled=" + std::to_string(s.handled) +
               " throttled=" + std::to_string(s.throttled) +
               " dropped=" + std::to_string(s.dropped) + " ignored=" + std::to_string(s.ignored) +
               " publish_failures=" + std::to_string(s.publish_failures));
}

Status Emulator::ExportNow(const std::string& path) {
  const auto start = std::chrono::steady_clock::now();
  Status status =
      options_.exporter ? options_.exporter(store_, path) : ExportStoreFile(store_, path);
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::steady_clock::now() - start)
                      .count();
  if (status.ok()) {
    logger_.Info("exported the store to " + path + " (" + std::to_string(ms) + " ms)");
  } else {
    logger_.Error("export to " + path + " failed: " + status.ToString());
  }
  return status;
}

Emulator::Stats Emulator::stats() const {
  Stats s;
  s.handled = handled_.load();
  s.throttled = throttled_.load();
  s.dropped = dropped_.load();
  s.ignored = ignored_.load();
  s.publish_failures = publish_failures_.load();
  return s;
}

std::size_t Emulator::WorkerIndex(const ShadowId& id) const {
  return static_cast<std::size_t>(HashShadowId(id) % workers_.size());
}

void Emulator::OnMessage(const MqttMessage& message) {
  const auto arrived = std::chrono::steady_clock::now();
  if (message.retained) {  // T9, 12a.12: a replay, not a request
    ++ignored_;
    logger_.Debug("ignored retained message on " + Printable(message.topic) +
                  " (a retained replay is not a request)");
    return;
  }
  Result<ShadowTopic> parsed = ParseTopic(message.topic);
  if (!parsed.ok() || !parsed->is_request()) {  // T6, 12a.10: no answer at all
    ++ignored_;
    if (logger_.Enabled(LogLevel::kDebug)) {
      logger_.Debug("ignored PUBLISH on " + Printable(message.topic) + ": " +
                    (parsed.ok() ? std::string("not a request topic") : parsed.status().message()));
    }
    return;
  }
  if (!accepting_) {
    ++dropped_;
    logger_.Warn(Describe(*parsed) + " result=dropped reason=stopping");
    return;
  }
  if (logger_.Enabled(LogLevel::kDebug)) {
    logger_.Debug(Describe(*parsed) + " received bytes=" + std::to_string(message.payload.size()) +
                  " payload=" + Printable(message.payload, 200));
  }
  Job job{message.topic, message.payload, std::move(parsed).value(), arrived};

  if (workers_.empty()) {
    Process(job, false);
    return;
  }
  if (options_.max_inflight > 0) {
    bool over = false;
    {
      std::lock_guard<std::mutex> lock(inflight_mu_);
      int& count = inflight_[job.parsed.id.thing];
      over = count >= options_.max_inflight;
      if (!over) ++count;
    }
    if (over) {
      Throttle(job);
      return;
    }
  }
  Worker& worker = *workers_[WorkerIndex(job.parsed.id)];
  {
    std::lock_guard<std::mutex> lock(worker.mu);
    worker.queue.push_back(std::move(job));
  }
  worker.cv.notify_one();
}

void Emulator::OnConnection(ConnectionEvent event, const Status& cause) {
  switch (event) {
    case ConnectionEvent::kConnected:
      logger_.Info("connected to the broker");
      break;
    case ConnectionEvent::kReconnected:
      logger_.Info("reconnected to the broker; the transport renewed the " +
                   std::to_string(RequestFilters().size()) + " request subscriptions");
      break;
    case ConnectionEvent::kConnectionLost:
      logger_.Warn("connection to the broker lost: " +
                   (cause.ok() ? std::string("no cause given") : cause.ToString()) +
                   "; reconnecting with backoff");
      break;
  }
}

void Emulator::RunWorker(Worker& worker) {
  while (true) {
    Job job;
    {
      std::unique_lock<std::mutex> lock(worker.mu);
      worker.cv.wait(lock, [&] { return worker.stop || !worker.queue.empty(); });
      if (worker.queue.empty()) return;  // stop, and everything handled
      job = std::move(worker.queue.front());
      worker.queue.pop_front();
    }
    Process(job, true);
    ReleaseInflight(job.parsed.id.thing);
  }
}

void Emulator::ReleaseInflight(const std::string& thing) {
  if (options_.max_inflight <= 0 || workers_.empty()) return;
  std::lock_guard<std::mutex> lock(inflight_mu_);
  auto it = inflight_.find(thing);
  if (it == inflight_.end()) return;
  if (--it->second <= 0) inflight_.erase(it);
}

void Emulator::Throttle(const Job& job) {
  ++throttled_;
  const ClientToken token = ExtractClientToken(job.payload, options_.service.limits);
  Result<std::string> topic = BuildTopic(job.parsed.id, job.parsed.operation, Suffix::kRejected);
  if (!topic.ok()) return;  // cannot happen: the topic parsed
  std::vector<ServiceMessage> responses;
  responses.push_back(
      {std::move(topic).value(), ErrorPayload(shadow_errors::TooManyRequests(), token)});
  // On the transport's thread: no retries.
  Publish(responses.front(), false);
  LogRequest(job.parsed, responses, job.arrived);
}

void Emulator::Process(Job& job, bool may_retry) {
  const auto now = options_.clock ? options_.clock() : std::chrono::system_clock::now();
  ServiceRequest request{job.topic, job.payload, now, false};
  std::vector<ServiceMessage> responses = service_.Handle(request);
  ++handled_;
  if (options_.order == PublishOrder::kRandom && responses.size() > 1) {
    // Seeded by (seed, shadow, version): reproducible whatever the thread
    // interleaving and whatever other shadows do. Fisher-Yates by hand, as
    // std::shuffle's use of the engine differs between standard libraries.
    std::uint64_t version = 0;
    for (const ServiceMessage& m : responses) {
      if (EndsWith(m.topic, "/accepted")) {
        version = static_cast<std::uint64_t>(TopLevelInteger(m.payload, "version").value_or(0));
      }
    }
    const std::uint64_t mix =
        SplitMix64(order_seed_ ^ SplitMix64(HashShadowId(job.parsed.id) ^ SplitMix64(version)));
    std::mt19937 rng(static_cast<std::uint32_t>(mix ^ (mix >> 32)));
    for (std::size_t i = responses.size() - 1; i > 0; --i) {
      const std::size_t j = rng() % (i + 1);
      std::swap(responses[i], responses[j]);
    }
  }
  // ShadowService returned only after the Store made the change durable.
  for (const ServiceMessage& message : responses) Publish(message, may_retry);
  LogRequest(job.parsed, responses, job.arrived);
}

void Emulator::Publish(const ServiceMessage& message, bool may_retry) {
  Status status = transport_.Publish(message.topic, message.payload, 1);
  if (status.ok()) {
    logger_.Debug("published " + message.topic +
                  " bytes=" + std::to_string(message.payload.size()));
    return;
  }
  if (may_retry && !abandon_retries_) {
    logger_.Warn("publish to " + message.topic + " failed: " + status.ToString() +
                 "; retrying for up to " + std::to_string(options_.publish_retry_window.count()) +
                 " ms");
    const auto give_up = std::chrono::steady_clock::now() + options_.publish_retry_window;
    while (!abandon_retries_ && std::chrono::steady_clock::now() < give_up) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      status = transport_.Publish(message.topic, message.payload, 1);
      if (status.ok()) {
        logger_.Info("published " + message.topic + " after retrying");
        return;
      }
    }
  }
  ++publish_failures_;
  logger_.Error("response on " + message.topic + " lost: " + status.ToString());
}

void Emulator::LogRequest(const ShadowTopic& topic, const std::vector<ServiceMessage>& responses,
                          std::chrono::steady_clock::time_point arrived) {
  const ServiceMessage* answer = nullptr;
  bool accepted = false;
  for (const ServiceMessage& m : responses) {
    if (EndsWith(m.topic, "/accepted")) {
      answer = &m;
      accepted = true;
    } else if (EndsWith(m.topic, "/rejected")) {
      answer = &m;
    }
  }
  if (answer == nullptr) {
    logger_.Debug(Describe(topic) + " result=none");
    return;
  }
  std::int64_t code = 200;
  std::optional<std::int64_t> version;
  if (accepted) {
    version = TopLevelInteger(answer->payload, "version");
  } else {
    code = TopLevelInteger(answer->payload, "code").value_or(0);
  }
  const LogLevel level = code >= 500   ? LogLevel::kError
                         : code == 429 ? LogLevel::kWarn
                                       : LogLevel::kInfo;
  if (!logger_.Enabled(level)) return;
  const auto us = std::chrono::duration_cast<std::chrono::microseconds>(
                      std::chrono::steady_clock::now() - arrived)
                      .count();
  std::string line = Describe(topic);
  line += accepted ? " result=accepted" : " result=rejected";
  line += " code=" + std::to_string(code);
  line += " version=" + (version ? std::to_string(*version) : std::string("-"));
  line += " us=" + std::to_string(us);
  logger_.Log(level, line);
}

}  // namespace shadowsync::emulator
