// SPDX-License-Identifier: Apache-2.0

#include "client/report_state.h"

#include <algorithm>
#include <utility>

#include "shadowsync/diff.h"

namespace shadowsync::internal {

PooledJson ServiceForm(const JsonValue& section) {
  PooledJson form;
  ApplyPatch(form.value(), section, form.allocator());
  return form;
}

void ReportState::Adopt(const JsonValue* reported) {
  synced_ = true;
  acked_ = reported && reported->IsObject() ? PooledJson(*reported) : PooledJson();
}

std::optional<JsonDocument> ReportState::NextPatch(TimePoint now) {
  if (!synced_ || in_flight_ || !target_) return std::nullopt;
  if (report_retry_at_ && now < *report_retry_at_) return std::nullopt;
  report_retry_at_.reset();
  return Diff(acked_.value(), target_->value());
}

void ReportState::Sent(std::string token, JsonDocument patch) {
  in_flight_ = InFlightReport{std::move(token), std::move(patch)};
}

void ReportState::Drop(const std::string& token) {
  if (in_flight_ && in_flight_->token == token) in_flight_.reset();
}

std::optional<std::string> ReportState::DropInFlight() {
  if (!in_flight_) return std::nullopt;
  std::string token = std::move(in_flight_->token);
  in_flight_.reset();
  return token;
}

void ReportState::Accepted(const std::string& token) {
  if (in_flight_ && in_flight_->token == token) {
    ApplyPatch(acked_.value(), in_flight_->patch, acked_.allocator());
    in_flight_.reset();
    // Patched in place for months: keep the pool's garbage bounded.
    acked_.CompactIfBloated();
  }
  report_retry_delay_ = kFirstRetryDelay;
}

void ReportState::RetryLater(const std::string& token, TimePoint now) {
  Drop(token);
  report_retry_at_ = now + report_retry_delay_;
  report_retry_delay_ = std::min(kMaxRetryDelay, report_retry_delay_ * 2);
}

}  // namespace shadowsync::internal
