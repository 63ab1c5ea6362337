"""Checks the alert rules and the Grafana dashboard against what running services export.

usage: ops_observability_check.py ALERTS.yml DASHBOARD.json OPERATIONS.md METRICS_FILE...
Every metric an expression names must be exported by some service (a histogram by its _bucket
series), and every label an expression groups by must exist on one of its metrics; the
dashboard must be Grafana-loadable JSON (unique panel ids, a datasource and a query per target,
grid positions inside the 24 columns)."""
import json
import re
import sys

alerts_path, dash_path, ops_path, metric_files = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]


def anchor(heading):
    """GitHub's anchor of a heading: lower case, punctuation dropped, spaces to dashes."""
    h = heading.strip().lower()
    h = re.sub(r"[^\w\- ]", "", h)
    return h.replace(" ", "-")


anchors = {anchor(l.lstrip("#")) for l in open(ops_path) if l.startswith("#")}

exported = {}  # series name -> set of label names
for f in metric_files:
    for line in open(f):
        if not line.strip() or line.startswith("#"):
            continue
        m = re.match(r"([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([^}]*)\})?\s", line)
        if not m:
            continue
        labels = set(re.findall(r'([a-zA-Z_][a-zA-Z0-9_]*)="', m.group(3) or ""))
        exported.setdefault(m.group(1), set()).update(labels)

FUNCS = {"sum", "max", "min", "count", "rate", "increase", "histogram_quantile", "by", "unless",
         "and", "or", "on", "le", "without", "avg", "deriv", "topk", "bottomk", "abs", "up"}
ALWAYS = {"job", "instance", "le"}  # added by Prometheus, or the bucket bound


def metrics_of(expr):
    names = set(re.findall(r"\b((?:qw|process)_[a-z0-9_]+)", expr))
    if re.search(r"\bup\{", expr) or re.search(r"\bup\s*==", expr):
        names.add("up")
    return names


problems = []


def check(where, expr):
    names = metrics_of(expr)
    if not names:
        problems.append(f"{where}: no metric in {expr!r}")
    labels_seen = set()
    for n in names:
        if n == "up":  # Prometheus's own
            continue
        if n in exported:
            labels_seen |= exported[n]
        elif n.endswith("_bucket") and n in exported:
            labels_seen |= exported[n]
        else:
            problems.append(f"{where}: {n} is not exported by any running service")
    for grp in re.findall(r"\bby\s*\(([^)]*)\)", expr):
        for lab in (x.strip() for x in grp.split(",")):
            if lab and lab not in ALWAYS and lab not in labels_seen and "up" not in names:
                problems.append(f"{where}: groups by '{lab}', which {sorted(names)} do not carry")
    for sel in re.findall(r"\{([^}]*)\}", expr):
        for lab in re.findall(r'([a-zA-Z_][a-zA-Z0-9_]*)\s*=~?', sel):
            if lab not in ALWAYS and lab not in labels_seen and "up" not in names:
                problems.append(f"{where}: selects on '{lab}', which {sorted(names)} do not carry")


# Alert rules (the YAML is simple: expr is either one line or a | block).
text = open(alerts_path).read()
nrules = 0
for m in re.finditer(r"- alert: (\w+)\n\s+expr: (\|\n((?:\s{10,}.*\n)+)|(.*)\n)", text):
    nrules += 1
    expr = m.group(3) if m.group(3) else m.group(4)
    check(f"alert {m.group(1)}", " ".join(expr.split()))
for m in re.finditer(r"runbook: docs/operations\.md#(\S+)", text):
    if m.group(1) not in anchors:
        problems.append(f"runbook link #{m.group(1)} has no heading in docs/operations.md")
if nrules < 10:
    problems.append(f"only {nrules} alert rules parsed")

d = json.load(open(dash_path))
for key in ("title", "uid", "panels", "schemaVersion"):
    if key not in d:
        problems.append(f"dashboard: no {key}")
ids = set()
for p in d["panels"]:
    if p["id"] in ids:
        problems.append(f"dashboard: panel id {p['id']} twice")
    ids.add(p["id"])
    g = p["gridPos"]
    if g["x"] + g["w"] > 24 or g["w"] <= 0 or g["h"] <= 0:
        problems.append(f"dashboard: panel {p['title']} outside the grid")
    if not p.get("targets"):
        problems.append(f"dashboard: panel {p['title']} has no query")
    for t in p["targets"]:
        if "datasource" not in t or not t.get("expr"):
            problems.append(f"dashboard: panel {p['title']} target {t.get('refId')} incomplete")
        else:
            check(f"panel '{p['title']}'", t["expr"].replace("${datasource}", ""))

for pr in problems:
    print("observability:", pr, file=sys.stderr)
if problems:
    sys.exit(1)
print(f"observability: {nrules} alerts and {len(d['panels'])} panels match the exported metrics "
      f"({len(exported)} series names from {len(metric_files)} services)")
