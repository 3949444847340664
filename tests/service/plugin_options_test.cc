// SPDX-License-Identifier: Apache-2.0
//
// Tests of service/mosquitto/plugin_options.cc: the plugin_opt_ names and
// values, and errors that name the option.

#include "plugin_options.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace shadowsync::mosquitto_plugin {
namespace {

using ::testing::HasSubstr;

TEST(PluginOptionsTest, DefaultsAreTheEmulatorsAndTheSpecs_L1_L2_L7_L8) {
  Result<PluginOptions> parsed = ParsePluginOptions({});
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->host.order, host::PublishOrder::kAcceptedFirst);
  EXPECT_EQ(parsed->host.service.limits.max_document_bytes, 8192u);
  EXPECT_EQ(parsed->host.service.limits.max_depth, 6);
  EXPECT_EQ(parsed->host.max_inflight, 10);
  EXPECT_EQ(parsed->host.service.max_requests_per_second_per_thing, 20);
  EXPECT_EQ(parsed->log_level, cli::LogLevel::kInfo);
  EXPECT_TRUE(parsed->store_path.empty());
  EXPECT_TRUE(parsed->registry_path.empty());
}

TEST(PluginOptionsTest, EveryNamedOptionIsRead) {
  Result<PluginOptions> parsed = ParsePluginOptions({
      {"order", "random"},
      {"order_seed", "42"},
      {"store", "/var/lib/shadowsync/shadows.db"},
      {"seed_file", "seed.json"},
      {"export_file", "export.json"},
      {"max_document_bytes", "16384"},
      {"max_depth", "8"},
      {"max_inflight", "0"},
      {"max_requests_per_second", "100"},
      {"registry", "registry.json"},
      {"rules_dir", "/etc/shadowsync/rules"},
      {"rules_table_store", "/var/lib/shadowsync/tables.db"},
      {"log_level", "debug"},
  });
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->host.order, host::PublishOrder::kRandom);
  EXPECT_EQ(parsed->host.order_seed, 42u);
  EXPECT_EQ(parsed->store_path, "/var/lib/shadowsync/shadows.db");
  EXPECT_EQ(parsed->seed_file, "seed.json");
  EXPECT_EQ(parsed->export_file, "export.json");
  EXPECT_EQ(parsed->host.service.limits.max_document_bytes, 16384u);
  EXPECT_EQ(parsed->host.service.limits.max_depth, 8);
  EXPECT_EQ(parsed->host.max_inflight, 0);
  EXPECT_EQ(parsed->host.service.max_requests_per_second_per_thing, 100);
  EXPECT_EQ(parsed->registry_path, "registry.json");
  EXPECT_EQ(parsed->rules_dir, "/etc/shadowsync/rules");
  EXPECT_EQ(parsed->rules_table_store, "/var/lib/shadowsync/tables.db");
  EXPECT_EQ(parsed->log_level, cli::LogLevel::kDebug);
}

TEST(PluginOptionsTest, ABadValueNamesTheOptionAndWhatIsExpected) {
  const std::vector<std::pair<std::pair<std::string, std::string>, std::string>> cases = {
      {{"max_depth", "0"},
       "plugin_opt_max_depth: invalid value '0': expected an integer from 1 to 64"},
      {{"max_depth", "-1"}, "plugin_opt_max_depth: invalid value '-1'"},
      {{"max_document_bytes", "8k"}, "plugin_opt_max_document_bytes: invalid value '8k'"},
      {{"max_inflight", ""}, "plugin_opt_max_inflight: invalid value ''"},
      {{"order", "Random"}, "expected accepted-first, delta-first or random"},
      {{"log_level", "verbose"},
       "plugin_opt_log_level: invalid value 'verbose': expected error, warning, info or debug"},
      {{"store", ""}, "plugin_opt_store: invalid value '': expected a file path"},
      {{"registery", "r.json"}, "plugin_opt_registery: unknown option"},
  };
  for (const auto& [option, expected] : cases) {
    Result<PluginOptions> parsed = ParsePluginOptions({option});
    ASSERT_FALSE(parsed.ok()) << option.first;
    EXPECT_EQ(parsed.status().code(), StatusCode::kInvalidArgument);
    EXPECT_THAT(parsed.status().message(), HasSubstr(expected)) << option.first;
  }
}

TEST(PluginOptionsTest, AnOrderSeedNeedsTheRandomOrder) {
  Result<PluginOptions> parsed = ParsePluginOptions({{"order_seed", "7"}});
  ASSERT_FALSE(parsed.ok());
  EXPECT_THAT(parsed.status().message(),
              HasSubstr("plugin_opt_order_seed: a seed needs plugin_opt_order random"));
}

}  // namespace
}  // namespace shadowsync::mosquitto_plugin
