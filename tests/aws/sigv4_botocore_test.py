#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Our SigV4 signer and verifier against botocore (Debian python3-botocore).

Generates random requests (methods; paths with spaces, reserved characters,
percent escapes, dot segments and unicode; query parameters with repeated
names and empty values; headers with runs of spaces; bodies; session tokens;
dates from 2000 to 2037; services iotdata, iotdevicegateway and others),
signs each with botocore.auth.SigV4Auth and SigV4QueryAuth and with
sigv4_tool, and requires byte-for-byte equal Authorization headers and
presigned queries. Then our verifier must accept every botocore-signed
request and refuse a tampered copy of each.

Usage: sigv4_botocore_test.py --tool build/tests/aws/sigv4_tool [--cases N] [--seed S]
Exit 0 on success, 1 on a difference (the seed is printed to reproduce it),
77 when botocore is not installed.
"""

import argparse
import datetime
import hashlib
import json
import os
import random
import subprocess
import sys
import time
import types

try:
    import botocore
    import botocore.auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials
    from botocore.utils import percent_encode, percent_encode_sequence
except ImportError:
    print("botocore is not installed (Debian: python3-botocore); skipping", file=sys.stderr)
    sys.exit(77)


class FixedDatetime(datetime.datetime):
    """botocore.auth reads the time with datetime.datetime.utcnow()."""

    fixed = None

    @classmethod
    def utcnow(cls):
        return cls.fixed


# Only botocore.auth's view of the datetime module changes.
botocore.auth.datetime = types.SimpleNamespace(datetime=FixedDatetime)

METHODS = ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD"]
HOSTS = ["data-ats.iot.us-east-1.amazonaws.com", "example.amazonaws.com:443",
         "localhost:8443", "127.0.0.1:9443", "a1b2c3-ats.iot.eu-west-1.amazonaws.com:443"]
REGIONS = ["us-east-1", "eu-west-1", "ap-southeast-2", "us-gov-west-1", "cn-north-1"]
SERVICES = ["iotdata", "iotdevicegateway", "execute-api", "service"]
UNRESERVED = "ABCXYZabcxyz0189-._~"
RESERVED = " $+:@!*'(),;=&/%"
UNICODE = ["\u00e9", "\u1234", "\U0001F600", "\u00fc", "\u4e2d"]
BASE64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"


def random_text(rng, max_len, extra=RESERVED, allow_unicode=True):
    out = []
    for _ in range(rng.randint(0, max_len)):
        r = rng.random()
        if r < 0.6:
            out.append(rng.choice(UNRESERVED))
        elif r < 0.9 or not allow_unicode:
            out.append(rng.choice(extra))
        else:
            out.append(rng.choice(UNICODE))
    return "".join(out)


def random_path(rng):
    segments = []
    for _ in range(rng.randint(0, 5)):
        r = rng.random()
        if r < 0.1:
            segments.append(rng.choice([".", "..", ""]))
        elif r < 0.5:
            # As botocore's serializer puts a value on the wire.
            segments.append(percent_encode(random_text(rng, 8)))
        else:
            segments.append(random_text(rng, 8, extra=" $+:@!*'(),;=&%"))
    path = "/" + "/".join(segments)
    if rng.random() < 0.2:
        path += "/"
    # urlsplit() drops a few characters at the ends of a URL; keep them inside.
    if path.endswith(" "):
        path += "x"
    return path


def random_query(rng, unique):
    params = []
    for _ in range(rng.randint(0, 4)):
        if params and not unique and rng.random() < 0.3:
            name = rng.choice(params)[0]  # a repeated name
        else:
            name = random_text(rng, 6) or "n"
        if unique and any(name == p[0] for p in params):
            continue
        value = "" if rng.random() < 0.2 else random_text(rng, 10)
        params.append((name, value))
    return params


def random_headers(rng):
    names = ["Content-Type", "X-Custom-Header", "x-amz-meta-Thing", "My-Header",
             "Accept", "User-Agent", "X-Amz-Content-Sha256", "content-md5"]
    headers = []
    for name in rng.sample(names, rng.randint(0, 3)):
        value = random_text(rng, 12, extra=" \t\"'(),;:=/", allow_unicode=False)
        if rng.random() < 0.3:
            value = "  " + value + "   a   b  "
        headers.append((name, value))
    return headers


def random_case(rng, op):
    has_token = rng.random() < 0.5
    case = {
        "op": op,
        "method": rng.choice(METHODS),
        "host": rng.choice(HOSTS),
        "path": random_path(rng),
        "query": random_query(rng, unique=(op == "presign")),
        "headers": random_headers(rng),
        "body": "",
        "access_key_id": "AKIA" + "".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
                                          for _ in range(16)),
        "secret_access_key": "".join(rng.choice(BASE64) for _ in range(40)),
        "session_token": ("".join(rng.choice(BASE64 + "=") for _ in range(rng.randint(16, 300)))
                          if has_token else ""),
        "region": rng.choice(REGIONS),
        "service": rng.choice(SERVICES),
        "time": rng.randint(946684800, 2145916800),
        "expires": rng.choice([1, 60, 900, 3600, 86400, 604800]),
    }
    if op == "sign" and case["method"] in ("POST", "PUT", "PATCH") and rng.random() < 0.7:
        case["body"] = random_text(rng, 40)
    # botocore signs X-Amz-Content-Sha256's value in place of the body's
    # hash; a client sends the real hash there (aws-c-auth's sign_body), so
    # only that case is generated.
    case["headers"] = [(n, hashlib.sha256(case["body"].encode("utf-8")).hexdigest())
                       if n == "X-Amz-Content-Sha256" else (n, v) for n, v in case["headers"]]
    return case


def botocore_request(case, params):
    FixedDatetime.fixed = datetime.datetime.utcfromtimestamp(case["time"])
    request = AWSRequest(method=case["method"], url="https://" + case["host"] + case["path"],
                         data=case["body"].encode("utf-8"), params=params)
    request.headers["Host"] = case["host"]
    for name, value in case["headers"]:
        request.headers[name] = value
    return request


def botocore_sign(case):
    credentials = Credentials(case["access_key_id"], case["secret_access_key"],
                              case["session_token"] or None)
    request = botocore_request(case, list(case["query"]))
    botocore.auth.SigV4Auth(credentials, case["service"], case["region"]).add_auth(request)
    return request


def botocore_presign(case):
    # AWS IoT's WebSocket endpoint wants the token appended after signing
    # (platform notes section 3): sign without it, then append it.
    token_after = case["service"] == "iotdevicegateway"
    token = case["session_token"] or None
    credentials = Credentials(case["access_key_id"], case["secret_access_key"],
                              None if token_after else token)
    request = botocore_request(case, list(case["query"]))
    botocore.auth.SigV4QueryAuth(credentials, case["service"], case["region"],
                                 expires=case["expires"]).add_auth(request)
    query = request.url.split("?", 1)[1]
    if token_after and token:
        query += "&X-Amz-Security-Token=" + percent_encode(token)
    return query


def run_tool(tool, cases):
    text = "".join(json.dumps(c) + "\n" for c in cases)
    result = subprocess.run([os.path.abspath(tool)], input=text, capture_output=True, text=True, check=True)
    lines = result.stdout.splitlines()
    if len(lines) != len(cases):
        raise RuntimeError(f"sigv4_tool answered {len(lines)} lines for {len(cases)} cases")
    return [json.loads(line) for line in lines]


def tamper(rng, verify):
    kind = rng.choice(["method", "path", "body", "query", "signature"])
    if kind == "method":
        verify["method"] = "PUT" if verify["method"] != "PUT" else "POST"
    elif kind == "path":
        verify["path"] += "x"
    elif kind == "body":
        verify["body"] += "!"
    elif kind == "query":
        verify["raw_query"] += ("&" if verify["raw_query"] else "") + "extra=1"
    else:
        headers = verify["headers"]
        for i, (name, value) in enumerate(headers):
            if name.lower() == "authorization":
                last = value[-1]
                headers[i] = (name, value[:-1] + ("0" if last != "0" else "1"))
        if "X-Amz-Signature=" in verify["raw_query"]:
            q = verify["raw_query"]
            at = q.index("X-Amz-Signature=") + len("X-Amz-Signature=")
            verify["raw_query"] = q[:at] + ("0" if q[at] != "0" else "1") + q[at + 1:]
    return kind


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--tool", required=True)
    parser.add_argument("--cases", type=int, default=1500)
    parser.add_argument("--seed", type=int, default=None)
    args = parser.parse_args()
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(1 << 32)
    rng = random.Random(seed)
    started = time.monotonic()
    rerun = f"rerun: {sys.argv[0]} --tool {args.tool} --cases {args.cases} --seed {seed}"
    print(f"botocore {botocore.__version__}, seed {seed}, {args.cases} cases per kind")

    failures = []
    sign_cases = [random_case(rng, "sign") for _ in range(args.cases)]
    presign_cases = [random_case(rng, "presign") for _ in range(args.cases)]
    ours = run_tool(args.tool, sign_cases + presign_cases)

    verify_cases, expect_ok = [], []
    for i, case in enumerate(sign_cases):
        request = botocore_sign(case)
        want = request.headers["Authorization"]
        got = dict(ours[i].get("headers", [])).get("Authorization", ours[i].get("error"))
        if got != want:
            failures.append(("sign", case, want, got, ours[i].get("canonical_request")))
        headers = [("Host", case["host"])] + [(k, v) for k, v in request.headers.items()
                                               if k.lower() != "host"]
        verify = dict(case, op="verify", headers=headers,
                      raw_query=percent_encode_sequence(case["query"]),
                      now=case["time"] + rng.randint(-200, 200))
        verify_cases.append(verify)
        expect_ok.append(True)
        tampered = json.loads(json.dumps(verify))
        tamper(rng, tampered)
        verify_cases.append(tampered)
        expect_ok.append(False)
    for i, case in enumerate(presign_cases):
        want = botocore_presign(case)
        got = ours[len(sign_cases) + i].get("query", ours[len(sign_cases) + i].get("error"))
        if got != want:
            failures.append(("presign", case, want, got,
                             ours[len(sign_cases) + i].get("canonical_request")))
        verify = dict(case, op="verify", headers=[("Host", case["host"])] + case["headers"],
                      raw_query=want, now=case["time"] + rng.randint(0, case["expires"]))
        verify_cases.append(verify)
        expect_ok.append(True)
        tampered = json.loads(json.dumps(verify))
        tamper(rng, tampered)
        verify_cases.append(tampered)
        expect_ok.append(False)

    verdicts = run_tool(args.tool, verify_cases)
    for case, want_ok, verdict in zip(verify_cases, expect_ok, verdicts):
        if verdict.get("ok") != want_ok:
            failures.append(("verify", case, "accepted" if want_ok else "refused",
                             f"{verdict.get('rejection')}: {verdict.get('reason')}", None))

    elapsed = time.monotonic() - started
    if failures:
        for kind, case, want, got, canonical in failures[:5]:
            print(f"\n{kind} differs for {json.dumps(case)}\n  botocore: {want!r}\n"
                  f"  ours:     {got!r}\n  our canonical request: {canonical!r}")
        print(f"\n{len(failures)} failures; seed {seed}; {rerun}")
        return 1
    print(f"ok: {len(sign_cases)} Authorization headers and {len(presign_cases)} presigned "
          f"queries equal botocore's; {len(verify_cases)} verifications as expected; "
          f"{elapsed:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
