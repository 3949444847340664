// SPDX-License-Identifier: Apache-2.0
//
// Loading a conformance vector file: a JSON array of vector objects
// (spec 13).
//
// Thread safety: free functions; safe for concurrent use.

#ifndef SHADOWSYNC_TESTS_CONFORMANCE_VECTOR_FILE_H_
#define SHADOWSYNC_TESTS_CONFORMANCE_VECTOR_FILE_H_

#include <string>

#include "shadowsync/json.h"
#include "shadowsync/status.h"

namespace shadowsync::conformance {

/// Reads and parses `path`. The top level must be an array (its elements are
/// checked one by one when they run). kNotFound when the file cannot be
/// read; kInvalidArgument when it is not JSON ("JSON parse error at offset
/// N: ...") or not an array. Messages do not repeat the path.
Result<JsonDocument> LoadVectorFile(const std::string& path);

}  // namespace shadowsync::conformance

#endif  // SHADOWSYNC_TESTS_CONFORMANCE_VECTOR_FILE_H_
