// SPDX-License-Identifier: Apache-2.0
//
// One generated certificate set per test binary and client-name list:
// generating certificates (RSA keys above all) is the slow part of starting
// a broker, so tests share them.

#ifndef SHADOWSYNC_TESTS_SUPPORT_SHARED_CERTIFICATES_H_
#define SHADOWSYNC_TESTS_SUPPORT_SHARED_CERTIFICATES_H_

#include <memory>
#include <string>
#include <vector>

#include "support/tls_certificates.h"

namespace shadowsync::testing_support {

/// The certificates for `client_names` (CA, servers, one client pair per
/// name, the broken material), generated on first use and kept until exit.
/// nullptr, after ADD_FAILURE() with the reason, if generation fails.
std::shared_ptr<const TestCertificates> SharedCertificates(
    const std::vector<std::string>& client_names);

}  // namespace shadowsync::testing_support

#endif  // SHADOWSYNC_TESTS_SUPPORT_SHARED_CERTIFICATES_H_
