"""For the evaluator tests that hold the service to `qw-evaluator simulate` (imported by their
inline Python, with tests/integration on sys.path): a sale written as both see it, and the
comparison of their decisions."""
import json

# The fields of a decision both must agree on (ids aside).
KEYS = ("type", "rep_id", "team_id", "period", "attainment_bp", "credited_minor", "quota_minor",
        "quota_version", "withdraws")


def write_sale(deals, credits, n, rep, amount_minor, day):
    """Deal D<n> won by rep on day (YYYY-MM-DD): a canonical deal for simulate, its credit entry
    for qw.credits.v1."""
    deals.write(json.dumps({"deal_id": "D%d" % n, "version": 1, "event_time": day + "T10:00:00Z",
        "status": "won", "amount": "%d.%02d" % (amount_minor // 100, amount_minor % 100),
        "currency": "USD", "owner_id": rep, "close_date": day}) + "\n")
    credits.write(json.dumps({"id": "canonical:D%d:1:%s" % (n, rep),
        "deal_id": "canonical:D%d" % n, "deal_version": 1, "rep_id": rep, "kind": "credit",
        "amount_minor": amount_minor, "currency": "USD", "close_date": day, "reason": "won",
        "event_time_ms": 0}) + "\n")


def load(paths):
    """id -> KEYS values over decision JSON lines; (that, repeats). A repeated id must carry the
    same values (a relay re-publishes after a crash; simulate runs may overlap)."""
    out, repeats = {}, 0
    for path in paths:
        for line in open(path):
            o = json.loads(line)
            v = tuple(o[k] for k in KEYS)
            if o["id"] in out:
                repeats += 1
                if out[o["id"]] != v:
                    raise SystemExit("id %s twice with different content: %s / %s" % (
                        o["id"], out[o["id"]], v))
            out[o["id"]] = v
    return out, repeats


def differ(sim, svc):
    """None when equal, else what differs."""
    if sim == svc:
        return None
    only_sim = sorted(set(sim) - set(svc))
    only_svc = sorted(set(svc) - set(sim))
    diff = [i for i in sim if i in svc and sim[i] != svc[i]]
    return "only in simulate (%d): %s\nonly in the service (%d): %s\ndifferent: %s" % (
        len(only_sim), only_sim[:5], len(only_svc), only_svc[:5],
        [(i, sim[i], svc[i]) for i in diff[:5]])


def same_as_simulate(sim_paths, svc_path):
    """Exits with what differs unless the service's decisions in svc_path equal simulate's in
    sim_paths; else (the service's decisions, how many ids it published again)."""
    sim, _ = load(sim_paths)
    svc, repeats = load([svc_path])
    diff = differ(sim, svc)
    if diff:
        raise SystemExit(diff)
    return svc, repeats
