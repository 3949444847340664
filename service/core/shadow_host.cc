// SPDX-License-Identifier: Apache-2.0

#include "shadow_host.h"

#include <utility>

#include "shadowsync/responses.h"
#include "shadowsync/shadow_error.h"
#include "shadowsync/update_request.h"

namespace shadowsync::host {

ServiceOptions DefaultHostServiceOptions() {
  ServiceOptions options;
  options.max_requests_per_second_per_thing = 20;  // L8
  return options;
}

std::string StatsSummary(const HostStats& s) {
  return "handled=" + std::to_string(s.handled) +
         " throttled_inflight=" + std::to_string(s.throttled_inflight) +
         " throttled_rate=" + std::to_string(s.throttled_rate) +
         " dropped=" + std::to_string(s.dropped) + " ignored=" + std::to_string(s.ignored) +
         " publish_failures=" + std::to_string(s.publish_failures);
}

std::string DescribeRequest(const ShadowTopic& topic) {
  std::string out = "thing=" + topic.id.thing + " shadow=";
  out += topic.id.shadow ? *topic.id.shadow : "-";
  out += " op=";
  out += OperationName(topic.operation);
  return out;
}

ShadowHost::ShadowHost(Store& store, const cli::Logger& logger, HostOptions options)
    : logger_(logger), options_(std::move(options)), service_(store, [this] {
        ServiceOptions service = options_.service;
        service.order = ServiceOrderFor(options_.order);
        return service;
      }()) {
  if (options_.order == PublishOrder::kRandom) {
    order_seed_ = options_.order_seed ? *options_.order_seed : RandomOrderSeed();
    logger_.Info("publish order random with seed " + std::to_string(order_seed_) +
                 " (give this seed again to repeat it)");
  }
}

std::optional<ShadowTopic> ShadowHost::ParseRequest(std::string_view topic, bool retained,
                                                    std::string_view payload) {
  if (retained) {  // T9, 12a.12: a replay, not a request
    ++ignored_;
    logger_.Debug("ignored retained message on " + cli::Printable(topic) +
                  " (a retained replay is not a request)");
    return std::nullopt;
  }
  Result<ShadowTopic> parsed = ParseTopic(topic);
  if (!parsed.ok() || !parsed->is_request()) {  // T6, 12a.10: no answer at all
    ++ignored_;
    if (logger_.Enabled(cli::LogLevel::kDebug)) {
      logger_.Debug("ignored PUBLISH on " + cli::Printable(topic) + ": " +
                    (parsed.ok() ? std::string("not a request topic") : parsed.status().message()));
    }
    return std::nullopt;
  }
  if (logger_.Enabled(cli::LogLevel::kDebug)) {
    logger_.Debug(DescribeRequest(*parsed) + " received bytes=" + std::to_string(payload.size()) +
                  " payload=" + cli::Printable(payload, 200));
  }
  return std::move(parsed).value();
}

bool ShadowHost::BeginInflight(const std::string& key) {
  if (options_.max_inflight <= 0) return true;
  MutexLock lock(inflight_mu_);
  int& count = inflight_[key];
  if (count >= options_.max_inflight) return false;
  ++count;
  return true;
}

void ShadowHost::EndInflight(const std::string& key) {
  if (options_.max_inflight <= 0) return;
  MutexLock lock(inflight_mu_);
  auto it = inflight_.find(key);
  if (it == inflight_.end()) return;
  if (--it->second <= 0) inflight_.erase(it);
}

ServiceMessage ShadowHost::Throttle(const ShadowTopic& request, std::string_view payload) {
  ++throttled_inflight_;
  const ClientToken token = ExtractClientToken(payload, options_.service.limits);
  Result<std::string> topic = BuildTopic(request.id, request.operation, Suffix::kRejected);
  const ShadowError error = shadow_errors::TooManyRequests();
  return {topic.ok() ? std::move(topic).value() : std::string(), ErrorPayload(error, token),
          Suffix::kRejected, error.code};
}

std::vector<ServiceMessage> ShadowHost::Handle(const ShadowTopic& request, std::string_view topic,
                                               std::string_view payload) {
  const auto now = options_.clock ? options_.clock() : std::chrono::system_clock::now();
  std::vector<ServiceMessage> responses = service_.Handle({topic, payload, now, false});
  ++handled_;
  if (responses.size() == 1 && responses.front().code == 429) ++throttled_rate_;
  if (options_.order == PublishOrder::kRandom) ShuffleResponses(order_seed_, request.id, responses);
  return responses;
}

void ShadowHost::LogRequest(const ShadowTopic& request,
                            const std::vector<ServiceMessage>& responses,
                            std::chrono::steady_clock::time_point arrived) const {
  const ServiceMessage* answer = nullptr;
  for (const ServiceMessage& m : responses) {
    if (m.suffix == Suffix::kAccepted || m.suffix == Suffix::kRejected) answer = &m;
  }
  if (answer == nullptr) {
    logger_.Debug(DescribeRequest(request) + " result=none");
    return;
  }
  const bool accepted = answer->suffix == Suffix::kAccepted;
  const int code = answer->code;
  const cli::LogLevel level = code >= 500   ? cli::LogLevel::kError
                              : code == 429 ? cli::LogLevel::kWarning
                                            : cli::LogLevel::kInfo;
  if (!logger_.Enabled(level)) return;
  const auto us = std::chrono::duration_cast<std::chrono::microseconds>(
                      std::chrono::steady_clock::now() - arrived)
                      .count();
  std::string line = DescribeRequest(request);
  line += accepted ? " result=accepted" : " result=rejected";
  line += " code=" + std::to_string(code);
  line += " version=" + (accepted ? std::to_string(answer->version) : std::string("-"));
  line += " us=" + std::to_string(us);
  logger_.Log(level, line);
}

HostStats ShadowHost::stats() const {
  HostStats s;
  s.handled = handled_.load();
  s.throttled_inflight = throttled_inflight_.load();
  s.throttled_rate = throttled_rate_.load();
  s.dropped = dropped_.load();
  s.ignored = ignored_.load();
  s.publish_failures = publish_failures_.load();
  return s;
}

}  // namespace shadowsync::host
