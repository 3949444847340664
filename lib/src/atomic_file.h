// SPDX-License-Identifier: Apache-2.0
//
// Durable whole-file writes: write a temporary file next to the target,
// fsync it, rename it over the target and fsync the directory, so a crash
// leaves either the old file or the new one, never a torn one. Used by the
// client's report journal and the emulator's export.
//
// Thread safety: free functions; concurrent writers of one path need
// external synchronization.

#ifndef SHADOWSYNC_ATOMIC_FILE_H_
#define SHADOWSYNC_ATOMIC_FILE_H_

#include <string>
#include <string_view>

#include "shadowsync/status.h"

namespace shadowsync::internal {

/// Replaces `path` with `contents` atomically and durably; the file gets
/// `mode` (subject to the umask). kFailedPrecondition names the path, the
/// step that failed and errno's text.
Status WriteFileAtomically(const std::string& path, std::string_view contents, int mode = 0644);

/// Removes `path` durably (the directory is fsynced); a missing file is OK.
Status RemoveFileDurably(const std::string& path);

/// Reads a whole file. kNotFound when it does not exist; kFailedPrecondition
/// for other errors; both name the path.
Result<std::string> ReadWholeFile(const std::string& path);

}  // namespace shadowsync::internal

#endif  // SHADOWSYNC_ATOMIC_FILE_H_
