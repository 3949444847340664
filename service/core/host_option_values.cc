// SPDX-License-Identifier: Apache-2.0

#include "host_option_values.h"

#include <charconv>
#include <limits>
#include <string>

namespace shadowsync::host {

Status InvalidOptionValue(std::string_view name, std::string_view text, std::string_view expected) {
  return InvalidArgumentError(std::string(name) + ": invalid value '" + std::string(text) +
                              "': expected " + std::string(expected));
}

Result<std::uint64_t> ParseOptionInteger(std::string_view name, std::string_view text,
                                         std::uint64_t min, std::uint64_t max) {
  const std::string expected =
      "an integer from " + std::to_string(min) + " to " + std::to_string(max);
  if (text.empty()) return InvalidOptionValue(name, text, expected);
  for (char c : text) {
    if (c < '0' || c > '9') return InvalidOptionValue(name, text, expected);
  }
  std::uint64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value < min || value > max) {
    return InvalidOptionValue(name, text, expected);
  }
  return value;
}

Status ApplyHostSetting(HostSetting setting, std::string_view name, std::string_view text,
                        HostOptions& options) {
  switch (setting) {
    case HostSetting::kOrder: {
      std::optional<PublishOrder> order = ParsePublishOrder(text);
      if (!order) return InvalidOptionValue(name, text, "accepted-first, delta-first or random");
      options.order = *order;
      return Status::Ok();
    }
    case HostSetting::kOrderSeed: {
      Result<std::uint64_t> n =
          ParseOptionInteger(name, text, 0, std::numeric_limits<std::uint64_t>::max());
      if (!n.ok()) return n.status();
      options.order_seed = *n;
      return Status::Ok();
    }
    case HostSetting::kMaxDocumentBytes: {
      Result<std::uint64_t> n = ParseOptionInteger(name, text, 1, 16 * 1024 * 1024);
      if (!n.ok()) return n.status();
      options.service.limits.max_document_bytes = static_cast<std::size_t>(*n);
      return Status::Ok();
    }
    case HostSetting::kMaxDepth: {
      Result<std::uint64_t> n = ParseOptionInteger(name, text, 1, 64);
      if (!n.ok()) return n.status();
      options.service.limits.max_depth = static_cast<int>(*n);
      return Status::Ok();
    }
    case HostSetting::kMaxInflight: {
      Result<std::uint64_t> n = ParseOptionInteger(name, text, 0, 1000000);
      if (!n.ok()) return n.status();
      options.max_inflight = static_cast<int>(*n);
      return Status::Ok();
    }
    case HostSetting::kMaxRequestsPerSecond: {
      Result<std::uint64_t> n = ParseOptionInteger(name, text, 0, 1000000);
      if (!n.ok()) return n.status();
      options.service.max_requests_per_second_per_thing = static_cast<int>(*n);
      return Status::Ok();
    }
  }
  return InvalidArgumentError(std::string(name) + ": unknown setting");
}

}  // namespace shadowsync::host
