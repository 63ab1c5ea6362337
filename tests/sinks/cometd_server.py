#!/usr/bin/python3
"""A Salesforce emulator for qw-salesforce and qwctl resync (standard library only): the OAuth
token endpoint, the Streaming API (CometD/Bayeux long polling with the replay extension) and
the REST reads of gap repair, checking what Salesforce checks.

OAuth, POST /services/oauth2/token (form body):
  grant_type=client_credentials  client_id/client_secret must be --client-id/--client-secret
  grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer  assertion = an RS256 JWT: header alg
      RS256, signature verified with `openssl dgst -sha256 -verify` against --jwt-public-key,
      iss = --client-id, sub = --username, aud = this server's base URL (the login URL), exp in
      the future and at most 5 minutes ahead.
  Success: {"access_token", "instance_url" (this server), "token_type": "Bearer", ...};
  refusals as Salesforce answers them: 400 {"error": "invalid_client" | "invalid_grant", ...}.
Streaming API, POST /cometd/<version> (JSON array of Bayeux messages):
  every request needs "Authorization: Bearer <a token this server issued>" (else HTTP 401);
  /meta/handshake gives a clientId and sets the BAYEUX_BROWSER cookie, which every later request
  of that client must send back (else 403::Unknown client, as a Salesforce pod does without it);
  /meta/subscribe needs a known clientId, the channel --channel and ext.replay.{channel}: a
  replay id older than the retention gets Salesforce's 400 "The replayId {N} you provided was
  invalid..." error; -2 = every retained event, -1 = new ones only, N = events after N;
  /meta/connect needs a known clientId and a subscription first; it holds the poll up to
  --poll-timeout seconds and answers with at most --batch events after the client's position
  (after --connect-delay seconds),
  replay ids increasing; a dropped client gets 403::Unknown client with advice handshake.
REST (Bearer token): GET /services/data/v<ver>/sobjects/Opportunity/<id> -> the record set
  through control, or 404 [{"errorCode": "NOT_FOUND"}]; GET /crm/v3/objects/deals/<id> (HubSpot,
  token --hubspot-token) -> the HubSpot record set through control.
Control (POST /_control, JSON {"action": ...}):
  publish {"events": [payload, ...]}        append change events (payload = the CDC body)
  drop_clients                              forget every client (next request: 403)
  expire {"before": N}                      drop retained events with replay id < N
  revoke_tokens                             every token issued so far becomes invalid (401)
  record {"id": ..., "record": {...}}       a Salesforce Opportunity for REST (null: 404)
  hubspot_record {"id": ..., "record": {...}}
GET /_stats: counters (logins, handshakes, subscribes with their replay ids, connects, 403s,
  refusals by reason, events delivered, the latest replay id).
--events FILE publishes one payload per line at start.
"""
import argparse
import base64
import json
import os
import secrets
import subprocess
import tempfile
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

INVALID_REPLAY = ("400::The replayId {%d} you provided was invalid.  Please provide a valid ID, "
                  "-2 to replay all events, or -1 to replay only new events.")


class State:
    def __init__(self, args):
        self.args = args
        self.cond = threading.Condition()
        self.events = []  # (replay_id, payload)
        self.next_replay = args.first_replay
        self.tokens = set()
        self.clients = {}  # clientId -> {"cookie", "position" or None}
        self.records = {}
        self.hubspot = {}
        self.stats = {"logins": 0, "login_refused": 0, "handshakes": 0, "subscribes": [],
                      "connects": 0, "unknown_client": 0, "unauthorized": 0,
                      "connect_before_subscribe": 0, "replay_invalid": 0, "delivered": 0,
                      "rest_reads": 0, "cookie_missing": 0}

    def publish(self, payloads):
        with self.cond:
            for p in payloads:
                self.events.append((self.next_replay, p))
                self.next_replay += 1
            self.cond.notify_all()

    def latest(self):
        return self.next_replay - 1

    def oldest(self):
        return self.events[0][0] if self.events else self.next_replay


def b64url_dec(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    st = None  # set in main

    def log_message(self, fmt, *a):
        if self.st.args.verbose:
            super().log_message(fmt, *a)

    def reply(self, status, obj, headers=()):
        body = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def bearer(self):
        a = self.headers.get("Authorization") or ""
        return a[7:] if a.startswith("Bearer ") else None

    def base_url(self):
        return "http://127.0.0.1:%d" % self.server.server_address[1]

    # ---- OAuth -------------------------------------------------------------------------
    def token(self):
        st, a = self.st, self.st.args
        form = urllib.parse.parse_qs(self.body().decode(), keep_blank_values=True)
        g = form.get("grant_type", [""])[0]
        err = None
        if g == "client_credentials":
            if form.get("client_id", [""])[0] != a.client_id or \
                    form.get("client_secret", [""])[0] != a.client_secret:
                err = ("invalid_client", "invalid client credentials")
        elif g == "urn:ietf:params:oauth:grant-type:jwt-bearer":
            err = self.check_jwt(form.get("assertion", [""])[0])
        else:
            err = ("unsupported_grant_type", "grant type not supported")
        with st.cond:
            if err:
                st.stats["login_refused"] += 1
                return self.reply(400, {"error": err[0], "error_description": err[1]})
            st.stats["logins"] += 1
            tok = "00D" + secrets.token_urlsafe(24)
            st.tokens.add(tok)
        self.reply(200, {"access_token": tok, "instance_url": self.base_url(),
                         "id": self.base_url() + "/id/00Dxx0000001gPL/005xx000001SwiU",
                         "token_type": "Bearer", "issued_at": str(int(time.time() * 1000)),
                         "signature": base64.b64encode(os.urandom(32)).decode()})

    def check_jwt(self, jwt):
        a = self.st.args
        parts = jwt.split(".")
        if len(parts) != 3:
            return ("invalid_grant", "invalid assertion")
        try:
            head = json.loads(b64url_dec(parts[0]))
            claims = json.loads(b64url_dec(parts[1]))
            sig = b64url_dec(parts[2])
        except ValueError:
            return ("invalid_grant", "invalid assertion")
        if head.get("alg") != "RS256":
            return ("invalid_grant", "invalid assertion: alg")
        if not a.jwt_public_key:
            return ("invalid_grant", "no certificate registered")
        with tempfile.NamedTemporaryFile() as sf, tempfile.NamedTemporaryFile() as df:
            sf.write(sig)
            sf.flush()
            df.write((parts[0] + "." + parts[1]).encode())
            df.flush()
            ok = subprocess.run(["openssl", "dgst", "-sha256", "-verify", a.jwt_public_key,
                                 "-signature", sf.name, df.name],
                                capture_output=True).returncode == 0
        if not ok:
            return ("invalid_grant", "invalid assertion: signature")
        now = time.time()
        if claims.get("iss") != a.client_id:
            return ("invalid_client_id", "client identifier invalid")
        if claims.get("sub") != a.username:
            return ("invalid_grant", "user hasn't approved this consumer")
        if claims.get("aud") != self.base_url():
            return ("invalid_grant", "audience is invalid")
        exp = claims.get("exp")
        if not isinstance(exp, int) or exp < now or exp > now + 300:
            return ("invalid_grant", "expired authorization code")
        return None

    # ---- Bayeux ------------------------------------------------------------------------
    def cometd(self):
        st = self.st
        tok = self.bearer()
        raw = self.body()  # read before any answer: the connection is kept alive
        with st.cond:
            if tok not in st.tokens:
                st.stats["unauthorized"] += 1
                return self.reply(401, [{"error": "401::Authentication invalid",
                                         "successful": False, "advice": {"reconnect": "none"}}])
        try:
            msgs = json.loads(raw)
            assert isinstance(msgs, list) and msgs and all(isinstance(m, dict) for m in msgs)
        except (ValueError, AssertionError):
            return self.reply(400, [{"successful": False, "error": "400::bad message"}])
        out, headers = [], []
        for m in msgs:
            ch = m.get("channel")
            if ch == "/meta/handshake":
                out.append(self.handshake(m, headers))
            elif ch == "/meta/subscribe":
                out.append(self.subscribe(m))
            elif ch == "/meta/connect":
                out.extend(self.connect(m))
            elif ch == "/meta/disconnect":
                with st.cond:
                    st.clients.pop(m.get("clientId"), None)
                out.append({"channel": ch, "clientId": m.get("clientId"), "successful": True})
            else:
                out.append({"channel": ch, "successful": False, "error": "400::unknown channel"})
        self.reply(200, out, headers)

    def client(self, m):
        """The client of a message, if known and its cookie came back; else None."""
        c = self.st.clients.get(m.get("clientId"))
        if c is None:
            return None
        cookie = self.headers.get("Cookie") or ""
        if ("BAYEUX_BROWSER=" + c["cookie"]) not in cookie:
            self.st.stats["cookie_missing"] += 1
            return None
        return c

    def unknown(self, m):
        self.st.stats["unknown_client"] += 1
        return {"channel": m.get("channel"), "clientId": m.get("clientId"), "successful": False,
                "error": "403::Unknown client", "advice": {"reconnect": "handshake", "interval": 0}}

    def handshake(self, m, headers):
        st = self.st
        with st.cond:
            st.stats["handshakes"] += 1
            cid = secrets.token_hex(12)
            cookie = secrets.token_hex(8)
            st.clients[cid] = {"cookie": cookie, "position": None}
        headers.append(("Set-Cookie", "BAYEUX_BROWSER=%s; Path=/; HttpOnly" % cookie))
        return {"channel": "/meta/handshake", "clientId": cid, "version": "1.0",
                "minimumVersion": "1.0", "supportedConnectionTypes": ["long-polling"],
                "successful": True, "ext": {"replay": True, "payload.format": True},
                "advice": {"reconnect": "retry", "interval": 0,
                           "timeout": int(st.args.poll_timeout * 1000)}}

    def subscribe(self, m):
        st = self.st
        sub = m.get("subscription")
        base = {"channel": "/meta/subscribe", "clientId": m.get("clientId"), "subscription": sub}
        with st.cond:
            c = self.client(m)
            if c is None:
                return self.unknown(m)
            if sub != st.args.channel:
                return dict(base, successful=False, error="403::Unknown channel")
            replay = ((m.get("ext") or {}).get("replay") or {}).get(sub)
            if not isinstance(replay, int) or isinstance(replay, bool):
                return dict(base, successful=False, error="400::replay extension missing")
            st.stats["subscribes"].append(replay)
            if replay == -2:
                pos = st.oldest() - 1
            elif replay == -1:
                pos = st.latest()
            elif replay < st.oldest() - 1 or replay > st.latest():
                st.stats["replay_invalid"] += 1
                return dict(base, successful=False, error=INVALID_REPLAY % replay)
            else:
                pos = replay
            c["position"] = pos
        return dict(base, successful=True)

    def connect(self, m):
        st = self.st
        deadline = time.time() + st.args.poll_timeout
        with st.cond:
            st.stats["connects"] += 1
            c = self.client(m)
            if c is None:
                return [self.unknown(m)]
            if c["position"] is None:
                st.stats["connect_before_subscribe"] += 1
                return [{"channel": "/meta/connect", "clientId": m.get("clientId"),
                         "successful": False, "error": "403::Subscription required",
                         "advice": {"reconnect": "handshake"}}]
            while True:
                if m.get("clientId") not in st.clients:  # dropped meanwhile
                    return [self.unknown(m)]
                ready = [(r, p) for r, p in st.events if r > c["position"]][:st.args.batch]
                left = deadline - time.time()
                if ready or left <= 0:
                    break
                st.cond.wait(left)
            if ready and st.args.connect_delay:
                st.cond.wait(st.args.connect_delay)  # a slower stream (the lock is released)
                if m.get("clientId") not in st.clients:
                    return [self.unknown(m)]
            out = [{"channel": st.args.channel,
                    "data": {"schema": "qwEmuSchema0001", "payload": p,
                             "event": {"replayId": r}}} for r, p in ready]
            if ready:
                c["position"] = ready[-1][0]
                st.stats["delivered"] += len(ready)
        out.append({"channel": "/meta/connect", "clientId": m.get("clientId"), "successful": True,
                    "advice": {"reconnect": "retry", "interval": 0,
                               "timeout": int(st.args.poll_timeout * 1000)}})
        return out

    # ---- REST --------------------------------------------------------------------------
    def rest(self, path):
        st = self.st
        parts = path.split("?")[0].split("/")
        hubspot = path.startswith("/crm/v3/objects/deals/")
        tok = self.bearer()
        with st.cond:
            ok = tok == st.args.hubspot_token if hubspot else tok in st.tokens
            if not ok:
                st.stats["unauthorized"] += 1
                if hubspot:
                    return self.reply(401, {"status": "error", "category": "INVALID_AUTHENTICATION"})
                return self.reply(401, [{"message": "Session expired or invalid",
                                         "errorCode": "INVALID_SESSION_ID"}])
            st.stats["rest_reads"] += 1
            rec = (st.hubspot if hubspot else st.records).get(parts[-1])
        if rec is None:
            if hubspot:
                return self.reply(404, {"status": "error", "category": "OBJECT_NOT_FOUND"})
            return self.reply(404, [{"errorCode": "NOT_FOUND",
                                     "message": "The requested resource does not exist"}])
        self.reply(200, rec)

    # ---- control -----------------------------------------------------------------------
    def control(self):
        st = self.st
        try:
            c = json.loads(self.body())
        except ValueError:
            return self.reply(400, {"error": "not JSON"})
        act = c.get("action")
        if act == "publish":
            st.publish(c["events"])
        else:
            with st.cond:
                if act == "drop_clients":
                    st.clients.clear()
                    st.cond.notify_all()
                elif act == "expire":
                    st.events = [(r, p) for r, p in st.events if r >= c["before"]]
                elif act == "revoke_tokens":
                    st.tokens.clear()
                elif act == "record":
                    st.records[c["id"]] = c["record"]
                elif act == "hubspot_record":
                    st.hubspot[c["id"]] = c["record"]
                else:
                    return self.reply(400, {"error": "unknown action"})
        self.reply(200, {"ok": True, "latest": st.latest()})

    def do_POST(self):
        p = self.path.split("?")[0]
        if p == "/services/oauth2/token":
            return self.token()
        if p.startswith("/cometd/"):
            return self.cometd()
        if p == "/_control":
            return self.control()
        self.reply(404, {"error": "not found"})

    def do_GET(self):
        p = self.path
        if p == "/_stats":
            with self.st.cond:
                s = dict(self.st.stats, latest=self.st.latest(), oldest=self.st.oldest(),
                         clients=len(self.st.clients))
            return self.reply(200, s)
        if p.startswith("/services/data/") and "/sobjects/Opportunity/" in p or \
                p.startswith("/crm/v3/objects/deals/"):
            return self.rest(p)
        self.reply(404, {"error": "not found"})


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--channel", default="/data/OpportunityChangeEvent")
    ap.add_argument("--client-id", required=True)
    ap.add_argument("--client-secret", default="")
    ap.add_argument("--username", default="")
    ap.add_argument("--jwt-public-key", default="")
    ap.add_argument("--hubspot-token", default="")
    ap.add_argument("--events", help="a file of CDC payloads, one JSON object per line")
    ap.add_argument("--first-replay", type=int, default=1000)
    ap.add_argument("--poll-timeout", type=float, default=5.0)
    ap.add_argument("--batch", type=int, default=5)
    ap.add_argument("--connect-delay", type=float, default=0.0,
                    help="seconds a connect with events waits before answering")
    ap.add_argument("--verbose", action="store_true")
    args = ap.parse_args()
    st = State(args)
    if args.events:
        with open(args.events) as f:
            st.publish([json.loads(l) for l in f if l.strip()])
    Handler.st = st
    srv = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    srv.daemon_threads = True
    srv.serve_forever()


if __name__ == "__main__":
    main()
