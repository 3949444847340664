#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# The README's first command: installs the dependencies, builds
# shadowsync-agent and runs it on its embedded default, `--demo`: the agent
# samples this machine (system, hwmon) and a simulated greenhouse, reports
# to an in-process shadow service (no broker, no AWS account), prints each
# report and delta as it travels, takes a configuration change from
# desired.agent halfway through and shows the final shadow. It stops by
# itself after 12 s, or on Ctrl-C.
#
# Usage: scripts/demo.sh [shadowsync-agent arguments...]
#   With arguments they are passed to the agent instead of --demo
#   (e.g. `scripts/demo.sh --demo --demo-seconds 30`, `scripts/demo.sh --help`).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

build_dir=${SHADOWSYNC_BUILD_DIR:-build}
jobs=${SHADOWSYNC_JOBS:-2}

scripts/install-deps.sh
# A tree scripts/test.sh already configured (Release, Debian's flags) is
# reused as it is, rather than reconfigured and rebuilt.
if [[ -f $build_dir/CMakeCache.txt ]]; then
  cmake -S . -B "$build_dir" >/dev/null
else
  cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
fi
cmake --build "$build_dir" --target shadowsync-agent -j"$jobs"

agent="$build_dir/agent/shadowsync-agent"
echo
if [[ $# -gt 0 ]]; then
  exec "$agent" "$@"
fi
echo "+ $agent --demo"
exec "$agent" --demo
