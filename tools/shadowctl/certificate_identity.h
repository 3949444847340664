// SPDX-License-Identifier: Apache-2.0
//
// What a broker learns from a client certificate: its subject CN and its
// SHA-256 fingerprint. `shadowctl authz --cert` reads them from a PEM file
// with OpenSSL, which stays out of the library's API.

#ifndef SHADOWSYNC_TOOLS_SHADOWCTL_CERTIFICATE_IDENTITY_H_
#define SHADOWSYNC_TOOLS_SHADOWCTL_CERTIFICATE_IDENTITY_H_

#include <string>

#include "shadowsync/status.h"

namespace shadowsync {
namespace shadowctl {

struct CertificateIdentity {
  std::string common_name;  ///< the subject's (last) CN; empty when it has none
  std::string sha256;       ///< of the DER encoding: lowercase hex, no colons
};

/// Reads the first certificate of the PEM file `path`. kInvalidArgument
/// naming the path when it cannot be read or holds no PEM certificate.
Result<CertificateIdentity> ReadCertificateIdentity(const std::string& path);

}  // namespace shadowctl
}  // namespace shadowsync

#endif  // SHADOWSYNC_TOOLS_SHADOWCTL_CERTIFICATE_IDENTITY_H_
