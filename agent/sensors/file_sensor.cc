// SPDX-License-Identifier: Apache-2.0

#include "sensors/file_sensor.h"

#include <string_view>

#include "sensors/sensor_util.h"

namespace shadowsync::agent {

Result<std::unique_ptr<FileSensor>> FileSensor::Create(FileSensorOptions options) {
  std::optional<std::regex> regex;
  if (options.regex) {
    // std::regex reports a bad pattern by throwing; no exception may leave
    // the sensors library, so it becomes a Status here.
    try {
      regex.emplace(*options.regex, std::regex::ECMAScript);
    } catch (const std::regex_error& error) {
      return InvalidArgumentError("invalid regular expression " + QuoteForMessage(*options.regex) +
                                  ": " + error.what());
    }
  }
  if (options.kind == FileSensorOptions::Kind::kString &&
      (options.scale != 1.0 || options.offset != 0.0)) {
    return InvalidArgumentError("scale and offset apply to numbers only");
  }
  return std::unique_ptr<FileSensor>(new FileSensor(std::move(options), std::move(regex)));
}

Status FileSensor::Sample(JsonValue& out, JsonAllocator& allocator) {
  out.SetObject();
  Result<std::string> text = ReadTextFile(options_.path, 64 * 1024);
  if (!text.ok()) return text.status();

  std::string_view value_text = TrimWhitespace(*text);
  if (regex_) {
    std::smatch match;
    bool found = false;
    // Matching can throw (error_complexity, error_stack) on pathological
    // input; report it like a failed match.
    try {
      found = std::regex_search(*text, match, *regex_);
    } catch (const std::regex_error& error) {
      return InvalidArgumentError("regular expression " + QuoteForMessage(*options_.regex) +
                                  " failed on " + options_.path + ": " + error.what());
    }
    if (!found) {
      return InvalidArgumentError("regular expression " + QuoteForMessage(*options_.regex) +
                                  " does not match the contents of " + options_.path + ": " +
                                  QuoteForMessage(*text));
    }
    const auto& group = match.size() > 1 ? match[1] : match[0];
    if (!group.matched) {
      return InvalidArgumentError("regular expression " + QuoteForMessage(*options_.regex) +
                                  " matched " + options_.path +
                                  " but its first group did not take part");
    }
    value_text =
        std::string_view(*text).substr(static_cast<std::size_t>(group.first - text->cbegin()),
                                       static_cast<std::size_t>(group.length()));
  }

  JsonValue key(options_.parameter.c_str(),
                static_cast<rapidjson::SizeType>(options_.parameter.size()), allocator);
  if (options_.kind == FileSensorOptions::Kind::kString) {
    if (!IsValidUtf8(value_text)) {
      return InvalidArgumentError(options_.path + " does not hold UTF-8 text");
    }
    out.AddMember(key,
                  JsonValue(value_text.data(), static_cast<rapidjson::SizeType>(value_text.size()),
                            allocator),
                  allocator);
    return Status::Ok();
  }
  const std::optional<double> number = ParseDouble(TrimWhitespace(value_text));
  if (!number) {
    return InvalidArgumentError("not a number in " + options_.path + ": " +
                                QuoteForMessage(value_text));
  }
  out.AddMember(key, JsonValue(*number * options_.scale + options_.offset), allocator);
  return Status::Ok();
}

}  // namespace shadowsync::agent
