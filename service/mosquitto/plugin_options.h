// SPDX-License-Identifier: Apache-2.0
//
// The plugin's options: `plugin_opt_<name> <value>` lines after the
// `plugin` line in mosquitto.conf. The names are fixed (issue 9, "Option
// names") so that configurations, tests and docs/broker-plugin.md agree:
//
//   order                    accepted-first (default) | delta-first | random
//   order_seed               N: the random order's seed (needs order random)
//   store                    SQLite path; group commit (durable answers)
//   seed_file                shadows to load at start (emulator format)
//   export_file              where the shadows are written at a clean stop
//   max_document_bytes       L1 (8192)
//   max_depth                L2 (6)
//   max_inflight             L7 per client connection (10; 0 off)
//   max_requests_per_second  L8 per thing (20; 0 off)
//   registry                 things, certificates and AWS IoT policies
//   rules_dir                AWS IoT topic rules, one *.json file each
//   rules_table_store        SQLite path or postgresql:// URI: the tables of dynamoDB(v2) actions
//   log_level                error | warn | info (default) | debug
//   gateway_secret_file      the secret shadowsync-gateway proves itself with
//                            when it connects WebSocket clients as IAM users
//                            (gateway_identity.h)
//
// A bad value or an unknown name is an error that names the option; the
// plugin then refuses to load, and mosquitto refuses to start.
//
// Thread safety: free functions over values; safe for concurrent use.

#ifndef SHADOWSYNC_SERVICE_MOSQUITTO_PLUGIN_OPTIONS_H_
#define SHADOWSYNC_SERVICE_MOSQUITTO_PLUGIN_OPTIONS_H_

#include <string>
#include <utility>
#include <vector>

#include "cli/log.h"
#include "shadow_host.h"
#include "shadowsync/status.h"

namespace shadowsync::mosquitto_plugin {

struct PluginOptions {
  host::HostOptions host;
  std::string store_path;
  std::string seed_file;
  std::string export_file;
  std::string registry_path;
  std::string rules_dir;
  std::string rules_table_store;
  std::string gateway_secret_file;
  cli::LogLevel log_level = cli::LogLevel::kInfo;
};

/// Parses the (name, value) pairs mosquitto hands to the plugin (names
/// without the `plugin_opt_` prefix). kInvalidArgument naming the option,
/// e.g. "plugin_opt_max_depth: invalid value 'x': expected an integer from
/// 1 to 64". Does not touch the file system.
Result<PluginOptions> ParsePluginOptions(
    const std::vector<std::pair<std::string, std::string>>& options);

}  // namespace shadowsync::mosquitto_plugin

#endif  // SHADOWSYNC_SERVICE_MOSQUITTO_PLUGIN_OPTIONS_H_
