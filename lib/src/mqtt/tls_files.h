// SPDX-License-Identifier: Apache-2.0
//
// Up-front checks of the TLS files in MqttOptions, with OpenSSL, so that a
// wrong path, an unreadable file, a file that is not PEM or a key that does
// not belong to the certificate is reported before any connection attempt,
// naming the field and the path. Key material is never copied into a
// message.
//
// Thread safety: plain functions; OpenSSL's error queue is per thread and is
// left empty on return.

#ifndef SHADOWSYNC_MQTT_TLS_FILES_H_
#define SHADOWSYNC_MQTT_TLS_FILES_H_

#include <string>
#include <string_view>

#include "shadowsync/status.h"

namespace shadowsync {
namespace mqtt_internal {

/// OK when `path` names a regular file this process can open for reading;
/// otherwise kInvalidArgument "<field>: <path>: <strerror>", e.g.
/// "key_file: /x/y.key: No such file or directory".
Status CheckReadableFile(std::string_view field, const std::string& path);

/// Readable and holds at least one PEM certificate.
Status CheckCaFile(const std::string& path);

/// CheckPrivateKeyFile() (paho_transport.h) in the terms of MqttOptions:
/// kFailedPrecondition "key_file <path> has mode 0644: ...; fix: chmod 600
/// <path>" when the key file is readable by group or others (the rule of
/// shadowsync-agent, ssh and AWS's guides), OK otherwise.
Status CheckPrivateKeyMode(const std::string& key_path);

/// Both readable; neither holds only what the other should (swapped files:
/// "key_file <path> holds a certificate, not a private key (are cert_file
/// and key_file swapped?)"), checked before the key's mode
/// (CheckPrivateKeyMode); the first certificate of `cert_path` parses, the
/// key in `key_path` parses (unencrypted PEM: there is no password option),
/// and the key belongs to the certificate ("key_file does not match
/// cert_file ...").
Status CheckClientCertificate(const std::string& cert_path, const std::string& key_path);

/// Empties this thread's OpenSSL error queue and returns its entries joined
/// with "; " (reason strings only, e.g. "certificate verify failed"), or ""
/// when it was empty.
std::string DrainOpenSslErrors();

}  // namespace mqtt_internal
}  // namespace shadowsync

#endif  // SHADOWSYNC_MQTT_TLS_FILES_H_
