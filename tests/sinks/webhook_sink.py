#!/usr/bin/python3
"""An HTTP sink that behaves like the endpoints qw-notifier talks to (standard library only).

Every request is recorded as one JSON line in --log: time, path, headers, body, the status
answered and why. Behaviour by path prefix:
  /slack/...  Slack incoming webhook rules: a JSON object with `text` or `blocks`, at most 50
              blocks, header text plain_text of at most 150 characters, section text at most
              3000, top-level text at most 40000; errors answered as Slack does (400 and a
              plain-text code: invalid_payload, no_text, invalid_blocks).
  /api/chat.postMessage  Slack Web API with a bot token, as Slack checks it: Authorization
              "Bearer <--slack-token>" (else not_authed / invalid_auth), a JSON body whose
              `channel` is one of --slack-users (else channel_not_found) and the message rules
              above; answered as Slack does, HTTP 200 with {"ok": true, ...} or
              {"ok": false, "error": code} (recorded with "slack_ok").
  /hr/..., /webhook/...  Standard Webhooks: webhook-id, webhook-timestamp (within 5 minutes)
              and a v1 HMAC-SHA256 webhook-signature made with --secret; 401 otherwise.
  anything else: 200.
Control (POST /_control, JSON):
  {"action": "fail", "prefix": "/slack/x", "status": 429, "count": 3, "retry_after": 2,
   "body": "rate_limited"}   answer the next `count` requests under prefix with status
  {"action": "down", "seconds": 60}   stop listening (connection refused) for that long
  {"action": "reset"}                 forget pending failures
GET /_stats answers the number of recorded requests by status.
"""
import argparse
import base64
import hashlib
import hmac
import json
import socketserver
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer

LOCK = threading.Lock()
FAILS = []  # [prefix, status, remaining, retry_after, body]
STATS = {}
ARGS = None


def record(entry):
    with LOCK:
        STATS[entry["status"]] = STATS.get(entry["status"], 0) + 1
        with open(ARGS.log, "a", encoding="utf-8") as f:
            f.write(json.dumps(entry, ensure_ascii=False) + "\n")
            f.flush()


def slack_check(body):
    """Slack's documented payload rules; returns None when fine, else Slack's error code."""
    try:
        msg = json.loads(body)
    except ValueError:
        return "invalid_payload"
    if not isinstance(msg, dict):
        return "invalid_payload"
    text, blocks = msg.get("text"), msg.get("blocks")
    if not text and not blocks:
        return "no_text"
    if text is not None and (not isinstance(text, str) or len(text) > 40000):
        return "invalid_payload"
    if blocks is None:
        return None
    if not isinstance(blocks, list) or len(blocks) > 50:
        return "invalid_blocks"
    for b in blocks:
        if not isinstance(b, dict) or "type" not in b:
            return "invalid_blocks"
        t = b["type"]
        if t == "header":
            tx = b.get("text") or {}
            if tx.get("type") != "plain_text" or not isinstance(tx.get("text"), str) \
                    or len(tx["text"]) > 150 or not tx["text"]:
                return "invalid_blocks"
        elif t == "section":
            tx = b.get("text")
            fields = b.get("fields")
            if tx is None and not fields:
                return "invalid_blocks"
            if tx is not None and (not isinstance(tx.get("text"), str) or len(tx["text"]) > 3000
                                   or tx.get("type") not in ("mrkdwn", "plain_text")):
                return "invalid_blocks"
            if fields is not None:
                if not isinstance(fields, list) or len(fields) > 10:
                    return "invalid_blocks"
                for f in fields:
                    if not isinstance(f.get("text"), str) or len(f["text"]) > 2000:
                        return "invalid_blocks"
        elif t == "context":
            els = b.get("elements")
            if not isinstance(els, list) or not els or len(els) > 10:
                return "invalid_blocks"
    return None


def slack_api_check(headers, body):
    """chat.postMessage as Slack answers it: None when accepted, else Slack's error code."""
    auth = headers.get("authorization", "")
    if not auth:
        return "not_authed"
    if not ARGS.slack_token or not hmac.compare_digest(auth, "Bearer " + ARGS.slack_token):
        return "invalid_auth"
    if not headers.get("content-type", "").startswith("application/json"):
        return "invalid_arguments"
    try:
        msg = json.loads(body)
    except ValueError:
        return "invalid_json"
    if not isinstance(msg, dict):
        return "json_not_object"
    if msg.get("channel") not in ARGS.slack_users.split(","):
        return "channel_not_found"
    return slack_check(body)


def signature_check(headers, body):
    """Standard Webhooks verification; returns None when fine, else the reason."""
    mid, ts, sig = (headers.get("webhook-id"), headers.get("webhook-timestamp"),
                    headers.get("webhook-signature"))
    if not (mid and ts and sig):
        return "missing webhook headers"
    try:
        tsi = int(ts)
    except ValueError:
        return "bad webhook-timestamp"
    if abs(time.time() - tsi) > 300:
        return "webhook-timestamp too old or too new"
    secret = ARGS.secret
    if secret.startswith("whsec_"):
        secret = secret[6:]
    key = base64.b64decode(secret)
    mac = hmac.new(key, mid.encode() + b"." + ts.encode() + b"." + body, hashlib.sha256).digest()
    want = "v1," + base64.b64encode(mac).decode()
    for s in sig.split(" "):
        if hmac.compare_digest(s, want):
            return None
    return "bad signature"


class Handler(BaseHTTPRequestHandler):
    # One request per connection: "down" must refuse every new request, kept-alive ones too.
    protocol_version = "HTTP/1.0"

    def log_message(self, fmt, *args):  # quiet: the JSON log is the record
        pass

    def reply(self, status, body, extra=None):
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        if self.path == "/_stats":
            with LOCK:
                self.reply(200, json.dumps(STATS))
            return
        self.reply(404, "not found")

    def do_POST(self):
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n)
        if self.path == "/_control":
            self.control(json.loads(body or b"{}"))
            return
        headers = {k.lower(): v for k, v in self.headers.items()}
        status, answer, why, extra = 200, "ok", "", {}
        with LOCK:
            for f in FAILS:
                if self.path.startswith(f[0]) and f[2] > 0:
                    f[2] -= 1
                    status, answer, why = f[1], f[4] or "injected", "injected"
                    if f[3] is not None:
                        extra["Retry-After"] = str(f[3])
                    break
        if status == 200 and self.path.startswith("/slack/"):
            err = slack_check(body)
            if err:
                status, answer, why = 400, err, "slack rules"
        slack_ok = None
        if status == 200 and self.path.startswith("/api/"):
            err = slack_api_check(headers, body) if self.path == "/api/chat.postMessage" \
                else "unknown_method"
            slack_ok = err is None
            answer = json.dumps({"ok": True, "channel": "D" + json.loads(body)["channel"][1:],
                                 "ts": "%.6f" % time.time()} if slack_ok
                                else {"ok": False, "error": err})
            why = "" if slack_ok else "slack api: " + err
        if status == 200 and (self.path.startswith("/hr/") or self.path.startswith("/webhook/")) \
                and ARGS.secret:
            err = signature_check(headers, body)
            if err:
                status, answer, why = 401, err, err
        if ARGS.delay_ms:
            time.sleep(ARGS.delay_ms / 1000.0)
        entry = {"t": time.time(), "path": self.path, "headers": headers,
                 "body": body.decode("utf-8", "replace"), "status": status, "why": why}
        if slack_ok is not None:
            entry["slack_ok"] = slack_ok
        record(entry)
        self.reply(status, answer, extra)

    def control(self, cmd):
        action = cmd.get("action")
        if action == "fail":
            with LOCK:
                FAILS.append([cmd.get("prefix", "/"), int(cmd.get("status", 500)),
                              int(cmd.get("count", 1)), cmd.get("retry_after"),
                              cmd.get("body", "")])
            self.reply(200, "ok")
        elif action == "reset":
            with LOCK:
                FAILS.clear()
            self.reply(200, "ok")
        elif action == "down":
            self.reply(200, "ok")
            threading.Thread(target=go_down, args=(float(cmd.get("seconds", 60)),),
                             daemon=True).start()
        else:
            self.reply(400, "unknown action")


class Server(socketserver.ThreadingMixIn, HTTPServer):
    allow_reuse_address = True
    daemon_threads = True


SERVER = None


def go_down(seconds):
    """Stop listening (clients get connection refused), then listen again on the same port."""
    global SERVER
    old = SERVER
    old.shutdown()
    old.server_close()
    print(f"sink: down for {seconds} s", file=sys.stderr, flush=True)
    time.sleep(seconds)
    SERVER = Server(("127.0.0.1", ARGS.port), Handler)
    print("sink: up again", file=sys.stderr, flush=True)
    threading.Thread(target=SERVER.serve_forever, daemon=True).start()


def main():
    global ARGS, SERVER
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--log", required=True)
    p.add_argument("--secret", default="", help="whsec_... for Standard Webhooks checks")
    p.add_argument("--delay-ms", type=int, default=0, help="answer every request this late")
    p.add_argument("--slack-token", default="", help="the bot token /api/ accepts")
    p.add_argument("--slack-users", default="", help="Slack user ids /api/ knows, comma-separated")
    ARGS = p.parse_args()
    SERVER = Server(("127.0.0.1", ARGS.port), Handler)
    threading.Thread(target=SERVER.serve_forever, daemon=True).start()
    print(f"sink: listening on {ARGS.port}", file=sys.stderr, flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
