// SPDX-License-Identifier: Apache-2.0

#include "client/request_table.h"

#include <cctype>
#include <random>
#include <utility>

namespace shadowsync::internal {
namespace {

std::string RandomHex(int digits) {
  std::random_device device;
  std::uniform_int_distribution<int> nibble(0, 15);
  std::string out;
  for (int i = 0; i < digits; ++i) out += "0123456789abcdef"[nibble(device)];
  return out;
}

}  // namespace

Status CheckClientTokenPrefix(const std::string& prefix) {
  if (prefix.size() > kMaxTokenPrefixBytes) {
    return InvalidArgumentError("client_token_prefix is " + std::to_string(prefix.size()) +
                                " bytes; at most " + std::to_string(kMaxTokenPrefixBytes) +
                                " keep clientTokens within the service's 64 (L3)");
  }
  for (const char c : prefix) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') {
      return InvalidArgumentError(std::string("client_token_prefix: character '") + c +
                                  "' is not allowed (use letters, digits, '-' and '_')");
    }
  }
  return Status::Ok();
}

RequestTable::RequestTable(const std::string& token_prefix)
    : token_prefix_(token_prefix.empty() ? RandomHex(8) : token_prefix) {}

std::string RequestTable::NextToken() {
  return token_prefix_ + "-" + std::to_string(++token_counter_);
}

void RequestTable::Add(std::string token, PendingRequest request) {
  pending_.emplace(std::move(token), std::move(request));
}

std::optional<PendingRequest> RequestTable::Take(const std::string& token) {
  const auto it = pending_.find(token);
  if (it == pending_.end()) return std::nullopt;
  PendingRequest request = std::move(it->second);
  pending_.erase(it);
  return request;
}

void RequestTable::Erase(const std::string& token) { pending_.erase(token); }

void RequestTable::EraseKind(RequestKind kind) {
  for (auto it = pending_.begin(); it != pending_.end();) {
    it = it->second.kind == kind ? pending_.erase(it) : std::next(it);
  }
}

std::vector<std::string> RequestTable::ExpiredTokens(TimePoint now) const {
  std::vector<std::string> expired;
  for (const auto& [token, request] : pending_) {
    if (now >= request.deadline) expired.push_back(token);
  }
  return expired;
}

std::optional<RequestTable::TimePoint> RequestTable::NextDeadline() const {
  std::optional<TimePoint> next;
  for (const auto& [token, request] : pending_) {
    if (!next || request.deadline < *next) next = request.deadline;
  }
  return next;
}

}  // namespace shadowsync::internal
