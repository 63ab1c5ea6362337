#include "delivery.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>

void qw_dlv_init(qw_dlv_t *d, qw_redis_t *r, const char *prefix)
{
    d->r = r;
    snprintf(d->prefix, sizeof(d->prefix), "%s", prefix ? prefix : "");
    d->window_ms = 30LL * 24 * 3600 * 1000;
    d->lease_ms = 60000;
}

static void state_key(const qw_dlv_t *d, const char *id, const char *ch, char *out, size_t n)
{
    snprintf(out, n, "%sqw:dlv:{%s}:%s", d->prefix, id, ch);
}

static void job_key(const qw_dlv_t *d, const char *id, const char *ch, char *out, size_t n)
{
    snprintf(out, n, "%sqw:dlv:job:{%s}:%s", d->prefix, id, ch);
}

static void queue_key(const qw_dlv_t *d, int prio, char *out, size_t n)
{
    snprintf(out, n, "%sqw:dlv:retry:p%d", d->prefix, prio);
}

static void member_of(const char *id, const char *ch, char *out, size_t n)
{
    snprintf(out, n, "%s %s", id, ch);
}

/* Frees rep; on an error reply its text goes to the connection's errstr (logged as redis.down). */
static int reply_ok(qw_dlv_t *d, const char *what, redisReply *rep)
{
    int ok = rep && rep->type != REDIS_REPLY_ERROR;
    if (!ok) qw_redis_reply_fail(d->r, what, rep);
    freeReplyObject(rep);
    return ok ? QW_OK : QW_ERR;
}

int qw_dlv_state(qw_dlv_t *d, const char *id, const char *ch, char *out, size_t outlen)
{
    char k[QW_DLV_KEY_MAX];
    state_key(d, id, ch, k, sizeof(k));
    redisReply *rep = qw_redis_command(d->r, "GET %s", k);
    if (!rep || rep->type == REDIS_REPLY_ERROR) {
        qw_redis_reply_fail(d->r, "GET delivery state", rep);
        freeReplyObject(rep);
        return QW_ERR;
    }
    snprintf(out, outlen, "%s", rep->type == REDIS_REPLY_STRING ? rep->str : "");
    freeReplyObject(rep);
    return QW_OK;
}

/* Atomic: only a "failed" state is removed (a concurrent or earlier redrive that already
 * delivered leaves "sent"). */
static const char qw_dlv_reopen_lua[] =
    "if redis.call('GET', KEYS[1]) == 'failed' then return redis.call('DEL', KEYS[1]) end "
    "return 0";

int qw_dlv_reopen(qw_dlv_t *d, const char *id, const char *ch)
{
    char k[QW_DLV_KEY_MAX];
    state_key(d, id, ch, k, sizeof(k));
    redisReply *rep = qw_redis_command(d->r, "EVAL %s 1 %s", qw_dlv_reopen_lua, k);
    if (!rep || rep->type != REDIS_REPLY_INTEGER) {
        qw_redis_reply_fail(d->r, "EVAL reopen delivery", rep);
        freeReplyObject(rep);
        return QW_ERR;
    }
    int reopened = rep->integer == 1;
    freeReplyObject(rep);
    return reopened;
}

int qw_dlv_claim(qw_dlv_t *d, const char *id, const char *ch)
{
    char k[QW_DLV_KEY_MAX];
    state_key(d, id, ch, k, sizeof(k));
    redisReply *rep = qw_redis_command(d->r, "SET %s sending NX PX %" PRId64, k, d->window_ms);
    if (!rep || rep->type == REDIS_REPLY_ERROR) {
        qw_redis_reply_fail(d->r, "SET delivery claim", rep);
        freeReplyObject(rep);
        return QW_ERR;
    }
    int claimed = rep->type == REDIS_REPLY_STATUS;
    freeReplyObject(rep);
    if (claimed) return QW_DLV_CLAIMED;
    char st[32];
    if (qw_dlv_state(d, id, ch, st, sizeof(st))) return QW_ERR;
    if (strcmp(st, "sending") == 0) return QW_DLV_STALE;
    if (strcmp(st, "queued") == 0) return QW_DLV_QUEUED;
    if (st[0] == '\0') return qw_dlv_claim(d, id, ch); /* expired in between: claim again */
    return QW_DLV_DONE;
}

/* The replies of MULTI, the queued commands and EXEC: done when EXEC ran them. A command Redis
 * refused (OOM, READONLY, NOAUTH: EXEC then says EXECABORT) fails it, with Redis's text in the
 * connection's errstr (qw_redis_read). A command that failed inside EXEC (a key of the wrong
 * type) did not undo the others and would fail again on a retry, so it is not an error here, as
 * before; its text is in errstr all the same. Frees the replies. */
static int exec_done(qw_dlv_t *d, const char *what, redisReply **reps, int rc, int n)
{
    int ran = rc != QW_ERR && reps[n - 1] && reps[n - 1]->type == REDIS_REPLY_ARRAY;
    if (rc == QW_OK && !ran) qw_redis_reply_fail(d->r, what, reps[n - 1]); /* EXEC said nil */
    for (int i = 0; i < n; i++)
        freeReplyObject(reps[i]);
    return ran ? QW_OK : QW_ERR;
}

/* SET state + ZREM + DEL job in one MULTI/EXEC. */
static int finish(qw_dlv_t *d, const qw_dlv_job_t *job, const char *state)
{
    char sk[QW_DLV_KEY_MAX], jk[QW_DLV_KEY_MAX], qk[128], m[QW_DLV_KEY_MAX];
    state_key(d, job->decision_id, job->channel, sk, sizeof(sk));
    job_key(d, job->decision_id, job->channel, jk, sizeof(jk));
    queue_key(d, job->prio, qk, sizeof(qk));
    member_of(job->decision_id, job->channel, m, sizeof(m));
    const char *what = "MULTI/EXEC delivery finish";
    if (qw_redis_append(d->r, "MULTI") != QW_OK ||
        qw_redis_append(d->r, "SET %s %s PX %" PRId64, sk, state, d->window_ms) != QW_OK ||
        qw_redis_append(d->r, "ZREM %s %s", qk, m) != QW_OK ||
        qw_redis_append(d->r, "DEL %s", jk) != QW_OK || qw_redis_append(d->r, "EXEC") != QW_OK)
        return QW_ERR;
    redisReply *reps[5];
    return exec_done(d, what, reps, qw_redis_read(d->r, what, reps, 5), 5);
}

int qw_dlv_mark_sent(qw_dlv_t *d, const qw_dlv_job_t *job)
{
    return finish(d, job, "sent");
}

int qw_dlv_mark_failed(qw_dlv_t *d, const qw_dlv_job_t *job)
{
    return finish(d, job, "failed");
}

int qw_dlv_mark_sending(qw_dlv_t *d, const qw_dlv_job_t *job)
{
    char sk[QW_DLV_KEY_MAX];
    state_key(d, job->decision_id, job->channel, sk, sizeof(sk));
    return reply_ok(d, "SET delivery sending",
                    qw_redis_command(d->r, "SET %s sending PX %" PRId64, sk, d->window_ms));
}

int qw_dlv_schedule(qw_dlv_t *d, const qw_dlv_job_t *job, int64_t next_ms)
{
    char sk[QW_DLV_KEY_MAX], jk[QW_DLV_KEY_MAX], qk[128], m[QW_DLV_KEY_MAX];
    state_key(d, job->decision_id, job->channel, sk, sizeof(sk));
    job_key(d, job->decision_id, job->channel, jk, sizeof(jk));
    queue_key(d, job->prio, qk, sizeof(qk));
    member_of(job->decision_id, job->channel, m, sizeof(m));
    char kind[8], aud[8], att[16], first[24], prio[8];
    snprintf(kind, sizeof(kind), "%d", (int)job->kind);
    snprintf(aud, sizeof(aud), "%d", (int)job->audience);
    snprintf(att, sizeof(att), "%d", job->attempts);
    snprintf(first, sizeof(first), "%" PRId64, job->first_ms);
    snprintf(prio, sizeof(prio), "%d", job->prio);
    const char *argv[] = {"HSET",  jk,
                          "id",    job->decision_id,
                          "ch",    job->channel,
                          "kind",  kind,
                          "aud",   aud,
                          "addr",  job->address,
                          "att",   att,
                          "first", first,
                          "prio",  prio,
                          "why",   job->reason,
                          "dec",   (const char *)job->dec};
    size_t lens[sizeof(argv) / sizeof(argv[0])];
    int argc = (int)(sizeof(argv) / sizeof(argv[0]));
    for (int i = 0; i < argc - 1; i++)
        lens[i] = strlen(argv[i]);
    lens[argc - 1] = job->dec_len;
    const char *what = "MULTI/EXEC delivery schedule";
    if (qw_redis_append(d->r, "MULTI") != QW_OK ||
        qw_redis_append_argv(d->r, argc, argv, lens) != QW_OK ||
        qw_redis_append(d->r, "PEXPIRE %s %" PRId64, jk, d->window_ms) != QW_OK ||
        qw_redis_append(d->r, "ZADD %s %" PRId64 " %s", qk, next_ms, m) != QW_OK ||
        qw_redis_append(d->r, "SET %s queued PX %" PRId64, sk, d->window_ms) != QW_OK ||
        qw_redis_append(d->r, "EXEC") != QW_OK)
        return QW_ERR;
    redisReply *reps[6];
    return exec_done(d, what, reps, qw_redis_read(d->r, what, reps, 6), 6);
}

/* Claim due members atomically: another instance (or this one after a restart) sees them
 * again only when the lease runs out. */
static const char qw_dlv_claim_lua[] =
    "local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, ARGV[3])\n"
    "for _, m in ipairs(due) do redis.call('ZADD', KEYS[1], ARGV[2], m) end\n"
    "return due\n";

int qw_dlv_due(qw_dlv_t *d, int prio, int64_t now_ms, char **out, int max)
{
    char qk[128];
    queue_key(d, prio, qk, sizeof(qk));
    redisReply *rep = qw_redis_command(d->r, "EVAL %s 1 %s %" PRId64 " %" PRId64 " %d",
                                       qw_dlv_claim_lua, qk, now_ms, now_ms + d->lease_ms, max);
    if (!rep || rep->type != REDIS_REPLY_ARRAY) {
        qw_redis_reply_fail(d->r, "EVAL retry claim", rep);
        freeReplyObject(rep);
        return QW_ERR;
    }
    int n = 0;
    for (size_t i = 0; i < rep->elements && n < max; i++)
        if (rep->element[i]->type == REDIS_REPLY_STRING) out[n++] = strdup(rep->element[i]->str);
    freeReplyObject(rep);
    return n;
}

int qw_dlv_release(qw_dlv_t *d, int prio, const char *member, int64_t at_ms)
{
    char qk[128];
    queue_key(d, prio, qk, sizeof(qk));
    return reply_ok(d, "ZADD XX retry",
                    qw_redis_command(d->r, "ZADD %s XX %" PRId64 " %s", qk, at_ms, member));
}

int qw_dlv_forget(qw_dlv_t *d, int prio, const char *member)
{
    char qk[128];
    queue_key(d, prio, qk, sizeof(qk));
    return reply_ok(d, "ZREM retry", qw_redis_command(d->r, "ZREM %s %s", qk, member));
}

int qw_dlv_job_load(qw_dlv_t *d, const char *member, qw_dlv_job_t *job)
{
    memset(job, 0, sizeof(*job));
    const char *sp = strrchr(member, ' ');
    if (!sp) return 1;
    snprintf(job->decision_id, sizeof(job->decision_id), "%.*s", (int)(sp - member), member);
    snprintf(job->channel, sizeof(job->channel), "%s", sp + 1);
    char jk[QW_DLV_KEY_MAX];
    job_key(d, job->decision_id, job->channel, jk, sizeof(jk));
    redisReply *rep = qw_redis_command(d->r, "HGETALL %s", jk);
    if (!rep || rep->type != REDIS_REPLY_ARRAY) {
        qw_redis_reply_fail(d->r, "HGETALL retry job", rep);
        freeReplyObject(rep);
        return QW_ERR;
    }
    const char *f[16], *v[16];
    size_t fl[16], vl[16], n = 0;
    for (size_t i = 0; i + 1 < rep->elements && n < 16; i += 2) {
        redisReply *k = rep->element[i], *x = rep->element[i + 1];
        if (k->type != REDIS_REPLY_STRING || x->type != REDIS_REPLY_STRING) continue;
        f[n] = k->str, fl[n] = k->len, v[n] = x->str, vl[n] = x->len, n++;
    }
    int rc = qw_dlv_job_parse(job, f, fl, v, vl, n);
    freeReplyObject(rep);
    return rc == QW_OK ? 0 : 1;
}

/* Strict decimal in [lo, hi]. */
static int job_num(const char *s, size_t n, int64_t lo, int64_t hi, int64_t *out)
{
    char tmp[24];
    if (!n || n >= sizeof(tmp)) return QW_ERR;
    memcpy(tmp, s, n);
    tmp[n] = '\0';
    char *end;
    errno = 0;
    long long x = strtoll(tmp, &end, 10);
    if (errno || *end || x < lo || x > hi) return QW_ERR;
    *out = x;
    return QW_OK;
}

static int job_str(char *dst, size_t cap, const char *s, size_t n)
{
    if (n >= cap || memchr(s, '\0', n)) return QW_ERR; /* refused, never cut */
    memcpy(dst, s, n);
    dst[n] = '\0';
    return QW_OK;
}

int qw_dlv_job_parse(qw_dlv_job_t *job, const char *const *f, const size_t *fl,
                     const char *const *v, const size_t *vl, size_t n)
{
    int64_t x;
    int ok = 1;
    job->dec = NULL;
    job->dec_len = 0;
    for (size_t i = 0; i < n && ok; i++) {
        const char *k = f[i];
        size_t kl = fl[i];
#define QW_FIELD(name) (kl == sizeof(name) - 1 && !memcmp(k, name, kl))
        if (QW_FIELD("kind"))
            ok = job_num(v[i], vl[i], QW_CHAN_SLACK, QW_CHAN_WEBHOOK, &x) == QW_OK &&
                 ((job->kind = (qw_chan_kind_t)x), 1);
        else if (QW_FIELD("aud"))
            ok = job_num(v[i], vl[i], 0, QW_AUD_COUNT - 1, &x) == QW_OK &&
                 ((job->audience = (qw_aud_t)x), 1);
        else if (QW_FIELD("addr"))
            ok = job_str(job->address, sizeof(job->address), v[i], vl[i]) == QW_OK;
        else if (QW_FIELD("att"))
            ok = job_num(v[i], vl[i], 0, INT32_MAX, &x) == QW_OK && ((job->attempts = (int)x), 1);
        else if (QW_FIELD("first"))
            ok =
                job_num(v[i], vl[i], INT64_MIN, INT64_MAX, &x) == QW_OK && ((job->first_ms = x), 1);
        else if (QW_FIELD("prio"))
            ok = job_num(v[i], vl[i], 0, QW_PRIO_LEVELS - 1, &x) == QW_OK &&
                 ((job->prio = (int)x), 1);
        else if (QW_FIELD("why"))
            ok = job_str(job->reason, sizeof(job->reason), v[i], vl[i]) == QW_OK;
        else if (QW_FIELD("dec") && !job->dec) {
            job->dec = malloc(vl[i] ? vl[i] : 1);
            ok = job->dec != NULL;
            if (ok) memcpy(job->dec, v[i], vl[i]), job->dec_len = vl[i];
        }
#undef QW_FIELD
    }
    if (!ok || !job->dec) {
        qw_dlv_job_free(job);
        return QW_ERR;
    }
    return QW_OK;
}

int64_t qw_dlv_backlog(qw_dlv_t *d)
{
    int64_t total = 0;
    for (int p = 0; p < QW_PRIO_LEVELS; p++) {
        char qk[128];
        queue_key(d, p, qk, sizeof(qk));
        redisReply *rep = qw_redis_command(d->r, "ZCARD %s", qk);
        if (!rep || rep->type != REDIS_REPLY_INTEGER) {
            qw_redis_reply_fail(d->r, "ZCARD retry", rep);
            freeReplyObject(rep);
            return -1;
        }
        total += rep->integer;
        freeReplyObject(rep);
    }
    return total;
}

void qw_dlv_job_free(qw_dlv_job_t *job)
{
    free(job->dec);
    job->dec = NULL;
    job->dec_len = 0;
}
