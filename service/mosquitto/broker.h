// SPDX-License-Identifier: Apache-2.0
//
// Broker: what the in-broker service needs from mosquitto, as an interface,
// so that InBrokerService knows nothing of mosquitto and tests can stand in
// for it. plugin_entry.cc implements it with mosquitto_broker_publish_copy.
//
// Thread safety: called on the broker's only thread.

#ifndef SHADOWSYNC_SERVICE_MOSQUITTO_BROKER_H_
#define SHADOWSYNC_SERVICE_MOSQUITTO_BROKER_H_

#include <string>

namespace shadowsync::mosquitto_plugin {

class Broker {
 public:
  virtual ~Broker() = default;
  /// Queues a PUBLISH to every subscriber (their iot:Receive is checked per
  /// delivery), never retained. mosquitto sends it at the top of its next
  /// loop pass, so it never overtakes the message being handled.
  virtual void Publish(const std::string& topic, const std::string& payload, int qos) = 0;
  /// Like Publish, at QoS 1, and retained: the broker keeps the last one
  /// for later subscribers (the rules' counters).
  virtual void PublishRetained(const std::string& topic, const std::string& payload) = 0;
};

}  // namespace shadowsync::mosquitto_plugin

#endif  // SHADOWSYNC_SERVICE_MOSQUITTO_BROKER_H_
