// SPDX-License-Identifier: Apache-2.0
#include "support/run_together.h"

#include <thread>

namespace shadowsync::testing_support {

std::vector<Status> RunTogether(const std::vector<std::function<Status()>>& calls) {
  std::vector<Status> results(calls.size());
  std::vector<std::thread> threads;
  for (size_t i = 0; i < calls.size(); ++i) {
    threads.emplace_back([&, i] { results[i] = calls[i](); });
  }
  for (std::thread& thread : threads) thread.join();
  return results;
}

::testing::AssertionResult AllOk(const std::vector<Status>& statuses, const std::string& what) {
  for (size_t i = 0; i < statuses.size(); ++i) {
    if (!statuses[i].ok()) {
      return ::testing::AssertionFailure() << what << " " << i << ": " << statuses[i].ToString();
    }
  }
  return ::testing::AssertionSuccess();
}

}  // namespace shadowsync::testing_support
