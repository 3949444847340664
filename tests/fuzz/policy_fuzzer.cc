// SPDX-License-Identifier: Apache-2.0
//
// libFuzzer target: arbitrary bytes as an AWS IoT policy document
// (Policy::Parse). Properties beyond "no crash, no sanitizer report":
//   - a rejection is kInvalidArgument with a non-empty message;
//   - a policy that parses evaluates, for a fixed set of actions, resources
//     and variable bindings, without crashing, with a non-empty reason;
//   - Evaluate is deterministic, and IsAllowed and the full-ARN overload
//     give the same answer as Evaluate;
//   - parsing is deterministic (same statement count, same decisions).

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_check.h"
#include "shadowsync/policy.h"

namespace {

using shadowsync::AuthorizationDecision;
using shadowsync::Evaluate;
using shadowsync::Policy;
using shadowsync::PolicyVariables;
using shadowsync::ResourceArn;
using shadowsync::StatusCode;
using shadowsync::ThingAttributes;
using shadowsync::fuzz::Check;

constexpr const char* kActions[] = {"iot:Connect", "iot:Publish",        "iot:Subscribe",
                                    "iot:Receive", "iot:GetThingShadow", "IOT:PUBLISH"};
constexpr const char* kArns[] = {
    "arn:aws:iot:us-east-1:123456789012:client/lamp",
    "arn:aws:iot:us-east-1:123456789012:topic/$aws/things/lamp/shadow/update",
    "arn:aws:iot:eu-west-1:123456789012:topicfilter/$aws/things/+/shadow/#",
    "arn:aws:iot:us-east-1:123456789012:thing/lamp",
    "arn:aws:iot:us-east-1:999999999999:topic/a*b?c/${iot:ClientId}",
    "not-an-arn",
    "",
};

std::string Decide(const Policy& policy, const std::vector<const Policy*>& policies,
                   std::string_view input) {
  static const ThingAttributes kAttributes = {{"room", "kitchen"}, {"", "empty"}};
  PolicyVariables bound;
  bound.client_id = "lamp";
  bound.thing_name = "lamp";
  bound.is_attached = true;
  bound.thing_type_name = "light";
  bound.thing_attributes = &kAttributes;
  bound.certificate_common_name = "lamp";
  PolicyVariables unbound;  // every optional variable unresolved
  unbound.client_id = "";

  std::string trace;
  for (const PolicyVariables* vars : {&bound, &unbound}) {
    for (const char* action : kActions) {
      for (const char* arn_text : kArns) {
        const AuthorizationDecision a = Evaluate(policies, *vars, action, arn_text);
        const AuthorizationDecision b = Evaluate(policies, *vars, action, arn_text);
        Check(a.allowed == b.allowed && a.reason == b.reason, "Evaluate is deterministic", input);
        Check(!a.reason.empty(), "a decision has a reason", input);
        if (auto arn = ResourceArn::Parse(arn_text)) {
          const AuthorizationDecision c = Evaluate(policies, *vars, action, *arn);
          Check(c.allowed == a.allowed && c.reason == a.reason,
                "ARN text and parsed ARN decide alike", input, arn_text);
          Check(shadowsync::IsAllowed(policies, *vars, action, *arn) == a.allowed,
                "IsAllowed agrees with Evaluate", input, a.reason);
        }
        if (a.allowed) {
          Check(a.reason.find(policy.name()) != std::string::npos, "an allow names the policy",
                input, a.reason);
        }
        trace += a.allowed ? 'A' : 'D';
      }
    }
  }
  return trace;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  auto parsed = Policy::Parse(input, "fuzz-policy");
  if (!parsed.ok()) {
    Check(parsed.status().code() == StatusCode::kInvalidArgument, "rejection is InvalidArgument",
          input, parsed.status().ToString());
    Check(!parsed.status().message().empty(), "error message is non-empty", input);
    return 0;
  }
  Check(parsed->name() == "fuzz-policy", "the policy keeps its name", input);
  Check(parsed->statement_count() >= 1, "a policy has a statement", input);
  const std::string first = Decide(*parsed, {&*parsed}, input);

  auto again = Policy::Parse(input, "fuzz-policy");
  Check(again.ok() && again->statement_count() == parsed->statement_count(),
        "Parse is deterministic", input);
  Check(Decide(*again, {&*again}, input) == first, "a re-parsed policy decides alike", input);
  // The union of a policy with itself decides as the policy alone.
  Check(Decide(*parsed, {&*parsed, &*again}, input) == first, "P and P together decide as P",
        input);
  return 0;
}
