#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# One command to see the shadowsync console (docs/console.md) with live
# data: builds what it needs, then starts, on this machine only,
#   - mosquitto with the shadowsync plugin (examples/mosquitto/local.conf,
#     on a free loopback port unless SHADOWSYNC_MQTT_PORT is set),
#   - shadowsync-gateway serving the console (plain HTTP on 127.0.0.1),
#     with the history of the readings in the work directory,
#   - shadowsync-agent as thing "greenhouse-1", reporting this machine's
#     load and memory and a simulated greenhouse every 2 s,
# and prints the URL to open. Ctrl-C stops all three.
#
# Usage: scripts/console.sh
# Environment: SHADOWSYNC_CONSOLE_PORT (default 8080), SHADOWSYNC_MQTT_PORT
# (default: a free port), SHADOWSYNC_BUILD_DIR (default build),
# SHADOWSYNC_JOBS (default 2), SHADOWSYNC_CONSOLE_DIR (the work directory;
# default a new one under /tmp; the history survives a restart there).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

build_dir=${SHADOWSYNC_BUILD_DIR:-build}
jobs=${SHADOWSYNC_JOBS:-2}
console_port=${SHADOWSYNC_CONSOLE_PORT:-8080}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
mqtt_port=${SHADOWSYNC_MQTT_PORT:-$(free_port)}

scripts/install-deps.sh
cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build_dir" -j"$jobs" \
  --target shadowsync-gateway shadowsync_mosquitto shadowsync-agent

work=${SHADOWSYNC_CONSOLE_DIR:-$(mktemp -d /tmp/shadowsync-console.XXXXXX)}
mkdir -p "$work"
pids=()
stop() {
  local pid
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap stop EXIT
trap 'exit 0' INT TERM

# The docs' local configuration, with this build's plugin, a store in the
# work directory and the chosen port (docs/broker-plugin.md).
sed -e "s|^plugin .*|plugin $root/$build_dir/service/mosquitto/shadowsync_mosquitto.so|" \
    -e "s|^plugin_opt_store .*|plugin_opt_store $work/shadows.db|" \
    -e "s|^listener 1883 |listener $mqtt_port |" \
    examples/mosquitto/local.conf > "$work/mosquitto.conf"
if [[ $(id -u) -eq 0 ]]; then echo "user root" >> "$work/mosquitto.conf"; fi
mosquitto -c "$work/mosquitto.conf" > "$work/mosquitto.log" 2>&1 &
pids+=($!)
broker=tcp://127.0.0.1:$mqtt_port
for _ in $(seq 100); do
  if (exec 3<>"/dev/tcp/127.0.0.1/$mqtt_port") 2>/dev/null; then break; fi
  sleep 0.1
done

"$build_dir/service/gateway/shadowsync-gateway" --broker "$broker" --no-mtls \
  --console-port "$console_port" --history "$work/history.db" \
  > "$work/gateway.log" 2>&1 &
pids+=($!)
# The console is subscribed once it logs its URL; the agent starts after,
# so that the console sees its connection (the thing shows as connected).
for _ in $(seq 100); do
  if grep -q "console: http" "$work/gateway.log"; then break; fi
  if ! kill -0 "${pids[1]}" 2>/dev/null; then
    echo "shadowsync-gateway did not start:" >&2
    cat "$work/gateway.log" >&2
    exit 1
  fi
  sleep 0.1
done

cat > "$work/agent.json" <<JSON
{
  "connection": {"endpoint": "$broker", "thing_name": "greenhouse-1"},
  "reporting": {"interval_seconds": 2, "thresholds": {"system/*": {"min_change": 0.05}}},
  "log_level": "info",
  "sensors": [
    {"type": "system", "name": "system", "mounts": ["/"]},
    {"type": "simulated", "name": "greenhouse", "signals": {
      "temperature_c": {"waveform": "sine", "period_s": 120, "amplitude": 3, "offset": 21},
      "humidity_pct": {"waveform": "random_walk", "start": 55, "step": 1, "min": 40, "max": 70, "seed": 7}
    }}
  ]
}
JSON
"$build_dir/agent/shadowsync-agent" --config "$work/agent.json" > "$work/agent.log" 2>&1 &
pids+=($!)

url=http://127.0.0.1:$console_port/
cat <<TEXT

shadowsync console: $url
  live shadow:  ${url}#/things/greenhouse-1/shadow
  broker:       $broker (mosquitto with the shadowsync plugin)
  logs:         $work/{mosquitto,gateway,agent}.log
Ctrl-C stops mosquitto, the gateway and the agent.
TEXT
wait
