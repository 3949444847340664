#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# Set up and run: installs the dependencies, builds shadowsync-demo and runs
# it on examples/demo/ (a stored light bulb shadow and three updates), which
# prints what AWS IoT would publish: update/accepted, update/documents,
# update/delta, a rejection, and the final get/accepted.
#
# Usage: scripts/demo.sh [shadowsync-demo arguments...]
#   With arguments they are passed to the demo instead of the example files
#   (e.g. `scripts/demo.sh --help`, or no files at all: see --help).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

build_dir=${SHADOWSYNC_BUILD_DIR:-build}
jobs=${SHADOWSYNC_JOBS:-2}

scripts/install-deps.sh
cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build_dir" --target shadowsync-demo -j"$jobs"

demo="$build_dir/tools/demo/shadowsync-demo"
echo
if [[ $# -gt 0 ]]; then
  exec "$demo" "$@"
fi
shopt -s nullglob
updates=(examples/demo/update-*.json)
echo "+ $demo examples/demo/shadow.json ${updates[*]}"
exec "$demo" examples/demo/shadow.json "${updates[@]}"
