// SPDX-License-Identifier: Apache-2.0
//
// Helpers for the sensor tests: fake sysfs/procfs trees in a temporary
// directory, a clock the test advances by hand, sampling into a document.

#ifndef SHADOWSYNC_TESTS_AGENT_SENSOR_TEST_UTIL_H_
#define SHADOWSYNC_TESTS_AGENT_SENSOR_TEST_UTIL_H_

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <chrono>
#include <memory>
#include <string>

#include "sensors/sensor.h"
#include "shadowsync/json.h"
#include "support/temp_dir.h"

namespace shadowsync::agent::testing {

/// A temporary directory that fails the test when it cannot be made.
inline std::unique_ptr<testing_support::TempDir> MakeTempDir(const std::string& prefix) {
  auto dir = testing_support::TempDir::Create(prefix);
  EXPECT_TRUE(dir.ok()) << dir.status().ToString();
  return dir.ok() ? std::move(dir).value() : nullptr;
}

/// Writes `contents` to root + "/" + relative, creating the directories.
inline void WriteTreeFile(const std::string& root, const std::string& relative,
                          const std::string& contents) {
  std::string path = root;
  std::size_t start = 0;
  while (true) {
    const std::size_t slash = relative.find('/', start);
    if (slash == std::string::npos) break;
    ::mkdir((root + "/" + relative.substr(0, slash)).c_str(), 0755);
    start = slash + 1;
  }
  const Status written = testing_support::WriteStringToFile(root + "/" + relative, contents);
  ASSERT_TRUE(written.ok()) << written.ToString();
}

/// A clock that only moves when the test says so.
class FakeClock {
 public:
  SensorClock::time_point Now() const { return now_; }
  void Advance(std::chrono::duration<double> by) {
    now_ += std::chrono::duration_cast<SensorClock::duration>(by);
  }
  std::function<SensorClock::time_point()> AsFunction() {
    return [this] { return now_; };
  }

 private:
  SensorClock::time_point now_ = SensorClock::time_point(std::chrono::hours(1000));
};

/// One Sample() into a fresh document.
struct Sampled {
  Status status;
  JsonDocument document;
  std::string json() const { return ToCompactJson(document); }
};

inline Sampled SampleOnce(Sensor& sensor) {
  Sampled sampled;
  sampled.document.SetObject();
  sampled.status = sensor.Sample(sampled.document, sampled.document.GetAllocator());
  return sampled;
}

/// Parses JSON text for a test's config, failing the test when it is not JSON.
inline JsonDocument Json(const std::string& text) {
  Result<JsonDocument> parsed = ParseJson(text);
  EXPECT_TRUE(parsed.ok()) << parsed.status().ToString() << " in " << text;
  return parsed.ok() ? std::move(parsed).value() : JsonDocument();
}

}  // namespace shadowsync::agent::testing

#endif  // SHADOWSYNC_TESTS_AGENT_SENSOR_TEST_UTIL_H_
