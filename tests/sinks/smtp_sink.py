#!/usr/bin/python3
"""A real SMTP server for tests (Debian's python3-aiosmtpd): every message received is written
as one JSON line to --log with the envelope, the headers that matter and the decoded parts.
With --cert/--key it offers STARTTLS, and --require-tls refuses mail before it."""
import argparse
import email
import email.policy
import json
import signal
import ssl
import sys
import threading
import time

from aiosmtpd.controller import Controller

LOCK = threading.Lock()


class Handler:
    def __init__(self, log):
        self.log = log

    async def handle_DATA(self, server, session, envelope):
        msg = email.message_from_bytes(envelope.original_content or envelope.content,
                                       policy=email.policy.default)
        parts = {}
        for part in msg.walk():
            ct = part.get_content_type()
            if ct in ("text/plain", "text/html"):
                parts[ct] = part.get_content()
        entry = {
            "t": time.time(),
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "tls": session.ssl is not None,
            "message_id": msg.get("Message-ID"),
            "date": msg.get("Date"),
            "from": msg.get("From"),
            "to": msg.get("To"),
            "subject": str(msg.get("Subject")),
            "content_type": msg.get_content_type(),
            "text": parts.get("text/plain"),
            "html": parts.get("text/html"),
        }
        with LOCK, open(self.log, "a", encoding="utf-8") as f:
            f.write(json.dumps(entry, ensure_ascii=False) + "\n")
        return "250 Message accepted for delivery"


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--log", required=True)
    p.add_argument("--cert")
    p.add_argument("--key")
    p.add_argument("--require-tls", action="store_true")
    a = p.parse_args()
    kw = {}
    if a.cert:
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(a.cert, a.key)
        kw["tls_context"] = ctx
        kw["require_starttls"] = a.require_tls
    c = Controller(Handler(a.log), hostname="127.0.0.1", port=a.port, **kw)
    c.start()
    print(f"smtp sink: listening on {a.port}", file=sys.stderr, flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()
    c.stop()


if __name__ == "__main__":
    main()
