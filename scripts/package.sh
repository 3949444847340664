#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# Builds the Debian packages (CPack, cmake/ShadowsyncPackaging.cmake):
#   libshadowsync-dev   headers, static libraries, CMake package, shadowsync.pc
#   shadowsync-agent    the agent, its systemd unit, /etc/shadowsync/agent.json
#   shadowsync-tools    shadowctl, shadowsync-emulator, the mosquitto plugin
# Installs the dependencies, configures a Release build for prefix /usr with
# Debian's hardening flags in its own directory, builds it and runs cpack.
# Prints the path of each .deb on the last lines of its output.
#
# Usage: scripts/package.sh [--with-tests] [BUILD_DIR [CMAKE_ARG...]]
#   --with-tests  also build the tests, examples and benchmarks, with -Werror,
#                 in the same tree: scripts/test.sh runs its GCC tests on the
#                 very binaries it packages, so that CI compiles once.
#   BUILD_DIR     default build-package/
#   CMAKE_ARG     more -D options for the configuration, after the script's
#                 own (scripts/test.sh gives SHADOWSYNC_TEST_COMPILE_OPTIONS)
# Environment: SHADOWSYNC_JOBS (build parallelism, default 2).
# Then, as root: apt install ./build-package/packages/shadowsync-agent_*.deb
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

with_tests=OFF
if [[ ${1:-} == --with-tests ]]; then
  with_tests=ON
  shift
fi
build_dir=${1:-build-package}
shift || true
extra_cmake_args=("$@")
jobs=${SHADOWSYNC_JOBS:-2}
out_dir="$build_dir/packages"

scripts/install-deps.sh

# Debian's flags for packages (-O2, -fstack-protector-strong,
# -D_FORTIFY_SOURCE=2, -Wl,-z,relro,-z,now), which lintian checks for;
# without -g: there is no -dbgsym package to put the debug information in,
# and the static libraries of libshadowsync-dev would carry it (lintian's
# unstripped-static-library).
export DEB_BUILD_MAINT_OPTIONS=hardening=+all
export DEB_CXXFLAGS_MAINT_STRIP=-g
cxxflags="$(dpkg-buildflags --get CPPFLAGS) $(dpkg-buildflags --get CXXFLAGS)"
ldflags=$(dpkg-buildflags --get LDFLAGS)

# Release: CMake appends -O3 -DNDEBUG. -Werror stays off: a newer compiler's
# new warning should not stop a package build (scripts/test.sh builds with
# -Werror, through --with-tests). Without --with-tests: no tests, examples or
# benchmarks, only what the packages hold (cpack takes only the packages'
# install components either way).
cmake -S . -B "$build_dir" \
  -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_INSTALL_PREFIX=/usr \
  -DCMAKE_CXX_FLAGS="$cxxflags" \
  -DCMAKE_EXE_LINKER_FLAGS="$ldflags" \
  -DCMAKE_SHARED_LINKER_FLAGS="$ldflags" \
  -DCMAKE_MODULE_LINKER_FLAGS="$ldflags" \
  -DCMAKE_STRIP="$root/packaging/deb/strip" \
  -DSHADOWSYNC_WERROR="$with_tests" \
  -DSHADOWSYNC_BUILD_TESTS="$with_tests" \
  -DSHADOWSYNC_BUILD_EXAMPLES="$with_tests" \
  -DSHADOWSYNC_BUILD_BENCHMARKS="$with_tests" \
  -DSHADOWSYNC_BUILD_FUZZERS=OFF \
  -DSHADOWSYNC_INSTALL=ON \
  "${extra_cmake_args[@]}"
cmake --build "$build_dir" -j"$jobs"

rm -rf "$out_dir"
(cd "$build_dir" && cpack -G DEB -B "$PWD/packages")

shopt -s nullglob
debs=("$out_dir"/*.deb)
if [[ ${#debs[@]} -eq 0 ]]; then
  echo "package.sh: cpack made no .deb in $out_dir" >&2
  exit 1
fi
echo "package.sh: built ${#debs[@]} packages:"
for deb in "${debs[@]}"; do
  echo "$(cd "$(dirname "$deb")" && pwd)/$(basename "$deb")"
done
