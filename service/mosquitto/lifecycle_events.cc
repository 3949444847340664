// SPDX-License-Identifier: Apache-2.0

#include "lifecycle_events.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cstdio>
#include <random>

namespace shadowsync::mosquitto_plugin {
namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

void AddString(Writer& writer, const char* key, const std::string& value) {
  writer.Key(key);
  writer.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
}

std::string Payload(const SessionInfo& session, std::int64_t timestamp_ms, bool connected,
                    const std::optional<std::string>& reason) {
  rapidjson::StringBuffer buffer;
  Writer writer(buffer);
  writer.StartObject();
  AddString(writer, "clientId", session.client_id);
  writer.Key("timestamp");
  writer.Int64(timestamp_ms);
  AddString(writer, "eventType", connected ? "connected" : "disconnected");
  AddString(writer, "sessionIdentifier", session.session_identifier);
  AddString(writer, "principalIdentifier", session.principal_identifier);
  if (!session.ip_address.empty()) AddString(writer, "ipAddress", session.ip_address);
  if (!connected && reason) {
    writer.Key("clientInitiatedDisconnect");
    writer.Bool(*reason == "CLIENT_INITIATED_DISCONNECT");
    AddString(writer, "disconnectReason", *reason);
  }
  writer.Key("versionNumber");
  writer.Uint64(session.version_number);
  writer.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

}  // namespace

std::string LifecycleTopic(bool connected, const std::string& client_id) {
  return std::string("$aws/events/presence/") + (connected ? "connected/" : "disconnected/") +
         client_id;
}

std::string ConnectedPayload(const SessionInfo& session, std::int64_t timestamp_ms) {
  return Payload(session, timestamp_ms, true, std::nullopt);
}

std::string DisconnectedPayload(const SessionInfo& session, std::int64_t timestamp_ms,
                                const std::optional<std::string>& reason) {
  return Payload(session, timestamp_ms, false, reason);
}

std::string NewSessionIdentifier() {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  char out[33];
  std::snprintf(out, sizeof out, "%016llx%016llx", static_cast<unsigned long long>(rng()),
                static_cast<unsigned long long>(rng()));
  return out;
}

}  // namespace shadowsync::mosquitto_plugin
