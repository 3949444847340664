#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Memory and CPU of shadowsync-agent as deployed (issue 5, "Performance").

Run by hand; not part of ctest. It starts its own mosquitto (plain MQTT on a
free 127.0.0.1 port) and shadowsync-emulator as the shadow service, writes an
agent configuration with 20 sensors (2 system, 1 hwmon, 7 file on temporary
files, 10 simulated), then:

  1. 1 Hz run: the agent at interval 1 s for --seconds (default 180),
     sampling /proc/<pid>/status (VmRSS, VmHWM) and /proc/<pid>/stat
     (utime + stime) once a second. Prints peak RSS, steady RSS (mean after
     --warmup seconds) and CPU as a percentage of one core over the steady
     part, and CPU time per report cycle.
  2. Growth run: the same agent at --fast-interval (default 0.001 s, as fast
     as it goes) until it has taken --cycles observations (default 100,000),
     counted from "General"/"Entry" in its local JSON-lines output. Prints
     RSS at 10k, 50k and 100k cycles and the slope of RSS over cycles from
     10k on (least squares), in KiB per 10,000 cycles.

Usage (from the repository root, after a Release build of the two targets):
  cmake -S . -B build-agentperf -DCMAKE_BUILD_TYPE=Release \\
      -DSHADOWSYNC_BUILD_TESTS=OFF -DSHADOWSYNC_BUILD_EXAMPLES=OFF \\
      -DSHADOWSYNC_BUILD_BENCHMARKS=OFF
  cmake --build build-agentperf -j1 --target shadowsync-agent shadowsync-emulator
  tests/bench/agent_rss.py --build-dir build-agentperf

Environment variables given to this script (e.g. MALLOC_ARENA_MAX) reach
the agent. Exit status: 0 when both targets are met (at 1 Hz: steady RSS
< 8 MiB, peak RSS < 12 MiB, CPU < 1 % of one core; no growth), 1 when one is
missed, 2 on a set-up error. The 1 Hz run ends with the RSS by mapping.
"""

import argparse
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

THING = "agent-bench"
RSS_TARGET_KIB = 12 * 1024  # peak (VmHWM), start-up included
STEADY_RSS_TARGET_KIB = 8 * 1024  # steady (issue 10)
CPU_TARGET_PCT = 1.0
CLK_TCK = os.sysconf("SC_CLK_TCK")


class SetupError(Exception):
    pass


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port, proc, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SetupError("mosquitto exited with %d during start-up" % proc.returncode)
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise SetupError("mosquitto not listening on port %d within %.0f s" % (port, timeout))


def wait_for_text(path, text, proc, what, timeout=15.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with open(path, errors="replace") as f:
            if text in f.read():
                return
        if proc.poll() is not None:
            raise SetupError("%s exited with %d during start-up:\n%s"
                             % (what, proc.returncode, tail(path)))
        time.sleep(0.05)
    raise SetupError("%s not ready within %.0f s:\n%s" % (what, timeout, tail(path)))


def tail(path, lines=15):
    try:
        with open(path, errors="replace") as f:
            return "".join(f.readlines()[-lines:])
    except OSError:
        return ""


def stop(proc, timeout=10.0):
    if proc is None or proc.poll() is not None:
        return proc.returncode if proc else None
    proc.send_signal(signal.SIGTERM)
    try:
        return proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        return proc.wait()


def read_status(pid):
    """(VmRSS KiB, VmHWM KiB, utime+stime ticks, threads) or None when gone."""
    try:
        with open("/proc/%d/status" % pid) as f:
            status = f.read()
        with open("/proc/%d/stat" % pid) as f:
            stat = f.read()
    except OSError:
        return None
    values = {}
    for line in status.splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmRSS", "VmHWM", "Threads"):
            values[key] = int(rest.split()[0])
    if "VmRSS" not in values:  # a zombie
        return None
    # Fields after the parenthesised command name; utime and stime are the
    # 14th and 15th fields of the line.
    fields = stat[stat.rindex(")") + 2:].split()
    ticks = int(fields[11]) + int(fields[12])
    return values["VmRSS"], values["VmHWM"], ticks, values.get("Threads", 0)


def rss_breakdown(pid):
    """{mapping name: resident KiB} from /proc/<pid>/smaps (anonymous mappings
    as "[anon]"), plus "RssAnon" and "RssFile" from status; None when gone."""
    try:
        with open("/proc/%d/smaps" % pid) as f:
            smaps = f.read()
        with open("/proc/%d/status" % pid) as f:
            status = f.read()
    except OSError:
        return None
    sizes = {}
    name = None
    for line in smaps.splitlines():
        fields = line.split()
        if fields and "-" in fields[0] and not fields[0].endswith(":"):
            name = fields[5] if len(fields) > 5 else "[anon]"
        elif fields and fields[0] == "Rss:" and name is not None:
            sizes[name] = sizes.get(name, 0) + int(fields[1])
    for line in status.splitlines():
        key, _, rest = line.partition(":")
        if key in ("RssAnon", "RssFile"):
            sizes[key] = int(rest.split()[0])
    return sizes


def print_breakdown(sizes):
    print("RSS breakdown        RssAnon %s, RssFile %s; by mapping (>= 64 KiB):"
          % (mib(sizes.get("RssAnon", 0)), mib(sizes.get("RssFile", 0))))
    for name, kib in sorted(sizes.items(), key=lambda item: -item[1]):
        if name in ("RssAnon", "RssFile") or kib < 64:
            continue
        print("  %7d KiB  %s" % (kib, name))


def last_entry(path):
    """The "Entry" of the last complete line of the agent's JSON-lines output."""
    try:
        with open(path, "rb") as f:
            f.seek(0, os.SEEK_END)
            size = f.tell()
            f.seek(max(0, size - 16384))
            chunk = f.read()
    except OSError:
        return None
    for line in reversed(chunk.split(b"\n")[:-1]):  # the last piece may be partial
        try:
            return int(json.loads(line)["General"]["Entry"])
        except (ValueError, KeyError, TypeError):
            continue
    return None


def write_config(directory, port, output_path=None):
    sensors = [
        {"type": "system", "name": "system", "mounts": ["/"]},
        {"type": "system", "name": "system_tmp", "mounts": ["/", "/tmp"], "temperatures": False},
        {"type": "hwmon", "name": "hwmon"},
    ]
    for i in range(7):
        path = os.path.join(directory, "w1_slave_%d" % i)
        with open(path, "w") as f:
            f.write("72 01 4b 46 7f ff 0e 10 57 : crc=57 YES\n"
                    "72 01 4b 46 7f ff 0e 10 57 t=%d\n" % (23125 + 250 * i))
        sensors.append({"type": "file", "name": "w1_%d" % i, "path": path,
                        "regex": "t=(-?[0-9]+)", "scale": 0.001, "parameter": "temp_c"})
    waveforms = ["sine", "ramp", "random_walk"]
    for i in range(10):
        kind = waveforms[i % 3]
        if kind == "sine":
            signal_spec = {"waveform": "sine", "period_s": 60 + i, "amplitude": 3, "offset": 21}
        elif kind == "ramp":
            signal_spec = {"waveform": "ramp", "period_s": 120 + i, "min": 0, "max": 100}
        else:
            signal_spec = {"waveform": "random_walk", "start": 50, "step": 0.5,
                           "min": 0, "max": 100, "seed": i}
        sensors.append({"type": "simulated", "name": "sim_%d" % i,
                        "signals": {"value": signal_spec}})
    assert len(sensors) == 20
    config = {
        "connection": {"endpoint": "tcp://127.0.0.1:%d" % port, "thing_name": THING},
        "reporting": {"interval_seconds": 1},
        "journal_path": os.path.join(directory,
                                     "journal-%s" % ("fast" if output_path else "1hz")),
        "log_level": "warning",
        "sensors": sensors,
    }
    if output_path:
        # Rotated at 4 MB, one old file kept: the cycle count comes from the
        # current file's last line.
        config["output"] = {"format": "jsonl", "path": output_path,
                            "rotate_bytes": 4000000, "keep_files": 1}
    path = os.path.join(directory, "agent-%s.json" % ("fast" if output_path else "1hz"))
    with open(path, "w") as f:
        json.dump(config, f, indent=2)
    return path


def start_agent(agent, config, extra, log_path):
    log = open(log_path, "w")
    proc = subprocess.Popen([agent, "--config", config] + extra,
                            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
    log.close()
    return proc


def least_squares(points):
    """The slope of y over x."""
    if len(points) < 2:
        return 0.0
    mx = statistics.mean(p[0] for p in points)
    my = statistics.mean(p[1] for p in points)
    sxx = sum((x - mx) ** 2 for x, _ in points)
    return sum((x - mx) * (y - my) for x, y in points) / sxx if sxx else 0.0


def save_csv(path, header, rows):
    with open(path, "w") as f:
        f.write(header + "\n")
        for row in rows:
            f.write(",".join("%.3f" % v if isinstance(v, float) else str(v) for v in row) + "\n")


def mib(kib):
    return "%.2f MiB" % (kib / 1024.0)


def run_1hz(args, agent, config, work):
    print("\n== 1 Hz run: 20 sensors, interval 1 s, %d s ==" % args.seconds, flush=True)
    log_path = os.path.join(work, "agent-1hz.log")
    proc = start_agent(agent, config, ["--run-seconds", str(args.seconds)], log_path)
    start = time.monotonic()
    samples = []  # (t, rss, hwm, ticks, threads)
    breakdown = None
    while proc.poll() is None:
        s = read_status(proc.pid)
        if s is not None:
            samples.append((time.monotonic() - start,) + s)
            breakdown = rss_breakdown(proc.pid) or breakdown
        time.sleep(1.0)
    code = proc.wait()
    if len(samples) < 3:
        raise SetupError("the agent ran too briefly (exit %d):\n%s" % (code, tail(log_path)))
    peak = max(s[2] for s in samples)
    steady = [s for s in samples if s[0] >= args.warmup] or samples
    steady_rss = statistics.mean(s[1] for s in steady)
    first, last = steady[0], steady[-1]
    cpu_s = (last[3] - first[3]) / CLK_TCK
    wall_s = last[0] - first[0]
    cpu_pct = 100.0 * cpu_s / wall_s if wall_s > 0 else float("nan")
    total_cpu_s = samples[-1][3] / CLK_TCK
    warnings = sum(1 for line in open(log_path, errors="replace")
                   if line.startswith(("warning:", "error:")))
    print("agent exit code      %d; %d warning/error lines in %s" % (code, warnings, log_path))
    print("threads              %d (most seen)" % max(s[4] for s in samples))
    print("peak RSS (VmHWM)     %s" % mib(peak))
    print("steady RSS           %s (mean VmRSS from %d s on; min %s, max %s, last %s)"
          % (mib(steady_rss), args.warmup, mib(min(s[1] for s in steady)),
             mib(max(s[1] for s in steady)), mib(steady[-1][1])))
    slope = least_squares([(s[0], s[1]) for s in steady])
    print("RSS slope            %+.1f KiB per hour (least squares, from %d s on)"
          % (slope * 3600, args.warmup))
    save_csv(os.path.join(work, "samples-1hz.csv"), "t_s,vmrss_kib,vmhwm_kib,cpu_ticks,threads",
             samples)
    print("CPU                  %.3f %% of one core (%.2f s over %.0f s, from %d s on)"
          % (cpu_pct, cpu_s, wall_s, args.warmup))
    print("CPU per report cycle %.2f ms (%.2f s CPU in total, start-up included)"
          % (1000.0 * cpu_s / wall_s, total_cpu_s))
    if breakdown:
        print_breakdown(breakdown)
    return {"peak": peak, "steady": steady_rss, "cpu_pct": cpu_pct, "code": code}


def run_fast(args, agent, work, port):
    print("\n== growth run: 20 sensors, interval %g s, %d cycles ==" % (args.fast_interval,
                                                                        args.cycles), flush=True)
    output = os.path.join(work, "observations.jsonl")
    config = write_config(work, port, output_path=output)
    log_path = os.path.join(work, "agent-fast.log")
    proc = start_agent(agent, config, ["--interval", str(args.fast_interval),
                                       "--run-seconds", str(args.fast_limit)], log_path)
    start = time.monotonic()
    samples = []  # (t, entry, rss, hwm, ticks)
    marks = {}
    wanted = sorted(m for m in {10000, 50000, args.cycles} | set(range(10000, args.cycles + 1,
                                                                        10000))
                    if m <= args.cycles)
    while proc.poll() is None:
        s = read_status(proc.pid)
        entry = last_entry(output)
        if s is not None and entry is not None:
            samples.append((time.monotonic() - start, entry, s[0], s[1], s[2]))
            for m in wanted:
                if m not in marks and entry >= m:
                    marks[m] = samples[-1]
            if entry >= args.cycles:
                break
        time.sleep(0.25)
    code = stop(proc)
    if args.cycles not in marks:
        raise SetupError("the agent stopped after %s cycles (exit %s):\n%s"
                         % (samples[-1][1] if samples else 0, code, tail(log_path)))
    end = marks[args.cycles]
    print("agent exit code      %s (stopped with SIGTERM); reached %d cycles in %.0f s (%.0f/s)"
          % (code, end[1], end[0], end[1] / end[0]))
    print("CPU per report cycle %.3f ms (at full speed)" % (1000.0 * end[4] / CLK_TCK / end[1]))
    print("peak RSS (VmHWM)     %s" % mib(end[3]))
    for m in wanted:
        t, entry, rss, _, _ = marks[m]
        print("RSS at %6d cycles  %s  (t = %.0f s)" % (m, mib(rss), t))
    # Least squares of RSS (KiB) over cycles, from 10k cycles on.
    points = [(e, r) for (_, e, r, _, _) in samples if e >= 10000]
    slope = least_squares(points)
    save_csv(os.path.join(work, "samples-growth.csv"), "t_s,cycles,vmrss_kib,vmhwm_kib,cpu_ticks",
             samples)
    print("slope                %+.1f KiB per 10,000 cycles (least squares over %d samples, "
          "10k to %dk)" % (slope * 10000, len(points), args.cycles // 1000))
    return {"marks": marks, "slope_kib_per_10k": slope * 10000, "peak": end[3]}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--build-dir", default="build-agentperf")
    parser.add_argument("--seconds", type=int, default=180, help="length of the 1 Hz run")
    parser.add_argument("--warmup", type=int, default=30,
                        help="seconds of the 1 Hz run left out of the steady figures")
    parser.add_argument("--cycles", type=int, default=100000)
    parser.add_argument("--fast-interval", type=float, default=0.001)
    parser.add_argument("--fast-limit", type=int, default=1200,
                        help="the growth run's --run-seconds bound")
    parser.add_argument("--skip-1hz", action="store_true")
    parser.add_argument("--skip-growth", action="store_true")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = parser.parse_args()

    agent = os.path.join(args.build_dir, "agent", "shadowsync-agent")
    emulator = os.path.join(args.build_dir, "service", "emulator", "shadowsync-emulator")
    mosquitto = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
    for path in (agent, emulator, mosquitto):
        if not os.access(path, os.X_OK):
            print("agent_rss: not found: %s (see --help)" % path, file=sys.stderr)
            return 2

    work = tempfile.mkdtemp(prefix="shadowsync-agent-rss-")
    os.chmod(work, 0o755)
    port = free_port()
    broker = service = None
    failed = False
    try:
        conf = os.path.join(work, "mosquitto.conf")
        with open(conf, "w") as f:
            f.write("listener %d 127.0.0.1\nallow_anonymous true\npersistence false\n"
                    "log_dest stderr\nlog_type error\nlog_type warning\n"
                    "max_queued_messages 100000\n" % port)
        broker_log = os.path.join(work, "mosquitto.log")
        with open(broker_log, "w") as log:
            broker = subprocess.Popen([mosquitto, "-c", conf], stdout=log, stderr=log)
        wait_for_port(port, broker)
        service_log = os.path.join(work, "emulator.log")
        with open(service_log, "w") as log:
            # No per-thing rate or in-flight limit: the growth run reports as
            # fast as the round trip allows.
            service = subprocess.Popen(
                [emulator, "--broker", "tcp://127.0.0.1:%d" % port,
                 "--max-requests-per-second", "0", "--max-inflight", "0",
                 "--log-level", "warn"], stdout=log, stderr=log)
        wait_for_text(service_log, "ready on", service, "shadowsync-emulator")
        print("mosquitto and shadowsync-emulator on tcp://127.0.0.1:%d; files in %s"
              % (port, work))
        if os.environ.get("MALLOC_ARENA_MAX"):
            print("MALLOC_ARENA_MAX=%s" % os.environ["MALLOC_ARENA_MAX"])

        if not args.skip_1hz:
            config = write_config(work, port)
            r = run_1hz(args, agent, config, work)
            ok = (r["peak"] < RSS_TARGET_KIB and r["steady"] < STEADY_RSS_TARGET_KIB
                  and r["cpu_pct"] < CPU_TARGET_PCT and r["code"] == 0)
            print("target (steady RSS < 8 MiB, peak < 12 MiB, < 1 %% of one core): %s"
                  % ("met" if ok else "MISSED"))
            failed |= not ok
        if not args.skip_growth:
            r = run_fast(args, agent, work, port)
            # "No growth": less than 64 KiB per 10,000 cycles, i.e. less than
            # 0.6 MiB over the 100,000.
            ok = r["slope_kib_per_10k"] < 64 and r["peak"] < RSS_TARGET_KIB
            print("target (no growth, < 12 MiB RSS): %s" % ("met" if ok else "MISSED"))
            failed |= not ok
    except SetupError as e:
        print("agent_rss: %s" % e, file=sys.stderr)
        return 2
    finally:
        stop(service)
        stop(broker)
        if args.keep:
            print("kept %s" % work)
        else:
            shutil.rmtree(work, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
