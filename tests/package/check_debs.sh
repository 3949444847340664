#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# Checks the Debian packages that scripts/package.sh builds:
#   1. lintian on each .deb: no tag at all (error, warning, info, pedantic,
#      experimental) except the ones the package overrides, each with its
#      reason, in /usr/share/lintian/overrides/<package>
#      (packaging/deb/*/lintian-overrides); then apt-get install --simulate;
#   2. each package unpacked alone with dpkg-deb -x into a scratch root:
#      its contents listed, each program in usr/bin run from there with
#      --version, the agent's unit and conffile checked, the mosquitto plugin
#      loaded by a mosquitto started from the packaged example configuration;
#   3. libshadowsync-dev: a consumer built with
#      `pkg-config --cflags --libs shadowsync` (tests/package/pkgconfig_consumer)
#      and one with find_package(shadowsync) (tests/package/consumer), both
#      against the unpacked package only, then run.
#
# Usage: tests/package/check_debs.sh DEB_DIR [WORK_DIR]
#   DEB_DIR   the directory with the .deb files (build-package/packages)
#   WORK_DIR  scratch directory, emptied first (default: a new mktemp -d,
#             removed at the end)
# Needs lintian, dpkg-dev, pkg-config, g++, cmake, googletest and mosquitto
# (scripts/install-deps.sh). Exits non-zero on the first failure.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
if [[ $# -lt 1 || $# -gt 2 ]]; then
  echo "usage: $0 DEB_DIR [WORK_DIR]" >&2
  exit 2
fi
deb_dir=$(cd "$1" && pwd)
if [[ $# -eq 2 ]]; then
  work=$2
  rm -rf "$work"
  mkdir -p "$work"
  work=$(cd "$work" && pwd)
else
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
fi

fail() {
  echo "check_debs: FAIL: $*" >&2
  exit 1
}

shopt -s nullglob
debs=("$deb_dir"/*.deb)
[[ ${#debs[@]} -gt 0 ]] || fail "no .deb in $deb_dir"

# deb_of PACKAGE: the one .deb of that package in DEB_DIR.
deb_of() {
  local matches=("$deb_dir/$1"_*.deb)
  [[ ${#matches[@]} -eq 1 ]] || fail "expected one $1_*.deb in $deb_dir, found ${#matches[@]}"
  echo "${matches[0]}"
}
dev_deb=$(deb_of libshadowsync-dev)
agent_deb=$(deb_of shadowsync-agent)
tools_deb=$(deb_of shadowsync-tools)
version=$(dpkg-deb -f "$agent_deb" Version)

# 1. lintian --------------------------------------------------------------------
echo "==> lintian"
lintian_log="$work/lintian.log"
# Every level counts (--fail-on); overridden tags do not. A second run lists
# the overrides with their reasons, so that the log shows what was accepted
# and why (--show-overrides makes lintian 2.116 exit 2 whenever an override
# applies, so it cannot gate).
lintian_flags=(--display-info --pedantic --display-experimental)
if ! lintian --fail-on error,warning,info,pedantic,experimental "${lintian_flags[@]}" \
     "${debs[@]}" >"$lintian_log" 2>&1; then
  cat "$lintian_log"
  fail "lintian reported tags (above) that no override explains"
fi
cat "$lintian_log"
if grep -q '^[EWIPX]: ' "$lintian_log"; then
  fail "lintian printed tags that are not overridden"
fi
lintian "${lintian_flags[@]}" --show-overrides "${debs[@]}" 2>&1 | grep -E '^(O|N): ' || true
echo "lintian: clean; the O: lines above are the overrides, each after its reason (N:)"

# Installable: apt resolves every Depends (dpkg-shlibdeps' and ours) on
# this Debian release. A simulation: nothing is installed.
echo "==> apt-get install --simulate"
apt_log="$work/apt.log"
if ! apt-get install --simulate -q "${debs[@]}" >"$apt_log" 2>&1; then
  cat "$apt_log"
  fail "apt cannot install the packages"
fi
grep -E '^(Inst|Conf) ' "$apt_log" | sed 's/^/  /'

# 2. Each package alone, unpacked -------------------------------------------------
unpack() {  # unpack DEB: prints the scratch root
  local name
  name=$(dpkg-deb -f "$1" Package)
  local dir="$work/root-$name"
  mkdir -p "$dir"
  dpkg-deb -x "$1" "$dir"
  echo "$dir"
}

for deb in "${debs[@]}"; do
  echo "==> $(basename "$deb")"
  dpkg-deb -f "$deb" Package Version Architecture Depends Suggests Section
  dpkg-deb -c "$deb" | awk '{ print "  " $1 " " $6 }'
done

# run_version ROOT PROGRAM: runs ROOT/usr/bin/PROGRAM --version, which must
# print "PROGRAM VERSION".
run_version() {
  local program=$1/usr/bin/$2
  [[ -x $program ]] || fail "$2 is not in the package (usr/bin)"
  local out
  out=$("$program" --version) || fail "$2 --version exited with $?"
  echo "  $2 --version: $out"
  [[ $out == "$2 $version"* ]] || fail "$2 --version printed '$out', not '$2 $version'"
}

echo "==> shadowsync-agent from its unpacked package"
agent_root=$(unpack "$agent_deb")
run_version "$agent_root" shadowsync-agent
unit="$agent_root/usr/lib/systemd/system/shadowsync-agent.service"
[[ -f $unit ]] || fail "no systemd unit at usr/lib/systemd/system/shadowsync-agent.service"
grep -qx 'ExecStart=/usr/bin/shadowsync-agent --config /etc/shadowsync/agent.json' "$unit" ||
  fail "the unit's ExecStart= is not /usr/bin/shadowsync-agent: $(grep ExecStart= "$unit")"
grep -qx 'User=shadowsync' "$unit" || fail "the unit does not run as User=shadowsync"
[[ -f $agent_root/etc/shadowsync/agent.json ]] || fail "no /etc/shadowsync/agent.json"
ctrl="$work/control-agent"
dpkg-deb -e "$agent_deb" "$ctrl"
grep -qx '/etc/shadowsync/agent.json' "$ctrl/conffiles" ||
  fail "/etc/shadowsync/agent.json is not a conffile"
grep -q 'adduser --system' "$ctrl/postinst" || fail "postinst creates no system user"
# The example parses as a configuration of this agent. --check-config also
# opens the TLS files, which an unconfigured device does not have yet, so
# only "a file that does not exist" may fail it, never the JSON.
check_rc=0
check_out=$("$agent_root/usr/bin/shadowsync-agent" --check-config \
            --config "$agent_root/etc/shadowsync/agent.json" 2>&1) || check_rc=$?
echo "  shadowsync-agent --check-config (exit $check_rc): ${check_out//$'\n'/ | }"
if [[ $check_rc -ne 0 ]] && ! grep -qi 'no such file' <<<"$check_out"; then
  fail "the packaged agent.json is not a valid configuration"
fi

echo "==> shadowsync-tools from its unpacked package"
tools_root=$(unpack "$tools_deb")
run_version "$tools_root" shadowctl
run_version "$tools_root" shadowsync-emulator
run_version "$tools_root" shadowsync-gateway
plugin=("$tools_root"/usr/lib/*/shadowsync/shadowsync_mosquitto.so)
[[ ${#plugin[@]} -eq 1 ]] || fail "no usr/lib/<arch>/shadowsync/shadowsync_mosquitto.so"
plugin=${plugin[0]}
example="$tools_root/usr/share/doc/shadowsync-tools/examples/shadowsync.conf"
[[ -f $example ]] || fail "no examples/shadowsync.conf"
# The example's plugin line names where the package puts the plugin.
grep -qx "plugin ${plugin#"$tools_root"}" "$example" ||
  fail "examples/shadowsync.conf does not load ${plugin#"$tools_root"}"
# A plugin has no --version: load it in mosquitto with the example, the
# plugin, store and listener moved into the scratch directory (a unix socket:
# no port to collide with).
if command -v mosquitto >/dev/null 2>&1; then
  mq="$work/mosquitto"
  mkdir -p "$mq"
  {
    if [[ $(id -u) -eq 0 ]]; then echo "user root"; fi
    sed -e "s|^plugin .*|plugin $plugin|" \
        -e "s|^plugin_opt_store .*|plugin_opt_store $mq/shadows.db|" \
        -e "s|^listener .*|listener 0 $mq/mosquitto.sock|" "$example"
  } >"$mq/mosquitto.conf"
  mosquitto -c "$mq/mosquitto.conf" >"$mq/log" 2>&1 &
  mq_pid=$!
  ready=0
  for _ in $(seq 50); do
    if grep -q 'shadowsync: info: shadow service ready' "$mq/log"; then
      ready=1
      break
    fi
    kill -0 "$mq_pid" 2>/dev/null || break
    sleep 0.1
  done
  kill "$mq_pid" 2>/dev/null || true
  wait "$mq_pid" 2>/dev/null || true
  sed 's/^/  mosquitto: /' "$mq/log"
  [[ $ready -eq 1 ]] || fail "mosquitto did not load the packaged plugin with the example"
else
  echo "  mosquitto not installed: plugin load not checked"
fi

echo "==> libshadowsync-dev from its unpacked package"
dev_root=$(unpack "$dev_deb")
pc_dir=("$dev_root"/usr/lib/*/pkgconfig)
[[ ${#pc_dir[@]} -eq 1 && -f ${pc_dir[0]}/shadowsync.pc ]] ||
  fail "no usr/lib/<arch>/pkgconfig/shadowsync.pc"
[[ $(PKG_CONFIG_PATH=${pc_dir[0]} pkg-config --variable=includedir shadowsync) -ef \
   $dev_root/usr/include ]] || fail "shadowsync.pc's includedir is not the unpacked usr/include"
"$root/tests/package/pkgconfig_consumer/build_and_run.sh" "${pc_dir[0]}" \
  "$work/pkgconfig_consumer" g++ || fail "the pkg-config consumer does not build or run"

# The CMake consumer of tests/package, against the package instead of a
# staged install.
ctest --build-and-test "$root/tests/package/consumer" "$work/cmake_consumer" \
  --build-generator "Unix Makefiles" \
  --build-project shadowsync_package_consumer \
  --build-options -DCMAKE_PREFIX_PATH="$dev_root/usr" -DCMAKE_BUILD_TYPE=Release \
  --test-command ctest --output-on-failure ||
  fail "the CMake consumer does not build or pass against the package"

echo "check_debs: all checks passed for ${#debs[@]} packages (version $version)"
