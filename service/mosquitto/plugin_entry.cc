// SPDX-License-Identifier: Apache-2.0
//
// shadowsync_mosquitto.so: the thin C boundary between mosquitto 2.0's
// plugin API (version 5) and InBrokerService. Everything here is
// translation: read the event, call the service, map the verdict to a
// MOSQ_ERR_* code. See docs/broker-plugin.md and
// ../shared/notes/platform.md section 1 for the API's facts on 2.0.11:
//   - the broker is single-threaded: every callback runs on its thread;
//   - MOSQ_EVT_TICK is dead with `per_listener_settings true`, so the
//     plugin must be global (group commit needs the tick);
//   - there is no CONNECT event: BASIC_AUTH is the connect hook, and it is
//     skipped with use_identity_as_username, so the listener must use
//     require_certificate without it; the plugin reads the certificate;
//   - returning anything but SUCCESS/ACL_DENIED from MESSAGE disconnects
//     the client, so the request always continues (SUCCESS);
//   - mosquitto_plugin.h of 2.0.11 does not include mosquitto_broker.h.
// C++ exceptions never cross into mosquitto: every callback catches.

#include <openssl/evp.h>
#include <openssl/x509.h>

// Order matters in 2.0.11 (#2350): mosquitto.h, broker, then plugin.
#include <mosquitto.h>
#include <mosquitto_broker.h>
#include <mosquitto_plugin.h>

#include <cstdio>
#include <exception>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "in_broker_service.h"

namespace shadowsync::mosquitto_plugin {
namespace {

class MosquittoBroker : public Broker {
 public:
  void Publish(const std::string& topic, const std::string& payload, int qos) override {
    Send(topic, payload, qos, false);
  }
  void PublishRetained(const std::string& topic, const std::string& payload) override {
    Send(topic, payload, 1, true);
  }

 private:
  static void Send(const std::string& topic, const std::string& payload, int qos, bool retain) {
    const int rc =
        mosquitto_broker_publish_copy(nullptr, topic.c_str(), static_cast<int>(payload.size()),
                                      payload.data(), qos, retain, nullptr);
    if (rc != MOSQ_ERR_SUCCESS) {
      mosquitto_log_printf(MOSQ_LOG_ERR, "shadowsync: error: publish to %s failed: %s",
                           topic.c_str(), mosquitto_strerror(rc));
    }
  }
};

int MosquittoLogLevel(cli::LogLevel level) {
  switch (level) {
    case cli::LogLevel::kError:
      return MOSQ_LOG_ERR;
    case cli::LogLevel::kWarning:
      return MOSQ_LOG_WARNING;
    case cli::LogLevel::kInfo:
      return MOSQ_LOG_NOTICE;
    case cli::LogLevel::kDebug:
      return MOSQ_LOG_DEBUG;
  }
  return MOSQ_LOG_INFO;
}

// Everything the plugin owns; one per loaded plugin.
struct PluginState {
  mosquitto_plugin_id_t* id = nullptr;
  MosquittoBroker broker;
  std::unique_ptr<cli::Logger> logger;
  std::unique_ptr<InBrokerService> service;
};

std::string Sha256Hex(X509* certificate) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (X509_digest(certificate, EVP_sha256(), digest, &length) != 1) return {};
  std::string out;
  char byte[3];
  for (unsigned int i = 0; i < length; ++i) {
    std::snprintf(byte, sizeof byte, "%02x", digest[i]);
    out += byte;
  }
  return out;
}

std::string CommonName(X509* certificate) {
  X509_NAME* subject = X509_get_subject_name(certificate);
  if (subject == nullptr) return {};
  char cn[256];
  const int n = X509_NAME_get_text_by_NID(subject, NID_commonName, cn, sizeof cn);
  return n > 0 ? std::string(cn, static_cast<std::size_t>(n)) : std::string();
}

const char* OrEmpty(const char* text) { return text != nullptr ? text : ""; }

void LogException(const char* where, const std::exception* e) {
  mosquitto_log_printf(MOSQ_LOG_ERR, "shadowsync: error: %s: %s", where,
                       e != nullptr ? e->what() : "unknown exception");
}

int OnBasicAuth(int, void* event_data, void* userdata) {
  auto* state = static_cast<PluginState*>(userdata);
  auto* event = static_cast<mosquitto_evt_basic_auth*>(event_data);
  try {
    ConnectionInfo info;
    info.handle = event->client;
    info.client_id = OrEmpty(mosquitto_client_id(event->client));
    info.username = OrEmpty(event->username);
    info.password = OrEmpty(event->password);
    info.ip_address = OrEmpty(mosquitto_client_address(event->client));
    if (auto* certificate = static_cast<X509*>(mosquitto_client_certificate(event->client))) {
      info.certificate_common_name = CommonName(certificate);
      info.certificate_sha256 = Sha256Hex(certificate);
      X509_free(certificate);
    }
    switch (state->service->OnConnect(info)) {
      case Verdict::kAllow:
        return MOSQ_ERR_SUCCESS;
      case Verdict::kDeny:
        return MOSQ_ERR_AUTH;
      case Verdict::kDefer:
        return MOSQ_ERR_PLUGIN_DEFER;
    }
  } catch (const std::exception& e) {
    LogException("connect", &e);
  } catch (...) {
    LogException("connect", nullptr);
  }
  return state->service->has_registry() ? MOSQ_ERR_AUTH : MOSQ_ERR_PLUGIN_DEFER;
}

int OnDisconnect(int, void* event_data, void* userdata) {
  auto* state = static_cast<PluginState*>(userdata);
  auto* event = static_cast<mosquitto_evt_disconnect*>(event_data);
  try {
    state->service->OnDisconnect(event->client);
  } catch (const std::exception& e) {
    LogException("disconnect", &e);
  } catch (...) {
    LogException("disconnect", nullptr);
  }
  return MOSQ_ERR_SUCCESS;
}

int OnAclCheck(int, void* event_data, void* userdata) {
  auto* state = static_cast<PluginState*>(userdata);
  auto* event = static_cast<mosquitto_evt_acl_check*>(event_data);
  try {
    Access access = Access::kRead;
    switch (event->access) {
      case MOSQ_ACL_READ:
        access = Access::kRead;
        break;
      case MOSQ_ACL_WRITE:
        access = Access::kWrite;
        break;
      case MOSQ_ACL_SUBSCRIBE:
        access = Access::kSubscribe;
        break;
      case MOSQ_ACL_UNSUBSCRIBE:
        access = Access::kUnsubscribe;
        break;
      default:
        return MOSQ_ERR_ACL_DENIED;
    }
    switch (state->service->OnAccess(event->client, access, OrEmpty(event->topic), event->retain)) {
      case Verdict::kAllow:
        return MOSQ_ERR_SUCCESS;
      case Verdict::kDeny:
        return MOSQ_ERR_ACL_DENIED;
      case Verdict::kDefer:
        return MOSQ_ERR_PLUGIN_DEFER;
    }
  } catch (const std::exception& e) {
    LogException("access check", &e);
  } catch (...) {
    LogException("access check", nullptr);
  }
  return MOSQ_ERR_ACL_DENIED;
}

int OnMessage(int, void* event_data, void* userdata) {
  auto* state = static_cast<PluginState*>(userdata);
  auto* event = static_cast<mosquitto_evt_message*>(event_data);
  try {
    state->service->OnMessage(
        event->client, OrEmpty(mosquitto_client_id(event->client)), OrEmpty(event->topic),
        std::string_view(static_cast<const char*>(event->payload), event->payloadlen));
  } catch (const std::exception& e) {
    LogException("message", &e);
  } catch (...) {
    LogException("message", nullptr);
  }
  // Always SUCCESS: the request reaches its subscribers, as on AWS, and any
  // other code would disconnect the client.
  return MOSQ_ERR_SUCCESS;
}

int OnTick(int, void*, void* userdata) {
  auto* state = static_cast<PluginState*>(userdata);
  try {
    state->service->OnTick();
  } catch (const std::exception& e) {
    LogException("tick", &e);
  } catch (...) {
    LogException("tick", nullptr);
  }
  return MOSQ_ERR_SUCCESS;
}

struct Registration {
  int event;
  MOSQ_FUNC_generic_callback callback;
};

std::vector<Registration> Registrations(const PluginState& state) {
  std::vector<Registration> out = {{MOSQ_EVT_BASIC_AUTH, OnBasicAuth},
                                   {MOSQ_EVT_DISCONNECT, OnDisconnect},
                                   {MOSQ_EVT_MESSAGE, OnMessage},
                                   {MOSQ_EVT_TICK, OnTick}};
  // Without a registry there is no ACL callback at all: mosquitto denies
  // everything when every ACL callback defers.
  if (state.service->has_registry()) out.push_back({MOSQ_EVT_ACL_CHECK, OnAclCheck});
  return out;
}

}  // namespace
}  // namespace shadowsync::mosquitto_plugin

using shadowsync::mosquitto_plugin::PluginState;

extern "C" {

__attribute__((visibility("default"))) int mosquitto_plugin_version(int supported_version_count,
                                                                    const int* supported_versions) {
  for (int i = 0; i < supported_version_count; ++i) {
    if (supported_versions[i] == 5) return 5;
  }
  return -1;
}

__attribute__((visibility("default"))) int mosquitto_plugin_init(mosquitto_plugin_id_t* identifier,
                                                                 void** userdata,
                                                                 struct mosquitto_opt* opts,
                                                                 int opt_count) {
  namespace mp = shadowsync::mosquitto_plugin;
  namespace cli = shadowsync::cli;
  try {
    std::vector<std::pair<std::string, std::string>> options;
    for (int i = 0; i < opt_count; ++i) {
      options.emplace_back(mp::OrEmpty(opts[i].key), mp::OrEmpty(opts[i].value));
    }
    shadowsync::Result<mp::PluginOptions> parsed = mp::ParsePluginOptions(options);
    if (!parsed.ok()) {
      mosquitto_log_printf(MOSQ_LOG_ERR, "shadowsync: error: %s",
                           parsed.status().message().c_str());
      return MOSQ_ERR_INVAL;
    }
    auto state = std::make_unique<PluginState>();
    state->id = identifier;
    state->logger = std::make_unique<cli::Logger>(
        parsed->log_level,
        [](cli::LogLevel level, const std::string& line) {
          mosquitto_log_printf(mp::MosquittoLogLevel(level), "%s", line.c_str());
        },
        "shadowsync");
    shadowsync::Result<std::unique_ptr<mp::InBrokerService>> service =
        mp::InBrokerService::Create(std::move(parsed).value(), state->broker, *state->logger);
    if (!service.ok()) {
      mosquitto_log_printf(MOSQ_LOG_ERR, "shadowsync: error: %s",
                           service.status().message().c_str());
      return MOSQ_ERR_INVAL;
    }
    state->service = std::move(service).value();
    for (const mp::Registration& r : mp::Registrations(*state)) {
      const int rc =
          mosquitto_callback_register(identifier, r.event, r.callback, nullptr, state.get());
      if (rc != MOSQ_ERR_SUCCESS) {
        mosquitto_log_printf(MOSQ_LOG_ERR, "shadowsync: error: registering callback %d: %s",
                             r.event, mosquitto_strerror(rc));
        return rc;
      }
    }
    *userdata = state.release();
    return MOSQ_ERR_SUCCESS;
  } catch (const std::exception& e) {
    mp::LogException("init", &e);
  } catch (...) {
    mp::LogException("init", nullptr);
  }
  return MOSQ_ERR_UNKNOWN;
}

__attribute__((visibility("default"))) int mosquitto_plugin_cleanup(void* userdata,
                                                                    struct mosquitto_opt*, int) {
  namespace mp = shadowsync::mosquitto_plugin;
  std::unique_ptr<PluginState> state(static_cast<PluginState*>(userdata));
  if (!state) return MOSQ_ERR_SUCCESS;
  try {
    for (const mp::Registration& r : mp::Registrations(*state)) {
      mosquitto_callback_unregister(state->id, r.event, r.callback, nullptr);
    }
    state->service->Stop();
  } catch (const std::exception& e) {
    mp::LogException("cleanup", &e);
  } catch (...) {
    mp::LogException("cleanup", nullptr);
  }
  return MOSQ_ERR_SUCCESS;
}

}  // extern "C"
