// SPDX-License-Identifier: Apache-2.0
//
// SHA-256 and HMAC-SHA256 from OpenSSL 3, behind plain byte strings so that
// no OpenSSL type reaches the rest of the library.

#ifndef SHADOWSYNC_AWS_CRYPTO_H_
#define SHADOWSYNC_AWS_CRYPTO_H_

#include <string>
#include <string_view>

namespace shadowsync::aws {

/// The 32-byte digest.
std::string Sha256(std::string_view bytes);

/// The 32-byte HMAC-SHA256 of `message` under `key`.
std::string HmacSha256(std::string_view key, std::string_view message);

/// Lowercase hex.
std::string HexEncode(std::string_view bytes);

/// Compares in time independent of where the strings differ.
bool ConstantTimeEquals(std::string_view a, std::string_view b);

}  // namespace shadowsync::aws

#endif  // SHADOWSYNC_AWS_CRYPTO_H_
