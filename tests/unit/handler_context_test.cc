// SPDX-License-Identifier: Apache-2.0
//
// handler_context.h (lib/src/mqtt/): the thread-local marks with which
// PahoTransport refuses calls that would deadlock on Paho's thread and holds
// what its message handler publishes while (re)connecting. Scopes nest,
// restore, and belong to one thread.

#include "mqtt/handler_context.h"

#include <gtest/gtest.h>

#include <thread>

namespace shadowsync::mqtt_internal {
namespace {

TEST(HandlerContextTest, OutsideAnyScopeNothingIsMarked) {
  EXPECT_FALSE(InPahoCallback());
  EXPECT_FALSE(InTransportHandler());
  int transport = 0;
  EXPECT_FALSE(IsDeliveringFor(&transport));
  EXPECT_FALSE(IsDeliveringFor(nullptr));
}

TEST(HandlerContextTest, ScopesNestAndRestore) {
  int a = 0;
  int b = 0;
  {
    PahoCallbackScope paho;
    EXPECT_TRUE(InPahoCallback());
    {
      PahoCallbackScope nested;
      HandlerScope handler;
      DeliveringScope delivering_a(&a);
      EXPECT_TRUE(InTransportHandler());
      EXPECT_TRUE(IsDeliveringFor(&a));
      EXPECT_FALSE(IsDeliveringFor(&b));
      {
        // a's handler publishes through b, whose handler runs inline.
        DeliveringScope delivering_b(&b);
        EXPECT_TRUE(IsDeliveringFor(&b));
        EXPECT_FALSE(IsDeliveringFor(&a)) << "innermost only";
      }
      EXPECT_TRUE(IsDeliveringFor(&a));
    }
    EXPECT_TRUE(InPahoCallback()) << "the outer scope still holds";
    EXPECT_FALSE(InTransportHandler());
    EXPECT_FALSE(IsDeliveringFor(&a));
  }
  EXPECT_FALSE(InPahoCallback());
}

TEST(HandlerContextTest, MarksAreThreadLocal) {
  int transport = 0;
  HandlerScope handler;
  PahoCallbackScope paho;
  DeliveringScope delivering(&transport);
  bool seen_elsewhere = true;
  std::thread other([&] {
    seen_elsewhere = InPahoCallback() || InTransportHandler() || IsDeliveringFor(&transport);
  });
  other.join();
  EXPECT_FALSE(seen_elsewhere);
  EXPECT_TRUE(IsDeliveringFor(&transport));
}

}  // namespace
}  // namespace shadowsync::mqtt_internal
