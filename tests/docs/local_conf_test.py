#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""examples/mosquitto/local.conf, the configuration every doc's local recipe
uses, as the docs use it: its plugin line pointed at this build's plugin (the
sed of docs/broker-plugin.md), then mosquitto -c, shadowctl update and get.
Only the port and the store path change, so that tests can run side by side.
Also: every listener in examples/mosquitto/*.conf binds 127.0.0.1.

  local_conf_test.py SOURCE_DIR PLUGIN SHADOWCTL
"""

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main(source_dir, plugin, shadowctl):
    faults = []
    conf_dir = os.path.join(source_dir, "examples", "mosquitto")
    for name in sorted(os.listdir(conf_dir)):
        with open(os.path.join(conf_dir, name)) as f:
            for number, line in enumerate(f, 1):
                if re.match(r"^\s*listener\s", line) and not re.match(
                        r"^\s*listener\s+\d+\s+127\.0\.0\.1\s*$", line):
                    faults.append("%s:%d: a listener that does not bind 127.0.0.1: %s" %
                                  (name, number, line.strip()))
    with open(os.path.join(conf_dir, "local.conf")) as f:
        text = f.read()
    work = tempfile.mkdtemp(prefix="shadowsync-local-conf-")
    port = free_port()
    text = re.sub(r"(?m)^plugin .*$", "plugin " + plugin, text)  # the docs' sed
    text = re.sub(r"(?m)^plugin_opt_store .*$", "plugin_opt_store " + work + "/shadows.db", text)
    text = re.sub(r"(?m)^listener 1883 ", "listener %d " % port, text)
    if os.geteuid() == 0:
        text += "\nuser root\n"  # the store directory is root's
    conf = os.path.join(work, "mosquitto.conf")
    with open(conf, "w") as f:
        f.write(text)
    log = open(os.path.join(work, "mosquitto.log"), "w")
    # A sanitizer build's plugin needs the sanitizer runtime preloaded into
    # the uninstrumented mosquitto (tests/support/plugin_environment.h).
    env = dict(os.environ)
    preload = os.environ.get("SHADOWSYNC_PLUGIN_PRELOAD", "")
    if preload:
        env["LD_PRELOAD"] = preload
        env["ASAN_OPTIONS"] = "detect_leaks=0:halt_on_error=1"
    broker = subprocess.Popen(["mosquitto", "-c", conf], stdout=log, stderr=subprocess.STDOUT,
                              env=env)
    try:
        deadline = time.time() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if broker.poll() is not None or time.time() > deadline:
                    raise RuntimeError("mosquitto did not start")
                time.sleep(0.05)
        uri = "tcp://127.0.0.1:%d" % port
        update = subprocess.run([shadowctl, "update", "--thing", "lamp", "--broker", uri,
                                 "--desired", '{"color":"red"}', "--compact"],
                                capture_output=True, text=True, timeout=30)
        get = subprocess.run([shadowctl, "get", "--thing", "lamp", "--broker", uri, "--compact"],
                             capture_output=True, text=True, timeout=30)
        if update.returncode != 0 or get.returncode != 0 or '"color":"red"' not in get.stdout:
            faults.append("shadowctl against local.conf: update rc %d %s%s; get rc %d %s%s" %
                          (update.returncode, update.stdout, update.stderr, get.returncode,
                           get.stdout, get.stderr))
    except Exception as e:  # noqa: BLE001 - report and fail
        faults.append(str(e))
    finally:
        broker.send_signal(signal.SIGTERM)
        try:
            broker.wait(timeout=10)
        except subprocess.TimeoutExpired:
            broker.kill()
            broker.wait()
        log.close()
    if faults:
        with open(os.path.join(work, "mosquitto.log")) as f:
            sys.stdout.write("mosquitto.log:\n" + f.read())
    for fault in faults:
        print("error: " + fault)
    if not faults:
        print("local.conf: the plugin answers update and get on 127.0.0.1")
        shutil.rmtree(work, ignore_errors=True)
    return 1 if faults else 0


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.stderr.write(__doc__)
        sys.exit(2)
    sys.exit(main(*sys.argv[1:]))
