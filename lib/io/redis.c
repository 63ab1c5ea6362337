#include "quotawatch/redis.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "quotawatch/clock.h"
#include "quotawatch/log.h"
#include "redis_durable.h"

static int require_durable;

void qw_redis_require_durable(int on)
{
    require_durable = on;
}

/* The URL for error messages: any user:password@ part becomes ***@ (the parser below takes the
 * last '@' as the end of it, so that is what is cut here too). */
static const char *redact_url(const char *url, char *out, size_t outlen)
{
    const char *scheme = strstr(url, "://"), *auth = url;
    if (scheme && strspn(url, "abcdefghijklmnopqrstuvwxyz+") == (size_t)(scheme - url))
        auth = scheme + 3; /* a "://" inside the password is not a scheme */
    const char *at = strrchr(auth, '@');
    if (!at) return url;
    snprintf(out, outlen, "%.*s***%s", (int)(auth - url), url, at);
    return out;
}

int qw_redis_init(qw_redis_t *r, const char *url_in, char *errbuf, size_t errlen)
{
    char shown[512];
    const char *url = redact_url(url_in, shown, sizeof(shown)); /* only ever printed */
    memset(r, 0, sizeof(*r));
    r->port = 6379;
    const char *p = url_in;
    if (!strncmp(p, "redis://", 8))
        p += 8;
    else if (strstr(p, "://"))
        return qw_err_set(errbuf, errlen, "Redis URL %s: only redis:// is supported", url);
    const char *at = strrchr(p, '@');
    if (at) {
        const char *colon = memchr(p, ':', (size_t)(at - p));
        const char *pw = colon ? colon + 1 : p;
        if ((size_t)(at - pw) >= sizeof(r->password))
            return qw_err_set(errbuf, errlen, "Redis URL: password too long");
        if (colon && colon > p) {
            if ((size_t)(colon - p) >= sizeof(r->user))
                return qw_err_set(errbuf, errlen, "Redis URL: user name too long");
            memcpy(r->user, p, (size_t)(colon - p));
        }
        memcpy(r->password, pw, (size_t)(at - pw));
        p = at + 1;
    }
    const char *slash = strchr(p, '/');
    const char *colon = strchr(p, ':');
    size_t hlen = colon && (!slash || colon < slash) ? (size_t)(colon - p)
                  : slash                            ? (size_t)(slash - p)
                                                     : strlen(p);
    if (!hlen || hlen >= sizeof(r->host))
        return qw_err_set(errbuf, errlen, "Redis URL %s: expected redis://host:port/db", url);
    memcpy(r->host, p, hlen);
    if (colon && (!slash || colon < slash)) r->port = atoi(colon + 1);
    if (slash) r->db = atoi(slash + 1);
    if (r->port <= 0 || r->port > 65535 || r->db < 0)
        return qw_err_set(errbuf, errlen, "Redis URL %s: bad port or database", url);
    const char *env = getenv("QW_REDIS_PASSWORD");
    if (!r->password[0] && env) snprintf(r->password, sizeof(r->password), "%s", env);
    const char *file = getenv("QW_REDIS_PASSWORD_FILE");
    if (!r->password[0] && file && *file) {
        FILE *f = fopen(file, "r");
        if (!f)
            return qw_err_set(errbuf, errlen, "QW_REDIS_PASSWORD_FILE %s: cannot be read", file);
        char line[sizeof(r->password)] = "";
        int ok = fgets(line, sizeof(line), f) != NULL;
        fclose(f);
        size_t n = strcspn(line, "\r\n");
        if (!ok || !n)
            return qw_err_set(errbuf, errlen, "QW_REDIS_PASSWORD_FILE %s: no password in it", file);
        memcpy(r->password, line, n);
        r->password[n] = '\0';
    }
    return QW_OK;
}

void qw_redis_describe(const qw_redis_t *r, char *out, size_t outlen)
{
    snprintf(out, outlen, "redis://%s%s:%d/%d", r->password[0] ? "***@" : "", r->host, r->port,
             r->db);
}

int qw_redis_connected(const qw_redis_t *r)
{
    return r->c != NULL;
}

void qw_redis_reset(qw_redis_t *r)
{
    if (r->c) {
        redisFree(r->c);
        r->c = NULL;
    }
    r->pending = 0; /* their replies went with the connection */
}

void qw_redis_close(qw_redis_t *r)
{
    qw_redis_reset(r);
}

static int fail(qw_redis_t *r, const char *what)
{
    qw_err_set(r->errstr, sizeof(r->errstr), "Redis %s:%d %s: %s", r->host, r->port, what,
               r->c && r->c->errstr[0] ? r->c->errstr : "connection lost");
    qw_redis_reset(r);
    r->backoff_ms = r->backoff_ms ? (r->backoff_ms < 5000 ? r->backoff_ms * 2 : 5000) : 100;
    r->retry_at_ns = qw_clock_mono_ns() + (int64_t)r->backoff_ms * 1000000;
    return QW_ERR;
}

int qw_redis_connect(qw_redis_t *r)
{
    if (r->c) return QW_OK;
    if (qw_clock_mono_ns() < r->retry_at_ns) return QW_ERR; /* errstr still holds the cause */
    struct timeval tv = {2, 0};
    r->c = redisConnectWithTimeout(r->host, r->port, tv);
    if (!r->c || r->c->err) return fail(r, "connect");
    struct timeval io = {10, 0}; /* a batch script may take a while on 100k reps */
    redisSetTimeout(r->c, io);
    redisReply *rep;
    if (r->password[0]) {
        rep = r->user[0] ? redisCommand(r->c, "AUTH %s %s", r->user, r->password)
                         : redisCommand(r->c, "AUTH %s", r->password);
        if (!rep) return fail(r, "AUTH");
        if (rep->type == REDIS_REPLY_ERROR) {
            /* Redis's own text (WRONGPASS, ...) says which: it never repeats the password. */
            qw_err_set(r->errstr, sizeof(r->errstr), "Redis %s:%d rejected the password%s%s: %s",
                       r->host, r->port, r->user[0] ? " of ACL user " : "", r->user, rep->str);
            freeReplyObject(rep);
            qw_redis_reset(r);
            return QW_ERR;
        }
        freeReplyObject(rep);
    }
    if (r->db) {
        rep = redisCommand(r->c, "SELECT %d", r->db);
        if (!rep) return fail(r, "SELECT");
        if (rep->type == REDIS_REPLY_ERROR) {
            qw_redis_reply_fail(r, "SELECT", rep);
            freeReplyObject(rep);
            qw_redis_reset(r);
            return QW_ERR;
        }
        freeReplyObject(rep);
    }
    if (require_durable) {
        char where[300];
        snprintf(where, sizeof(where), "%s:%d", r->host, r->port);
        int rc = qw_redis_durable_check(r->c, where, r->errstr, sizeof(r->errstr));
        if (rc == QW_ERR) return fail(r, "INFO");
        r->refused = rc != QW_OK;
        if (r->refused) {
            /* Checked again after the backoff: an operator may fix it with CONFIG SET. */
            qw_redis_reset(r);
            r->backoff_ms = 5000;
            r->retry_at_ns = qw_clock_mono_ns() + (int64_t)r->backoff_ms * 1000000;
            return QW_ERR;
        }
    }
    r->backoff_ms = 0;
    return QW_OK;
}

int qw_redis_reply_fail(qw_redis_t *r, const char *what, const redisReply *rep)
{
    if (!rep) return QW_ERR; /* a connection failure: errstr is already set */
    if (rep->type == REDIS_REPLY_ERROR)
        return qw_err_set(r->errstr, sizeof(r->errstr), "Redis %s:%d %s: %s", r->host, r->port,
                          what, rep->str);
    return qw_err_set(r->errstr, sizeof(r->errstr), "Redis %s:%d %s: unexpected reply type %d",
                      r->host, r->port, what, rep->type);
}

/* An error reply, or an EXEC reply holding one (a command that failed inside the transaction):
 * the first such reply, or NULL. */
static const redisReply *error_in(const redisReply *rep)
{
    if (!rep) return NULL;
    if (rep->type == REDIS_REPLY_ERROR) return rep;
    if (rep->type == REDIS_REPLY_ARRAY)
        for (size_t i = 0; i < rep->elements; i++)
            if (rep->element[i] && rep->element[i]->type == REDIS_REPLY_ERROR)
                return rep->element[i];
    return NULL;
}

/* Replies appended earlier but never read would answer the next command: read them first. */
static int drain(qw_redis_t *r)
{
    if (!r->pending) return QW_OK;
    return qw_redis_read_discard(r, "pipeline left unread", r->pending) == QW_ERR ? QW_ERR : QW_OK;
}

static redisReply *command_done(qw_redis_t *r, const char *what, redisReply *rep)
{
    if (!rep)
        fail(r, what);
    else if (rep->type == REDIS_REPLY_ERROR)
        qw_redis_reply_fail(r, what, rep);
    return rep;
}

redisReply *qw_redis_command(qw_redis_t *r, const char *fmt, ...)
{
    if (qw_redis_connect(r) != QW_OK || drain(r) != QW_OK) return NULL;
    va_list ap;
    va_start(ap, fmt);
    redisReply *rep = redisvCommand(r->c, fmt, ap);
    va_end(ap);
    return command_done(r, "command", rep);
}

redisReply *qw_redis_command_argv(qw_redis_t *r, int argc, const char **argv, const size_t *lens)
{
    if (qw_redis_connect(r) != QW_OK || drain(r) != QW_OK) return NULL;
    char name[32] = "command"; /* argv[0] need not be NUL-terminated */
    if (argc > 0 && lens[0] > 0)
        snprintf(name, sizeof(name), "%.*s", (int)(lens[0] < 31 ? lens[0] : 31), argv[0]);
    return command_done(r, name, redisCommandArgv(r->c, argc, argv, lens));
}

redisReply *qw_redis_command_args(qw_redis_t *r, qw_redis_args_t *a)
{
    const char **argv;
    size_t *lens;
    if (qw_redis_args_argv(a, &argv, &lens) != QW_OK) {
        qw_err_set(r->errstr, sizeof(r->errstr), "Redis command: out of memory for its arguments");
        return NULL;
    }
    return qw_redis_command_argv(r, a->n, argv, lens);
}

int qw_redis_append(qw_redis_t *r, const char *fmt, ...)
{
    if (qw_redis_connect(r) != QW_OK) return QW_ERR;
    va_list ap;
    va_start(ap, fmt);
    int rc = redisvAppendCommand(r->c, fmt, ap);
    va_end(ap);
    if (rc != REDIS_OK) return fail(r, "append");
    r->pending++;
    return QW_OK;
}

int qw_redis_append_argv(qw_redis_t *r, int argc, const char **argv, const size_t *lens)
{
    if (qw_redis_connect(r) != QW_OK) return QW_ERR;
    /* hiredis copies the arguments into its output buffer: the caller may reuse them now. */
    if (redisAppendCommandArgv(r->c, argc, argv, lens) != REDIS_OK) return fail(r, "append");
    r->pending++;
    return QW_OK;
}

int qw_redis_append_args(qw_redis_t *r, qw_redis_args_t *a)
{
    const char **argv;
    size_t *lens;
    if (qw_redis_args_argv(a, &argv, &lens) != QW_OK) {
        /* Not sent, but what was appended before is: drop the connection so no reply is taken
         * for another command's. */
        qw_redis_reset(r);
        return qw_err_set(r->errstr, sizeof(r->errstr),
                          "Redis append: out of memory for the arguments");
    }
    return qw_redis_append_argv(r, a->n, argv, lens);
}

int qw_redis_read(qw_redis_t *r, const char *what, redisReply **replies, int n)
{
    int rc = QW_OK;
    for (int i = 0; i < n; i++)
        replies[i] = NULL;
    for (int i = 0; i < n; i++) {
        void *rep = NULL;
        if (!r->c || r->pending <= 0 || redisGetReply(r->c, &rep) != REDIS_OK || !rep) {
            for (int j = 0; j < i; j++) {
                freeReplyObject(replies[j]);
                replies[j] = NULL;
            }
            if (rep) freeReplyObject(rep);
            if (r->c && r->pending <= 0) {
                qw_redis_reset(r);
                return qw_err_set(r->errstr, sizeof(r->errstr),
                                  "Redis %s:%d %s: more replies read than commands sent", r->host,
                                  r->port, what);
            }
            return fail(r, what);
        }
        r->pending--;
        replies[i] = rep;
        const redisReply *e = error_in(rep);
        if (e && rc == QW_OK) {
            qw_redis_reply_fail(r, what, e);
            rc = QW_REDIS_EREPLY;
        }
    }
    return rc;
}

int qw_redis_read_discard(qw_redis_t *r, const char *what, int n)
{
    int rc = QW_OK;
    for (int i = 0; i < n; i++) {
        redisReply *rep;
        int one = qw_redis_read(r, what, &rep, 1);
        freeReplyObject(rep);
        if (one == QW_ERR) return QW_ERR;
        if (one != QW_OK) rc = one;
    }
    return rc;
}

int qw_redis_script_load(qw_redis_t *r, const char *src, char sha[41])
{
    redisReply *rep = qw_redis_command(r, "SCRIPT LOAD %s", src);
    if (!rep) return QW_ERR;
    int ok = rep->type == REDIS_REPLY_STRING && rep->len == 40;
    if (ok)
        memcpy(sha, rep->str, 41);
    else
        snprintf(r->errstr, sizeof(r->errstr), "SCRIPT LOAD failed: %s",
                 rep->type == REDIS_REPLY_ERROR ? rep->str : "unexpected reply");
    freeReplyObject(rep);
    return ok ? QW_OK : QW_ERR;
}
