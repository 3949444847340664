// SPDX-License-Identifier: Apache-2.0
//
// lib/src/json_copy.cc: DeepCopy makes a copy that owns its strings and
// lives wholly in the target pool, so the source can go away.

#include "json_copy.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "support/json_expect.h"

namespace shadowsync::internal {
namespace {

using testing_support::MustParse;

TEST(DeepCopyTest, CopiesEveryKindOfValueAndOutlivesTheSource) {
  JsonDocument target;
  JsonValue copy;
  {
    auto source = std::make_unique<JsonDocument>(
        MustParse(R"({"s":"text","n":null,"b":true,"i":-3,"u":18446744073709551615,"d":1.5,)"
                  R"("a":[1,{"x":[]}],"o":{"deep":{"deeper":"v"}},"e":{}})"));
    copy = DeepCopy(*source, target.GetAllocator());
  }  // the source and its pool are gone
  EXPECT_EQ(ToCompactJson(copy),
            R"({"s":"text","n":null,"b":true,"i":-3,"u":18446744073709551615,"d":1.5,)"
            R"("a":[1,{"x":[]}],"o":{"deep":{"deeper":"v"}},"e":{}})");
}

TEST(DeepCopyTest, ScalarsAndStringsAreCopiedToo) {
  JsonDocument target;
  std::string text = "a string longer than the short-string optimisation of RapidJSON";
  JsonValue source(text.c_str(), static_cast<rapidjson::SizeType>(text.size()));  // not owned
  JsonValue copy = DeepCopy(source, target.GetAllocator());
  text.assign(text.size(), 'x');
  EXPECT_EQ(std::string(copy.GetString()),
            "a string longer than the short-string optimisation of RapidJSON");
  EXPECT_EQ(DeepCopy(JsonValue(42), target.GetAllocator()).GetInt(), 42);
}

TEST(DeepCopyTest, ALargeTreeBeyondTheStackBufferIsCopied) {
  std::string big = "[";
  for (int i = 0; i < 2000; ++i)
    big += (i ? "," : "") + std::string(R"({"k":[)") + std::to_string(i) + "]}";
  big += "]";
  const JsonDocument source = MustParse(big);
  JsonDocument target;
  EXPECT_EQ(ToCompactJson(DeepCopy(source, target.GetAllocator())), big);
}

}  // namespace
}  // namespace shadowsync::internal
