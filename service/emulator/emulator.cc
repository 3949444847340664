// SPDX-License-Identifier: Apache-2.0

#include "emulator.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <random>
#include <utility>

#include "gateway_requests.h"
#include "named_shadow_list.h"
#include "shadowsync/responses.h"
#include "shadowsync/shadow_error.h"
#include "shadowsync/update_request.h"
#include "store_file.h"

namespace shadowsync::emulator {
namespace {

// Inline mode handles one request at a time: nothing is ever in flight
// beyond it, so L7 is off there.
host::HostOptions ToHostOptions(const EmulatorOptions& options) {
  host::HostOptions out = options.host;
  if (options.workers == 0) out.max_inflight = 0;
  return out;
}

}  // namespace

ServiceOptions DefaultEmulatorServiceOptions() { return host::DefaultHostServiceOptions(); }

const std::vector<std::string>& RequestFilters() {
  static const std::vector<std::string> filters = [] {
    std::vector<std::string> all = {
        "$aws/things/+/shadow/get",           "$aws/things/+/shadow/update",
        "$aws/things/+/shadow/delete",        "$aws/things/+/shadow/name/+/get",
        "$aws/things/+/shadow/name/+/update", "$aws/things/+/shadow/name/+/delete",
    };
    // shadowsync-gateway's private twins (gateway_requests.h).
    const std::vector<std::string>& gateway = host::GatewayRequestFilters();
    all.insert(all.end(), gateway.begin(), gateway.end());
    // The gateway's ListNamedShadowsForThing (named_shadow_list.h).
    all.push_back(host::kListRequestFilter);
    return all;
  }();
  return filters;
}

Emulator::Emulator(Transport& transport, Store& store, const cli::Logger& logger,
                   EmulatorOptions options)
    : transport_(transport),
      store_(store),
      logger_(logger),
      options_(std::move(options)),
      host_(store, logger, ToHostOptions(options_)),
      gate_(std::make_shared<Gate>()) {
  for (int i = 0; i < options_.workers; ++i) workers_.push_back(std::make_unique<Worker>());
  gate_->target = this;
  std::shared_ptr<Gate> gate = gate_;
  transport_.SetHandlers(
      [gate](const MqttMessage& message) {
        MutexLock lock(gate->mu);
        if (gate->target) gate->target->OnMessage(message);
      },
      [gate](ConnectionEvent event, const Status& cause) {
        MutexLock lock(gate->mu);
        if (gate->target) gate->target->OnConnection(event, cause);
      });
}

Emulator::~Emulator() {
  Stop();
  MutexLock lock(gate_->mu);
  gate_->target = nullptr;
}

Status Emulator::Start() {
  {
    MutexLock lock(lifecycle_mu_);
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
      logger_.Warning("subscribe to " + filter + " failed: " + status.ToString());
      return status;
    }
    logger_.Debug("subscribed to " + filter + " at QoS 1");
  }
  logger_.Info(
      "subscribed to " + std::to_string(RequestFilters().size()) +
      " request filters ($aws/things/+/shadow/{get,update,delete}, "
      "$aws/things/+/shadow/name/+/{get,update,delete} and the gateway's "
      "$shadowsync/rest/things/...); workers=" +
      std::to_string(options_.workers) + " order=" + PublishOrderName(options_.host.order) +
      " max_inflight=" + std::to_string(options_.host.max_inflight) + " max_requests_per_second=" +
      std::to_string(options_.host.service.max_requests_per_second_per_thing));
  return Status::Ok();
}

void Emulator::Stop() {
  {
    MutexLock lock(lifecycle_mu_);
    if (stopped_) return;
    stopped_ = true;
  }
  const auto deadline = std::chrono::steady_clock::now() + options_.stop_timeout;
  accepting_ = false;
  // A handler call that saw accepting_ still true finishes (enqueues, or
  // handles inline) while holding the gate; after this, no new work comes.
  { MutexLock lock(gate_->mu); }

  bool threads_running = false;
  {
    MutexLock lock(lifecycle_mu_);
    threads_running = started_;
  }
  if (threads_running) {
    for (auto& worker : workers_) {
      MutexLock lock(worker->mu);
      worker->stop = true;
      worker->cv.notify_one();
    }
    // Workers finish their queues; if a publish retry keeps one busy past
    // the deadline, retries are abandoned (the responses are logged lost).
    std::thread abandon_timer;
    Mutex timer_mu;
    std::condition_variable_any timer_cv;
    bool joined = false;  // with timer_mu held
    abandon_timer = std::thread([&] {
      MutexLock lock(timer_mu);
      while (!joined && lock.WaitUntil(timer_cv, deadline)) {
      }
      if (!joined) {
        abandon_retries_ = true;
        logger_.Warning(
            "stop: queued requests still pending at the deadline; giving up on "
            "publish retries");
      }
    });
    for (auto& worker : workers_) {
      if (worker->thread.joinable()) worker->thread.join();
    }
    {
      MutexLock lock(timer_mu);
      joined = true;
    }
    timer_cv.notify_one();
    abandon_timer.join();
  } else {
    // Never started: handle what was queued here, without retries.
    for (auto& worker : workers_) {
      std::deque<Job> queue;
      {
        MutexLock lock(worker->mu);
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
  if (!flushed.ok()) logger_.Warning("stop: responses not all delivered: " + flushed.ToString());
  logger_.Info("stopped: " + host::StatsSummary(stats()));
}

Status Emulator::ExportNow(const std::string& path) {
  const auto start = std::chrono::steady_clock::now();
  Status status =
      options_.exporter ? options_.exporter(store_, path) : host::ExportStoreFile(store_, path);
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

std::size_t Emulator::WorkerIndex(const ShadowId& id) const {
  return static_cast<std::size_t>(host::HashShadowId(id) % workers_.size());
}

void Emulator::OnMessage(const MqttMessage& message) {
  const auto arrived = std::chrono::steady_clock::now();
  // The gateway's ListNamedShadowsForThing, answered from the store as the
  // plugin does (named_shadow_list.h). On the transport's thread: a read,
  // so with workers it sees the updates they have finished.
  if (std::optional<std::string> thing = host::ParseListRequestTopic(message.topic)) {
    if (message.retained || !accepting_) return;
    const auto now = options_.host.clock ? options_.host.clock() : std::chrono::system_clock::now();
    const ServiceMessage answer = host::AnswerListRequest(store_, *thing, message.payload, now);
    logger_.Info("thing=" + *thing + " shadow=- op=list result=" +
                 (answer.code == 200 ? std::string("accepted") : std::string("rejected")) +
                 " code=" + std::to_string(answer.code));
    Publish(answer, false);
    return;
  }
  // The gateway's requests come on a private twin of the request topic and
  // are answered with REST semantics (gateway_requests.h).
  std::optional<std::string> gateway_topic = host::PublicTopicOfGatewayRequest(message.topic);
  const std::string& topic = gateway_topic ? *gateway_topic : message.topic;
  std::optional<ShadowTopic> parsed = host_.ParseRequest(topic, message.retained, message.payload);
  if (!parsed) return;
  if (!accepting_) {
    host_.CountDropped();
    logger_.Warning(host::DescribeRequest(*parsed) + " result=dropped reason=stopping");
    return;
  }
  Job job{topic, message.payload, std::move(*parsed), arrived, gateway_topic.has_value()};

  if (workers_.empty()) {
    Process(job, false);
    return;
  }
  if (!host_.BeginInflight(job.parsed.id.thing)) {
    Throttle(job);
    return;
  }
  Worker& worker = *workers_[WorkerIndex(job.parsed.id)];
  {
    MutexLock lock(worker.mu);
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
      logger_.Warning("connection to the broker lost: " +
                      (cause.ok() ? std::string("no cause given") : cause.ToString()) +
                      "; reconnecting with backoff");
      break;
  }
}

void Emulator::RunWorker(Worker& worker) {
  while (true) {
    Job job;
    {
      MutexLock lock(worker.mu);
      while (!worker.stop && worker.queue.empty()) lock.Wait(worker.cv);
      if (worker.queue.empty()) return;  // stop, and everything handled
      job = std::move(worker.queue.front());
      worker.queue.pop_front();
    }
    Process(job, true);
    ReleaseInflight(job.parsed.id.thing);
  }
}

void Emulator::ReleaseInflight(const std::string& thing) {
  if (!workers_.empty()) host_.EndInflight(thing);
}

void Emulator::Throttle(const Job& job) {
  std::vector<ServiceMessage> responses;
  responses.push_back(host_.Throttle(job.parsed, job.payload));
  host_.LogRequest(job.parsed, responses, job.arrived);
  if (job.from_gateway) responses = host::ForGatewayRequest(std::move(responses));
  // On the transport's thread: no retries.
  for (const ServiceMessage& message : responses) Publish(message, false);
}

void Emulator::Process(Job& job, bool may_retry) {
  std::vector<ServiceMessage> responses = host_.Handle(job.parsed, job.topic, job.payload);
  host_.LogRequest(job.parsed, responses, job.arrived);
  if (job.from_gateway) responses = host::ForGatewayRequest(std::move(responses));
  // ShadowService returned only after the Store made the change durable.
  for (const ServiceMessage& message : responses) Publish(message, may_retry);
}

void Emulator::Publish(const ServiceMessage& message, bool may_retry) {
  Status status = transport_.Publish(message.topic, message.payload, 1);
  if (status.ok()) {
    logger_.Debug("published " + message.topic +
                  " bytes=" + std::to_string(message.payload.size()));
    return;
  }
  if (may_retry && !abandon_retries_) {
    logger_.Warning("publish to " + message.topic + " failed: " + status.ToString() +
                    "; retrying for up to " +
                    std::to_string(options_.publish_retry_window.count()) + " ms");
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
  host_.CountPublishFailure();
  logger_.Error("response on " + message.topic + " lost: " + status.ToString());
}

}  // namespace shadowsync::emulator
