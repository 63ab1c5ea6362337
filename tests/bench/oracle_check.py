#!/usr/bin/env python3
"""Is what the evaluator credited (qw-test-state's dump) the generator's oracle to the cent?

  oracle_check.py ORACLE_JSON STATE_JSONL LABEL [ROUNDS]

ROUNDS: the workload was replayed that many times with new deal ids (soak_rss.sh), so each
rep-quarter must hold ROUNDS times the oracle's cents. Prints "LABEL exact: ..." or
"LABEL NOT EXACT: ..." and exits 1 then."""
import collections, json, sys

label = sys.argv[3]
rounds = int(sys.argv[4]) if len(sys.argv) > 4 else 1
oracle = {k: v * rounds for k, v in json.load(open(sys.argv[1]))["credited"].items()}
got = collections.Counter()
for line in open(sys.argv[2]):
    s = json.loads(line)
    if "period" in s and s.get("credited_minor"):
        got["%s:%s" % (s["rep_id"], s["period"])] += s["credited_minor"]
got = {k: v for k, v in got.items() if v}
bad = {k: (got.get(k), oracle.get(k)) for k in set(got) | set(oracle) if got.get(k) != oracle.get(k)}
if bad:
    print("%s NOT EXACT: %d of %d rep-quarters differ, e.g. %s" % (label, len(bad), len(oracle), list(bad.items())[:5]))
    sys.exit(1)
print("%s exact: %d rep-quarters, %d cents, equal to the oracle%s"
      % (label, len(oracle), sum(oracle.values()), " times the rounds" if rounds > 1 else ""))
