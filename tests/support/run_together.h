// SPDX-License-Identifier: Apache-2.0
//
// Test helper: runs several blocking calls (client starts, connects) at the
// same time, one thread each. Paho C 1.3.11 makes a second client of one
// process wait ~2 s for its connect while another one is connected, so
// tests that need several clients connect them together.

#ifndef SHADOWSYNC_TESTS_SUPPORT_RUN_TOGETHER_H_
#define SHADOWSYNC_TESTS_SUPPORT_RUN_TOGETHER_H_

#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include "shadowsync/status.h"

namespace shadowsync::testing_support {

/// Runs each of `calls` on its own thread, all at once, and returns their
/// statuses in the order of `calls` once every one has returned.
std::vector<Status> RunTogether(const std::vector<std::function<Status()>>& calls);

/// Success when every status is OK; otherwise a failure that names the first
/// failed one: "<what> <index>: <status>".
::testing::AssertionResult AllOk(const std::vector<Status>& statuses,
                                 const std::string& what = "client");

}  // namespace shadowsync::testing_support

#endif  // SHADOWSYNC_TESTS_SUPPORT_RUN_TOGETHER_H_
