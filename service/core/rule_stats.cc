// SPDX-License-Identifier: Apache-2.0

#include "rule_stats.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace shadowsync::host {

std::string RuleStatsJson(const RuleEngine& engine) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
  auto string = [&w](const std::string& s) {
    w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
  };
  w.StartObject();
  w.Key("rules");
  w.StartArray();
  for (std::size_t i = 0; i < engine.rules().size(); ++i) {
    const TopicRule& rule = engine.rules()[i];
    const RuleCounters& c = engine.counters(i);
    w.StartObject();
    w.Key("name");
    string(rule.name);
    w.Key("enabled");
    w.Bool(!rule.disabled);
    w.Key("from");
    string(rule.sql.topic_filter());
    w.Key("matched");
    w.Uint64(c.matched);
    w.Key("actionsSucceeded");
    w.Uint64(c.actions_succeeded);
    w.Key("actionsFailed");
    w.Uint64(c.actions_failed);
    w.Key("dropped");
    w.Uint64(c.dropped);
    w.Key("republishCut");
    w.Uint64(c.republish_cut);
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

}  // namespace shadowsync::host
