#include "store.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The batch step: fenced by the epoch, held off while the calendar job works, made stale by a
 * job that changed states, and idempotent by the stored next offset. Everything or nothing.
 * While the job has a snapshot open (KEYS[8], the dirty set, exists) it also names every rep
 * it writes there, so the job re-reads just those under its short hold.
 * Exact de-duplication: before writing anything else, the applied credit ids are looked up in
 * their rep's id hash (qw:cid, id -> period): a rep's single id by HSETNX (the check is the
 * write), several by one HMGET, none for reps the shell knows have no hash yet. An id found
 * there was applied before, however long ago: the step undoes its HSETNXs and answers 'dup'
 * with those ids (the shell drops them and redoes the batch). Otherwise the other ids join the
 * hashes (one variadic HSET per rep); a rep whose state evicted periods keeps only the ids of the
 * periods it retains (a credit for an evicted period is refused by the engine anyway). */
static const char commit_lua[] =
    "local e = redis.call('GET', KEYS[1])\n"
    "if e ~= ARGV[1] then return {'fenced', e or ''} end\n"
    "if redis.call('EXISTS', KEYS[6]) == 1 then return {'held', ''} end\n"
    "local g = redis.call('GET', KEYS[5]) or '0'\n"
    "if g ~= ARGV[2] then return {'stale', g} end\n"
    "local nxt = redis.call('GET', KEYS[2])\n"
    "if nxt and tonumber(ARGV[3]) < tonumber(nxt) then return {'skip', nxt} end\n"
    "local nreps = tonumber(ARGV[6])\n"
    "local a = 7 + nreps\n"
    "local nd = tonumber(ARGV[a]); local da = a + 1; a = da + nd\n"
    "local ni = tonumber(ARGV[a]); local ia = a + 1; a = ia + 2 * ni\n"
    "local nx = tonumber(ARGV[a]); local xa = a + 1\n"
    "local x = xa\n"
    "for j = 1, nx do x = x + 3 + 2 * tonumber(ARGV[x + 2]) end\n"
    "local np = tonumber(ARGV[x]); local pa = x + 1\n"
    "local ck = 9 + nreps\n"
    "local dups, added = {'dup'}, {}\n"
    "x = xa\n"
    "for j = 1, nx do\n"
    "  local key, m = KEYS[ck + tonumber(ARGV[x])], tonumber(ARGV[x + 2])\n"
    "  if ARGV[x + 1] == '1' and m == 1 then\n"
    "    if redis.call('HSETNX', key, ARGV[x + 3], ARGV[x + 4]) == 1 then\n"
    "      added[#added + 1] = {key, ARGV[x + 3]}\n"
    "    else dups[#dups + 1] = ARGV[x + 3] end\n"
    "  elseif ARGV[x + 1] == '1' then\n"
    "    for c0 = 0, m - 1, 1000 do\n"
    "      local ids = {}\n"
    "      for q = c0, math.min(m, c0 + 1000) - 1 do ids[#ids + 1] = ARGV[x + 3 + 2 * q] end\n"
    "      local got = redis.call('HMGET', key, unpack(ids))\n"
    "      for q = 1, #ids do if got[q] then dups[#dups + 1] = ids[q] end end\n"
    "    end\n"
    "  end\n"
    "  x = x + 3 + 2 * m\n"
    "end\n"
    "if #dups > 1 then\n"
    "  for _, k in ipairs(added) do redis.call('HDEL', k[1], k[2]) end\n"
    "  return dups\n"
    "end\n"
    "local track = redis.call('EXISTS', KEYS[8]) == 1\n"
    "for k = 1, nreps do\n"
    "  redis.call('SET', KEYS[8 + k], ARGV[6 + k])\n"
    "  redis.call('SADD', KEYS[7], KEYS[8 + k])\n"
    "  if track then redis.call('SADD', KEYS[8], KEYS[8 + k]) end\n"
    "end\n"
    "for k = 0, nd - 1 do redis.call('RPUSH', KEYS[3], ARGV[da + k]) end\n"
    "for k = 0, ni - 1 do redis.call('ZADD', KEYS[4], ARGV[ia + 2 * k], ARGV[ia + 2 * k + 1]) end\n"
    "if ni > 0 then redis.call('ZREMRANGEBYRANK', KEYS[4], 0, -(tonumber(ARGV[5]) + 1)) end\n"
    "x = xa\n"
    "for j = 1, nx do\n"
    "  local key, m = KEYS[ck + tonumber(ARGV[x])], tonumber(ARGV[x + 2])\n"
    "  local w = m\n"
    "  if ARGV[x + 1] == '1' and m == 1 then w = 0 end -- its HSETNX wrote it\n"
    "  for c0 = 0, w - 1, 500 do\n"
    "    local fv = {}\n"
    "    for q = c0, math.min(w, c0 + 500) - 1 do\n"
    "      fv[#fv + 1] = ARGV[x + 3 + 2 * q]; fv[#fv + 1] = ARGV[x + 4 + 2 * q]\n"
    "    end\n"
    "    redis.call('HSET', key, unpack(fv))\n"
    "  end\n"
    "  x = x + 3 + 2 * m\n"
    "end\n"
    "local p = pa\n"
    "for j = 1, np do\n"
    "  local key, nk, keep = KEYS[ck + tonumber(ARGV[p])], tonumber(ARGV[p + 1]), {}\n"
    "  for q = 1, nk do keep[ARGV[p + 1 + q]] = true end\n"
    "  p = p + 2 + nk\n"
    "  local all = redis.call('HGETALL', key)\n"
    "  for q = 1, #all, 2 do\n"
    "    if not keep[all[q + 1]] then redis.call('HDEL', key, all[q]) end\n"
    "  end\n"
    "end\n"
    "redis.call('SET', KEYS[2], ARGV[4])\n"
    "return {'ok', ARGV[4]}\n";

/* The relay's trim: only the owner may trim, or two relays could each drop the other's share. */
static const char trim_lua[] = "if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end\n"
                               "redis.call('LTRIM', KEYS[2], ARGV[2], -1)\n"
                               "return 1\n";

/* The calendar job's write: only while its hold is in place. KEYS: hold, outbox, gen, reps set,
 * rep keys (new ones first)...; ARGV: token, nreps, nnew, blobs..., entries... Variadic MSET,
 * SADD and RPUSH in chunks (Lua's unpack has a stack limit): it runs while every owner waits,
 * and a call per value made it a fifth longer at 100 000 reps. */
static const char job_lua[] =
    "if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end\n"
    "local nreps, nnew = tonumber(ARGV[2]), tonumber(ARGV[3])\n"
    "local function flush(cmd, key, c) if #c > 0 then\n"
    "  if key then redis.call(cmd, key, unpack(c)) else redis.call(cmd, unpack(c)) end\n"
    "end return {} end\n"
    "local c = {}\n"
    "for k = 1, nreps do\n"
    "  c[#c + 1] = KEYS[4 + k]; c[#c + 1] = ARGV[3 + k]\n"
    "  if #c >= 1000 then c = flush('MSET', nil, c) end\n"
    "end\n"
    "c = flush('MSET', nil, c)\n"
    "for k = 1, nnew do\n"
    "  c[#c + 1] = KEYS[4 + k]\n"
    "  if #c >= 1000 then c = flush('SADD', KEYS[4], c) end\n"
    "end\n"
    "c = flush('SADD', KEYS[4], c)\n"
    "for a = 4 + nreps, #ARGV do\n"
    "  c[#c + 1] = ARGV[a]\n"
    "  if #c >= 1000 then c = flush('RPUSH', KEYS[2], c) end\n"
    "end\n"
    "flush('RPUSH', KEYS[2], c)\n"
    "redis.call('INCR', KEYS[3])\n"
    "return 1\n";

/* The calendar job's write before its hold (calendar.c, "pre-write"): a rep's new state and its
 * decisions go in only if no owner wrote the rep since the job read it (it is not in the dirty
 * set); a rep that was written is refused, and the job re-reads it. The sentinel (the job's
 * token) must still be in the dirty set, or writes may have gone unrecorded. KEYS: dirty,
 * outbox, gen, reps set, rep keys...; ARGV: token, nreps, per rep 2 * its decisions + 1 when new
 * to the rep set, the blobs, the decisions in rep order, then decisions of no rep (a team's:
 * always appended). Returns {1, refused rep numbers...}, or {0} when the sentinel is gone. */
static const char prewrite_lua[] =
    "if redis.call('SISMEMBER', KEYS[1], ARGV[1]) == 0 then return {0} end\n"
    "local n = tonumber(ARGV[2])\n"
    "local keys, dirty = {}, {}\n"
    "for k = 1, n do keys[k] = KEYS[4 + k] end\n"
    "if n > 0 then dirty = redis.call('SMISMEMBER', KEYS[1], unpack(keys)) end\n"
    "local function flush(cmd, key, c) if #c > 0 then\n"
    "  if key then redis.call(cmd, key, unpack(c)) else redis.call(cmd, unpack(c)) end\n"
    "end return {} end\n"
    "local out, ms, new, decs, d = {1}, {}, {}, {}, 3 + 2 * n\n"
    "for k = 1, n do\n"
    "  local h = tonumber(ARGV[2 + k])\n"
    "  local nd = math.floor(h / 2)\n"
    "  if dirty[k] == 1 then out[#out + 1] = k\n"
    "  else\n"
    "    ms[#ms + 1] = keys[k]; ms[#ms + 1] = ARGV[2 + n + k]\n"
    "    if #ms >= 1000 then ms = flush('MSET', nil, ms) end\n"
    "    if h % 2 == 1 then new[#new + 1] = keys[k] end\n"
    "    for q = 0, nd - 1 do\n"
    "      decs[#decs + 1] = ARGV[d + q]\n"
    "      if #decs >= 1000 then decs = flush('RPUSH', KEYS[2], decs) end\n"
    "    end\n"
    "  end\n"
    "  d = d + nd\n"
    "end\n"
    "for a = d, #ARGV do\n"
    "  decs[#decs + 1] = ARGV[a]\n"
    "  if #decs >= 1000 then decs = flush('RPUSH', KEYS[2], decs) end\n"
    "end\n"
    "if #out - 1 < n then redis.call('INCR', KEYS[3]) end\n"
    "flush('MSET', nil, ms)\n"
    "flush('SADD', KEYS[4], new)\n"
    "flush('RPUSH', KEYS[2], decs)\n"
    "return out\n";

/* Completeness marks of one credits partition (docs/completeness.md): only the owner writes
 * them, after the batch that carried them committed, and a mark only ever grows. KEYS: epoch,
 * marks hash; ARGV: epoch, (field, ms) pairs... */
static const char marks_lua[] = "if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end\n"
                                "for a = 2, #ARGV, 2 do\n"
                                "  local cur = redis.call('HGET', KEYS[2], ARGV[a])\n"
                                "  if not cur or tonumber(ARGV[a + 1]) > tonumber(cur) then\n"
                                "    redis.call('HSET', KEYS[2], ARGV[a], ARGV[a + 1])\n"
                                "  end\n"
                                "end\n"
                                "return 1\n";

/* ---- keys --------------------------------------------------------------------------------- */

void qw_store_init(qw_store_t *s, qw_redis_t *r, const char *ns)
{
    memset(s, 0, sizeof(*s));
    s->r = r;
    snprintf(s->ns, sizeof(s->ns), "%s", ns ? ns : "");
}

void qw_store_key(const qw_store_t *s, char *out, size_t cap, int32_t part, const char *what)
{
    snprintf(out, cap, "%sqw:ev:{p%d}:%s", s->ns, (int)part, what);
}

void qw_store_rep_key(const qw_store_t *s, char *out, size_t cap, int32_t part, const char *rep_id)
{
    snprintf(out, cap, "%sqw:rep:{p%d}:%s", s->ns, (int)part, rep_id);
}

void qw_store_cid_key(const qw_store_t *s, char *out, size_t cap, int32_t part, const char *rep_id)
{
    snprintf(out, cap, "%sqw:cid:{p%d}:%s", s->ns, (int)part, rep_id);
}

static int fail_reply(qw_store_t *s, redisReply *rep, const char *what)
{
    if (!rep)
        qw_err_set(s->errstr, sizeof(s->errstr), "%s: %s", what, s->r->errstr);
    else
        qw_err_set(s->errstr, sizeof(s->errstr), "%s: unexpected reply%s%s", what,
                   rep->type == REDIS_REPLY_ERROR ? ": " : "",
                   rep->type == REDIS_REPLY_ERROR ? rep->str : "");
    if (rep) freeReplyObject(rep);
    return QW_ERR;
}

static int64_t reply_i64(const redisReply *r, int64_t def)
{
    if (!r) return def;
    if (r->type == REDIS_REPLY_INTEGER) return r->integer;
    if (r->type == REDIS_REPLY_STRING) return strtoll(r->str, NULL, 10);
    return def;
}

int qw_store_take(qw_store_t *s, const int32_t *parts, int n, int64_t *epoch, int64_t *offset,
                  int64_t *gen)
{
    char k[QW_STORE_KEY_MAX];
    for (int i = 0; i < n; i++) {
        qw_store_key(s, k, sizeof(k), parts[i], "epoch");
        if (qw_redis_append(s->r, "INCR %s", k) != QW_OK) return fail_reply(s, NULL, "take");
        qw_store_key(s, k, sizeof(k), parts[i], "offset");
        if (qw_redis_append(s->r, "GET %s", k) != QW_OK) return fail_reply(s, NULL, "take");
        qw_store_key(s, k, sizeof(k), parts[i], "gen");
        if (qw_redis_append(s->r, "GET %s", k) != QW_OK) return fail_reply(s, NULL, "take");
    }
    redisReply **rep = calloc((size_t)n * 3 + 1, sizeof(*rep));
    if (!rep) {
        qw_redis_reset(s->r); /* the appended commands must not answer later ones */
        return qw_err_set(s->errstr, sizeof(s->errstr), "out of memory");
    }
    if (qw_redis_read(s->r, "take", rep, n * 3) == QW_ERR) {
        free(rep);
        return fail_reply(s, NULL, "take");
    }
    int rc = QW_OK;
    for (int i = 0; i < n; i++) {
        if (rep[3 * i]->type != REDIS_REPLY_INTEGER) rc = QW_ERR;
        epoch[i] = reply_i64(rep[3 * i], -1);
        offset[i] = reply_i64(rep[3 * i + 1], -1);
        gen[i] = reply_i64(rep[3 * i + 2], 0);
    }
    if (rc != QW_OK)
        qw_err_set(s->errstr, sizeof(s->errstr), "take: INCR epoch failed: %s",
                   rep[0]->type == REDIS_REPLY_ERROR ? rep[0]->str : "unexpected reply");
    for (int i = 0; i < n * 3; i++)
        freeReplyObject(rep[i]);
    free(rep);
    return rc;
}

int qw_store_get_gen(qw_store_t *s, int32_t part, int64_t *gen)
{
    char k[QW_STORE_KEY_MAX];
    qw_store_key(s, k, sizeof(k), part, "gen");
    redisReply *r = qw_redis_command(s->r, "GET %s", k);
    if (!r || (r->type != REDIS_REPLY_STRING && r->type != REDIS_REPLY_NIL))
        return fail_reply(s, r, "GET gen");
    *gen = reply_i64(r, 0);
    freeReplyObject(r);
    return QW_OK;
}

int qw_store_load_reps(qw_store_t *s, int32_t part, const char *const *rep_ids, int n,
                       void **replies)
{
    char k[QW_STORE_KEY_MAX];
    for (int i = 0; i < n; i++) {
        qw_store_rep_key(s, k, sizeof(k), part, rep_ids[i]);
        if (qw_redis_append(s->r, "GET %s", k) != QW_OK) return fail_reply(s, NULL, "load reps");
    }
    redisReply **reps = (redisReply **)replies;
    int rc = qw_redis_read(s->r, "GET rep", reps, n);
    if (rc == QW_ERR) return fail_reply(s, NULL, "load reps");
    for (int i = 0; i < n && rc == QW_OK; i++)
        if (reps[i]->type != REDIS_REPLY_STRING && reps[i]->type != REDIS_REPLY_NIL)
            rc = qw_err_set(s->errstr, sizeof(s->errstr), "load reps: unexpected reply");
    if (rc == QW_OK) return QW_OK;
    if (rc == QW_REDIS_EREPLY)
        qw_err_set(s->errstr, sizeof(s->errstr), "load reps: %s", s->r->errstr);
    for (int j = 0; j < n; j++) {
        freeReplyObject(reps[j]);
        reps[j] = NULL;
    }
    return QW_ERR;
}

int qw_store_load_ids(qw_store_t *s, int32_t part,
                      int (*fn)(void *opaque, const char *id, size_t len), void *opaque)
{
    char k[QW_STORE_KEY_MAX];
    qw_store_key(s, k, sizeof(k), part, "ids");
    redisReply *r = qw_redis_command(s->r, "ZRANGE %s 0 -1", k);
    if (!r || r->type != REDIS_REPLY_ARRAY) return fail_reply(s, r, "ZRANGE ids");
    int rc = QW_OK;
    for (size_t i = 0; i < r->elements && rc == QW_OK; i++)
        rc = fn(opaque, r->element[i]->str, r->element[i]->len);
    freeReplyObject(r);
    return rc;
}

/* ---- scripts ------------------------------------------------------------------------------ */

static int load_scripts(qw_store_t *s)
{
    if (s->loaded && qw_redis_connected(s->r)) return QW_OK;
    if (qw_redis_script_load(s->r, commit_lua, s->commit_sha) != QW_OK ||
        qw_redis_script_load(s->r, trim_lua, s->trim_sha) != QW_OK ||
        qw_redis_script_load(s->r, job_lua, s->job_sha) != QW_OK ||
        qw_redis_script_load(s->r, prewrite_lua, s->prewrite_sha) != QW_OK ||
        qw_redis_script_load(s->r, marks_lua, s->marks_sha) != QW_OK)
        return qw_err_set(s->errstr, sizeof(s->errstr), "loading scripts: %s", s->r->errstr);
    s->loaded = 1;
    return QW_OK;
}

/* EVALSHA with the script reloaded once when the server forgot it (a restarted Redis). */
static redisReply *evalsha(qw_store_t *s, const char *sha_field_name, int argc, const char **argv,
                           size_t *lens)
{
    for (int attempt = 0; attempt < 2; attempt++) {
        if (load_scripts(s) != QW_OK) return NULL;
        const char *sha = !strcmp(sha_field_name, "commit")     ? s->commit_sha
                          : !strcmp(sha_field_name, "trim")     ? s->trim_sha
                          : !strcmp(sha_field_name, "marks")    ? s->marks_sha
                          : !strcmp(sha_field_name, "prewrite") ? s->prewrite_sha
                                                                : s->job_sha;
        argv[1] = sha;
        lens[1] = 40;
        redisReply *r = qw_redis_command_argv(s->r, argc, argv, lens);
        if (!r) {
            s->loaded = 0; /* a new connection may reach a new server */
            qw_err_set(s->errstr, sizeof(s->errstr), "EVALSHA: %s", s->r->errstr);
            return NULL;
        }
        if (r->type == REDIS_REPLY_ERROR && !strncmp(r->str, "NOSCRIPT", 8)) {
            freeReplyObject(r);
            s->loaded = 0;
            continue;
        }
        return r;
    }
    qw_err_set(s->errstr, sizeof(s->errstr), "EVALSHA: script vanished twice");
    return NULL;
}

void qw_commit_init(qw_commit_t *c)
{
    memset(c, 0, sizeof(*c));
    qw_redis_args_init(&c->reps);
    qw_redis_args_init(&c->outbox);
    qw_redis_args_init(&c->ids);
    qw_redis_args_init(&c->cids);
    qw_redis_args_init(&c->exact);
    qw_redis_args_init(&c->prune);
    qw_redis_args_init(&c->cmd);
}

void qw_commit_reset(qw_commit_t *c)
{
    qw_redis_args_reset(&c->reps);
    qw_redis_args_reset(&c->outbox);
    qw_redis_args_reset(&c->ids);
    qw_redis_args_reset(&c->cids);
    qw_redis_args_reset(&c->exact);
    qw_redis_args_reset(&c->prune);
    qw_redis_args_reset(&c->cmd);
}

void qw_commit_free(qw_commit_t *c)
{
    qw_redis_args_free(&c->reps);
    qw_redis_args_free(&c->outbox);
    qw_redis_args_free(&c->ids);
    qw_redis_args_free(&c->cids);
    qw_redis_args_free(&c->exact);
    qw_redis_args_free(&c->prune);
    qw_redis_args_free(&c->cmd);
}

int qw_store_commit(qw_store_t *s, qw_commit_t *c, qw_commit_status_t *status, int64_t *value)
{
    if (c->reps.oom || c->outbox.oom || c->ids.oom || c->cids.oom || c->exact.oom || c->prune.oom)
        return qw_err_set(s->errstr, sizeof(s->errstr), "out of memory building the batch");
    int nreps = c->reps.n / 2;
    if ((c->exact.n || c->prune.n) && c->cids.n != nreps)
        return qw_err_set(s->errstr, sizeof(s->errstr), "batch: %d id hash keys for %d reps",
                          c->cids.n, nreps);
    static const char *names[] = {"epoch", "offset", "outbox", "ids",
                                  "gen",   "hold",   "reps",   "dirty"};
    char keys[8][QW_STORE_KEY_MAX];
    qw_redis_args_t *a = &c->cmd; /* reused: no allocation per batch once warm */
    qw_redis_args_reset(a);
    qw_redis_args_add(a, "EVALSHA", 7);
    qw_redis_args_add(a, "", 0); /* sha, set by evalsha() */
    qw_redis_args_add_i64(a, 8 + nreps + c->cids.n);
    for (int i = 0; i < 8; i++) {
        qw_store_key(s, keys[i], sizeof(keys[i]), c->part, names[i]);
        qw_redis_args_add(a, keys[i], strlen(keys[i]));
    }
    size_t l;
    const char *p;
    for (int i = 0; i < nreps; i++) {
        p = qw_redis_args_at(&c->reps, 2 * i, &l);
        qw_redis_args_add(a, p, l);
    }
    qw_redis_args_add_all(a, &c->cids);
    qw_redis_args_add_i64(a, c->epoch);
    qw_redis_args_add_i64(a, c->gen);
    qw_redis_args_add_i64(a, c->first_offset);
    qw_redis_args_add_i64(a, c->next_offset);
    qw_redis_args_add_i64(a, c->window);
    qw_redis_args_add_i64(a, nreps);
    for (int i = 0; i < nreps; i++) {
        p = qw_redis_args_at(&c->reps, 2 * i + 1, &l);
        qw_redis_args_add(a, p, l);
    }
    qw_redis_args_add_i64(a, c->outbox.n);
    qw_redis_args_add_all(a, &c->outbox);
    qw_redis_args_add_i64(a, c->ids.n / 2);
    qw_redis_args_add_all(a, &c->ids);
    int nxg = 0; /* exact groups: rep index, check, count, (id, period) pairs */
    for (int i = 0; i + 2 < c->exact.n; nxg++) {
        const char *cnt = qw_redis_args_at(&c->exact, i + 2, &l);
        i += 3 + 2 * (int)strtol(cnt, NULL, 10);
    }
    qw_redis_args_add_i64(a, nxg);
    qw_redis_args_add_all(a, &c->exact);
    int ngroups = 0; /* prune groups: rep index, count, periods */
    for (int i = 0; i + 1 < c->prune.n; ngroups++) {
        const char *cnt = qw_redis_args_at(&c->prune, i + 1, &l);
        i += 2 + (int)strtol(cnt, NULL, 10);
    }
    qw_redis_args_add_i64(a, ngroups);
    qw_redis_args_add_all(a, &c->prune);
    const char **argv;
    size_t *lens;
    if (qw_redis_args_argv(a, &argv, &lens) != QW_OK)
        return qw_err_set(s->errstr, sizeof(s->errstr), "out of memory building the batch");
    redisReply *r = evalsha(s, "commit", a->n, argv, lens);
    if (!r) return QW_ERR;
    if (r->type == REDIS_REPLY_ARRAY && r->elements >= 2 &&
        r->element[0]->type == REDIS_REPLY_STRING && !strcmp(r->element[0]->str, "dup")) {
        *status = QW_COMMIT_DUP;
        *value = (int64_t)r->elements - 1;
        for (size_t i = 1; i < r->elements; i++) {
            const redisReply *e = r->element[i];
            if (e->type == REDIS_REPLY_STRING && c->on_dup &&
                c->on_dup(c->dup_opaque, e->str, e->len) != QW_OK) {
                freeReplyObject(r);
                return qw_err_set(s->errstr, sizeof(s->errstr), "batch: out of memory");
            }
        }
        freeReplyObject(r);
        return QW_OK;
    }
    if (r->type != REDIS_REPLY_ARRAY || r->elements != 2 ||
        r->element[0]->type != REDIS_REPLY_STRING)
        return fail_reply(s, r, "batch script");
    const char *st = r->element[0]->str;
    *value = r->element[1]->type == REDIS_REPLY_STRING ? strtoll(r->element[1]->str, NULL, 10) : -1;
    if (!strcmp(st, "ok"))
        *status = QW_COMMIT_OK;
    else if (!strcmp(st, "skip"))
        *status = QW_COMMIT_SKIP;
    else if (!strcmp(st, "fenced"))
        *status = QW_COMMIT_FENCED;
    else if (!strcmp(st, "held"))
        *status = QW_COMMIT_HELD;
    else if (!strcmp(st, "stale"))
        *status = QW_COMMIT_STALE;
    else
        return fail_reply(s, r, "batch script status");
    freeReplyObject(r);
    return QW_OK;
}

/* ---- outbox -------------------------------------------------------------------------------- */

int qw_store_outbox_read(qw_store_t *s, int32_t part, int n, void **reply)
{
    char k[QW_STORE_KEY_MAX];
    qw_store_key(s, k, sizeof(k), part, "outbox");
    redisReply *r = qw_redis_command(s->r, "LRANGE %s 0 %d", k, n - 1);
    if (!r || r->type != REDIS_REPLY_ARRAY) return fail_reply(s, r, "LRANGE outbox");
    *reply = r;
    return QW_OK;
}

int qw_store_outbox_len(qw_store_t *s, int32_t part, int64_t *len)
{
    char k[QW_STORE_KEY_MAX];
    qw_store_key(s, k, sizeof(k), part, "outbox");
    redisReply *r = qw_redis_command(s->r, "LLEN %s", k);
    if (!r || r->type != REDIS_REPLY_INTEGER) return fail_reply(s, r, "LLEN outbox");
    *len = r->integer;
    freeReplyObject(r);
    return QW_OK;
}

int qw_store_outbox_trim(qw_store_t *s, int32_t part, int64_t epoch, int64_t n, int *fenced)
{
    char ke[QW_STORE_KEY_MAX], ko[QW_STORE_KEY_MAX], ep[24], cnt[24];
    qw_store_key(s, ke, sizeof(ke), part, "epoch");
    qw_store_key(s, ko, sizeof(ko), part, "outbox");
    snprintf(ep, sizeof(ep), "%" PRId64, epoch);
    snprintf(cnt, sizeof(cnt), "%" PRId64, n);
    const char *argv[] = {"EVALSHA", "", "2", ke, ko, ep, cnt};
    size_t lens[7];
    for (int i = 0; i < 7; i++)
        lens[i] = strlen(argv[i]);
    redisReply *r = evalsha(s, "trim", 7, argv, lens);
    if (!r) return QW_ERR;
    if (r->type != REDIS_REPLY_INTEGER) return fail_reply(s, r, "trim script");
    *fenced = r->integer == 0;
    freeReplyObject(r);
    return QW_OK;
}

/* ---- calendar job --------------------------------------------------------------------------- */

int qw_store_lease(qw_store_t *s, const char *key, const char *token, int64_t ttl_ms, int *got)
{
    redisReply *r = qw_redis_command(s->r, "SET %s %s NX PX %lld", key, token, (long long)ttl_ms);
    if (!r) return fail_reply(s, NULL, "SET lease");
    *got = r->type == REDIS_REPLY_STATUS;
    freeReplyObject(r);
    if (*got) return QW_OK;
    r = qw_redis_command(s->r, "GET %s", key);
    if (!r) return fail_reply(s, NULL, "GET lease");
    if (r->type == REDIS_REPLY_STRING && !strcmp(r->str, token)) {
        *got = 1;
        freeReplyObject(r);
        r = qw_redis_command(s->r, "PEXPIRE %s %lld", key, (long long)ttl_ms);
        if (!r) return fail_reply(s, NULL, "PEXPIRE lease");
    }
    freeReplyObject(r);
    return QW_OK;
}

int qw_store_lease_release(qw_store_t *s, const char *key, const char *token)
{
    redisReply *r = qw_redis_command(
        s->r, "EVAL %s 1 %s %s",
        "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end "
        "return 0",
        key, token);
    if (!r || r->type == REDIS_REPLY_ERROR) return fail_reply(s, r, "release lease");
    freeReplyObject(r);
    return QW_OK;
}

/* The dirty set holds the job's token as a sentinel from the start: "no token" means the set
 * expired, or another job started a snapshot over it, and either way writes went unrecorded. */
int qw_store_snapshot_begin(qw_store_t *s, int32_t part, const char *token, int64_t ttl_ms)
{
    char k[QW_STORE_KEY_MAX];
    qw_store_key(s, k, sizeof(k), part, "dirty");
    redisReply *r = qw_redis_command(s->r, "EVAL %s 1 %s %s %lld",
                                     "redis.call('DEL', KEYS[1]) redis.call('SADD', KEYS[1], "
                                     "ARGV[1]) return redis.call('PEXPIRE', KEYS[1], ARGV[2])",
                                     k, token, (long long)ttl_ms);
    if (!r || r->type == REDIS_REPLY_ERROR) return fail_reply(s, r, "snapshot begin");
    freeReplyObject(r);
    return QW_OK;
}

int qw_store_snapshot_dirty(qw_store_t *s, int32_t part, const char *token, void **reply,
                            int *expired)
{
    char k[QW_STORE_KEY_MAX];
    qw_store_key(s, k, sizeof(k), part, "dirty");
    redisReply *r = qw_redis_command(s->r, "SMEMBERS %s", k);
    if (!r || r->type != REDIS_REPLY_ARRAY) return fail_reply(s, r, "SMEMBERS dirty");
    *expired = 1;
    for (size_t i = 0; i < r->elements; i++)
        if (r->element[i]->type == REDIS_REPLY_STRING && !strcmp(r->element[i]->str, token))
            *expired = 0;
    *reply = r;
    return QW_OK;
}

int qw_store_snapshot_alive(qw_store_t *s, int32_t part, const char *token, int *alive)
{
    char k[QW_STORE_KEY_MAX];
    qw_store_key(s, k, sizeof(k), part, "dirty");
    redisReply *r = qw_redis_command(s->r, "SISMEMBER %s %s", k, token);
    if (!r || r->type != REDIS_REPLY_INTEGER) return fail_reply(s, r, "SISMEMBER dirty");
    *alive = r->integer == 1;
    freeReplyObject(r);
    return QW_OK;
}

int qw_store_snapshot_take(qw_store_t *s, int32_t part, const char *token, int64_t ttl_ms,
                           void **reply, int *expired)
{
    char k[QW_STORE_KEY_MAX];
    qw_store_key(s, k, sizeof(k), part, "dirty");
    /* Read and restart the set in one step: a write after it is in the new set. */
    redisReply *r = qw_redis_command(
        s->r, "EVAL %s 1 %s %s %lld",
        "if redis.call('SISMEMBER', KEYS[1], ARGV[1]) == 0 then return false end "
        "local m = redis.call('SMEMBERS', KEYS[1]) redis.call('DEL', KEYS[1]) "
        "redis.call('SADD', KEYS[1], ARGV[1]) redis.call('PEXPIRE', KEYS[1], ARGV[2]) return m",
        k, token, (long long)ttl_ms);
    if (!r || (r->type != REDIS_REPLY_ARRAY && r->type != REDIS_REPLY_NIL))
        return fail_reply(s, r, "take dirty");
    *expired = r->type == REDIS_REPLY_NIL;
    *reply = r;
    return QW_OK;
}

int qw_store_snapshot_end(qw_store_t *s, int32_t part)
{
    char k[QW_STORE_KEY_MAX];
    qw_store_key(s, k, sizeof(k), part, "dirty");
    redisReply *r = qw_redis_command(s->r, "DEL %s", k);
    if (!r || r->type == REDIS_REPLY_ERROR) return fail_reply(s, r, "DEL dirty");
    freeReplyObject(r);
    return QW_OK;
}

/* The head of both job scripts' calls: EVALSHA, the keys (first, the outbox, the generation,
 * the rep set, then the rep keys of reps' key, blob pairs), the token and the number of reps. */
static void job_args_head(qw_store_t *s, qw_redis_args_t *a, int32_t part, const char *first,
                          const char *token, const qw_redis_args_t *reps)
{
    static const char *const names[] = {NULL, "outbox", "gen", "reps"};
    int nreps = reps->n / 2;
    char k[QW_STORE_KEY_MAX];
    qw_redis_args_add(a, "EVALSHA", 7);
    qw_redis_args_add(a, "", 0);
    qw_redis_args_add_i64(a, 4 + nreps);
    for (int i = 0; i < 4; i++) {
        qw_store_key(s, k, sizeof(k), part, i ? names[i] : first);
        qw_redis_args_add_copy(a, k, strlen(k)); /* k is reused */
    }
    size_t l;
    for (int i = 0; i < nreps; i++) {
        const char *p = qw_redis_args_at(reps, 2 * i, &l);
        qw_redis_args_add(a, p, l);
    }
    qw_redis_args_add_str(a, token);
    qw_redis_args_add_i64(a, nreps);
    if (reps->oom) a->oom = 1;
}

/* The blobs of reps' key, blob pairs. */
static void job_args_blobs(qw_redis_args_t *a, const qw_redis_args_t *reps)
{
    size_t l;
    for (int i = 0; i < reps->n / 2; i++) {
        const char *p = qw_redis_args_at(reps, 2 * i + 1, &l);
        qw_redis_args_add(a, p, l);
    }
}

int qw_store_job_write(qw_store_t *s, int32_t part, const char *token, const qw_redis_args_t *reps,
                       int nnew, const qw_redis_args_t *outbox, int *lost)
{
    qw_redis_args_t a;
    qw_redis_args_init(&a);
    job_args_head(s, &a, part, "hold", token, reps);
    qw_redis_args_add_i64(&a, nnew);
    job_args_blobs(&a, reps);
    qw_redis_args_add_all(&a, outbox);
    const char **argv;
    size_t *lens;
    int rc = QW_ERR;
    if (qw_redis_args_argv(&a, &argv, &lens) == QW_OK) {
        redisReply *r = evalsha(s, "job", a.n, argv, lens);
        if (r && r->type == REDIS_REPLY_INTEGER) {
            *lost = r->integer == 0;
            rc = QW_OK;
            freeReplyObject(r);
        } else if (r) {
            rc = fail_reply(s, r, "job script");
        }
    } else {
        qw_err_set(s->errstr, sizeof(s->errstr), "out of memory");
    }
    qw_redis_args_free(&a);
    return rc;
}

int qw_store_marks_write(qw_store_t *s, int32_t part, int64_t epoch, const qw_redis_args_t *fv)
{
    if (fv->oom) return qw_err_set(s->errstr, sizeof(s->errstr), "out of memory for the marks");
    char ke[QW_STORE_KEY_MAX], km[QW_STORE_KEY_MAX];
    qw_store_key(s, ke, sizeof(ke), part, "epoch");
    qw_store_key(s, km, sizeof(km), part, "marks");
    qw_redis_args_t a;
    qw_redis_args_init(&a);
    qw_redis_args_add(&a, "EVALSHA", 7);
    qw_redis_args_add(&a, "", 0);
    qw_redis_args_add(&a, "2", 1);
    qw_redis_args_add(&a, ke, strlen(ke));
    qw_redis_args_add(&a, km, strlen(km));
    qw_redis_args_add_i64(&a, epoch);
    qw_redis_args_add_all(&a, fv);
    const char **argv;
    size_t *lens;
    if (qw_redis_args_argv(&a, &argv, &lens) != QW_OK) {
        qw_redis_args_free(&a);
        return qw_err_set(s->errstr, sizeof(s->errstr), "out of memory for the marks");
    }
    redisReply *r = evalsha(s, "marks", a.n, argv, lens);
    qw_redis_args_free(&a);
    if (!r) return QW_ERR;
    if (r->type != REDIS_REPLY_INTEGER) return fail_reply(s, r, "marks script");
    freeReplyObject(r);
    return QW_OK;
}

int qw_store_marks_read(qw_store_t *s, int32_t part, void **reply)
{
    char k[QW_STORE_KEY_MAX];
    qw_store_key(s, k, sizeof(k), part, "marks");
    redisReply *r = qw_redis_command(s->r, "HGETALL %s", k);
    if (!r || r->type != REDIS_REPLY_ARRAY) return fail_reply(s, r, "HGETALL marks");
    *reply = r;
    return QW_OK;
}

int qw_store_outbox_push(qw_store_t *s, int32_t part, const void *entry, size_t len)
{
    char k[QW_STORE_KEY_MAX];
    qw_store_key(s, k, sizeof(k), part, "outbox");
    redisReply *r = qw_redis_command(s->r, "RPUSH %s %b", k, entry, len);
    if (!r || r->type != REDIS_REPLY_INTEGER) return fail_reply(s, r, "RPUSH outbox");
    freeReplyObject(r);
    return QW_OK;
}

int qw_store_rejudge_request(qw_store_t *s, const char *period)
{
    char k[QW_STORE_KEY_MAX];
    snprintf(k, sizeof(k), "%sqw:ev:calendar:rejudge", s->ns);
    redisReply *r = qw_redis_command(s->r, "HSET %s %s 1", k, period);
    if (!r || r->type != REDIS_REPLY_INTEGER) return fail_reply(s, r, "HSET rejudge");
    freeReplyObject(r);
    return QW_OK;
}

int qw_store_job_prewrite(qw_store_t *s, int32_t part, const char *token,
                          const qw_redis_args_t *reps, const qw_redis_args_t *hdr,
                          const qw_redis_args_t *decs, int *lost, unsigned char *refused)
{
    int nreps = reps->n / 2;
    qw_redis_args_t a;
    qw_redis_args_init(&a);
    job_args_head(s, &a, part, "dirty", token, reps);
    qw_redis_args_add_all(&a, hdr);
    job_args_blobs(&a, reps);
    qw_redis_args_add_all(&a, decs);
    if (hdr->oom || decs->oom) a.oom = 1;
    const char **argv;
    size_t *lens;
    int rc = QW_ERR;
    memset(refused, 0, (size_t)nreps);
    if (qw_redis_args_argv(&a, &argv, &lens) == QW_OK) {
        redisReply *r = evalsha(s, "prewrite", a.n, argv, lens);
        if (r && r->type == REDIS_REPLY_ARRAY && r->elements >= 1 &&
            r->element[0]->type == REDIS_REPLY_INTEGER) {
            *lost = r->element[0]->integer == 0;
            for (size_t i = 1; i < r->elements; i++) {
                long long k =
                    r->element[i]->type == REDIS_REPLY_INTEGER ? r->element[i]->integer : 0;
                if (k >= 1 && k <= nreps) refused[k - 1] = 1;
            }
            rc = QW_OK;
            freeReplyObject(r);
        } else if (r) {
            rc = fail_reply(s, r, "pre-write script");
        }
    } else {
        qw_err_set(s->errstr, sizeof(s->errstr), "out of memory");
    }
    qw_redis_args_free(&a);
    return rc;
}
