#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# Runs the fault-injection program for any number of faults (docs/reliability.md):
#   scripts/chaos.sh N [--mode plugin|emulator] [--seed S] [other shadowsync-chaos flags]
# Uses the GCC build of scripts/test.sh (SHADOWSYNC_BUILD_DIR, default build/) and
# builds shadowsync-chaos there first (with the lamp, the agent, the emulator and
# the plugin it runs). Without --seed the seed comes from the clock; it is the
# first thing printed, and the same seed gives the same fault sequence. The last
# line is "N passed, M failed"; on a failure the work dir with every log is kept.
set -euo pipefail

if [[ $# -lt 1 || $1 == -h || $1 == --help ]]; then
  sed -n '4,11p' "$0" | sed 's/^# \{0,1\}//'
  exit 2
fi
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
faults=$1
shift
build=${SHADOWSYNC_BUILD_DIR:-$root/build}
if [[ ! -f $build/CMakeCache.txt ]]; then
  echo "error: no CMake build in $build; configure one (README) or set SHADOWSYNC_BUILD_DIR" >&2
  exit 2
fi
cmake --build "$build" -j"${SHADOWSYNC_JOBS:-1}" --target shadowsync-chaos >/dev/null
exec "$build/tests/chaos/shadowsync-chaos" --faults "$faults" "$@"
