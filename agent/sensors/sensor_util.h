// SPDX-License-Identifier: Apache-2.0
//
// Small helpers shared by the sensors: reading sysfs/procfs files, parsing
// numbers without locale surprises, listing directories, quoting text for
// error messages. Internal to the sensors library.
//
// Thread safety: free functions without shared state; safe for concurrent use.

#ifndef SHADOWSYNC_AGENT_SENSORS_SENSOR_UTIL_H_
#define SHADOWSYNC_AGENT_SENSORS_SENSOR_UTIL_H_

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "shadowsync/status.h"

namespace shadowsync::agent {

/// Reads at most `max_bytes` of the file at `path` (sysfs attributes are
/// small; a runaway file must not eat the agent's memory).
/// kNotFound if it does not exist, kUnavailable if it cannot be read (EACCES,
/// or ENODATA from a sensor that is powered down), with the path and the
/// system's reason in the message.
Result<std::string> ReadTextFile(const std::string& path, std::size_t max_bytes = 1 << 20);

/// `text` without leading and trailing ASCII whitespace.
std::string_view TrimWhitespace(std::string_view text);

/// The whole of `text` as a finite double ("23.5", "-4", "1e3"), independent
/// of the process locale; nullopt for anything else, including "" and "12abc".
std::optional<double> ParseDouble(std::string_view text);

/// The whole of `text` as a decimal integer; nullopt otherwise.
std::optional<long long> ParseInteger(std::string_view text);

/// Names in directory `path` (without "." and ".."), sorted so that
/// "hwmon2" comes before "hwmon10". kNotFound if it does not exist.
Result<std::vector<std::string>> ListDirectory(const std::string& path);

/// Less-than that compares runs of digits by value: "temp2" < "temp10".
bool NaturalLess(const std::string& a, const std::string& b);

/// `text` in double quotes with control characters escaped, cut to
/// `max_chars` with "..." so a hostile line cannot flood the log.
std::string QuoteForMessage(std::string_view text, std::size_t max_chars = 80);

/// strerror() in a thread-safe form.
std::string ErrnoText(int error_number);

}  // namespace shadowsync::agent

#endif  // SHADOWSYNC_AGENT_SENSORS_SENSOR_UTIL_H_
