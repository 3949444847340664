#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""The console with 1,000 things (docs/performance.md): a measurement, not a
test (ctest does not run it).

Starts mosquitto with the plugin and the gateway's console on free loopback
ports; a publisher (plain MQTT over a socket, no client library) reports
for N things, each every P seconds, spread evenly; then in headless
Chromium it measures
  - the time from navigation to the things page showing all N rows,
  - the time from a report's publish to its row showing the new value
    (a MutationObserver in the page stamps each change; same clock),
  - the gateway's CPU (utime+stime over the window) and RSS.

  console_perf.py --gateway G --plugin P [--things 1000] [--period 10] [--seconds 60]
"""

import argparse
import json
import os
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from console_browser_test import Stack, free_port, make_browser, wait_for  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402


def remaining_length(n):
    out = bytearray()
    while True:
        byte = n % 128
        n //= 128
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def mqtt_connect(port, client_id):
    sock = socket.create_connection(("127.0.0.1", port))
    cid = client_id.encode()
    body = b"\x00\x04MQTT\x04\x02\x00\x3c" + struct.pack("!H", len(cid)) + cid
    sock.sendall(b"\x10" + remaining_length(len(body)) + body)
    assert sock.recv(4)[:2] == b"\x20\x02"
    # Drain whatever the broker sends (nothing: no subscriptions).
    return sock


def mqtt_publish(sock, topic, payload):
    t = topic.encode()
    body = struct.pack("!H", len(t)) + t + payload.encode()
    sock.sendall(b"\x30" + remaining_length(len(body)) + body)


class Reporter(threading.Thread):
    """Each thing reports {"greenhouse":{"temperature_c":v},"seq":n} every
    `period` seconds; records the publish time of each (thing, seq)."""

    def __init__(self, port, things, period):
        super().__init__(daemon=True)
        self.sock = mqtt_connect(port, "perf-reporter")
        self.things, self.period = things, period
        self.sent = {}  # (thing, seq) -> ms
        self.stop = False

    def run(self):
        seq = 0
        start = time.time()
        while not self.stop:
            seq += 1
            for i in range(self.things):
                if self.stop:
                    return
                due = start + (seq - 1) * self.period + i * self.period / self.things
                delay = due - time.time()
                if delay > 0:
                    time.sleep(delay)
                thing = "perf-%04d" % i
                payload = json.dumps({"state": {"reported": {
                    "greenhouse": {"temperature_c": 20 + (seq % 10) + i / 10000.0},
                    "seq": seq}}})
                self.sent[(thing, seq)] = time.time() * 1000
                mqtt_publish(self.sock, "$aws/things/%s/shadow/update" % thing, payload)


def cpu_seconds(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024.0
    return 0.0


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--gateway", required=True)
    parser.add_argument("--plugin", required=True)
    parser.add_argument("--things", type=int, default=1000)
    parser.add_argument("--period", type=float, default=10)
    parser.add_argument("--seconds", type=float, default=60)
    args = parser.parse_args()
    args.agent = "/bin/true"  # Stack starts an agent: none here
    work = tempfile.mkdtemp(prefix="shadowsync-console-perf-")
    stack = Stack(args, work)
    gateway = stack.process("gateway")
    reporter = Reporter(stack.mqtt_port, args.things, args.period)
    reporter.start()
    browser = make_browser()
    try:
        # Every thing reported once, so the list is complete.
        time.sleep(args.period + 1)
        t0 = time.time()
        with urllib.request.urlopen(stack.url + "api/things", timeout=30) as response:
            size = len(response.read())
        api_s = time.time() - t0
        t0 = time.time()
        browser.get(stack.url + "#/things")
        WebDriverWait(browser, 60).until(lambda b: b.execute_script(
            "return document.querySelectorAll('#things-body tr').length") >= args.things)
        first_render = time.time() - t0
        # Stamp each row change with the page's clock.
        browser.execute_script("""
          window.__seen = [];
          new MutationObserver(records => {
            const now = Date.now();
            for (const r of records) {
              const row = r.target.closest && r.target.closest('tr');
              if (!row || r.type !== 'childList') continue;
              const reading = row.querySelector('.reading');
              window.__seen.push([row.dataset.thing, now, reading ? reading.textContent : '']);
            }
          }).observe(document.getElementById('things-body'), {childList: true, subtree: true});
        """)
        cpu0, wall0 = cpu_seconds(gateway.pid), time.time()
        mark = time.time() * 1000
        time.sleep(args.seconds)
        cpu = (cpu_seconds(gateway.pid) - cpu0) / (time.time() - wall0)
        rss = rss_mib(gateway.pid)
        seen = browser.execute_script("return window.__seen")
        # First change of each row after each publish (the row changes once
        # per report: seq advances).
        by_thing = {}
        for thing, ms, _ in seen:
            by_thing.setdefault(thing, []).append(ms)
        latencies = []
        for (thing, seq), sent in list(reporter.sent.items()):
            if sent < mark:
                continue
            after = [ms for ms in by_thing.get(thing, []) if ms >= sent]
            if after:
                latencies.append(min(after) - sent)
        latencies.sort()
        p = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))]
        print(json.dumps({
            "things": args.things, "period_s": args.period, "window_s": args.seconds,
            "first_render_s": round(first_render, 3),
            "api_things_s": round(api_s, 3), "api_things_bytes": size,
            "report_to_screen_ms": {"n": len(latencies), "p50": round(p(0.5), 1),
                                    "p95": round(p(0.95), 1), "max": round(latencies[-1], 1)},
            "gateway_cpu_percent_of_a_core": round(100 * cpu, 2),
            "gateway_rss_mib": round(rss, 1)}, indent=2))
    finally:
        reporter.stop = True
        browser.quit()
        stack.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
