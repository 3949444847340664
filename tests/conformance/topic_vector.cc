// SPDX-License-Identifier: Apache-2.0

#include "conformance/topic_vector.h"

#include <optional>
#include <string_view>

#include "shadowsync/topic.h"

namespace shadowsync::conformance {
namespace {

std::string_view StringOf(const JsonValue& v) {
  return std::string_view(v.GetString(), v.GetStringLength());
}

const JsonValue* Member(const JsonValue& object, const char* key) {
  auto it = object.FindMember(key);
  return it == object.MemberEnd() ? nullptr : &it->value;
}

std::string Quote(std::string_view s) { return "\"" + std::string(s) + "\""; }

std::string DescribeShadow(const std::optional<std::string>& shadow) {
  return shadow ? Quote(*shadow) : std::string("null (classic)");
}

std::string DescribeSuffix(Suffix suffix) {
  return suffix == Suffix::kNone ? std::string("null (request)") : Quote(SuffixName(suffix));
}

std::string DescribeParse(const ShadowTopic& t) {
  return "thing=" + Quote(t.id.thing) + " shadow=" + DescribeShadow(t.id.shadow) +
         " operation=" + Quote(OperationName(t.operation)) + " suffix=" + DescribeSuffix(t.suffix);
}

std::optional<Operation> OperationFromName(std::string_view name) {
  for (Operation op : {Operation::kGet, Operation::kUpdate, Operation::kDelete}) {
    if (name == OperationName(op)) return op;
  }
  return std::nullopt;
}

std::optional<Suffix> SuffixFromName(std::string_view name) {
  for (Suffix s : {Suffix::kAccepted, Suffix::kRejected, Suffix::kDelta, Suffix::kDocuments}) {
    if (name == SuffixName(s)) return s;
  }
  return std::nullopt;
}

// Reads the expected parse of a valid topic; "bad vector:" failures
// otherwise.
std::optional<ShadowTopic> ReadExpectedTopic(const JsonValue& expect, VectorResult* result) {
  auto bad = [result](const std::string& why) { result->failures.push_back("bad vector: " + why); };
  ShadowTopic out;
  const JsonValue* thing = Member(expect, "thing");
  if (!thing || !thing->IsString()) {
    bad("`expect.thing` must be a string");
  } else {
    out.id.thing = std::string(StringOf(*thing));
  }
  const JsonValue* shadow = Member(expect, "shadow");
  if (!shadow || !(shadow->IsNull() || shadow->IsString())) {
    bad("`expect.shadow` must be a string or null (classic)");
  } else if (shadow->IsString()) {
    out.id.shadow = std::string(StringOf(*shadow));
  }
  const JsonValue* operation = Member(expect, "operation");
  std::optional<Operation> op;
  if (operation && operation->IsString()) op = OperationFromName(StringOf(*operation));
  if (!op) {
    bad("`expect.operation` must be \"get\", \"update\" or \"delete\"");
  } else {
    out.operation = *op;
  }
  const JsonValue* suffix = Member(expect, "suffix");
  std::optional<Suffix> sfx;
  if (suffix && suffix->IsNull()) {
    sfx = Suffix::kNone;
  } else if (suffix && suffix->IsString()) {
    sfx = SuffixFromName(StringOf(*suffix));
  }
  if (!sfx) {
    bad("`expect.suffix` must be null, \"accepted\", \"rejected\", \"delta\" or \"documents\"");
  } else {
    out.suffix = *sfx;
  }
  if (!result->passed()) return std::nullopt;
  return out;
}

}  // namespace

std::string TopicVectorName(const JsonValue& vector, std::size_t index) {
  std::string name = "#" + std::to_string(index);
  if (vector.IsObject()) {
    const JsonValue* topic = Member(vector, "topic");
    if (topic && topic->IsString()) name += " " + std::string(StringOf(*topic));
  }
  return name;
}

VectorResult RunTopicVector(const JsonValue& vector) {
  VectorResult result;
  auto bad = [&result](const std::string& why) { result.failures.push_back("bad vector: " + why); };
  if (!vector.IsObject()) {
    bad(std::string("a vector must be an object, not ") + JsonTypeName(vector));
    return result;
  }
  const JsonValue* topic_value = Member(vector, "topic");
  if (!topic_value || !topic_value->IsString()) bad("`topic` must be a string");
  const JsonValue* expect = Member(vector, "expect");
  const JsonValue* valid = expect && expect->IsObject() ? Member(*expect, "valid") : nullptr;
  if (!valid || !valid->IsBool()) bad("`expect.valid` must be true or false");
  if (!result.passed()) return result;

  const std::string_view topic = StringOf(*topic_value);
  const Result<ShadowTopic> parsed = ParseTopic(topic);

  if (!valid->GetBool()) {
    std::string reason;
    const JsonValue* why = Member(*expect, "reason");
    if (why && why->IsString()) reason = std::string(StringOf(*why));
    if (parsed.ok()) {
      result.failures.push_back("ParseTopic accepted a topic that is not valid (" +
                                (reason.empty() ? std::string("no reason given") : reason) +
                                "): got " + DescribeParse(*parsed));
    } else {
      result.notes.push_back("ParseTopic error: " + parsed.status().message());
      if (!reason.empty()) result.notes.push_back("vector reason: " + reason);
    }
    return result;
  }

  const std::optional<ShadowTopic> expected = ReadExpectedTopic(*expect, &result);
  if (!expected) return result;
  if (!parsed.ok()) {
    result.failures.push_back("ParseTopic failed on a valid topic: " + parsed.status().ToString() +
                              "; expected " + DescribeParse(*expected));
    return result;
  }
  const ShadowTopic& got = *parsed;
  if (got.id.thing != expected->id.thing) {
    result.failures.push_back("thing: expected " + Quote(expected->id.thing) + ", got " +
                              Quote(got.id.thing));
  }
  if (got.id.shadow != expected->id.shadow) {
    result.failures.push_back("shadow: expected " + DescribeShadow(expected->id.shadow) + ", got " +
                              DescribeShadow(got.id.shadow));
  }
  if (got.operation != expected->operation) {
    result.failures.push_back("operation: expected " + Quote(OperationName(expected->operation)) +
                              ", got " + Quote(OperationName(got.operation)));
  }
  if (got.suffix != expected->suffix) {
    result.failures.push_back("suffix: expected " + DescribeSuffix(expected->suffix) + ", got " +
                              DescribeSuffix(got.suffix));
  }
  const Result<std::string> built = BuildTopic(got);
  if (!built.ok()) {
    result.failures.push_back("BuildTopic of the parsed topic failed: " +
                              built.status().ToString());
  } else if (*built != topic) {
    result.failures.push_back("BuildTopic of the parsed topic: expected " + Quote(topic) +
                              ", got " + Quote(*built));
  }
  return result;
}

}  // namespace shadowsync::conformance
