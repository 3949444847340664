#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# Installs the Debian 12 packages shadowsync needs to build, test and run.
# Idempotent: when every package is already installed it exits at once,
# without calling apt. Runs apt-get as root, or through sudo otherwise.
#
# Usage: scripts/install-deps.sh [--check]
#   --check   only report what is missing; exit 1 if anything is.
set -euo pipefail

# The one list of packages. Add new ones here, one per line, with the reason.
PACKAGES=(
  build-essential     # GCC 12 / g++ and make: the main compiler of the project
  cmake               # build system (>= 3.25; bookworm has 3.25.1)
  ccache              # scripts/test.sh: compiled objects kept between runs on one machine
  pkg-config          # dependency discovery for packages without CMake configs
  git                 # the tests and tools expect a git checkout
  libcli11-dev        # CLI11: the command line of every program (cli/); header-only, build only
  rapidjson-dev       # JSON: the document currency of the library and its public API
  googletest          # GoogleTest/GoogleMock sources (CMake config of the -dev packages)
  libgtest-dev        # GoogleTest: unit tests and the conformance runner
  libgmock-dev        # GoogleMock: mock transports in tests
  libbenchmark-dev    # Google Benchmark: tests/bench
  nlohmann-json3-dev  # benchmark baseline only (merge_patch); never linked by the library
  clang               # Clang 14: the second compiler of the suite, ASan/UBSan, libFuzzer
  libclang-rt-14-dev  # Clang runtimes: sanitizers and libFuzzer (-fsanitize=fuzzer)
  libssl-dev          # OpenSSL 3: mutual TLS under the Paho transport
  libpaho-mqtt-dev    # Eclipse Paho MQTT C 1.3 (built with SSL): under Paho C++
  libpaho-mqttpp-dev  # Eclipse Paho MQTT C++ 1.2: the Transport implementation
  libsqlite3-dev      # SQLite 3: the emulator's durable store (--store)
  libpq-dev           # libpq: the rules engine's PostgreSQL table backend (rules_table_store postgresql://...)
  postgresql          # PostgreSQL 15 server: tests start a private one (initdb, pg_ctl) for the table backend
  mosquitto           # MQTT broker: integration tests start it on free loopback ports
  mosquitto-clients   # mosquitto_pub / mosquitto_sub: fixture self-tests and docs
  faketime            # libfaketime: shadowsync-chaos steps a device's wall clock (tests/chaos)
  mosquitto-dev       # mosquitto_broker.h / mosquitto_plugin.h: the broker plugin
  libmosquitto-dev    # mosquitto.h / mqtt_protocol.h (MOSQ_ERR_*): the broker plugin
  openssl             # the openssl CLI: test certificates are generated at test time
  dpkg-dev            # dpkg-shlibdeps and dpkg-buildflags: scripts/package.sh (CPack .deb)
  file                # CPack's DEB generator finds the ELF files for dpkg-shlibdeps with it
  lintian             # Debian's package checker: tests/package/check_debs.sh
  libboost-dev        # Boost.Beast/Asio (header-only): shadowsync-gateway's HTTPS server
  libcurl4-openssl-dev # libcurl: the library's ShadowRestClient, and tests/gateway's HTTPS client
  python3-botocore    # tests/aws: an independent SigV4 signer that ours must agree with byte for byte
  libjs-dygraphs      # the console's history plot (docs/console.md), served by the gateway from /usr/share/javascript
  chromium            # tests/console: the console's browser tests run in headless Chromium
  chromium-driver     # tests/console: WebDriver for Chromium
  python3-selenium    # tests/console: the WebDriver client of the browser tests
)

check_only=0
case "${1:-}" in
  --check) check_only=1 ;;
  "") ;;
  *) echo "usage: $0 [--check]" >&2; exit 2 ;;
esac

# Prints the packages that are not fully installed. One dpkg-query call for
# the whole list keeps the no-op path fast; unknown packages print nothing,
# so anything not reported as "ii" counts as missing.
missing_packages() {
  local installed
  installed=$(dpkg-query -W -f='${Package} ${db:Status-Abbrev}\n' "${PACKAGES[@]}" 2>/dev/null |
              awk '$2 == "ii" { print $1 }') || true
  local p
  for p in "${PACKAGES[@]}"; do
    if ! grep -qxF -- "$p" <<<"$installed"; then
      echo "$p"
    fi
  done
}

if ! command -v dpkg-query >/dev/null 2>&1; then
  echo "install-deps: dpkg-query not found; this script is for Debian 12 (bookworm)." >&2
  exit 1
fi

mapfile -t missing < <(missing_packages)
if [[ ${#missing[@]} -eq 0 ]]; then
  echo "install-deps: all ${#PACKAGES[@]} packages present."
  exit 0
fi

echo "install-deps: missing: ${missing[*]}"
if [[ $check_only -eq 1 ]]; then
  exit 1
fi

if [[ $(id -u) -eq 0 ]]; then
  as_root=()
elif command -v sudo >/dev/null 2>&1; then
  as_root=(sudo)
else
  echo "install-deps: not root and no sudo; install as root: apt-get install ${missing[*]}" >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive \
  apt-get install -y --no-install-recommends "${missing[@]}"

mapfile -t still_missing < <(missing_packages)
if [[ ${#still_missing[@]} -ne 0 ]]; then
  echo "install-deps: still missing after apt-get install: ${still_missing[*]}" >&2
  exit 1
fi
echo "install-deps: installed ${missing[*]}"
