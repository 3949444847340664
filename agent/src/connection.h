// SPDX-License-Identifier: Apache-2.0
//
// From the agent's connection settings to a ShadowClient on a Paho
// transport. Inline PEM from a DataLogger block is written to 0600 files in
// a private 0700 directory that lives as long as the connection (Paho reads
// the files on every reconnect) and is removed with it.
//
// Thread safety: not thread-safe; confine to one thread.

#ifndef SHADOWSYNC_AGENT_SRC_CONNECTION_H_
#define SHADOWSYNC_AGENT_SRC_CONNECTION_H_

#include <memory>
#include <string>

#include "shadowsync/client.h"
#include "shadowsync/paho_transport.h"
#include "src/config.h"

namespace shadowsync::agent {

/// Private copies of inline PEM; removed by the destructor.
class InlinePemFiles {
 public:
  InlinePemFiles() = default;
  ~InlinePemFiles();
  InlinePemFiles(const InlinePemFiles&) = delete;
  InlinePemFiles& operator=(const InlinePemFiles&) = delete;

  /// Writes `pem` as <dir>/<name> (mode 0600) and returns the path.
  Result<std::string> Write(const std::string& name, const std::string& pem);

 private:
  std::string dir_;
};

/// The MQTT options for `config.connection`; inline PEM goes through
/// `pem_files`, which must outlive the transport.
Result<MqttOptions> MqttOptionsFor(const AgentConfig& config, InlinePemFiles& pem_files);

/// The transport `config.connection.protocol` asks for: Paho for mqtt and
/// wss (a wss:// URI), the REST transport (shadowsync/rest_transport.h,
/// report-only, the shadow read every poll_seconds) for https. Checks the
/// options and TLS files; connects nothing.
Result<std::unique_ptr<Transport>> TransportFor(const AgentConfig& config,
                                                InlinePemFiles& pem_files);

/// ShadowClient options: the thing and shadow, the journal.
ClientOptions ClientOptionsFor(const AgentConfig& config);

}  // namespace shadowsync::agent

#endif  // SHADOWSYNC_AGENT_SRC_CONNECTION_H_
