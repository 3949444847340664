// SPDX-License-Identifier: Apache-2.0
//
// `credential_process`: the command line of a profile is split into words
// the way a POSIX shell would (quotes and backslashes, no expansion), run
// without a shell, and its stdout read as the documented JSON:
//   {"Version": 1, "AccessKeyId": "...", "SecretAccessKey": "...",
//    "SessionToken": "...", "Expiration": "2019-05-29T00:21:43Z"}
// (https://docs.aws.amazon.com/cli/latest/userguide/cli-configure-sourcing-external.html).

#ifndef SHADOWSYNC_AWS_CREDENTIAL_PROCESS_H_
#define SHADOWSYNC_AWS_CREDENTIAL_PROCESS_H_

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "shadowsync/aws_credentials.h"
#include "shadowsync/status.h"

namespace shadowsync::aws {

/// Splits like shlex.split(): whitespace separates words; '...' is literal;
/// "..." keeps backslash escapes of " \ $ ` only; a backslash outside quotes
/// escapes the next character. kInvalidArgument on an unterminated quote or
/// an empty command.
Result<std::vector<std::string>> SplitCommandLine(std::string_view command);

/// Parses the process's stdout. `source` names the profile for messages.
/// kInvalidArgument when it is not JSON, Version is not 1, a key is missing
/// or Expiration is not ISO 8601; the message never quotes a value.
Result<AwsCredentials> ParseCredentialProcessOutput(std::string_view output,
                                                    const std::string& source);

/// "2019-05-29T00:21:43Z", also with fractional seconds or a "+hh:mm"
/// offset.
Result<std::chrono::system_clock::time_point> ParseIso8601(std::string_view text);

/// Runs argv (PATH lookup) with posix_spawnp, stdin from /dev/null, stderr
/// inherited, and returns stdout; kills it after `timeout` (kTimeout), and
/// kUnavailable when it cannot start or exits non-zero or on a signal.
Result<std::string> RunProcessForOutput(const std::vector<std::string>& argv,
                                        std::chrono::milliseconds timeout);

}  // namespace shadowsync::aws

#endif  // SHADOWSYNC_AWS_CREDENTIAL_PROCESS_H_
