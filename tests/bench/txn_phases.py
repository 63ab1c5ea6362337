#!/usr/bin/env python3
"""Where an ingest transaction's time goes, from a qw-ingest log written with
`-X debug=eos --log-level debug` (pipeline_side_by_side.sh with QW_BENCH_TXN_TRACE=1).

  txn_phases.py INGEST_LOG [SINCE_EPOCH_MS]

Prints p50/p90 of each phase over the transactions that carried records (begun after
SINCE_EPOCH_MS when given), and how many met CONCURRENT_TRANSACTIONS: the broker still writing
the previous commit's markers, which makes librdkafka retry the next AddPartitionsToTxn.
Each producer's transactions are followed apart (qw-ingest has two in turn; the log line names
the librdkafka handle first)."""
import sys, json, datetime

since = float(sys.argv[2]) if len(sys.argv) > 2 else 0
def t(s): return datetime.datetime.fromisoformat(s.replace('Z', '+00:00')).timestamp() * 1000
rows, open_ = [], {}
for line in open(sys.argv[1]):
    try: j = json.loads(line)
    except ValueError: continue
    if j.get('event') != 'kafka.log': continue
    ts, m = t(j['ts']), j['msg']
    name = m.split(' ', 1)[0] if m.startswith('rdkafka#') else ''
    if 'begin_transaction return' in m:
        open_[name] = {'b': ts, 'conc': 0} if ts >= since else None
        continue
    cur = open_.get(name)
    if cur is None: continue
    if 'as part of transaction' in m: cur.setdefault('p', ts)
    elif 'registered with transaction' in m: cur['reg'] = ts
    elif 'CONCURRENT_TRANSACTIONS' in m: cur['conc'] += 1
    elif 'send_offsets_to_transaction (in' in m: cur['so'] = ts
    elif 'send_offsets_to_transaction return' in m: cur['sr'] = ts
    elif 'commit_transaction (in' in m: cur['c'] = ts
    elif 'flush complete' in m: cur['f'] = ts
    elif 'commit_transaction return' in m:
        cur['r'] = ts
        if 'p' in cur and 'so' in cur and 'f' in cur: rows.append(cur)
        open_[name] = None
if not rows: sys.exit("no transaction with records in the trace")
def pct(xs, q): xs = sorted(xs); return xs[min(len(xs) - 1, int(q * len(xs)))]
phases = [("begin -> first record produced (batch processed)", lambda r: r['p'] - r['b']),
          ("-> send_offsets called (rest produced, marks, positions)", lambda r: r['so'] - r['p']),
          ("send_offsets_to_transaction", lambda r: r.get('sr', r['c']) - r['so']),
          ("-> commit called (the previous transaction's commit awaited)", lambda r: r['c'] - r.get('sr', r['c'])),
          ("commit_transaction (flush + EndTxn)", lambda r: r['r'] - r['c']),
          ("whole transaction (begin -> commit returned)", lambda r: r['r'] - r['b']),
          ("of which: first record -> partitions registered", lambda r: r.get('reg', r['p']) - r['p'])]
print("T. %d transactions with records; %d of them met CONCURRENT_TRANSACTIONS (the previous commit's markers not yet written) %d times"
      % (len(rows), sum(1 for r in rows if r['conc']), sum(r['conc'] for r in rows)))
for name, f in phases:
    xs = [f(r) for r in rows]
    print("T. %-62s p50 %4.0f ms, p90 %4.0f ms" % (name, pct(xs, .5), pct(xs, .9)))
