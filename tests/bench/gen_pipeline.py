#!/usr/bin/env python3
"""Canonical deal events, roster and quotas for tests/bench/pipeline.sh.

  gen_pipeline.py --events N --deals D --reps R --out DIR [--prefix P] [--seed S]

Writes DIR/events.jsonl (one canonical JSON event per line, docs/formats/canonical-json.md),
DIR/roster.csv and DIR/quotas.csv (docs/formats/csv.md; teams of 10, quota 50000.00 EUR for
2026-11). Each deal gets about N/D events in version order: created open in November 2026, then
a mix of amount, stage, owner, split and close-date edits, wins, losses and reopens, so that the
ledger emits credits, deltas and clawbacks. Deals are interleaved at random (each deal's own
order kept), as many CRM users editing at once would produce them.
"""
import argparse
import json
import os
import random


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--events", type=int, default=50000)
    ap.add_argument("--deals", type=int, default=5000)
    ap.add_argument("--reps", type=int, default=500)
    ap.add_argument("--prefix", default="D")
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    rng = random.Random(a.seed)
    reps = ["rep-%04d" % i for i in range(a.reps)]
    deals = ["%s%06d" % (a.prefix, i) for i in range(a.deals)]
    # How many events each deal gets: every deal at least one, the rest at random.
    count = {d: 1 for d in deals}
    for _ in range(a.events - a.deals):
        count[rng.choice(deals)] += 1
    tokens = [d for d in deals for _ in range(count[d])]
    rng.shuffle(tokens)
    ver = {d: 0 for d in deals}
    won = {d: False for d in deals}

    def day():
        return "2026-11-%02d" % rng.randint(1, 19)

    def money():
        return "%d.%02d" % (rng.randint(500, 30000), rng.randint(0, 99))

    with open(os.path.join(a.out, "events.jsonl"), "w") as f:
        for n, d in enumerate(tokens):
            ver[d] += 1
            ev = {"deal_id": d, "version": ver[d], "event_time": 1795000000000 + n}
            if ver[d] == 1:
                ev.update(status="open", amount=money(), currency=rng.choice(["EUR"] * 4 + ["USD"]),
                          owner_id=rng.choice(reps), close_date=day(), stage="qualification")
            else:
                k = rng.random()
                if k < 0.30 and not won[d]:
                    ev["status"] = "won"
                    won[d] = True
                elif k < 0.50:
                    ev["amount"] = money()
                    ev["currency"] = "EUR"
                elif k < 0.60:
                    ev["stage"] = rng.choice(["proposal", "negotiation", "contract"])
                elif k < 0.68:
                    ev["owner_id"] = rng.choice(reps)
                elif k < 0.76:
                    who = rng.sample(reps, 2)
                    ev["splits"] = [{"rep_id": who[0], "percent": 60},
                                    {"rep_id": who[1], "percent": 40}]
                elif k < 0.84:
                    ev["close_date"] = day()
                elif k < 0.90:
                    ev["discount_percent"] = rng.choice([5, 10, 35])
                elif won[d]:
                    ev["status"] = rng.choice(["open", "lost"])
                    won[d] = False
                else:
                    ev["status"] = "won"
                    won[d] = True
            f.write(json.dumps(ev, separators=(",", ":")) + "\n")
    with open(os.path.join(a.out, "roster.csv"), "w") as f:
        f.write("rep_id,name,manager_id,team_id,hire_date,cohort\n")
        for i, r in enumerate(reps):
            f.write("%s,Rep %d,mgr-%03d,team-%03d,2021-03-01,c%d\n" % (r, i, i // 10, i // 10, i % 3))
    with open(os.path.join(a.out, "quotas.csv"), "w") as f:
        f.write("rep_id,period,amount,currency,version\n")
        for r in reps:
            f.write("%s,2026-11,50000.00,EUR,2026-11-v1\n" % r)


if __name__ == "__main__":
    main()
