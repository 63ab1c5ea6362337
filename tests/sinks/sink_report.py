#!/usr/bin/python3
"""Counts what a sink received: sink_report.py LOG [--prefix /slack/team] [--smtp --rcpt ADDR]

For the HTTP sink, each request answered 200 (and, from the Slack API, "ok": true) under the
path prefix is one delivery, identified by its webhook-id header, else by the decision id in
the body ("decision <id>" in Slack messages, "id" in CloudEvents). For the SMTP sink (--smtp), by Message-ID. Prints one JSON
object: {"deliveries": n, "distinct": n, "duplicates": n, "ids": [...], "statuses": {...}}."""
import argparse
import json
import re

p = argparse.ArgumentParser()
p.add_argument("log")
p.add_argument("--prefix", default="/")
p.add_argument("--smtp", action="store_true")
p.add_argument("--rcpt")
a = p.parse_args()

ids, statuses = [], {}
try:
    lines = open(a.log, encoding="utf-8").read().splitlines()
except FileNotFoundError:
    lines = []
for line in lines:
    e = json.loads(line)
    if a.smtp:
        if a.rcpt and a.rcpt not in e["rcpt_tos"]:
            continue
        ids.append(e["message_id"])
        continue
    if not e["path"].startswith(a.prefix):
        continue
    statuses[str(e["status"])] = statuses.get(str(e["status"]), 0) + 1
    if e["status"] != 200 or e.get("slack_ok") is False:  # Slack API errors come as 200
        continue
    wid = e["headers"].get("webhook-id")
    if not wid:
        m = re.search(r"decision ([A-Za-z0-9_.:-]+)", e["body"])
        if m:
            wid = m.group(1)
        else:
            try:
                wid = json.loads(e["body"]).get("id")
            except ValueError:
                wid = None
    ids.append(wid)
print(json.dumps({"deliveries": len(ids), "distinct": len(set(ids)),
                  "duplicates": len(ids) - len(set(ids)), "ids": sorted(set(i or "" for i in ids)),
                  "statuses": statuses}))
