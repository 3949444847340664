#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Signs one request with botocore's SigV4Auth (an independent signer) and
prints the headers to add, one "Name: value" per line, for gateway_test.cc.
The keys come from GW_ACCESS_KEY_ID and GW_SECRET_ACCESS_KEY. Exit 77 when
botocore is not installed (scripts/install-deps.sh installs it)."""
import argparse
import os
import sys

try:
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials
except ImportError:
    sys.exit(77)

parser = argparse.ArgumentParser()
parser.add_argument("--method", required=True)
parser.add_argument("--url", required=True)
parser.add_argument("--body", default="")
parser.add_argument("--region", required=True)
parser.add_argument("--service", default="iotdata")
args = parser.parse_args()

credentials = Credentials(os.environ["GW_ACCESS_KEY_ID"], os.environ["GW_SECRET_ACCESS_KEY"])
request = AWSRequest(method=args.method, url=args.url, data=args.body.encode())
SigV4Auth(credentials, args.service, args.region).add_auth(request)
for name in ("X-Amz-Date", "X-Amz-Security-Token", "Authorization"):
    if name in request.headers:
        print(f"{name}: {request.headers[name]}")
