#!/usr/bin/python3
"""A HubSpot webhook workload with its oracle, for the gateway's integration test (the
benchmarks use ../shared/bench/gen_hubspot.py; this one lives in the repo so that a clean
clone's tests need nothing outside it).

  hubspot_workload.py --deals N --reps R --seed S --out BODIES --oracle ORACLE

BODIES: one POST body per line, a JSON array of 1..6 deal.propertyChange events as HubSpot
sends them (occurredAt order across deals). Each deal gets an owner, an amount, a close date
and a closed stage; some are then moved to another owner, re-priced or reopened-and-lost, and
some events are sent twice (HubSpot's retries, attemptNumber 1). ORACLE: {"credited":
{"<owner>:<YYYY-Qn>": cents}} over the deals whose last stage is closedwon, at their last
amount and owner, in the quarter of their close date."""
import argparse
import datetime
import json
import random

JAN_2026_MS = 1767225600000
DAY_MS = 86400000


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--deals", type=int, default=300)
    p.add_argument("--reps", type=int, default=8)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--out", required=True)
    p.add_argument("--oracle", required=True)
    a = p.parse_args()
    rng = random.Random(a.seed)
    events = []
    final = {}

    def change(deal, at, name, value):
        events.append({"eventId": len(events) + 100, "subscriptionId": 5500 + len(name),
                       "portalId": 4242, "appId": 2450011, "occurredAt": at,
                       "subscriptionType": "deal.propertyChange", "attemptNumber": 0,
                       "objectId": deal, "propertyName": name, "propertyValue": value,
                       "changeSource": "CRM_UI", "sourceId": "userId:7"})

    for i in range(a.deals):
        deal = 77000000000 + i
        at = JAN_2026_MS + rng.randrange(0, 330 * DAY_MS)
        owner = 7100 + rng.randrange(a.reps)
        cents = rng.randrange(500, 2500000)
        close = at + rng.randrange(0, 20 * DAY_MS)
        stage = rng.choice(["closedwon"] * 4 + ["closedlost"])
        first = len(events)
        change(deal, at, "hubspot_owner_id", str(owner))
        change(deal, at + 1, "amount", "%d.%02d" % divmod(cents, 100))
        change(deal, at + 2, "closedate", str(close))
        change(deal, at + 3, "dealstage", stage)
        twist = rng.random()
        if twist < 0.08:
            owner = 7100 + rng.randrange(a.reps)
            change(deal, at + 50, "hubspot_owner_id", str(owner))
        elif twist < 0.16:
            cents = rng.randrange(500, 2500000)
            change(deal, at + 50, "amount", "%d.%02d" % divmod(cents, 100))
        elif twist < 0.20:
            stage = "closedlost"
            change(deal, at + 50, "dealstage", stage)
        if rng.random() < 0.05:
            again = dict(events[rng.randrange(first, len(events))])
            again["attemptNumber"] = 1
            events.append(again)
        d = datetime.datetime.fromtimestamp(close / 1000, datetime.timezone.utc)
        final[deal] = (owner, cents, stage, "%d-Q%d" % (d.year, (d.month - 1) // 3 + 1))
    events.sort(key=lambda e: (e["occurredAt"], e["eventId"]))
    with open(a.out, "w") as f:
        i = 0
        while i < len(events):
            n = rng.randint(1, 6)
            f.write(json.dumps(events[i:i + n], separators=(",", ":")) + "\n")
            i += n
    credited = {}
    for owner, cents, stage, quarter in final.values():
        if stage == "closedwon":
            key = "%d:%s" % (owner, quarter)
            credited[key] = credited.get(key, 0) + cents
    with open(a.oracle, "w") as f:
        json.dump({"events": len(events), "credited": credited}, f)


if __name__ == "__main__":
    main()
