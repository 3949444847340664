#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""The shadowsync console in a real browser (docs/console.md, issue 12).

Starts, on free loopback ports: mosquitto with this build's plugin, the
gateway serving only the console (with a history file), and the agent as
thing "greenhouse-1" with a simulated greenhouse; then drives headless
Chromium through WebDriver:

  live        the things page lists the agent's shadow; its shadow page
              shows greenhouse/temperature_c changing without a reload
  edit        desired edited on the page: the delta appears, then the
              agent's acknowledgement in reported.agent
  conflict    two tabs edit the same version: the second gets the 409 with
              the fresh document, rebases and succeeds
  mqtt        the page subscribes and publishes; mosquitto_sub sees it
  history     a reading plotted; the CSV export has its samples
  registry    the connect block; the test-authorization form allows and
              denies; the registry's things are listed
  access      a console bound off loopback refuses to start without a
              token; with one, an unauthenticated request is 401; a change
              without the console's header is 403

Screenshots go to --out. Exit 77 (skipped) when Selenium or Chromium is not
installed (scripts/install-deps.sh installs them).

  console_browser_test.py --gateway G --plugin P --agent A --registry R --out DIR
"""

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

try:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait
except ImportError:
    print("SKIP: python3-selenium is not installed")
    sys.exit(77)

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
THING = "greenhouse-1"
TIMEOUT = 30


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(what, predicate, timeout=TIMEOUT):
    """Polls a condition of a process or a file (not the browser: that is
    WebDriverWait); fails naming `what`."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError("timed out waiting for " + what)


def http(method, url, body=None, headers=None):
    request = urllib.request.Request(url, method=method, data=body, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode(), dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(), dict(error.headers)


class Stack:
    """mosquitto + plugin, the gateway's console and the agent."""

    def __init__(self, args, work):
        self.work = work
        self.processes = []
        self.mqtt_port = free_port()
        self.console_port = free_port()
        self.broker = "tcp://127.0.0.1:%d" % self.mqtt_port
        conf = os.path.join(work, "mosquitto.conf")
        with open(conf, "w") as f:
            f.write("per_listener_settings false\nallow_anonymous true\npersistence false\n"
                    "log_dest stderr\nset_tcp_nodelay true\nmax_queued_messages 0\n"
                    "plugin %s\nplugin_opt_store %s/shadows.db\nlistener %d 127.0.0.1\n"
                    "max_qos 1\n" % (args.plugin, work, self.mqtt_port))
            if os.geteuid() == 0:
                f.write("user root\n")
        env = dict(os.environ)
        if os.environ.get("SHADOWSYNC_PLUGIN_PRELOAD"):
            env["LD_PRELOAD"] = os.environ["SHADOWSYNC_PLUGIN_PRELOAD"]
            env["ASAN_OPTIONS"] = "detect_leaks=0:halt_on_error=1"
        self.start("mosquitto", ["mosquitto", "-c", conf], env)
        wait_for("mosquitto to listen", lambda: self.connectable(self.mqtt_port))
        self.start("gateway", [args.gateway, "--broker", self.broker, "--no-mtls",
                               "--console-port", str(self.console_port),
                               "--history", os.path.join(work, "history.db")] +
                   (["--registry", args.registry] if getattr(args, "registry", None) else []))
        wait_for("the console to listen", lambda: self.connectable(self.console_port))
        agent_conf = os.path.join(work, "agent.json")
        with open(agent_conf, "w") as f:
            json.dump({
                "connection": {"endpoint": self.broker, "thing_name": THING},
                "reporting": {"interval_seconds": 0.5},
                "log_level": "info",
                "sensors": [{"type": "simulated", "name": "greenhouse", "signals": {
                    "temperature_c": {"waveform": "sine", "period_s": 6, "amplitude": 3,
                                      "offset": 21},
                    "humidity_pct": {"waveform": "random_walk", "start": 55, "step": 1,
                                     "min": 40, "max": 70, "seed": 7}}}],
            }, f)
        self.start("agent", [args.agent, "--config", agent_conf])
        self.url = "http://127.0.0.1:%d/" % self.console_port

    def start(self, name, command, env=None):
        log = open(os.path.join(self.work, name + ".log"), "w")
        self.processes.append((name, subprocess.Popen(command, stdout=log,
                                                      stderr=subprocess.STDOUT, env=env)))

    def process(self, name):
        return next(process for n, process in self.processes if n == name)

    @staticmethod
    def connectable(port):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return True
        except OSError:
            return False

    def stop(self):
        for _, process in reversed(self.processes):
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for _, process in reversed(self.processes):
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()

    def logs(self):
        out = []
        for name, _ in self.processes:
            with open(os.path.join(self.work, name + ".log")) as f:
                out.append("---- %s.log (last lines)\n%s" % (name, "".join(f.readlines()[-30:])))
        return "\n".join(out)


def make_browser(phone=False):
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--window-size=1280,900"):
        options.add_argument(flag)
    if phone:  # a window cannot be narrower than 500 px; the emulation can
        options.add_experimental_option("mobileEmulation", {"deviceMetrics": {
            "width": 390, "height": 844, "pixelRatio": 2}})
    return webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)


def text_of(browser, css):
    return browser.execute_script(
        "const e = document.querySelector(arguments[0]); return e ? e.textContent : null", css)


def click(browser, css):
    """Clicks the element that `css` names now: live rows are re-rendered
    as reports arrive, so a found element may be replaced before the click."""
    def attempt(b):
        elements = b.find_elements(By.CSS_SELECTOR, css)
        if not elements:
            return False
        elements[0].click()
        return True
    WebDriverWait(browser, TIMEOUT, ignored_exceptions=(StaleElementReferenceException,)).until(
        attempt)


def set_editor(browser, css, text):
    browser.execute_script(
        "const e = document.querySelector(arguments[0]); e.value = arguments[1];"
        "e.dispatchEvent(new Event('input'));", css, text)


def test_live(browser, stack, out):
    browser.get(stack.url + "#/things")
    wait = WebDriverWait(browser, TIMEOUT, ignored_exceptions=(StaleElementReferenceException,))
    wait.until(lambda b: "greenhouse/" in (text_of(b, 'tr[data-thing="%s"] .busiest' % THING) or ""))
    assert browser.title == "Things · shadowsync console", browser.title
    browser.save_screenshot(os.path.join(out, "console-things.png"))
    click(browser, 'tr[data-thing="%s"] a.shadow-link' % THING)
    wait.until(lambda b: b.title.startswith(THING + " / Classic Shadow"))
    cell = 'span[data-path="reported/greenhouse/temperature_c"]'
    first = wait.until(lambda b: text_of(b, cell))
    url = browser.current_url
    # The reading changes on screen without a reload: same page, new text.
    browser.execute_script("window.__marker = 1")
    wait.until(lambda b: text_of(b, cell) not in (None, first))
    assert browser.execute_script("return window.__marker") == 1, "the page was reloaded"
    assert url.endswith("#/things/%s/shadow" % THING), url
    print("live: temperature_c %s -> %s without a reload" % (first, text_of(browser, cell)))


def test_edit_desired(browser, stack, out):
    browser.get(stack.url + "#/things/%s/shadow" % THING)
    wait = WebDriverWait(browser, TIMEOUT, ignored_exceptions=(StaleElementReferenceException,))
    wait.until(lambda b: text_of(b, "#shadow-version") not in (None, "…"))
    set_editor(browser, "#desired-editor", '{"agent": {"interval_seconds": 0.7}}')
    # No version: an unconditional update (the agent reports twice a second).
    browser.execute_script("document.querySelector('#edit-version').value = ''")
    # The agent is paused while the edit lands, so that the delta stays on
    # screen until it is seen (it acknowledges within milliseconds).
    agent = stack.process("agent")
    agent.send_signal(signal.SIGSTOP)
    try:
        browser.find_element(By.ID, "save-desired").click()
        wait.until(lambda b: b.find_elements(By.ID, "edit-ok"))
        wait.until(lambda b: text_of(b, 'span[data-path="delta/agent/interval_seconds"]') == "0.7")
        # Highlighted in desired too: the key is in the delta.
        wait.until(lambda b: b.find_elements(
            By.CSS_SELECTOR, '#desired li.delta span[data-path="desired/agent/interval_seconds"]'))
        browser.save_screenshot(os.path.join(out, "console-delta.png"))
    finally:
        agent.send_signal(signal.SIGCONT)
    ack = 'span[data-path="reported/agent/interval_seconds"]'
    wait.until(lambda b: text_of(b, ack) == "0.7")
    wait.until(lambda b: not b.find_elements(
        By.CSS_SELECTOR, 'span[data-path="delta/agent/interval_seconds"]'))
    browser.save_screenshot(os.path.join(out, "console-shadow.png"))
    print("edit: desired.agent.interval_seconds = 0.7; the delta shown and highlighted; "
          "then the agent's acknowledgement in reported.agent")


def test_conflict(browser, stack, out):
    base = stack.url + "api/shadow?thing=lamp&name="
    status, body, _ = http("POST", base, b'{"state":{"desired":{"color":"red"}}}',
                           {"X-Shadowsync-Console": "1", "Content-Type": "application/json"})
    assert status == 200, (status, body)
    page = stack.url + "#/things/lamp/shadow"
    browser.get(page)
    first = browser.current_window_handle
    browser.switch_to.new_window("tab")
    second = browser.current_window_handle
    browser.get(page)
    wait = WebDriverWait(browser, TIMEOUT, ignored_exceptions=(StaleElementReferenceException,))
    for handle in (first, second):
        browser.switch_to.window(handle)
        wait.until(lambda b: b.find_element(By.ID, "edit-version").get_attribute("value") != "")
    version = int(browser.find_element(By.ID, "edit-version").get_attribute("value"))
    # The second tab starts editing (an edited editor no longer follows the
    # live document), then the first tab saves, then the second.
    set_editor(browser, "#desired-editor", '{"color": "blue"}')
    browser.switch_to.window(first)
    set_editor(browser, "#desired-editor", '{"color": "green"}')
    browser.find_element(By.ID, "save-desired").click()
    wait.until(lambda b: b.find_elements(By.ID, "edit-ok"))
    browser.switch_to.window(second)
    browser.find_element(By.ID, "save-desired").click()
    wait.until(lambda b: b.find_elements(By.ID, "edit-conflict"))
    assert int(text_of(browser, "#conflict-version")) == version + 1
    assert '"green"' in text_of(browser, "#edit-conflict")
    browser.save_screenshot(os.path.join(out, "console-conflict.png"))
    browser.find_element(By.ID, "rebase").click()
    assert browser.find_element(By.ID, "edit-version").get_attribute("value") == str(version + 1)
    browser.find_element(By.ID, "save-desired").click()
    wait.until(lambda b: b.find_elements(By.ID, "edit-ok"))
    wait.until(lambda b: text_of(b, 'span[data-path="desired/color"]') == '"blue"')
    browser.close()
    browser.switch_to.window(first)
    print("conflict: second tab got 409 at version %d, rebased to %d and won"
          % (version, version + 1))


def test_mqtt(browser, stack, out):
    # -d prints "received SUBACK" once subscribed; line-buffered through a
    # reader thread, so that the wait never blocks on the pipe.
    sub = subprocess.Popen(["stdbuf", "-oL", "mosquitto_sub", "-h", "127.0.0.1", "-p",
                            str(stack.mqtt_port), "-t", "console/test/#", "-C", "1", "-d"],
                           stdout=subprocess.PIPE, text=True)
    lines = []
    reader = threading.Thread(target=lambda: lines.extend(iter(sub.stdout.readline, "")),
                              daemon=True)
    reader.start()
    try:
        wait_for("mosquitto_sub's SUBACK", lambda: any("SUBACK" in line for line in lines))
        browser.get(stack.url + "#/mqtt")
        wait = WebDriverWait(browser, TIMEOUT, ignored_exceptions=(StaleElementReferenceException,))
        field = wait.until(lambda b: b.find_element(By.ID, "filter"))
        field.clear()
        field.send_keys("console/test/#")
        browser.find_element(By.ID, "subscribe").click()
        # Subscribed once the broker granted it (the page shows the state).
        wait.until(lambda b: b.find_elements(
            By.CSS_SELECTOR, '#filters li[data-filter="console/test/#"][data-state="subscribed"]'))
        topic = browser.find_element(By.ID, "pub-topic")
        topic.clear()
        topic.send_keys("console/test/hello")
        set_editor(browser, "#pub-payload", '{"n": 42}')
        browser.find_element(By.ID, "publish").click()
        wait.until(lambda b: b.find_elements(By.ID, "publish-ok"))
        # The page's own subscription shows it...
        wait.until(lambda b: b.find_elements(
            By.CSS_SELECTOR, '#mqtt-log li[data-topic="console/test/hello"]'))
        # ...and so does a second, independent subscriber.
        sub.wait(timeout=TIMEOUT)
        reader.join(timeout=TIMEOUT)
        output = "".join(lines)
        assert '"n": 42' in output or '"n":42' in output, output
        browser.save_screenshot(os.path.join(out, "console-mqtt.png"))
        print("mqtt: published from the page, seen by the page and by mosquitto_sub")
    finally:
        if sub.poll() is None:
            sub.kill()


def test_history(browser, stack, out):
    browser.get(stack.url + "#/things/%s/shadow" % THING)
    wait = WebDriverWait(browser, TIMEOUT, ignored_exceptions=(StaleElementReferenceException,))
    leaf = 'input[data-leaf="greenhouse/humidity_pct"]'

    def checked(b):
        boxes = b.find_elements(By.CSS_SELECTOR, leaf)
        if boxes and not boxes[0].is_selected():
            boxes[0].click()  # the list is re-rendered as leaves appear: check again
        return b.execute_script(
            "const e = document.querySelector(arguments[0]); return e && e.checked", leaf)
    wait.until(checked)
    wait.until(lambda b: int(b.find_element(By.ID, "plot").get_attribute("data-points") or 0) >= 5)
    wait.until(lambda b: b.find_elements(By.CSS_SELECTOR, "#plot canvas"))
    browser.execute_script("document.getElementById('h-history').scrollIntoView()")
    browser.save_screenshot(os.path.join(out, "console-history.png"))
    href = browser.find_element(By.ID, "export-csv").get_attribute("href")
    assert "greenhouse%2Fhumidity_pct" in href, href
    status, csv, headers = http("GET", href)
    assert status == 200 and headers.get("Content-Type", "").startswith("text/csv"), (status, headers)
    rows = csv.strip().splitlines()
    assert rows[0].startswith("time,") and "greenhouse/humidity_pct" in rows[0], rows[0]
    assert len(rows) >= 6, csv
    assert rows[1][:2] == "20" and rows[1][-1].isdigit(), rows[1]
    print("history: %s points plotted, CSV of %d rows" %
          (browser.find_element(By.ID, "plot").get_attribute("data-points"), len(rows) - 1))


def test_access(args, stack):
    # A change without the console's header (as a cross-site form would
    # send it) is refused.
    status, body, _ = http("POST", stack.url + "api/publish",
                           b'{"topic":"a","payload":"{}"}', {"Content-Type": "application/json"})
    assert status == 403, (status, body)
    status, body, _ = http("POST", stack.url + "api/publish", b'{"topic":"a","payload":"{}"}',
                           {"X-Shadowsync-Console": "1", "Origin": "http://evil.example"})
    assert status == 403, (status, body)
    # Off loopback without a token: refused at start.
    refused = subprocess.run([args.gateway, "--broker", stack.broker, "--no-mtls",
                              "--console-port", "0", "--console-bind", "0.0.0.0"],
                             capture_output=True, text=True, timeout=30)
    assert refused.returncode == 1 and "--console-token" in refused.stderr, refused
    # With a token: 401 without it, 200 with it.
    port = free_port()
    log = open(os.path.join(stack.work, "gateway-token.log"), "w")
    token = "test-token-%d" % os.getpid()
    gateway = subprocess.Popen([args.gateway, "--broker", stack.broker, "--no-mtls",
                                "--console-port", str(port), "--console-bind", "0.0.0.0",
                                "--console-token", token], stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_for("the token console to listen", lambda: Stack.connectable(port))
        url = "http://127.0.0.1:%d/api/things" % port
        status, body, _ = http("GET", url)
        assert status == 401, (status, body)
        status, body, _ = http("GET", "http://127.0.0.1:%d/" % port)
        assert status == 401, (status, body)
        status, body, _ = http("GET", url, headers={"Authorization": "Bearer " + token})
        assert status == 200 and '"things"' in body, (status, body)
        status, body, headers = http("GET", "http://127.0.0.1:%d/?token=%s" % (port, token))
        assert status == 200 and "HttpOnly" in headers.get("Set-Cookie", ""), headers
    finally:
        gateway.send_signal(signal.SIGTERM)
        gateway.wait(timeout=10)
    print("access: 403 without the header or from another origin; no start off loopback "
          "without a token; 401 without the token")


def test_registry(browser, stack, out):
    browser.get(stack.url + "#/registry")
    wait = WebDriverWait(browser, TIMEOUT, ignored_exceptions=(StaleElementReferenceException,))
    wait.until(lambda b: b.find_elements(By.ID, "authz-form"))
    assert browser.title == "Registry & connect · shadowsync console", browser.title
    assert text_of(browser, "#endpoint") == "127.0.0.1"
    assert ("Port         = %d" % stack.mqtt_port) in text_of(browser, "#datalogger")

    def evaluate(resource):
        browser.execute_script("document.getElementById('authz-action').value = 'iot:Publish'")
        field = browser.find_element(By.ID, "authz-resource")
        field.clear()
        field.send_keys(resource)
        browser.execute_script("document.getElementById('authz-result').replaceChildren()")
        browser.find_element(By.CSS_SELECTOR, "#authz-form button[type=submit]").click()
        return wait.until(lambda b: text_of(b, "#authz-result"))
    # Certificate 0 is lamp's, client id lamp (examples/registry/registry.json).
    allowed = evaluate("topic/$aws/things/lamp/shadow/update")
    assert allowed.startswith("Allowed: ") and "lamp-policy" in allowed, allowed
    browser.execute_script("document.getElementById('authz-result').scrollIntoView(false)")
    browser.save_screenshot(os.path.join(out, "console-registry.png"))
    denied = evaluate("topic/$aws/things/esp32/shadow/update")
    assert denied.startswith("Denied: "), denied
    # The registry's things are listed even without a shadow.
    browser.get(stack.url + "#/things")
    wait.until(lambda b: b.find_elements(By.CSS_SELECTOR, 'tr[data-thing="datalogger"]'))
    print("registry: lamp may update its shadow, not esp32's; registry things listed")


def test_phone(stack, out):
    browser = make_browser(phone=True)
    try:
        browser.get(stack.url + "#/things/%s/shadow" % THING)
        WebDriverWait(browser, TIMEOUT).until(
            lambda b: text_of(b, 'span[data-path="reported/greenhouse/temperature_c"]'))
        browser.save_screenshot(os.path.join(out, "console-phone.png"))
        width = browser.execute_script("return document.documentElement.scrollWidth")
        viewport = browser.execute_script("return window.innerWidth")
        assert viewport == 390, viewport
        widest = browser.execute_script(
            "let w = null; for (const e of document.querySelectorAll('body *')) {"
            "  const r = e.getBoundingClientRect().right;"
            "  if (!w || r > w[0]) w = [r, e.tagName + '#' + e.id + '.' + e.className]; }"
            "return w")
        assert width <= 400, "the shadow page scrolls sideways at phone width: %d px (%s)" % (
            width, widest)
    finally:
        browser.quit()
    print("phone: the shadow page fits 390 px")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--gateway", required=True)
    parser.add_argument("--plugin", required=True)
    parser.add_argument("--agent", required=True)
    parser.add_argument("--registry", required=True)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    for tool in (CHROMIUM, CHROMEDRIVER):
        if not os.path.exists(tool):
            print("SKIP: %s is not installed" % tool)
            return 77
    for tool in ("mosquitto", "mosquitto_sub"):
        if not shutil.which(tool, path=os.environ.get("PATH", "") + ":/usr/sbin"):
            print("SKIP: %s is not installed" % tool)
            return 77
    os.makedirs(args.out, exist_ok=True)
    work = tempfile.mkdtemp(prefix="shadowsync-console-test-")
    stack = Stack(args, work)
    browser = None
    try:
        browser = make_browser()
        test_live(browser, stack, args.out)
        test_edit_desired(browser, stack, args.out)
        test_conflict(browser, stack, args.out)
        test_mqtt(browser, stack, args.out)
        test_history(browser, stack, args.out)
        test_registry(browser, stack, args.out)
        test_access(args, stack)
        test_phone(stack, args.out)
    except Exception:
        if browser:
            browser.save_screenshot(os.path.join(args.out, "console-failure.png"))
        print(stack.logs())
        raise
    finally:
        if browser:
            browser.quit()
        stack.stop()
    shutil.rmtree(work, ignore_errors=True)
    print("all console browser tests passed; screenshots in " + args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
