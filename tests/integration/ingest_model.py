#!/usr/bin/env python3
"""Test data and an independent model of what qw-ingest must produce (tests/integration/ingest_*.sh).

  ingest_model.py gen --seed S --deals N --reps R --events E --invalid K --out DIR
      DIR/events.jsonl   canonical events, one per line, in the order to produce them
      DIR/expected.json  {"totals": {"<rep>|<YYYY-MM>": base minor units}, "dlq": [...]}
  ingest_model.py check --expected DIR/expected.json --credits CREDITS.jsonl --dlq DLQ.jsonl
      compares what `qwctl tail credits|dlq` printed with the model; exit 1 and a report on any
      difference.

The model does not share code with the ledger: it keeps each deal's latest value per field
and computes what stands credited at the end (won, with close date, currency and a rep), the
way docs/ledger.md defines it. Credits are deltas, so their per-(rep, month) sum must equal
that final standing exactly, whatever crashes happened on the way.
"""
import argparse
import collections
import json
import random
import sys

# deploy/policy.example.yaml: base EUR; rates as base units per unit.
RATES_PCT = {"EUR": 100, "USD": 92, "GBP": 117}


def to_base(minor, cur):
    """Minor units of cur -> EUR cents, rounding half away from zero (qw_money_convert)."""
    num, den = minor * RATES_PCT[cur], 100
    q, r = divmod(abs(num), den)
    if 2 * r >= den:
        q += 1
    return q if num >= 0 else -q


def split_amount(total, bps):
    """Each share rounded toward zero, the remainder to the largest share (first of equals)."""
    parts = [(abs(total) * bp // 10000) * (1 if total >= 0 else -1) for bp in bps]
    big = 0
    for i, bp in enumerate(bps):
        if bp > bps[big]:
            big = i
    parts[big] += total - sum(parts)
    return parts


def day(rng, month):
    return "2026-%02d-%02d" % (month, rng.randint(1, 28))


def gen(a):
    rng = random.Random(a.seed)
    reps = ["rep-%02d" % i for i in range(a.reps)]
    deals = {}
    for i in range(a.deals):
        deals["D-%03d" % i] = {"v": 0, "f": {}}
    events = []  # (line, None) valid, or (line, reason) invalid
    ids = sorted(deals)

    def event(did, patch):
        d = deals[did]
        d["v"] += 1
        body = {"deal_id": did, "version": d["v"], "event_time": 1767225600000 + len(events)}
        body.update(patch)
        return body

    def money(cur):
        return "%d.%02d" % (rng.randint(100, 200000), rng.randint(0, 99))

    n_valid = a.events - a.invalid
    for _ in range(n_valid):
        did = rng.choice(ids)
        d = deals[did]
        if d["v"] == 0:
            cur = rng.choice(["EUR", "EUR", "EUR", "USD", "GBP"])
            patch = {"status": "open", "amount": money(cur), "currency": cur,
                     "owner_id": rng.choice(reps), "close_date": day(rng, rng.randint(1, 6))}
        else:
            cur = d["f"].get("currency", "EUR")
            k = rng.random()
            if k < 0.30:
                patch = {"status": "won"}
                if rng.random() < 0.3:
                    patch["close_date"] = day(rng, rng.randint(1, 6))
            elif k < 0.45:
                patch = {"amount": money(cur), "currency": cur}
                if rng.random() < 0.2:  # currency change with the amount
                    c2 = rng.choice(["EUR", "USD", "GBP"])
                    patch = {"amount": money(c2), "currency": c2}
            elif k < 0.57:
                patch = {"owner_id": rng.choice(reps)}
            elif k < 0.69:
                patch = {"close_date": day(rng, rng.randint(1, 6))}  # often another month
            elif k < 0.77:
                patch = {"status": "open"}  # reopen
            elif k < 0.83:
                patch = {"status": "lost"}
            elif k < 0.93:
                n = rng.randint(2, 3)
                who = rng.sample(reps, n)
                pct = [50, 50] if n == 2 and rng.random() < 0.5 else (
                    [60, 40] if n == 2 else [33.34, 33.33, 33.33])
                patch = {"splits": [{"rep_id": r, "percent": p} for r, p in zip(who, pct)]}
            else:
                patch = {"splits": []}  # back to the owner
        body = event(did, patch)
        for key, val in patch.items():
            d["f"][key] = val
        events.append((json.dumps(body, separators=(",", ":")), None))

    # Unusable events, spread over the stream; none of them may change any deal.
    bad = [
        (lambda did: '{"deal_id":"%s","version":' % did, "not_json"),
        (lambda did: '{"version":1,"status":"won"}', "no_deal_id"),
        (lambda did: json.dumps(event(did, {"amount": "-10.00", "currency": "EUR"})),
         "negative_amount"),
        (lambda did: json.dumps(event(did, {"amount": "ten", "currency": "EUR"})), "bad_amount"),
        (lambda did: json.dumps(event(did, {"amount": "10.00", "currency": "EURO"})),
         "unknown_currency"),
        # ISO 4217 but not in the policy's rate table: refused by the ledger, not the adapter.
        (lambda did: json.dumps(event(did, {"amount": "1000", "currency": "JPY", "status": "won"})),
         "unknown_currency"),
        (lambda did: json.dumps(event(did, {"splits": [{"rep_id": "rep-00", "percent": 50},
                                                       {"rep_id": "rep-01", "percent": 40}]})),
         "bad_splits"),
    ]
    dlq = []
    for i in range(a.invalid):
        mk, reason = bad[i % len(bad)]
        line = mk(rng.choice(ids))
        pos = rng.randint(0, len(events))
        events.insert(pos, (line, reason))
    for line, reason in events:
        if reason:
            dlq.append({"value": line, "reason": reason})

    totals = collections.Counter()
    won = 0
    for did, d in deals.items():
        f = d["f"]
        if f.get("status") != "won" or "close_date" not in f or "currency" not in f:
            continue
        won += 1
        cur = f["currency"]
        whole, frac = f["amount"].split(".")
        minor = int(whole) * 100 + int(frac)
        base = to_base(minor, cur)
        splits = f.get("splits") or []
        if splits:
            bps = [int(round(float(s["percent"]) * 100)) for s in splits]
            who = [s["rep_id"] for s in splits]
        else:
            bps, who = [10000], [f["owner_id"]]
        month = f["close_date"][:7]
        for rep, part in zip(who, split_amount(base, bps)):
            totals["%s|%s" % (rep, month)] += part

    with open(a.out + "/events.jsonl", "w") as o:
        for line, _ in events:
            o.write(line + "\n")
    with open(a.out + "/expected.json", "w") as o:
        json.dump({"totals": totals, "dlq": dlq, "won_deals": won, "events": len(events)}, o)
    print("%d events (%d invalid), %d deals won at the end, %d (rep, month) totals"
          % (len(events), len(dlq), won, len(totals)), file=sys.stderr)


def read_jsonl(path):
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def check(a):
    exp = json.load(open(a.expected))
    problems = []
    credits = read_jsonl(a.credits)
    seen = collections.Counter(c["value"]["id"] for c in credits)
    dups = [i for i, n in seen.items() if n > 1]
    if dups:
        problems.append("%d credit ids appear more than once, e.g. %s" % (len(dups), dups[:5]))
    got = collections.Counter()
    for c in credits:
        v = c["value"]
        if c.get("key") != v["rep_id"]:
            problems.append("credit %s keyed %r, not by its rep" % (v["id"], c.get("key")))
        got["%s|%s" % (v["rep_id"], v["close_date"][:7])] += int(v.get("amount_minor", 0))
    got = {k: n for k, n in got.items() if n}
    want = {k: n for k, n in exp["totals"].items() if n}
    for k in sorted(set(got) | set(want)):
        if got.get(k, 0) != want.get(k, 0):
            problems.append("total %s: got %d, expected %d" % (k, got.get(k, 0), want.get(k, 0)))
    dlq = read_jsonl(a.dlq)
    got_dlq = collections.Counter((d["value"], d["headers"].get("qw.error.reason")) for d in dlq)
    want_dlq = collections.Counter((d["value"], d["reason"]) for d in exp["dlq"])
    for k in sorted(set(got_dlq) | set(want_dlq)):
        if got_dlq[k] != want_dlq[k]:
            problems.append("dead letter %s (%s): got %d, expected %d"
                            % (k[0][:80], k[1], got_dlq[k], want_dlq[k]))
    for d in dlq:
        h = d["headers"]
        for name in ("qw.error.message", "qw.source.topic", "qw.source.partition",
                     "qw.source.offset"):
            if not h.get(name):
                problems.append("dead letter without header %s: %s" % (name, d["value"][:80]))
    print("%d credits, %d distinct ids, %d (rep, month) totals (%d expected), %d dead letters"
          % (len(credits), len(seen), len(got), len(want), len(dlq)), file=sys.stderr)
    for p in problems[:40]:
        print("MISMATCH: " + p, file=sys.stderr)
    return 1 if problems else 0


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    g = sub.add_parser("gen")
    g.add_argument("--seed", type=int, default=1)
    g.add_argument("--deals", type=int, default=200)
    g.add_argument("--reps", type=int, default=20)
    g.add_argument("--events", type=int, default=3000)
    g.add_argument("--invalid", type=int, default=28)
    g.add_argument("--out", required=True)
    c = sub.add_parser("check")
    c.add_argument("--expected", required=True)
    c.add_argument("--credits", required=True)
    c.add_argument("--dlq", required=True)
    a = p.parse_args()
    sys.exit(gen(a) if a.cmd == "gen" else check(a))


if __name__ == "__main__":
    main()
