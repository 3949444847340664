// SPDX-License-Identifier: Apache-2.0

#include "bench_concurrent.h"

#include <cstddef>
#include <thread>

namespace shadowsync {
namespace bench {

std::vector<Status> RunConcurrently(const std::vector<std::function<Status()>>& tasks) {
  std::vector<Status> results(tasks.size());
  std::vector<std::thread> threads;
  threads.reserve(tasks.size());
  for (std::size_t i = 0; i < tasks.size(); ++i) {
    threads.emplace_back([&results, &tasks, i] { results[i] = tasks[i](); });
  }
  for (std::thread& t : threads) t.join();
  return results;
}

}  // namespace bench
}  // namespace shadowsync
