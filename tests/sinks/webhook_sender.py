#!/usr/bin/python3
"""Sends CRM webhooks the way the vendors do (standard library only): one request per input
line (a body), signed or authenticated per source, retried on any non-2xx as HubSpot and
Pipedrive retry (honouring Retry-After, else exponential backoff), until a 2xx or
--max-attempts. Each request's outcome is one JSON line on stdout:
  {"line": N, "statuses": [503, 503, 200], "ok": true, "retry_after": ["1", "1"]}

  --source hubspot    X-HubSpot-Signature-v3 = base64(HMAC-SHA256(secret, "POST" + URI + body +
                      X-HubSpot-Request-Timestamp)), URI = --url exactly as called; the
                      timestamp is in milliseconds
  --source pipedrive  Authorization: Basic base64(--user-pass)
  --source canonical  Standard Webhooks: webhook-id, webhook-timestamp (s), webhook-signature
                      "v1,<base64 HMAC-SHA256(key, id.ts.body)>" with key = base64 part of whsec_

Faults for negative tests: --tamper (flip a body byte after signing), --skew-s (timestamp
this many seconds off), --no-auth. --concurrency N sends N lines at once; --interval-s
stretches a run so that a test can kill something in the middle of it.
"""
import argparse
import base64
import hashlib
import hmac
import json
import ssl
import sys
import threading
import time
import urllib.error
import urllib.request


def sign_headers(args, url, body, attempt_ts):
    h = {"Content-Type": "application/json"}
    if args.no_auth:
        return h
    if args.source == "hubspot":
        ts = str(int((attempt_ts + args.skew_s) * 1000))
        msg = b"POST" + url.encode() + body + ts.encode()
        sig = base64.b64encode(hmac.new(args.secret.encode(), msg, hashlib.sha256).digest())
        h["X-HubSpot-Signature-v3"] = sig.decode()
        h["X-HubSpot-Request-Timestamp"] = ts
        h["X-HubSpot-Signature-Version"] = "v3"
    elif args.source == "pipedrive":
        h["Authorization"] = "Basic " + base64.b64encode(args.user_pass.encode()).decode()
    else:
        ts = str(int(attempt_ts + args.skew_s))
        mid = "msg_%d_%d" % (threading.get_ident(), int(attempt_ts * 1e6))
        key = base64.b64decode(args.secret.split("_", 1)[1])
        mac = hmac.new(key, mid.encode() + b"." + ts.encode() + b"." + body, hashlib.sha256)
        h["webhook-id"] = mid
        h["webhook-timestamp"] = ts
        h["webhook-signature"] = "v1," + base64.b64encode(mac.digest()).decode()
    return h


def send_one(args, url, body, out, lineno, lock):
    statuses, retry_afters = [], []
    delay = args.backoff_s
    for attempt in range(args.max_attempts):
        headers = sign_headers(args, url, body, time.time())
        data = body
        if args.tamper and data:
            m = len(data) // 2
            data = data[:m] + bytes([data[m] ^ 0x01]) + data[m + 1:]
        req = urllib.request.Request(url, data=data, method="POST", headers=headers)
        retry_after = None
        try:
            with urllib.request.urlopen(req, timeout=args.timeout_s, context=args.tls) as r:
                statuses.append(r.status)
                if 200 <= r.status < 300:
                    break
        except urllib.error.HTTPError as e:
            statuses.append(e.code)
            retry_after = e.headers.get("Retry-After")
            if retry_after:
                retry_afters.append(retry_after)
        except (urllib.error.URLError, OSError):
            statuses.append(0)  # connection refused/reset/timeout: retried like a 5xx
        if not args.retry:
            break
        wait = float(retry_after) if retry_after else delay
        time.sleep(min(wait, args.max_wait_s))
        delay = min(delay * 2, args.max_wait_s)
    ok = bool(statuses) and 200 <= statuses[-1] < 300
    with lock:
        out.write(json.dumps({"line": lineno, "statuses": statuses, "ok": ok,
                              "retry_after": retry_afters}) + "\n")
        out.flush()


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--source", required=True, choices=["hubspot", "pipedrive", "canonical"])
    p.add_argument("--url", required=True, help="the URL to POST to (HubSpot signs it as given)")
    p.add_argument("--secret", default="", help="HubSpot client secret or whsec_ secret")
    p.add_argument("--user-pass", default="", help="Pipedrive user:password")
    p.add_argument("--file", default="-", help="bodies, one per line")
    p.add_argument("--max-attempts", type=int, default=10)
    p.add_argument("--no-retry", dest="retry", action="store_false")
    p.add_argument("--backoff-s", type=float, default=0.5)
    p.add_argument("--max-wait-s", type=float, default=5.0)
    p.add_argument("--timeout-s", type=float, default=15.0)
    p.add_argument("--concurrency", type=int, default=1)
    p.add_argument("--tamper", action="store_true")
    p.add_argument("--skew-s", type=float, default=0.0)
    p.add_argument("--no-auth", action="store_true")
    p.add_argument("--cafile", help="trust this CA (PEM) for an https:// --url")
    p.add_argument("--interval-s", type=float, default=0.0,
                   help="pause of each worker between bodies (to stretch a run for fault tests)")
    args = p.parse_args()
    args.tls = ssl.create_default_context(cafile=args.cafile) if args.cafile else None
    src = sys.stdin.buffer if args.file == "-" else open(args.file, "rb")
    bodies = [l.rstrip(b"\n") for l in src if l.strip()]
    lock = threading.Lock()
    idx = [0]

    def worker():
        while True:
            with lock:
                i = idx[0]
                idx[0] += 1
            if i >= len(bodies):
                return
            send_one(args, args.url, bodies[i], sys.stdout, i + 1, lock)
            if args.interval_s:
                time.sleep(args.interval_s)

    ts = [threading.Thread(target=worker) for _ in range(max(1, args.concurrency))]
    for t in ts:
        t.start()
    for t in ts:
        t.join()


if __name__ == "__main__":
    main()
