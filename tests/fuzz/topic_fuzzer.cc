// SPDX-License-Identifier: Apache-2.0
//
// libFuzzer target for lib/src/topic.cc.
//
// 1. ParseTopic on the whole input. When it parses, BuildTopic must give back
//    exactly the input (the grammar has one spelling per topic), and the
//    result must match the filters a shadow client subscribes with (T8) but
//    not "#" (T10).
// 2. TopicMatchesFilter with the input split at its first NUL into filter
//    and topic. Without a NUL, the input is used as both, and a valid topic
//    name must match itself.
// Any broken property aborts, so libFuzzer reports it as a crash.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "shadowsync/topic.h"

namespace {

void Check(bool condition) {
  if (!condition) std::abort();
}

void FuzzParse(std::string_view input) {
  using shadowsync::ShadowTopic;
  shadowsync::Result<ShadowTopic> parsed = shadowsync::ParseTopic(input);
  if (!parsed.ok()) {
    Check(parsed.status().code() == shadowsync::StatusCode::kInvalidArgument);
    Check(!parsed.status().message().empty());
    return;
  }
  const ShadowTopic& topic = *parsed;
  shadowsync::Result<std::string> built = shadowsync::BuildTopic(topic);
  Check(built.ok());
  Check(*built == input);
  Check(input.size() <= 234);  // T5
  Check(shadowsync::ValidateThingName(topic.id.thing).ok());
  if (topic.id.shadow) Check(shadowsync::ValidateShadowName(*topic.id.shadow).ok());

  Check(shadowsync::TopicMatchesFilter(input, input));
  Check(shadowsync::TopicMatchesFilter("$aws/things/+/shadow/#", input));  // T8
  Check(!shadowsync::TopicMatchesFilter("#", input));                      // T10
  shadowsync::Result<std::string> prefix = shadowsync::ShadowTopicPrefix(topic.id);
  Check(prefix.ok());
  Check(shadowsync::TopicMatchesFilter(*prefix + "/#", input));
}

void FuzzMatch(std::string_view input) {
  const std::size_t nul = input.find('\0');
  if (nul == std::string_view::npos) {
    const bool self = shadowsync::TopicMatchesFilter(input, input);
    // A valid topic name (ValidateTopicName: non-empty, UTF-8, no NUL, no
    // wildcard) matches itself, and "#" unless it starts with '$'; an
    // invalid one matches nothing.
    const bool valid = shadowsync::ValidateTopicName(input).ok();
    Check(self == valid);
    const bool all = shadowsync::TopicMatchesFilter("#", input);
    Check(all == (valid && input[0] != '$'));
    return;
  }
  const std::string_view filter = input.substr(0, nul);
  const std::string_view topic = input.substr(nul + 1);
  const bool matched = shadowsync::TopicMatchesFilter(filter, topic);
  // A filter without wildcards matches only the identical topic.
  if (shadowsync::ValidateTopicName(filter).ok()) Check(matched == (filter == topic));
  if (!shadowsync::ValidateTopicName(topic).ok()) Check(!matched);
  // T10: a wildcard-first filter never matches a '$' topic.
  if (matched && !topic.empty() && topic[0] == '$') Check(filter[0] != '+' && filter[0] != '#');
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  FuzzParse(input);
  FuzzMatch(input);
  return 0;
}
