// SPDX-License-Identifier: Apache-2.0
//
// The service hosts log with the log every program shares (cli/log.h); this
// header gives its names to the host core's namespace. The emulator writes
// to stderr; the plugin hands its lines to mosquitto's log through a sink.
//
// Thread safety: see cli/log.h.

#ifndef SHADOWSYNC_SERVICE_CORE_HOST_LOG_H_
#define SHADOWSYNC_SERVICE_CORE_HOST_LOG_H_

#include "cli/log.h"

namespace shadowsync::host {

using cli::Logger;
using cli::LogLevel;
using cli::LogLevelName;
using cli::LogSink;
using cli::ParseLogLevel;
using cli::Printable;
using cli::WriteToStderr;

}  // namespace shadowsync::host

#endif  // SHADOWSYNC_SERVICE_CORE_HOST_LOG_H_
