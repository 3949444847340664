// SPDX-License-Identifier: Apache-2.0
#include "things_index.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "history_store.h"
#include "shadowsync/json.h"
#include "shadowsync/topic.h"

namespace shadowsync::console {
namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

constexpr char kPresencePrefix[] = "$aws/events/presence/";
constexpr std::size_t kRecentLeaves = 50;

void Key(Writer& w, const char* key) { w.Key(key); }
void String(Writer& w, const std::string& text) {
  w.String(text.data(), static_cast<rapidjson::SizeType>(text.size()));
}

// The payload as JSON when it parses, else as a string.
void Payload(Writer& w, const std::string& payload, const JsonDocument* parsed) {
  if (parsed) {
    parsed->Accept(w);
  } else {
    String(w, payload);
  }
}

std::string ActivityEntry(std::int64_t now_ms, const char* kind, const std::string& topic,
                          const std::string& payload, const JsonDocument* parsed) {
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  w.StartObject();
  Key(w, "time");
  w.Int64(now_ms);
  Key(w, "kind");
  w.String(kind);
  Key(w, "topic");
  String(w, topic);
  Key(w, "payload");
  Payload(w, payload, parsed);
  w.EndObject();
  return buffer.GetString();
}

const JsonValue* Member(const JsonValue& object, const char* name) {
  if (!object.IsObject()) return nullptr;
  auto it = object.FindMember(name);
  return it == object.MemberEnd() ? nullptr : &it->value;
}

}  // namespace

std::optional<IndexChange> ThingsIndex::OnMessage(const std::string& topic,
                                                  const std::string& payload, std::int64_t now_ms) {
  Result<JsonDocument> parsed_result = ParseJson(payload);
  const JsonDocument* parsed = parsed_result.ok() ? &*parsed_result : nullptr;

  if (topic.rfind(kPresencePrefix, 0) == 0) {
    // $aws/events/presence/connected|disconnected/<clientId>
    const std::string rest = topic.substr(sizeof kPresencePrefix - 1);
    const auto slash = rest.find('/');
    if (slash == std::string::npos) return std::nullopt;
    const std::string event = rest.substr(0, slash);
    const std::string client = rest.substr(slash + 1);
    if (event != "connected" && event != "disconnected") return std::nullopt;
    MutexLock lock(mu_);
    connected_[client] = event == "connected";
    auto thing = things_.find(client);
    if (thing == things_.end()) return std::nullopt;  // not a thing (yet)
    IndexChange change{client, "", "presence", ThingJsonLocked(client, thing->second), "", {}};
    return change;
  }

  Result<ShadowTopic> parsed_topic = ParseTopic(topic);
  if (!parsed_topic.ok() || parsed_topic->is_request()) return std::nullopt;
  const ShadowTopic& shadow_topic = *parsed_topic;
  const std::string thing_name = shadow_topic.id.thing;
  const std::string shadow_name = shadow_topic.id.shadow.value_or("");
  const Operation op = shadow_topic.operation;
  const Suffix suffix = shadow_topic.suffix;

  MutexLock lock(mu_);
  auto thing_it = things_.find(thing_name);
  if (thing_it == things_.end() || !thing_it->second.shadows.count(shadow_name)) {
    // get/rejected for an unknown shadow says nothing about it.
    if (suffix == Suffix::kRejected || shadow_count_ >= kMaxShadows) return std::nullopt;
  }
  ThingState& thing = things_[thing_name];
  auto [shadow_it, inserted] = thing.shadows.try_emplace(shadow_name);
  if (inserted) ++shadow_count_;
  ShadowState& shadow = shadow_it->second;
  IndexChange change;
  change.thing = thing_name;
  change.shadow = shadow_name;
  change.kind = "shadow";

  const JsonValue* version = parsed ? Member(*parsed, "version") : nullptr;
  const char* kind = nullptr;
  if (op == Operation::kUpdate && suffix == Suffix::kAccepted) {
    shadow.deleted = false;
    if (version && version->IsUint64()) shadow.version = version->GetUint64();
    shadow.last_update_ms = now_ms;
    const JsonValue* state = parsed ? Member(*parsed, "state") : nullptr;
    const JsonValue* reported = state ? Member(*state, "reported") : nullptr;
    if (reported && reported->IsObject()) {
      shadow.last_report_ms = now_ms;
      change.readings = NumericLeaves(*reported);
      for (const auto& [leaf, value] : change.readings) {
        const std::uint64_t count = ++shadow.leaf_counts[leaf];
        if (shadow.busiest.empty() || count > shadow.leaf_counts[shadow.busiest]) {
          shadow.busiest = leaf;
        }
        auto recent = shadow.recent.find(leaf);
        if (recent == shadow.recent.end()) {
          if (shadow.recent.size() >= kRecentLeaves) continue;
          recent = shadow.recent.emplace(leaf, std::deque<double>()).first;
        }
        recent->second.push_back(value);
        if (recent->second.size() > kSparkPoints) recent->second.pop_front();
      }
    }
  } else if (op == Operation::kUpdate && suffix == Suffix::kDocuments) {
    kind = "accepted";  // the documents message: previous and current, for the diff
    const JsonValue* current = parsed ? Member(*parsed, "current") : nullptr;
    const JsonValue* current_version = current ? Member(*current, "version") : nullptr;
    if (current_version && current_version->IsUint64()) {
      shadow.version = current_version->GetUint64();
    }
  } else if (op == Operation::kUpdate && suffix == Suffix::kDelta) {
    kind = "delta";
  } else if (suffix == Suffix::kRejected) {
    // A get's rejection (404 for a deleted shadow) is no activity; pushing
    // it would make every open page read again, and be rejected again.
    if (op == Operation::kGet) return std::nullopt;
    kind = "rejected";
  } else if (op == Operation::kDelete && suffix == Suffix::kAccepted) {
    kind = "deleted";
    shadow.deleted = true;
    shadow.version.reset();
  } else if (op == Operation::kGet && suffix == Suffix::kAccepted) {
    // Pages read the shadow when it changes: a read that shows nothing new
    // is no change (else each read would make every page read again).
    const bool news = version && version->IsUint64() &&
                      (!shadow.version || *shadow.version != version->GetUint64());
    if (!news && !inserted) return std::nullopt;
    if (version && version->IsUint64()) shadow.version = version->GetUint64();
    shadow.deleted = false;
  }
  if (kind) {
    change.activity_json = ActivityEntry(now_ms, kind, topic, payload, parsed);
    shadow.activity.push_front(change.activity_json);
    if (shadow.activity.size() > kActivityLimit) shadow.activity.pop_back();
  }
  change.summary_json = ThingJsonLocked(thing_name, thing);
  return change;
}

void ThingsIndex::Touch(const std::string& thing, const std::string& shadow) {
  MutexLock lock(mu_);
  if (shadow_count_ >= kMaxShadows) return;
  if (things_[thing].shadows.try_emplace(shadow).second) ++shadow_count_;
}

void ThingsIndex::TouchThing(const std::string& thing) {
  MutexLock lock(mu_);
  things_.try_emplace(thing);
}

std::string ThingsIndex::ThingJsonLocked(const std::string& name, const ThingState& thing) const {
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  w.StartObject();
  Key(w, "name");
  String(w, name);
  Key(w, "connected");
  auto presence = connected_.find(name);
  if (presence == connected_.end()) {
    w.Null();
  } else {
    w.Bool(presence->second);
  }
  Key(w, "shadows");
  w.StartArray();
  for (const auto& [shadow_name, shadow] : thing.shadows) {
    w.StartObject();
    Key(w, "name");
    String(w, shadow_name);
    Key(w, "version");
    if (shadow.version) {
      w.Uint64(*shadow.version);
    } else {
      w.Null();
    }
    Key(w, "deleted");
    w.Bool(shadow.deleted);
    Key(w, "lastReport");
    w.Int64(shadow.last_report_ms);
    Key(w, "lastUpdate");
    w.Int64(shadow.last_update_ms);
    Key(w, "busiest");
    String(w, shadow.busiest);
    Key(w, "spark");
    w.StartArray();
    auto recent = shadow.recent.find(shadow.busiest);
    if (recent != shadow.recent.end()) {
      for (double value : recent->second) w.Double(value);
    }
    w.EndArray();
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return buffer.GetString();
}

std::string ThingsIndex::ThingsJson() const {
  MutexLock lock(mu_);
  std::string out = "{\"things\":[";
  bool first = true;
  for (const auto& [name, thing] : things_) {
    if (!first) out += ',';
    first = false;
    out += ThingJsonLocked(name, thing);
  }
  return out + "]}";
}

std::string ThingsIndex::ActivityJson(const std::string& thing, const std::string& shadow) const {
  MutexLock lock(mu_);
  std::string out = "{\"activity\":[";
  auto thing_it = things_.find(thing);
  if (thing_it != things_.end()) {
    auto shadow_it = thing_it->second.shadows.find(shadow);
    if (shadow_it != thing_it->second.shadows.end()) {
      bool first = true;
      for (const std::string& entry : shadow_it->second.activity) {
        if (!first) out += ',';
        first = false;
        out += entry;
      }
    }
  }
  return out + "]}";
}

}  // namespace shadowsync::console
