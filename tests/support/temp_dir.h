// SPDX-License-Identifier: Apache-2.0
//
// Test helper: a private temporary directory (mode 0700) that is removed with
// everything in it when the owner goes away.

#ifndef SHADOWSYNC_TESTS_SUPPORT_TEMP_DIR_H_
#define SHADOWSYNC_TESTS_SUPPORT_TEMP_DIR_H_

#include <memory>
#include <string>

#include "shadowsync/status.h"

namespace shadowsync::testing_support {

/// A directory created with mkdtemp() under $TMPDIR (or /tmp), removed
/// recursively by the destructor. Set SHADOWSYNC_KEEP_TEST_FILES=1 in the
/// environment to keep it for a post-mortem (its path is then printed).
///
/// Thread safety: const methods may run concurrently; others need external
/// synchronization.
class TempDir {
 public:
  /// Whether SHADOWSYNC_KEEP_TEST_FILES applies. Scratch space whose
  /// contents were already returned (captured output) is always removed.
  enum class Retention { kKeepOnRequest, kAlwaysRemove };

  /// Creates "<tmp>/<prefix>-XXXXXX". kInvalidArgument if `prefix` contains
  /// '/', kInternal if mkdtemp() fails.
  static Result<std::unique_ptr<TempDir>> Create(const std::string& prefix,
                                                 Retention retention = Retention::kKeepOnRequest);

  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  /// Absolute path, without a trailing slash.
  const std::string& path() const { return path_; }

  /// path() + "/" + name.
  std::string File(const std::string& name) const { return path_ + "/" + name; }

 private:
  TempDir(std::string path, Retention retention) : path_(std::move(path)), retention_(retention) {}
  std::string path_;
  Retention retention_;
};

/// Reads a whole file. kNotFound if it cannot be opened.
Result<std::string> ReadFileToString(const std::string& path);

/// Writes `contents` to `path` (created or truncated) with the given mode.
/// kInternal on failure.
Status WriteStringToFile(const std::string& path, const std::string& contents, int mode = 0644);

}  // namespace shadowsync::testing_support

#endif  // SHADOWSYNC_TESTS_SUPPORT_TEMP_DIR_H_
