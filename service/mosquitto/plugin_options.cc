// SPDX-License-Identifier: Apache-2.0

#include "plugin_options.h"

#include <map>
#include <optional>
#include <string_view>

#include "host_option_values.h"

namespace shadowsync::mosquitto_plugin {
namespace {

using host::HostSetting;

const std::map<std::string_view, HostSetting>& HostSettings() {
  static const std::map<std::string_view, HostSetting> settings = {
      {"order", HostSetting::kOrder},
      {"order_seed", HostSetting::kOrderSeed},
      {"max_document_bytes", HostSetting::kMaxDocumentBytes},
      {"max_depth", HostSetting::kMaxDepth},
      {"max_inflight", HostSetting::kMaxInflight},
      {"max_requests_per_second", HostSetting::kMaxRequestsPerSecond},
  };
  return settings;
}

std::string OptionName(std::string_view name) { return "plugin_opt_" + std::string(name); }

}  // namespace

Result<PluginOptions> ParsePluginOptions(
    const std::vector<std::pair<std::string, std::string>>& options) {
  PluginOptions out;
  std::map<std::string, std::string*> paths = {
      {"store", &out.store_path},
      {"seed_file", &out.seed_file},
      {"export_file", &out.export_file},
      {"registry", &out.registry_path},
      {"rules_dir", &out.rules_dir},
      {"rules_table_store", &out.rules_table_store},
      {"gateway_secret_file", &out.gateway_secret_file},
  };
  for (const auto& [name, value] : options) {
    const std::string option = OptionName(name);
    if (auto setting = HostSettings().find(name); setting != HostSettings().end()) {
      Status s = host::ApplyHostSetting(setting->second, option, value, out.host);
      if (!s.ok()) return s;
    } else if (auto path = paths.find(name); path != paths.end()) {
      if (value.empty()) return host::InvalidOptionValue(option, value, "a file path");
      *path->second = value;
    } else if (name == "log_level") {
      std::optional<cli::LogLevel> level = cli::ParseLogLevel(value);
      if (!level) return host::InvalidOptionValue(option, value, "error, warning, info or debug");
      out.log_level = *level;
    } else {
      return InvalidArgumentError(
          option +
          ": unknown option (known: order, order_seed, store, seed_file, export_file, "
          "max_document_bytes, max_depth, max_inflight, max_requests_per_second, "
          "registry, rules_dir, rules_table_store, log_level, gateway_secret_file)");
    }
  }
  if (out.host.order_seed && out.host.order != host::PublishOrder::kRandom) {
    return InvalidArgumentError(
        "plugin_opt_order_seed: a seed needs plugin_opt_order random (the order is " +
        std::string(host::PublishOrderName(out.host.order)) + ")");
  }
  return out;
}

}  // namespace shadowsync::mosquitto_plugin
