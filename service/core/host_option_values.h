// SPDX-License-Identifier: Apache-2.0
//
// The values of the options both service hosts take, checked once: the
// emulator's flags (--max-depth 8) and the plugin's options
// (plugin_opt_max_depth 8) accept the same values and fail with the same
// message, which names the option as the user wrote it.
//
// Thread safety: free functions over values; safe for concurrent use.

#ifndef SHADOWSYNC_SERVICE_CORE_HOST_OPTION_VALUES_H_
#define SHADOWSYNC_SERVICE_CORE_HOST_OPTION_VALUES_H_

#include <cstdint>
#include <string_view>

#include "shadow_host.h"
#include "shadowsync/status.h"

namespace shadowsync::host {

/// The settings of HostOptions a user can set, by meaning.
enum class HostSetting {
  kOrder,                 ///< accepted-first | delta-first | random
  kOrderSeed,             ///< 0 .. 2^64-1
  kMaxDocumentBytes,      ///< L1: 1 .. 16 MiB
  kMaxDepth,              ///< L2: 1 .. 64
  kMaxInflight,           ///< L7: 0 (off) .. 1000000
  kMaxRequestsPerSecond,  ///< L8: 0 (off) .. 1000000
};

/// kInvalidArgument "<name>: invalid value '<text>': expected <expected>".
Status InvalidOptionValue(std::string_view name, std::string_view text, std::string_view expected);

/// A decimal integer in [min, max]: digits only (no sign, no spaces);
/// otherwise InvalidOptionValue naming `name`.
Result<std::uint64_t> ParseOptionInteger(std::string_view name, std::string_view text,
                                         std::uint64_t min, std::uint64_t max);

/// Parses `text` for `setting` and stores it in `options`; the error names
/// `name` (the flag or option as the user wrote it) and the valid values.
Status ApplyHostSetting(HostSetting setting, std::string_view name, std::string_view text,
                        HostOptions& options);

}  // namespace shadowsync::host

#endif  // SHADOWSYNC_SERVICE_CORE_HOST_OPTION_VALUES_H_
