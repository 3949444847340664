// SPDX-License-Identifier: Apache-2.0

#include "sensors/sensor.h"

namespace shadowsync::agent {

// Out of line so the vtable has one home (this library).
Sensor::~Sensor() = default;

}  // namespace shadowsync::agent
