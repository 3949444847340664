// SPDX-License-Identifier: Apache-2.0

#include "sensors/json_lines.h"

#include "sensors/sensor_util.h"

namespace shadowsync::agent {

void LineSplitter::Feed(std::string_view bytes, const LineHandler& handler) {
  while (!bytes.empty()) {
    const std::size_t newline = bytes.find('\n');
    const std::string_view piece = bytes.substr(0, newline);
    if (!too_long_) {
      const std::size_t room = kMaxJsonLineBytes - partial_.size();
      if (piece.size() > room) {
        // Keep the start for the error message, drop the rest up to '\n'.
        partial_.append(piece.substr(0, std::min<std::size_t>(room, 80)));
        too_long_ = true;
      } else {
        partial_.append(piece);
      }
    }
    if (newline == std::string_view::npos) return;
    handler(partial_, next_number_++, too_long_);
    partial_.clear();
    too_long_ = false;
    bytes.remove_prefix(newline + 1);
  }
}

void LineSplitter::Finish(const LineHandler& handler) {
  if (!partial_.empty() || too_long_) handler(partial_, next_number_++, too_long_);
  partial_.clear();
  too_long_ = false;
}

Status LatestValues::ApplyLine(std::string_view line) {
  const std::string_view text = TrimWhitespace(line);
  if (text.empty()) return Status::Ok();
  Result<JsonDocument> document = ParseJson(text);
  if (!document.ok()) {
    return InvalidArgumentError(document.status().message() + ": " + QuoteForMessage(text));
  }
  if (!document->IsObject()) {
    return InvalidArgumentError(std::string("expected a JSON object, found ") +
                                JsonTypeName(*document) + ": " + QuoteForMessage(text));
  }
  if (NestingDepth(*document) > kMaxJsonLineDepth) {
    return InvalidArgumentError("nesting deeper than " + std::to_string(kMaxJsonLineDepth) + ": " +
                                QuoteForMessage(text));
  }
  Merge(*document);
  return Status::Ok();
}

void LatestValues::Merge(const JsonValue& object) {
  for (auto it = object.MemberBegin(); it != object.MemberEnd(); ++it) {
    std::string key(it->name.GetString(), it->name.GetStringLength());
    if (it->value.IsNull()) {
      values_.erase(key);
      continue;
    }
    JsonDocument copy;
    copy.CopyFrom(it->value, copy.GetAllocator());
    values_.insert_or_assign(std::move(key), std::move(copy));
  }
}

void LatestValues::WriteTo(JsonValue& out, JsonAllocator& allocator) const {
  out.SetObject();
  for (const auto& [key, value] : values_) {
    out.AddMember(JsonValue(key.c_str(), static_cast<rapidjson::SizeType>(key.size()), allocator),
                  JsonValue(value, allocator), allocator);
  }
}

void LineErrors::Add(const std::string& where, std::uint64_t number, const std::string& reason) {
  if (count_++ == 0) {
    first_ = "malformed line " + std::to_string(number) + " of " + where + ": " + reason;
  }
}

Status LineErrors::ToStatus() const {
  if (count_ == 0) return Status::Ok();
  std::string message = first_;
  if (count_ > 1) {
    message +=
        "; and " + std::to_string(count_ - 1) + " more malformed line" + (count_ > 2 ? "s" : "");
  }
  return InvalidArgumentError(message);
}

}  // namespace shadowsync::agent
