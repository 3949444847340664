// SPDX-License-Identifier: Apache-2.0

#include "sensors/config_reader.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "cli/did_you_mean.h"

namespace shadowsync::agent {

std::string DescribeFoundValue(const JsonValue& value) {
  std::string json = ToCompactJson(value);
  constexpr std::size_t kMax = 60;
  if (json.size() > kMax) json = json.substr(0, kMax) + "...";
  return std::string(JsonTypeName(value)) + " " + json;
}

Result<ConfigReader> ConfigReader::Make(const JsonValue& value, std::string pointer) {
  if (!value.IsObject()) {
    return InvalidArgumentError((pointer.empty() ? std::string("(root)") : pointer) +
                                ": expected a sensor object, found " + DescribeFoundValue(value));
  }
  return ConfigReader(value, std::move(pointer));
}

std::string ConfigReader::PointerTo(const std::string& key) const {
  return JsonPointerAppend(pointer_, key);
}

bool ConfigReader::Has(const std::string& key) const {
  return object_->FindMember(JsonValue(rapidjson::StringRef(key.data(), key.size()))) !=
         object_->MemberEnd();
}

const JsonValue* ConfigReader::Find(const std::string& key) {
  known_.insert(key);
  const auto it = object_->FindMember(JsonValue(rapidjson::StringRef(key.data(), key.size())));
  return it == object_->MemberEnd() ? nullptr : &it->value;
}

Status ConfigReader::Error(const std::string& key, const std::string& text) const {
  return InvalidArgumentError(PointerTo(key) + ": " + text);
}

Status ConfigReader::WrongType(const std::string& key, const std::string& expected,
                               const JsonValue& found) const {
  return Error(key, "expected " + expected + ", found " + DescribeFoundValue(found));
}

Result<std::string> ConfigReader::RequiredString(const std::string& key, const std::string& what) {
  const JsonValue* value = Find(key);
  if (value == nullptr) {
    return Error(key, "expected a string (" + what + "), found nothing: the key is required");
  }
  if (!value->IsString()) return WrongType(key, "a string (" + what + ")", *value);
  if (value->GetStringLength() == 0) return WrongType(key, "a non-empty string", *value);
  return std::string(value->GetString(), value->GetStringLength());
}

Result<std::string> ConfigReader::String(const std::string& key, const std::string& default_value) {
  const JsonValue* value = Find(key);
  if (value == nullptr) return default_value;
  if (!value->IsString()) return WrongType(key, "a string", *value);
  return std::string(value->GetString(), value->GetStringLength());
}

Result<std::string> ConfigReader::NonEmptyString(const std::string& key,
                                                 const std::string& default_value) {
  const JsonValue* value = Find(key);
  if (value == nullptr) return default_value;
  if (!value->IsString() || value->GetStringLength() == 0) {
    return WrongType(key, "a non-empty string", *value);
  }
  return std::string(value->GetString(), value->GetStringLength());
}

Result<std::optional<std::string>> ConfigReader::OptionalString(const std::string& key) {
  const JsonValue* value = Find(key);
  if (value == nullptr) return std::optional<std::string>();
  if (!value->IsString()) return WrongType(key, "a string", *value);
  return std::optional<std::string>(std::string(value->GetString(), value->GetStringLength()));
}

Result<std::string> ConfigReader::Choice(const std::string& key,
                                         std::initializer_list<const char*> choices,
                                         const std::string& default_value) {
  std::string expected = "one of";
  for (const char* choice : choices) {
    expected += std::string(expected.size() == 6 ? " \"" : ", \"") + choice + "\"";
  }
  const JsonValue* value = Find(key);
  if (value == nullptr) return default_value;
  if (value->IsString()) {
    const std::string text(value->GetString(), value->GetStringLength());
    for (const char* choice : choices) {
      if (text == choice) return text;
    }
  }
  return WrongType(key, expected, *value);
}

Result<double> ConfigReader::Number(const std::string& key, double default_value) {
  const JsonValue* value = Find(key);
  if (value == nullptr) return default_value;
  if (!value->IsNumber()) return WrongType(key, "a number", *value);
  return value->GetDouble();
}

Result<double> ConfigReader::PositiveNumber(const std::string& key, double default_value) {
  const JsonValue* value = Find(key);
  if (value == nullptr) return default_value;
  if (!value->IsNumber() || !(value->GetDouble() > 0)) {
    return WrongType(key, "a number > 0", *value);
  }
  return value->GetDouble();
}

Result<double> ConfigReader::RequiredPositiveNumber(const std::string& key) {
  const JsonValue* value = Find(key);
  if (value == nullptr)
    return Error(key, "expected a number > 0, found nothing: the key is required");
  if (!value->IsNumber() || !(value->GetDouble() > 0)) {
    return WrongType(key, "a number > 0", *value);
  }
  return value->GetDouble();
}

Result<std::uint64_t> ConfigReader::Uint64(const std::string& key, std::uint64_t default_value) {
  const JsonValue* value = Find(key);
  if (value == nullptr) return default_value;
  if (!value->IsUint64()) return WrongType(key, "an integer from 0 to 2^64-1", *value);
  return value->GetUint64();
}

Result<bool> ConfigReader::Bool(const std::string& key, bool default_value) {
  const JsonValue* value = Find(key);
  if (value == nullptr) return default_value;
  if (!value->IsBool()) return WrongType(key, "true or false", *value);
  return value->GetBool();
}

Result<std::vector<std::string>> ConfigReader::StringArray(const std::string& key,
                                                           std::vector<std::string> default_value) {
  const JsonValue* value = Find(key);
  if (value == nullptr) return default_value;
  if (!value->IsArray()) return WrongType(key, "an array of strings", *value);
  std::vector<std::string> out;
  for (rapidjson::SizeType i = 0; i < value->Size(); ++i) {
    const JsonValue& item = (*value)[i];
    if (!item.IsString() || item.GetStringLength() == 0) {
      return InvalidArgumentError(JsonPointerAppend(PointerTo(key), std::to_string(i)) +
                                  ": expected a non-empty string, found " +
                                  DescribeFoundValue(item));
    }
    out.emplace_back(item.GetString(), item.GetStringLength());
  }
  return out;
}

Result<const JsonValue*> ConfigReader::Object(const std::string& key, bool required) {
  const JsonValue* value = Find(key);
  if (value == nullptr) {
    if (required) return Error(key, "expected an object, found nothing: the key is required");
    return static_cast<const JsonValue*>(nullptr);
  }
  if (!value->IsObject()) return WrongType(key, "an object", *value);
  return value;
}

Status ConfigReader::CheckNoUnknownKeys(const std::string& kind) const {
  for (auto it = object_->MemberBegin(); it != object_->MemberEnd(); ++it) {
    const std::string key(it->name.GetString(), it->name.GetStringLength());
    // "_..." keys are comments everywhere in the agent's configuration.
    if (known_.count(key) != 0 || (!key.empty() && key[0] == '_')) continue;
    std::string accepted;
    for (const std::string& known : known_) {
      accepted += (accepted.empty() ? "\"" : ", \"") + known + "\"";
    }
    const std::string closest =
        cli::ClosestName(key, std::vector<std::string>(known_.begin(), known_.end()));
    return Error(key, "unknown key for " + kind + "; expected one of " + accepted +
                          (closest.empty() ? "" : "; did you mean \"" + closest + "\"?"));
  }
  return Status::Ok();
}

}  // namespace shadowsync::agent
