#!/usr/bin/env bash
# qw-web on the real stack (issue 12): the roster and quotas published, CRM events through
# qw-ingest and qw-evaluator, then qw-web rebuilt from the topics. Checks every row of the
# authorization table (docs/web.md) through the trusted header, that the header is ignored from
# a peer that is not a trusted proxy, that the numbers are the evaluator's (and simulate's) to
# the minor unit and basis point, that a duplicate CRM delivery counts once, that a credit
# produced while qw-web runs shows up, and that a restart rebuilds the same numbers.
source "$(dirname "$0")/lib.sh"
qw_it_init

source "$QW_SRC/tests/integration/web_common.bash"
web_it_pipeline

WEB_PORT="$(qw_it_free_port)" WEB_ADMIN="$(qw_it_free_port)"
start_web() {
    qw_it_bg web "$QW_BIN/qw-web" --policy "$POLICY" --listen "127.0.0.1:$WEB_PORT" \
        --http-port "$WEB_ADMIN" --trusted-proxy 127.0.0.1 --fake-now "$NOW"
    qw_it_wait_for "curl -fs http://127.0.0.1:$WEB_ADMIN/readyz" 60 || qw_it_fail "qw-web never became ready"
}
start_web

"$QW_BIN/qwctl" tail decisions --until-eof >"$QW_IT_DIR/decisions.jsonl"
"$QW_BIN/qw-evaluator" simulate --policy "$POLICY" --roster "$FIX/roster.csv" \
    --quotas "$FIX/quotas.csv" --deals "canonical:$FIX/events.jsonl" --now "$NOW" \
    >"$QW_IT_DIR/simulate.jsonl" || qw_it_fail "simulate failed"

check() { /usr/bin/python3 - "$WEB_PORT" "$QW_IT_DIR" "$QW_SRC/docs/api/openapi.yaml" "$@" <<'PY'
import http.client, json, re, sys
import jsonschema, yaml  # Debian's python3-jsonschema, python3-yaml (deploy/local/setup.sh)
port, d, spec_path, phase = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]

# Every answer is checked against docs/api/openapi.yaml: the schema of its path and status.
spec = yaml.safe_load(open(spec_path))
resolver = jsonschema.RefResolver.from_schema(spec)
def schema_of(path, status):
    p = path.split("?")[0]
    for tmpl, item in spec["paths"].items():
        if re.fullmatch(re.sub(r"\{[^}]+\}", "[^/]+", tmpl), p):
            resp = item["get"]["responses"].get(str(status))
            if resp is None:
                raise AssertionError(f"{path}: status {status} is not in the OpenAPI file")
            if "$ref" in resp:
                resp = spec["components"]["responses"][resp["$ref"].split("/")[-1]]
            return resp["content"]["application/json"]["schema"]
    return None
checked = 0

def get(path, email=None, source="127.0.0.1"):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10, source_address=(source, 0))
    h = {"X-Forwarded-Email": email} if email else {}
    c.request("GET", path, headers=h)
    r = c.getresponse()
    body = r.read()
    assert r.getheader("X-Content-Type-Options") == "nosniff", path
    if not r.getheader("Content-Type", "").startswith("application/json"):
        return r.status, body
    doc = json.loads(body)
    sch = schema_of(path, r.status) if path.startswith("/api/") else None
    if sch is not None:
        jsonschema.Draft202012Validator(sch, resolver=resolver).validate(doc)
        global checked
        checked += 1
    return r.status, doc

ADA, BOB, CY = "ada@example.com", "bob@example.com", "cy@example.com"
GRACE, TOP, XENA = "grace@example.com", "top@example.com", "xena@example.com"
OLGA, HANA = "olga@example.com", "hana@example.com"

if phase == "rebuilt":
    s, r = get("/api/v1/reps/rep-ada", ADA)
    assert s == 200 and r["credited_minor"] == 5484000 and r["attainment_bp"] == 10968, r
    s, r = get("/api/v1/reps/rep-bob", GRACE)
    assert s == 200 and r["credited_minor"] == 1500000, r
    print("web: a restarted qw-web rebuilt the same numbers from Kafka")
    sys.exit(0)

decisions = [json.loads(l)["value"] for l in open(f"{d}/decisions.jsonl")]
qa = [x for x in decisions if x["type"] == "reward.quota_achieved" and x["rep_id"] == "rep-ada"]
assert len(qa) == 1, decisions
qa = qa[0]
sim = [json.loads(l) for l in open(f"{d}/simulate.jsonl")]
sqa = [x for x in sim if x["type"] == "reward.quota_achieved" and x["rep_id"] == "rep-ada"]
assert len(sqa) == 1, sim
sqa = sqa[0]

# The numbers: the evaluator's decision, simulate and the API agree to the minor unit.
s, r = get("/api/v1/reps/rep-ada", ADA)
assert s == 200, (s, r)
for k in ("credited_minor", "quota_minor", "attainment_bp"):
    assert r[k] == qa[k] == sqa[k], (k, r[k], qa[k], sqa[k])
assert r["credited_minor"] == 5484000 and r["attainment_bp"] == 10968, r  # duplicate W-2 once
assert r["quota_version"] == "2026-plan-v1" and r["currency"] == "EUR", r
assert r["period"]["id"] == "2026-11" and r["period"]["days_left"] == 10, r["period"]
assert r["deals"] == 2 and len(r["credits"]) == 2, r["credits"]
assert {c["deal_id"] for c in r["credits"]} == {"canonical:W-1", "canonical:W-2"}, r["credits"]
assert r["pace"]["target_minor"] == 5000000 * r["pace"]["elapsed_bp"] // 10000, r["pace"]
assert r["pace"]["behind"] is False, r["pace"]

# Who sees what (docs/web.md, the authorization table).
table = [
    # (viewer, path, status)
    (None, "/api/v1/me", 401),
    ("nobody@example.com", "/api/v1/me", 403),
    ("gone@example.com", "/api/v1/me", 403),                 # inactive
    (ADA, "/api/v1/me", 200),
    ("ADA@EXAMPLE.COM", "/api/v1/reps/rep-ada", 200),       # e-mail without case
    (ADA, "/api/v1/reps/rep-bob", 403),                      # a rep sees only themself
    (ADA, "/api/v1/reps/rep-bob/decisions", 403),
    (ADA, "/api/v1/reps/rep-ada/decisions", 200),
    (ADA, "/api/v1/teams/team-east", 403),                   # leaderboard off by default
    (ADA, "/api/v1/health", 403),
    (GRACE, "/api/v1/reps/rep-ada", 200),                    # a manager: their reports
    (GRACE, "/api/v1/reps/rep-bob/decisions", 200),
    (GRACE, "/api/v1/reps/rep-cy", 403),                     # not her report
    (GRACE, "/api/v1/teams/team-east", 200),
    (GRACE, "/api/v1/teams/team-west", 403),
    (GRACE, "/api/v1/health", 403),
    (TOP, "/api/v1/reps/rep-ada", 200),                      # transitively
    (TOP, "/api/v1/reps/mgr-grace", 200),
    (TOP, "/api/v1/reps/rep-cy", 403),
    (XENA, "/api/v1/reps/rep-cy", 200),
    (XENA, "/api/v1/reps/rep-ada", 403),
    (OLGA, "/api/v1/reps/rep-ada", 200),                     # sales ops: every standing
    (OLGA, "/api/v1/reps/rep-cy", 200),
    (OLGA, "/api/v1/teams/team-west", 200),
    (OLGA, "/api/v1/health", 200),
    (HANA, "/api/v1/reps/rep-ada", 403),                     # HR: reviews, not standings
    (HANA, "/api/v1/teams/team-east", 403),
    (HANA, "/api/v1/health", 200),
    (HANA, "/api/v1/reps/rep-ada/decisions", 200),
    (ADA, "/api/v1/reps/rep%01x", 400),                      # a control character
    (ADA, "/api/v1/reps/rep-ada?period=2026-Q4", 404),        # a quarter: no such period
    (ADA, "/api/v1/reps/rep-ada?period=2026-13", 400),
    (ADA, "/api/v1/nothing", 404),
]
bad = []
for who, path, want in table:
    got, body = get(path, who)
    if got != want:
        bad.append(f"{who} GET {path}: {got}, want {want}: {body}")
    if got in (400, 401, 403, 404):
        assert body["error"]["status"] == got and body["error"]["message"], body
assert not bad, "\n".join(bad)

# The trusted header counts only from a trusted proxy: from 127.0.0.2 it is ignored (401).
s, r = get("/api/v1/me", ADA, source="127.0.0.2")
assert s == 401, (s, r)

# Decisions: the rep sees their reward; the reward's numbers are the evaluator's.
s, r = get("/api/v1/reps/rep-ada/decisions", ADA)
ids = [x["id"] for x in r["decisions"]]
assert qa["id"] in ids and r["decisions"][0]["withdrawn_by"] is None, r
s, r = get("/api/v1/decisions/" + qa["id"].replace(":", "%3A"), GRACE)
assert s == 200 and r["credited_minor"] == qa["credited_minor"], (s, r)
s, r = get("/api/v1/decisions/" + qa["id"], CY)
assert s == 403, (s, r)
s, r = get("/api/v1/decisions/d:nope", HANA)
assert s == 404, (s, r)

# A manager's team: her reports only, sorted, nobody else's numbers.
s, r = get("/api/v1/teams/team-east", GRACE)
assert [m["rep_id"] for m in r["members"]] == ["rep-ada", "rep-bob"], r["members"]
assert r["leaderboard"] is None, r
bob = r["members"][1]
assert bob["credited_minor"] == 1000000 and bob["attainment_bp"] == 1000, bob
s, r = get("/api/v1/me", GRACE)
# An inactive report stays visible to the manager (history), though not in team views.
assert r["reports"] == ["rep-ada", "rep-bob", "rep-gone"] and r["person"]["role"] == "manager", r
s, r = get("/api/v1/me", TOP)
assert r["reports"] == ["mgr-grace", "rep-ada", "rep-bob", "rep-gone"], r
s, r = get("/api/v1/health", OLGA)
assert {t["team_id"] for t in r["teams"]} >= {"team-east", "team-west"}, r
assert {c["cohort"] for c in r["fairness"]["cohorts"]} == {"c1", "c2"}, r["fairness"]
# Hostile names go out as JSON data, and the pages are served with a strict CSP.
s, r = get("/api/v1/reps/rep-cy", OLGA)
assert r["rep"]["name"] == "Cy <Script>", r["rep"]
s, body = get("/")
assert s == 200 and b"<html" in body.lower(), body[:80]
s, body = get("/../etc/passwd")
assert s == 404, s
print(f"web: {len(table)} authorization rows, the trusted-proxy rule, numbers equal to the evaluator and simulate; {checked} answers valid against docs/api/openapi.yaml")
PY
}
check first || qw_it_fail "the API is not what the evaluator and the roster say"

# qwctl's views: what qw-web shows that person, as a table or the API's JSON.
Q=("$QW_BIN/qwctl" --web "http://127.0.0.1:$WEB_PORT")
"${Q[@]}" --as grace@example.com rep rep-ada >"$QW_IT_DIR/view.txt" || qw_it_fail "qwctl rep failed"
qw_it_grep -e '54840.00 EUR' "$QW_IT_DIR/view.txt" && qw_it_grep -e '109.7%' "$QW_IT_DIR/view.txt" &&
    qw_it_grep -e 'reward.quota_achieved' "$QW_IT_DIR/view.txt" ||
    qw_it_fail "qwctl rep does not show the numbers and decisions: $(cat "$QW_IT_DIR/view.txt")"
[[ "$("${Q[@]}" --as grace@example.com --json rep rep-ada | jq .credited_minor)" == 5484000 ]] ||
    qw_it_fail "qwctl rep --json is not the API's number"
"${Q[@]}" --as olga@example.com team team-east | qw_it_grep -e 'rep-bob' || qw_it_fail "qwctl team"
"${Q[@]}" --as olga@example.com health | qw_it_grep -e 'Four-fifths' || qw_it_fail "qwctl health"
rc=0; "${Q[@]}" --as ada@example.com rep rep-bob 2>/dev/null || rc=$?
[[ "$rc" == 4 ]] || qw_it_fail "qwctl rep of someone else exits $rc, want 4 (refused)"
rc=0; "${Q[@]}" --as hana@example.com decision d:nope 2>/dev/null || rc=$?
[[ "$rc" == 1 ]] || qw_it_fail "qwctl decision of an unknown id exits $rc, want 1"
rc=0; "$QW_BIN/qwctl" --web "http://127.0.0.1:$(qw_it_free_port)" --as a@b.c health 2>/dev/null || rc=$?
[[ "$rc" == 3 ]] || qw_it_fail "qwctl against no qw-web exits $rc, want 3"

# A credit produced while qw-web runs appears without a restart, and is announced on the event
# streams of those who may see it (bob's manager), not on anyone else's (ada's).
curl -sN -H 'X-Forwarded-Email: grace@example.com' "http://127.0.0.1:$WEB_PORT/api/v1/events" >"$QW_IT_DIR/sse-grace.txt" &
SSE1=$!
curl -sN -H 'X-Forwarded-Email: ada@example.com' "http://127.0.0.1:$WEB_PORT/api/v1/events" >"$QW_IT_DIR/sse-ada.txt" &
SSE2=$!
qw_it_wait_for 'grep -q "event: hello" "$QW_IT_DIR/sse-grace.txt" && grep -q "event: hello" "$QW_IT_DIR/sse-ada.txt"' 10 ||
    qw_it_fail "the event streams did not open"
printf '%s\n' '{"deal_id":"W-5","version":1,"event_time":"2026-11-11T09:00:00Z","status":"won","amount":"5000.00","currency":"EUR","owner_id":"rep-bob","close_date":"2026-11-11"}' >"$QW_IT_DIR/w5.jsonl"
"$QW_BIN/qwctl" produce qw.crm.canonical --key-field deal_id "$QW_IT_DIR/w5.jsonl"
bob_credited() { curl -s -H 'X-Forwarded-Email: grace@example.com' "http://127.0.0.1:$WEB_PORT/api/v1/reps/rep-bob" | jq -r .credited_minor; }
qw_it_wait_for '[[ "$(bob_credited)" == 1500000 ]]' 60 || qw_it_fail "a new credit did not reach qw-web (now $(bob_credited))"
qw_it_wait_for 'grep -q "\"rep_id\":\"rep-bob\"" "$QW_IT_DIR/sse-grace.txt"' 5 ||
    qw_it_fail "bob's manager heard nothing of his new credit: $(cat "$QW_IT_DIR/sse-grace.txt")"
sleep 1
! grep -q 'rep-bob' "$QW_IT_DIR/sse-ada.txt" || qw_it_fail "ada was told of bob's credit"
kill "$SSE1" "$SSE2" 2>/dev/null || true
curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$WEB_PORT/api/v1/events" | qw_it_grep '^401$' ||
    qw_it_fail "an anonymous event stream must be refused"

qw_it_kill web TERM
[[ "$QW_IT_EXIT" == 0 ]] || qw_it_fail "qw-web exited $QW_IT_EXIT on SIGTERM"
start_web
check rebuilt || qw_it_fail "a restart did not rebuild the same numbers"
# OIDC bearer tokens (no trusted proxy at all): a second qw-web verifies RS256 and ES256
# tokens against a JWKS served over HTTP, which rotates — a token with a new kid makes qw-web
# fetch the set again. Expired, wrong-audience and forged tokens are 401; authorization still
# applies to a verified person; the proxy header counts for nothing here.
OIDC="$QW_IT_DIR/oidc"
mkdir -p "$OIDC/www"
/usr/bin/python3 - "$OIDC" <<'PY' || qw_it_fail "could not make the OIDC keys and tokens"
import base64, json, sys, time
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa, utils
d = sys.argv[1]
b64 = lambda b: base64.urlsafe_b64encode(b).rstrip(b"=").decode()
def num(n, size=None):
    return b64(n.to_bytes(size or (n.bit_length() + 7) // 8, "big"))
k1 = rsa.generate_private_key(public_exponent=65537, key_size=2048)
k2 = ec.generate_private_key(ec.SECP256R1())
forger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
pn = k1.public_key().public_numbers()
jwk1 = {"kty": "RSA", "kid": "k1", "use": "sig", "alg": "RS256", "n": num(pn.n), "e": num(pn.e)}
en = k2.public_key().public_numbers()
jwk2 = {"kty": "EC", "kid": "k2", "crv": "P-256", "x": num(en.x, 32), "y": num(en.y, 32)}
json.dump({"keys": [jwk1]}, open(d + "/www/jwks.json", "w"))
json.dump({"keys": [jwk1, jwk2]}, open(d + "/jwks-rotated.json", "w"))
now = int(time.time())
def mint(name, kid, key, email, **over):
    claims = {"iss": "https://login.example.com", "aud": "quotawatch", "exp": now + 600,
              "iat": now, "email": email, "email_verified": True}
    claims.update(over)
    alg = "ES256" if isinstance(key, ec.EllipticCurvePrivateKey) else "RS256"
    inp = (b64(json.dumps({"alg": alg, "kid": kid, "typ": "JWT"}).encode()) + "." +
           b64(json.dumps(claims).encode())).encode()
    if alg == "RS256":
        sig = key.sign(inp, padding.PKCS1v15(), hashes.SHA256())
    else:
        r, s = utils.decode_dss_signature(key.sign(inp, ec.ECDSA(hashes.SHA256())))
        sig = r.to_bytes(32, "big") + s.to_bytes(32, "big")
    open("%s/%s.jwt" % (d, name), "w").write(inp.decode() + "." + b64(sig))
mint("ada", "k1", k1, "ada@example.com")
mint("expired", "k1", k1, "ada@example.com", exp=now - 3600)
mint("wrong_aud", "k1", k1, "ada@example.com", aud="someone-else")
mint("forged", "k1", forger, "olga@example.com")
mint("grace_es", "k2", k2, "grace@example.com")
PY
JWKS_PORT="$(qw_it_free_port)"
qw_it_bg jwks /usr/bin/python3 -m http.server "$JWKS_PORT" --bind 127.0.0.1 --directory "$OIDC/www"
qw_it_wait_for "curl -fs http://127.0.0.1:$JWKS_PORT/jwks.json" 20 || qw_it_fail "the JWKS server did not start"
OIDC_PORT="$(qw_it_free_port)" OIDC_ADMIN="$(qw_it_free_port)"
qw_it_bg web-oidc "$QW_BIN/qw-web" --policy "$POLICY" --listen "127.0.0.1:$OIDC_PORT" \
    --http-port "$OIDC_ADMIN" --fake-now "$NOW" --oidc-issuer https://login.example.com \
    --oidc-audience quotawatch --oidc-jwks-url "http://127.0.0.1:$JWKS_PORT/jwks.json"
qw_it_wait_for "curl -fs http://127.0.0.1:$OIDC_ADMIN/readyz" 60 || qw_it_fail "qw-web (OIDC) never became ready"
bearer() { # TOKEN PATH -> "STATUS BODY"
    curl -s -w '\n%{http_code}' -H "Authorization: Bearer $(cat "$OIDC/$1.jwt")" \
        "http://127.0.0.1:$OIDC_PORT$2" | tac | tr '\n' ' '
}
out="$(bearer ada /api/v1/reps/rep-ada)"
[[ "$out" == 200* ]] && grep -q '"credited_minor":5484000' <<<"$out" ||
    qw_it_fail "a valid RS256 token for ada: $out"
[[ "$(bearer ada /api/v1/reps/rep-bob)" == 403* ]] || qw_it_fail "ada's token opened bob's standing"
for t in expired:expired wrong_aud:audience forged:signature; do
    out="$(bearer "${t%%:*}" /api/v1/me)"
    [[ "$out" == 401* ]] && grep -q "${t##*:}" <<<"$out" || qw_it_fail "token ${t%%:*}: $out"
done
code="$(curl -s -o /dev/null -w '%{http_code}' -H 'X-Forwarded-Email: ada@example.com' "http://127.0.0.1:$OIDC_PORT/api/v1/me")"
[[ "$code" == 401 ]] || qw_it_fail "the proxy header counted without --trusted-proxy ($code)"
# Key rotation: the issuer publishes k2; a token signed with it is accepted after a refetch.
cp "$OIDC/jwks-rotated.json" "$OIDC/www/jwks.json"
out="$(bearer grace_es /api/v1/reps/rep-bob)"
[[ "$out" == 200* ]] || qw_it_fail "an ES256 token of a rotated-in key: $out"
qw_it_kill web-oidc TERM

for p in web ingest evaluator; do qw_it_kill "$p" TERM; done
qw_it_log passed
