#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# Builds main.cc next to this script with nothing but
#   $CXX $CXXFLAGS main.cc $(pkg-config --cflags --libs shadowsync) $LDFLAGS
# against the shadowsync.pc in PC_DIR, then runs it. Used by the ctest
# package.pkgconfig_consumer (a staged cmake --install) and by
# tests/package/check_debs.sh (the unpacked libshadowsync-dev).
#
# Usage: build_and_run.sh PC_DIR OUT_DIR [CXX [CXXFLAGS [LDFLAGS]]]
set -euo pipefail

if [[ $# -lt 2 ]]; then
  echo "usage: $0 PC_DIR OUT_DIR [CXX [CXXFLAGS [LDFLAGS]]]" >&2
  exit 2
fi
pc_dir=$1
out_dir=$2
cxx=${3:-c++}
cxxflags=${4:-}
ldflags=${5:-}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

[[ -f $pc_dir/shadowsync.pc ]] || { echo "no shadowsync.pc in $pc_dir" >&2; exit 1; }
# Only this directory and the system's: an installed shadowsync.pc elsewhere
# must not stand in for the one under test.
export PKG_CONFIG_PATH=$pc_dir
flags=$(pkg-config --cflags --libs shadowsync)
echo "pkg-config --cflags --libs shadowsync: $flags"
# The .pc is relocatable: its include directory is the one next to it, not
# the prefix it was built for.
includedir=$(pkg-config --variable=includedir shadowsync)
if [[ ! -f $includedir/shadowsync/client.h ]]; then
  echo "shadowsync.pc's includedir $includedir has no shadowsync/client.h" >&2
  exit 1
fi

mkdir -p "$out_dir"
# shellcheck disable=SC2086  # word splitting of the flag lists is intended
"$cxx" -std=c++17 -Wall -Wextra -Wpedantic -Werror $cxxflags \
  "$here/main.cc" -o "$out_dir/pkgconfig_consumer" $flags $ldflags
"$out_dir/pkgconfig_consumer"
