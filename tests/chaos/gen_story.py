#!/usr/bin/env python3
"""Deterministic data for the pipeline chaos run: a roster, quotas and canonical deal events.

Deals only ever move forward (open -> won, amount corrections while open, a few discounts over
the limit), so the set of event-driven decisions does not depend on the order in which the
pipeline happens to apply credits: it can be predicted by `qw-evaluator simulate`.
Every tenth event is delivered twice, as CRMs do.
"""
import random
import sys

out = sys.argv[1]
reps = int(sys.argv[2]) if len(sys.argv) > 2 else 40
deals = int(sys.argv[3]) if len(sys.argv) > 3 else 400
rnd = random.Random(20261127)

with open(f"{out}/roster.csv", "w") as f:
    f.write("rep_id,name,email,slack_user_id,manager_id,team_id,hire_date,leave,cohort,recognition_opt_out\n")
    for r in range(reps):
        f.write(f"chaos-{r:03d},Rep {r},rep{r}@example.com,U{r:05d},mgr-{r % 4},team-{r % 4},2023-01-01,,,false\n")
with open(f"{out}/quotas.csv", "w") as f:
    f.write("rep_id,period,amount,currency,version\n")
    for r in range(reps):
        f.write(f"chaos-{r:03d},2026-11,{rnd.choice([20000, 30000, 40000, 60000])}.00,EUR,chaos-v1\n")

events = []
for d in range(deals):
    rep = f"chaos-{rnd.randrange(reps):03d}"
    day = rnd.randrange(1, 20)
    amount = rnd.randrange(1000, 15000)
    cur = rnd.choice(["EUR", "EUR", "USD"])
    v = 1
    ev = {"deal_id": f"C-{d}", "version": v, "event_time": f"2026-11-{day:02d}T09:00:00Z",
          "status": "open", "amount": f"{amount}.00", "currency": cur, "owner_id": rep,
          "close_date": f"2026-11-{day + 5:02d}"}
    events.append(ev)
    if rnd.random() < 0.3:  # an amount correction while still open
        v += 1
        amount += rnd.randrange(100, 3000)
        events.append({"deal_id": f"C-{d}", "version": v, "event_time": f"2026-11-{day:02d}T10:00:00Z",
                       "amount": f"{amount}.00", "currency": cur})
    if rnd.random() < 0.7:  # won
        v += 1
        won = {"deal_id": f"C-{d}", "version": v, "event_time": f"2026-11-{day:02d}T11:00:00Z",
               "status": "won", "close_date": f"2026-11-{day:02d}"}
        if rnd.random() < 0.05:
            won["discount_percent"] = "40"
        events.append(won)
import json
with open(f"{out}/events.jsonl", "w") as f:
    for i, e in enumerate(events):
        line = json.dumps(e, separators=(",", ":"))
        f.write(line + "\n")
        if i % 10 == 0:
            f.write(line + "\n")
print(f"{len(events)} events over {deals} deals and {reps} reps", file=sys.stderr)
