// SPDX-License-Identifier: Apache-2.0
//
// AWS credentials and region, found the way the AWS CLI (botocore) finds
// them, for SigV4 (shadowsync/sigv4.h):
//
//   1. the environment: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and
//      AWS_SESSION_TOKEN (skipped when a profile is given explicitly, as
//      `aws --profile x` does);
//   2. the shared credentials file (AWS_SHARED_CREDENTIALS_FILE, else
//      ~/.aws/credentials), section `[name]`;
//   3. `credential_process` of the profile (either file), run without a
//      shell and with a time limit, its JSON read from stdout;
//   4. the config file (AWS_CONFIG_FILE, else ~/.aws/config), section
//      `[profile name]` (`[default]` for the default profile).
//
// The profile is the explicit one, else AWS_PROFILE, else "default". The
// region is the explicit one, else AWS_REGION, else AWS_DEFAULT_REGION, else
// `region` in the profile of the config file.
//
// Secrets never leave this type in text: ToString() and operator<< print the
// access key id and where the credentials came from, never the secret key or
// the session token, and no error message quotes a file's values.
//
// The environment, the file system and process execution are injected
// (AwsEnvironment), so that tests run without touching the user's ~/.aws.
//
// Thread safety: the functions are pure given their AwsEnvironment; values
// are thread-compatible (const methods may run concurrently).

#ifndef SHADOWSYNC_AWS_CREDENTIALS_H_
#define SHADOWSYNC_AWS_CREDENTIALS_H_

#include <chrono>
#include <functional>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "shadowsync/status.h"

namespace shadowsync {

/// An access key pair, maybe temporary. Printing it shows the access key id
/// and the source only.
struct AwsCredentials {
  std::string access_key_id;
  std::string secret_access_key;  ///< secret: never logged or printed
  std::string session_token;      ///< secret; empty for long-term keys
  /// When temporary credentials stop working (credential_process
  /// `Expiration`); std::nullopt when they do not expire.
  std::optional<std::chrono::system_clock::time_point> expiration;
  /// Where they came from, for messages: "environment",
  /// "shared credentials file /home/u/.aws/credentials [default]", ...
  std::string source;

  /// "AwsCredentials{access_key_id=AKIA..., secret_access_key=<redacted>,
  /// session_token=<redacted>|<none>, expiration=..., source=...}".
  std::string ToString() const;
};

/// Writes ToString(); gtest uses it for failure messages too.
std::ostream& operator<<(std::ostream& out, const AwsCredentials& credentials);

/// What the lookups may touch. SystemAwsEnvironment() is the real one.
struct AwsEnvironment {
  /// getenv(): std::nullopt when the variable is unset.
  std::function<std::optional<std::string>(const std::string& name)> get_env;
  /// The whole file; kNotFound when it does not exist, another error when it
  /// exists but cannot be read.
  std::function<Result<std::string>(const std::string& path)> read_file;
  /// Runs `argv` (argv[0] looked up in PATH) without a shell, with stdin
  /// from /dev/null and stderr inherited, and returns its stdout. An error
  /// names the program and says why (exit status, signal, timeout); never
  /// its output.
  std::function<Result<std::string>(const std::vector<std::string>& argv,
                                    std::chrono::milliseconds timeout)>
      run_process;
  /// The clock that decides whether credential_process's credentials have
  /// already expired; unset means never.
  std::function<std::chrono::system_clock::time_point()> now;
};

/// getenv, the file system and posix_spawnp.
AwsEnvironment SystemAwsEnvironment();

/// What the caller asked for, e.g. shadowctl's --profile and --region.
struct AwsCredentialOptions {
  /// An explicit profile: skips the environment's keys (as `aws --profile`).
  std::optional<std::string> profile;
  std::optional<std::string> region;
  /// The time limit of credential_process.
  std::chrono::milliseconds process_timeout{std::chrono::seconds(30)};
};

/// Finds credentials in the order above. Errors:
///   kNotFound: no source had any; the message names each source tried, with
///     the file paths and the profile ("tried: environment (AWS_ACCESS_KEY_ID
///     unset); shared credentials file /h/.aws/credentials (no such file);
///     ...").
///   kInvalidArgument: a source is incomplete or malformed (a key id without
///     a secret, a file that does not parse, credential_process output that
///     is not the documented JSON); the message says which source and line.
///   kUnavailable / kTimeout: credential_process failed or ran too long.
Result<AwsCredentials> LoadAwsCredentials(const AwsCredentialOptions& options,
                                          const AwsEnvironment& environment);

/// The region in the order above. kNotFound names where it looked.
Result<std::string> LoadAwsRegion(const AwsCredentialOptions& options,
                                  const AwsEnvironment& environment);

}  // namespace shadowsync

#endif  // SHADOWSYNC_AWS_CREDENTIALS_H_
