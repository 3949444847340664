// SPDX-License-Identifier: Apache-2.0
//
// The outcome of running one conformance vector.
//
// Thread safety: a value; const methods may run concurrently, others need
// external synchronization.

#ifndef SHADOWSYNC_TESTS_CONFORMANCE_VECTOR_RESULT_H_
#define SHADOWSYNC_TESTS_CONFORMANCE_VECTOR_RESULT_H_

#include <string>
#include <vector>

namespace shadowsync::conformance {

struct VectorResult {
  /// Why the vector failed, one line each (a line may be long: it can hold
  /// a whole payload). Empty when it passed.
  std::vector<std::string> failures;
  /// What happened, for --verbose: messages published, parse errors, ...
  std::vector<std::string> notes;

  /// Set when the vector did not run in this mode, with the reason (the
  /// HTTPS mode's MQTT-only vectors). Counted apart from passed and failed.
  std::string skipped;

  bool passed() const { return failures.empty(); }
};

}  // namespace shadowsync::conformance

#endif  // SHADOWSYNC_TESTS_CONFORMANCE_VECTOR_RESULT_H_
