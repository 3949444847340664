// SPDX-License-Identifier: Apache-2.0

#include "src/observation.h"

#include <unistd.h>

#include <climits>
#include <cmath>
#include <fstream>
#include <sstream>
#include <utility>

namespace shadowsync::agent {
namespace {

std::string Trimmed(std::string text) {
  // Device tree strings end with a NUL; sysfs attributes with a newline.
  while (!text.empty() && (text.back() == '\0' || text.back() == '\n' || text.back() == ' ' ||
                           text.back() == '\t' || text.back() == '\r')) {
    text.pop_back();
  }
  std::size_t start = 0;
  while (start < text.size() && (text[start] == ' ' || text[start] == '\t')) ++start;
  return text.substr(start);
}

std::string ReadSmallFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return {};
  std::string text(256, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<std::size_t>(in.gcount()));
  // A NUL inside the text ends it (device tree strings).
  if (const std::size_t nul = text.find('\0'); nul != std::string::npos) text.resize(nul);
  return Trimmed(std::move(text));
}

std::string JoinRoot(const std::string& root, const char* path) {
  if (root.empty() || root == "/") return path;
  return (root.back() == '/' ? root.substr(0, root.size() - 1) : root) + path;
}

// The shadow service allows 8 levels of nesting in reported (spec L2); the
// sensor's object is the first of them.
constexpr int kMaxSensorDepth = 7;

// Why `value` cannot go into the reported state, or "" when it can. The
// caller checks the depth first, so the recursion is bounded even for a
// hostile JSON line from a socket sensor.
std::string Unreportable(const JsonValue& value, const std::string& pointer) {
  if (value.IsNull()) return pointer + ": null (it would delete the key from the shadow)";
  if (value.IsDouble() && !std::isfinite(value.GetDouble())) {
    return pointer + ": a non-finite number";
  }
  if (value.IsObject()) {
    for (const auto& m : value.GetObject()) {
      std::string why = Unreportable(
          m.value, JsonPointerAppend(
                       pointer, std::string_view(m.name.GetString(), m.name.GetStringLength())));
      if (!why.empty()) return why;
    }
  } else if (value.IsArray()) {
    for (rapidjson::SizeType i = 0; i < value.Size(); ++i) {
      std::string why = Unreportable(value[i], pointer + "/" + std::to_string(i));
      if (!why.empty()) return why;
    }
  }
  return {};
}

Status CheckName(const JsonDocument& observation, std::string_view name) {
  if (name == kGeneralKey) {
    return InvalidArgumentError("a sensor cannot be named \"General\"");
  }
  const JsonValue key(rapidjson::StringRef(name.data(), name.size()));
  if (observation.IsObject() && observation.HasMember(key)) {
    return InvalidArgumentError("sensor \"" + std::string(name) +
                                "\" is already in the observation");
  }
  return Status::Ok();
}

}  // namespace

std::string ReadBoardIdentity(const std::string& root) {
  for (const char* path :
       {"/sys/firmware/devicetree/base/model", "/sys/class/dmi/id/product_name"}) {
    std::string text = ReadSmallFile(JoinRoot(root, path));
    if (!text.empty()) return text;
  }
  return "unknown";
}

std::string ReadHostName() {
  char name[HOST_NAME_MAX + 1] = {};
  if (::gethostname(name, sizeof(name) - 1) != 0 || name[0] == '\0') return "unknown";
  return name;
}

HostIdentity ReadHostIdentity(const std::string& root) {
  return HostIdentity{ReadHostName(), ReadBoardIdentity(root)};
}

JsonDocument ObservationBuilder::Begin(std::chrono::system_clock::time_point now) {
  ++entry_;
  JsonDocument doc(rapidjson::kObjectType);
  auto& alloc = doc.GetAllocator();
  const std::int64_t seconds =
      std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  JsonValue general(rapidjson::kObjectType);
  general.AddMember(JsonValue(kTimeKey, alloc), JsonValue(seconds), alloc);
  general.AddMember(JsonValue(kEntryKey, alloc), JsonValue(entry_), alloc);
  general.AddMember(JsonValue(kHostKey, alloc), JsonValue(identity_.host.c_str(), alloc), alloc);
  general.AddMember(JsonValue(kBoardKey, alloc), JsonValue(identity_.board.c_str(), alloc), alloc);
  doc.AddMember(JsonValue(kGeneralKey, alloc), general, alloc);
  return doc;
}

Status AddSensorValues(JsonDocument& observation, std::string_view name, const JsonValue& values) {
  if (Status s = CheckName(observation, name); !s.ok()) return s;
  std::string why;
  if (!values.IsObject()) {
    why = std::string("expected an object of parameters, found ") + JsonTypeName(values);
  } else if (NestingDepth(values) > kMaxSensorDepth) {
    why = "nested deeper than " + std::to_string(kMaxSensorDepth) +
          " levels (the shadow allows 8 under reported)";
  } else {
    why = Unreportable(values, "");
  }
  if (!why.empty()) {
    const std::string message = "sensor \"" + std::string(name) + "\": " + why;
    (void)AddSensorError(observation, name, message);
    return InvalidArgumentError(message);
  }
  auto& alloc = observation.GetAllocator();
  JsonValue copy(values, alloc);
  observation.AddMember(
      JsonValue(name.data(), static_cast<rapidjson::SizeType>(name.size()), alloc), copy, alloc);
  return Status::Ok();
}

Status AddSensorError(JsonDocument& observation, std::string_view name, std::string_view message) {
  if (Status s = CheckName(observation, name); !s.ok()) return s;
  auto& alloc = observation.GetAllocator();
  JsonValue error(rapidjson::kObjectType);
  error.AddMember(
      "error", JsonValue(message.data(), static_cast<rapidjson::SizeType>(message.size()), alloc),
      alloc);
  observation.AddMember(
      JsonValue(name.data(), static_cast<rapidjson::SizeType>(name.size()), alloc), error, alloc);
  return Status::Ok();
}

}  // namespace shadowsync::agent
