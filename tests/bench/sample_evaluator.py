#!/usr/bin/env python3
"""Sample a running qw-evaluator's /metrics every 50 ms until it has applied TARGET credits.

usage: sample_evaluator.py MODE METRICS_URL PID TARGET [CLOCK_FILE AT_FRACTION TIME]

Prints one JSON line: credits applied, wall seconds (first to last applied credit), credits per
second, CPU seconds of PID (from /proc) and per CPU-second, and the longest stall: the longest
time the applied counter did not move while credits were still pending, and when it began
(seconds after the first applied credit); with the batches that took over a second and the
Redis errors, to tell where a stall came from. With CLOCK_FILE, TIME
is written to it once AT_FRACTION of TARGET is applied (moving the evaluator's business clock,
e.g. past a pacing checkpoint, so the calendar job runs while credits flow); the calendar
metrics are then reported as well, with the longest stall that began after the clock moved
(longest_stall_after_clock_ms: what the job cost consumption, not the first batch's load)."""
import json
import os
import sys
import time
import urllib.request


def metrics(url):
    try:
        with urllib.request.urlopen(url, timeout=2) as r:
            text = r.read().decode()
    except OSError:
        return None
    out = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name, _, value = line.rpartition(" ")
            out[name] = float(value)
    return out


def cpu(pid):
    with open("/proc/%s/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main():
    mode, url, pid, target = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    clock_file = sys.argv[5] if len(sys.argv) > 5 else None
    at = float(sys.argv[6]) if clock_file else 2.0
    when = sys.argv[7] if clock_file else None
    t0 = c0 = a0 = None
    last_a, last_move, stall, stall_at, moved = 0, None, 0.0, 0.0, False
    jstall, jstall_at, t_moved = 0.0, 0.0, None  # the longest stall after the clock moved
    while True:
        m = metrics(url)
        now = time.monotonic()
        a = int(m.get("qw_evaluator_credits_applied_total", 0)) if m else last_a
        if t0 is None and a > 0:
            t0, c0, a0, last_move = now, cpu(pid), a, now
        if a != last_a:
            if last_move is not None and now - last_move > stall:
                stall, stall_at = now - last_move, last_move - t0
            if t_moved is not None and last_move >= t_moved and now - last_move > jstall:
                jstall, jstall_at = now - last_move, time.time() - (now - last_move)
            last_move, last_a = now, a
        if clock_file and not moved and a >= at * target:
            with open(clock_file + ".tmp", "w") as f:
                f.write(when + "\n")
            os.replace(clock_file + ".tmp", clock_file)
            moved, t_moved = True, now
        if a >= target:
            break
        os.kill(int(pid), 0)  # raises when the evaluator died
        time.sleep(0.05)
    t1, c1 = time.monotonic(), cpu(pid)
    n = target - a0
    res = {"mode": mode, "records": n, "seconds": round(t1 - t0, 3), "per_s": round(n / (t1 - t0)),
           "cpu_seconds": round(c1 - c0, 3), "per_cpu_s": round(n / max(c1 - c0, 1e-9)),
           "longest_stall_ms": round(stall * 1000), "stall_began_at_s": round(stall_at, 2)}
    m = metrics(url) or {}
    # Batches (poll to commit) that took over 1 s: the stall was inside the evaluator.
    res["batches_over_1s"] = int(m.get("qw_evaluator_batch_seconds_count", 0) -
                                 m.get('qw_evaluator_batch_seconds_bucket{le="1.000000"}', 0))
    res["redis_errors"] = int(m.get("qw_evaluator_redis_errors_total", 0))
    for why in ("held", "stale"):
        res["batches_redone_" + why] = int(
            m.get('qw_evaluator_batches_redone_total{reason="%s"}' % why, 0))
    if clock_file:
        res["longest_stall_after_clock_ms"] = round(jstall * 1000)
        # When it began (wall clock, UTC), to place it among the calendar job's log lines.
        res["that_stall_began"] = time.strftime("%H:%M:%S", time.gmtime(jstall_at)) + \
            ".%03d" % int((jstall_at % 1) * 1000)
    if clock_file:
        # The step may still be writing: wait for it (a minute at most).
        for _ in range(1200):
            m = metrics(url) or {}
            if m.get("qw_evaluator_calendar_steps_total", 0) + \
                    m.get("qw_evaluator_calendar_failures_total", 0) > 0:
                break
            time.sleep(0.05)
        for k in ("steps_total", "failures_total"):
            res["calendar_" + k] = int(m.get("qw_evaluator_calendar_" + k, 0))
        for k in ("step", "hold"):
            res["calendar_%s_seconds" % k] = round(m.get("qw_evaluator_calendar_%s_seconds_sum" % k, 0), 3)
    print(json.dumps(res))


main()
