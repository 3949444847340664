// SPDX-License-Identifier: Apache-2.0

#include "shadowsync/json.h"

#include <locale.h>
#include <rapidjson/error/en.h>
#include <rapidjson/memorystream.h>
#include <rapidjson/reader.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <unordered_map>
#include <utility>
#include <vector>

namespace shadowsync {
namespace {

// Strict enough for the spec (12a.8) and safe on hostile input: iterative
// parsing cannot be driven into deep recursion, and the default flags already
// refuse NaN, Infinity and comments. Numbers arrive as text and are converted
// by NumberHandler, because RapidJSON 1.1 converts some doubles wrongly: its
// full-precision path turns "-0e-41" into 4.6e-274 (and calls clz(0)), its
// fast path is one ULP off near the subnormal range.
constexpr unsigned kParseFlags = rapidjson::kParseIterativeFlag |
                                 rapidjson::kParseValidateEncodingFlag |
                                 rapidjson::kParseNumbersAsStringsFlag;

// glibc's strtod is correctly rounded; the C locale makes '.' the decimal
// point whatever the embedding program's locale is.
locale_t CLocale() {
  static const locale_t c_locale = newlocale(LC_ALL_MASK, "C", static_cast<locale_t>(nullptr));
  return c_locale;
}

// Forwards every SAX event to the document, converting numbers exactly:
// integers that fit int64 or uint64 stay integers, everything else becomes
// the correctly rounded double. A finite number beyond double range fails.
class NumberHandler {
 public:
  explicit NumberHandler(JsonDocument& doc) : doc_(doc) {}

  bool number_too_big() const { return number_too_big_; }

  bool Null() { return doc_.Null(); }
  bool Bool(bool b) { return doc_.Bool(b); }
  bool Int(int i) { return doc_.Int(i); }
  bool Uint(unsigned u) { return doc_.Uint(u); }
  bool Int64(std::int64_t i) { return doc_.Int64(i); }
  bool Uint64(std::uint64_t u) { return doc_.Uint64(u); }
  bool Double(double d) { return doc_.Double(d); }
  bool String(const char* s, rapidjson::SizeType n, bool copy) { return doc_.String(s, n, copy); }
  bool StartObject() { return doc_.StartObject(); }
  bool Key(const char* s, rapidjson::SizeType n, bool copy) { return doc_.Key(s, n, copy); }
  bool EndObject(rapidjson::SizeType n) { return doc_.EndObject(n); }
  bool StartArray() { return doc_.StartArray(); }
  bool EndArray(rapidjson::SizeType n) { return doc_.EndArray(n); }

  bool RawNumber(const char* s, rapidjson::SizeType n, bool) {
    text_.assign(s, n);
    if (text_.find_first_of(".eE") == std::string::npos) {
      errno = 0;
      char* end = nullptr;
      if (text_[0] == '-') {
        const long long v = std::strtoll(text_.c_str(), &end, 10);
        if (errno == 0) return doc_.Int64(v);
      } else {
        const unsigned long long v = std::strtoull(text_.c_str(), &end, 10);
        if (errno == 0) return doc_.Uint64(v);
      }
    }
    errno = 0;
    const double d = strtod_l(text_.c_str(), nullptr, CLocale());
    if (errno == ERANGE && std::isinf(d)) {
      number_too_big_ = true;
      return false;
    }
    return doc_.Double(d);  // underflow rounds to zero or a subnormal
  }

 private:
  JsonDocument& doc_;
  std::string text_;
  bool number_too_big_ = false;
};

// Runs the reader inside GenericDocument::Populate, which owns the stack.
struct ParseGenerator {
  std::string_view text;
  rapidjson::ParseResult result;
  bool number_too_big = false;

  bool operator()(JsonDocument& doc) {
    NumberHandler handler(doc);
    rapidjson::MemoryStream stream(text.data(), text.size());
    rapidjson::Reader reader;
    result = reader.Parse<kParseFlags>(stream, handler);
    number_too_big = handler.number_too_big();
    return !result.IsError();
  }
};

bool SameName(const JsonValue& a, const JsonValue& b) {
  return a.GetStringLength() == b.GetStringLength() &&
         std::memcmp(a.GetString(), b.GetString(), a.GetStringLength()) == 0;
}

// Removes duplicate keys of one object, keeping the last occurrence's value
// at the position of the last occurrence.
void RemoveDuplicateKeys(JsonValue& object) {
  const rapidjson::SizeType n = object.MemberCount();
  if (n < 2) return;
  if (n <= 16) {  // small objects, the common case: no allocation
    for (rapidjson::SizeType j = n - 1; j-- > 0;) {
      auto it = object.MemberBegin() + j;
      for (auto later = it + 1; later != object.MemberEnd(); ++later) {
        if (SameName(it->name, later->name)) {
          object.EraseMember(it);
          break;
        }
      }
    }
    return;
  }
  std::unordered_map<std::string_view, rapidjson::SizeType> last;
  last.reserve(n);
  bool duplicates = false;
  rapidjson::SizeType i = 0;
  for (auto it = object.MemberBegin(); it != object.MemberEnd(); ++it, ++i) {
    std::string_view key(it->name.GetString(), it->name.GetStringLength());
    auto [pos, inserted] = last.emplace(key, i);
    if (!inserted) {
      pos->second = i;
      duplicates = true;
    }
  }
  if (!duplicates) return;
  // Walk backwards so erasing keeps earlier indices valid.
  for (rapidjson::SizeType j = n; j-- > 0;) {
    auto it = object.MemberBegin() + j;
    std::string_view key(it->name.GetString(), it->name.GetStringLength());
    if (last.at(key) != j) object.EraseMember(it);
  }
}

struct CountingStream {
  using Ch = char;
  std::size_t count = 0;
  void Put(Ch) { ++count; }
  void Flush() {}
};

// Compares an integer held by RapidJSON with a double by exact value.
bool IntegerEqualsDouble(const JsonValue& integer, double d) {
  if (!std::isfinite(d) || std::floor(d) != d) return false;
  if (integer.IsInt64()) {
    // 2^63 is exactly representable; anything at or beyond it is not int64.
    if (d < -9223372036854775808.0 || d >= 9223372036854775808.0) return false;
    return static_cast<std::int64_t>(d) == integer.GetInt64();
  }
  // A uint64 beyond int64 range.
  if (d < 0 || d >= 18446744073709551616.0) return false;
  return static_cast<std::uint64_t>(d) == integer.GetUint64();
}

bool NumbersEqual(const JsonValue& a, const JsonValue& b) {
  const bool a_int = a.IsInt64() || a.IsUint64();
  const bool b_int = b.IsInt64() || b.IsUint64();
  if (a_int && b_int) {
    if (a.IsInt64() && b.IsInt64()) return a.GetInt64() == b.GetInt64();
    if (a.IsUint64() && b.IsUint64()) return a.GetUint64() == b.GetUint64();
    return false;  // one negative, the other beyond int64: never equal
  }
  if (a_int) return IntegerEqualsDouble(a, b.GetDouble());
  if (b_int) return IntegerEqualsDouble(b, a.GetDouble());
  return a.GetDouble() == b.GetDouble();
}

bool ScalarsEqual(const JsonValue& a, const JsonValue& b) {
  if (a.IsNumber() && b.IsNumber()) return NumbersEqual(a, b);
  if (a.GetType() != b.GetType()) return false;  // true/false are distinct types
  if (a.IsString()) {
    return a.GetStringLength() == b.GetStringLength() &&
           std::memcmp(a.GetString(), b.GetString(), a.GetStringLength()) == 0;
  }
  return true;  // null, true, false
}

}  // namespace

bool IsValidUtf8(std::string_view bytes) {
  const auto* s = reinterpret_cast<const unsigned char*>(bytes.data());
  const std::size_t n = bytes.size();
  std::size_t i = 0;
  while (i < n) {
    const unsigned char c = s[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    std::size_t len;
    std::uint32_t cp;
    if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
      cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
      cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
      cp = c & 0x07;
    } else {
      return false;  // continuation byte, overlong lead (C0/C1) or F5..FF
    }
    if (n - i < len) return false;
    for (std::size_t k = 1; k < len; ++k) {
      if ((s[i + k] & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (s[i + k] & 0x3F);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000)) return false;  // overlong
    if (cp >= 0xD800 && cp <= 0xDFFF) return false;                            // surrogate
    if (cp > 0x10FFFF) return false;
    i += len;
  }
  return true;
}

namespace {

// What the usual cause of a RapidJSON error is, for the mistakes people make
// when they write JSON by hand: keys or strings in single quotes or none, and
// trailing commas. Empty when there is nothing to add.
std::string ParseErrorHint(std::string_view text, rapidjson::ParseErrorCode code,
                           std::size_t offset) {
  std::size_t at = offset;
  while (at < text.size() &&
         (text[at] == ' ' || text[at] == '\t' || text[at] == '\n' || text[at] == '\r')) {
    ++at;
  }
  const char next = at < text.size() ? text[at] : '\0';
  if (code == rapidjson::kParseErrorObjectMissName) {
    if (next == '}') return " A trailing comma before '}'? JSON allows none.";
    if (next == ',') return " One comma too many?";
    if (next == '\'' || next == '_' || (next >= 'a' && next <= 'z') ||
        (next >= 'A' && next <= 'Z') || (next >= '0' && next <= '9')) {
      return " Object keys need double quotes: {\"key\": 1}.";
    }
    return "";
  }
  if (code == rapidjson::kParseErrorValueInvalid) {
    if (next == '\'') return " Strings need double quotes: \"text\".";
    if (next == ']' || next == '}') return " A trailing comma? JSON allows none.";
    if ((next >= 'a' && next <= 'z') || (next >= 'A' && next <= 'Z')) {
      return " Strings need double quotes (true, false and null are the only bare words).";
    }
  }
  return "";
}

}  // namespace

std::string WithLineAndColumn(std::string_view text, const std::string& message) {
  static constexpr std::string_view kAt = "at offset ";
  const std::size_t at = message.find(kAt);
  if (at == std::string::npos) return message;
  const std::size_t offset = std::strtoull(message.c_str() + at + kAt.size(), nullptr, 10);
  std::size_t line = 1;
  std::size_t column = 1;
  for (std::size_t i = 0; i < offset && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  return message + " (line " + std::to_string(line) + ", column " + std::to_string(column) + ")";
}

Result<JsonDocument> ParseJson(std::string_view text) {
  if (text.size() >= 3 && static_cast<unsigned char>(text[0]) == 0xEF &&
      static_cast<unsigned char>(text[1]) == 0xBB && static_cast<unsigned char>(text[2]) == 0xBF) {
    return InvalidArgumentError(
        "JSON parse error at offset 0: a UTF-8 byte-order mark is not allowed");
  }
  JsonDocument doc;
  ParseGenerator generator{text, {}, false};
  doc.Populate(generator);
  if (generator.result.IsError()) {
    const char* reason = generator.number_too_big
                             ? "Number too big to be stored in double."
                             : rapidjson::GetParseError_En(generator.result.Code());
    const std::string hint =
        generator.number_too_big
            ? std::string()
            : ParseErrorHint(text, generator.result.Code(), generator.result.Offset());
    return InvalidArgumentError("JSON parse error at offset " +
                                std::to_string(generator.result.Offset()) + ": " + reason + hint);
  }
  // Resolve duplicate keys everywhere, without recursion.
  std::vector<JsonValue*> stack{&doc};
  while (!stack.empty()) {
    JsonValue* v = stack.back();
    stack.pop_back();
    if (v->IsObject()) {
      RemoveDuplicateKeys(*v);
      for (auto& m : v->GetObject()) {
        if (m.value.IsObject() || m.value.IsArray()) stack.push_back(&m.value);
      }
    } else if (v->IsArray()) {
      for (auto& e : v->GetArray()) {
        if (e.IsObject() || e.IsArray()) stack.push_back(&e);
      }
    }
  }
  return doc;
}

std::string ToCompactJson(const JsonValue& value) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  value.Accept(writer);
  return std::string(buffer.GetString(), buffer.GetSize());
}

std::size_t CompactJsonSize(const JsonValue& value) {
  CountingStream counter;
  rapidjson::Writer<CountingStream> writer(counter);
  value.Accept(writer);
  return counter.count;
}

bool JsonEquals(const JsonValue& a, const JsonValue& b) {
  std::vector<std::pair<const JsonValue*, const JsonValue*>> stack{{&a, &b}};
  while (!stack.empty()) {
    auto [x, y] = stack.back();
    stack.pop_back();
    if (x->IsObject()) {
      if (!y->IsObject() || x->MemberCount() != y->MemberCount()) return false;
      for (const auto& m : x->GetObject()) {
        auto other = y->FindMember(m.name);
        if (other == y->MemberEnd()) return false;
        stack.emplace_back(&m.value, &other->value);
      }
    } else if (x->IsArray()) {
      if (!y->IsArray() || x->Size() != y->Size()) return false;
      for (rapidjson::SizeType i = 0; i < x->Size(); ++i) stack.emplace_back(&(*x)[i], &(*y)[i]);
    } else if (y->IsObject() || y->IsArray() || !ScalarsEqual(*x, *y)) {
      return false;
    }
  }
  return true;
}

int NestingDepth(const JsonValue& value) {
  // Depth-first walk carrying the level of each container.
  int deepest = 0;
  std::vector<std::pair<const JsonValue*, int>> stack{{&value, 1}};
  while (!stack.empty()) {
    auto [v, level] = stack.back();
    stack.pop_back();
    if (v->IsObject() && v->MemberCount() > 0) {
      if (level > deepest) deepest = level;
      for (const auto& m : v->GetObject()) stack.emplace_back(&m.value, level + 1);
    } else if (v->IsArray() && v->Size() > 0) {
      if (level > deepest) deepest = level;
      for (const auto& e : v->GetArray()) stack.emplace_back(&e, level + 1);
    }
  }
  return deepest;
}

std::string JsonPointerAppend(const std::string& base, std::string_view token) {
  std::string out = base;
  out.reserve(base.size() + token.size() + 1);
  out.push_back('/');
  for (char c : token) {
    if (c == '~') {
      out += "~0";
    } else if (c == '/') {
      out += "~1";
    } else {
      out.push_back(c);
    }
  }
  return out;
}

const char* JsonTypeName(const JsonValue& value) {
  switch (value.GetType()) {
    case rapidjson::kNullType:
      return "null";
    case rapidjson::kFalseType:
    case rapidjson::kTrueType:
      return "boolean";
    case rapidjson::kObjectType:
      return "object";
    case rapidjson::kArrayType:
      return "array";
    case rapidjson::kStringType:
      return "string";
    case rapidjson::kNumberType:
      return "number";
  }
  return "unknown";
}

}  // namespace shadowsync
