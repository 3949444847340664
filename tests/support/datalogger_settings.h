// SPDX-License-Identifier: Apache-2.0
//
// Test data: the "AWS IoT" block of a SparkFun DataLogger IoT settings file,
// as SparkFun's AWS guide fills it in for the thing "TestThing23" (topic,
// client name and the three certificate file names; the inline certificate
// fields empty). Shared by the agent's configuration tests and its end-to-end
// test, which wrap it in different other blocks.

#ifndef SHADOWSYNC_TESTS_SUPPORT_DATALOGGER_SETTINGS_H_
#define SHADOWSYNC_TESTS_SUPPORT_DATALOGGER_SETTINGS_H_

#include <string>

namespace shadowsync::testing_support {

/// `  "AWS IoT": {...}` (two-space indent, no trailing comma or newline)
/// with "Server" `server` (written as is: no JSON escaping) and "Port" `port`.
std::string DataLoggerAwsIotBlock(const std::string& server, int port);

}  // namespace shadowsync::testing_support

#endif  // SHADOWSYNC_TESTS_SUPPORT_DATALOGGER_SETTINGS_H_
