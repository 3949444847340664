// SPDX-License-Identifier: Apache-2.0
// Placeholder so the sensors library has a source until the first sensor lands.
namespace shadowsync::agent {}
