/* A Redis connection that survives Redis going away: hiredis 0.14 contexts that returned an
 * error are dead, so every failure drops the context and the next call reconnects, with
 * backoff. Every write quotawatch makes is idempotent, so re-sending after an unknown outcome
 * is safe. */
#ifndef QW_REDIS_H
#define QW_REDIS_H
#ifdef QW_PURE
#error "quotawatch/redis.h is an I/O header (lib/io): pure targets may not include it"
#endif

#include <hiredis/hiredis.h>
#include <stddef.h>
#include <stdint.h>

#include "quotawatch/common.h"

typedef struct qw_redis_s {
    redisContext *c; /* NULL while disconnected */
    char host[256];
    int port;
    int db;
    char user[128]; /* Redis 6 ACL user from the URL ("" = the default user) */
    char
        password[256]; /* from the URL, QW_REDIS_PASSWORD or QW_REDIS_PASSWORD_FILE; never logged */
    int backoff_ms;
    int64_t retry_at_ns;
    int pending; /* commands appended whose replies are not read yet */
    int refused; /* the last connect found a server that evicts or persists nothing */
    char errstr[QW_ERRSTR_MAX];
} qw_redis_t;

/* The arguments of one command, hiredis argv style: byte strings borrowed from the caller
 * (valid until the command ran) or copied into the builder's arena (numbers, short strings).
 * Reset keeps the memory: a builder reused per batch allocates nothing once warm. */
typedef struct qw_redis_args_s {
    const char **v; /* borrowed pointers, or arena offsets (see redis_args.c) */
    size_t *l;
    int n, cap;
    char *own; /* arena of the copied arguments */
    size_t own_len, own_cap;
    const char **argv; /* resolved by qw_redis_args_argv */
    size_t *lens;
    int argv_cap;
    int oom; /* an add failed: the command is not sent (qw_redis_args_argv says QW_ERR) */
} qw_redis_args_t;

/* Return codes of the calls that read replies, besides QW_OK and QW_ERR. */
#define QW_REDIS_EREPLY 1 /* Redis answered, with an error reply (r->errstr has its text) */

/* Parse redis://[[user]:password@]host:port[/db] (a user is a Redis 6 ACL user: AUTH user
 * password). Without a password in the URL, QW_REDIS_PASSWORD or the first line of the file
 * QW_REDIS_PASSWORD_FILE gives it. QW_ERR with errbuf on a malformed URL or unreadable file. */
int qw_redis_init(qw_redis_t *r, const char *url, char *errbuf, size_t errlen);

/* Connected and authenticated? Tries to (re)connect when the backoff allows. QW_OK or QW_ERR
 * (r->errstr says why). */
int qw_redis_connect(qw_redis_t *r);

/* Durability (docs/operations.md, "Redis"): with it on, every new connection first checks that
 * the server never evicts keys (maxmemory-policy noeviction) and persists them (appendonly or
 * RDB snapshots), since the ledger, rep states and delivery records cannot be re-derived. A
 * server that fails it is refused: the connect returns QW_ERR with the reason and the fix in
 * errstr and sets r->refused, which a retry will not clear — a service exits 2 at start-up
 * and stays unready at run time. Process-wide; off by default (tools, tests); the services turn
 * it on unless started with --redis-allow-volatile. */
void qw_redis_require_durable(int on);

/* The option every service with Redis state takes (dst: int*). */
#define QW_REDIS_OPT_ALLOW_VOLATILE(dst)                                                           \
    {                                                                                              \
        "redis-allow-volatile", "QW_REDIS_ALLOW_VOLATILE", QW_OPT_BOOL, "false",                   \
            "Accept a Redis that may evict keys or persists nothing (tests, throw-away stacks)",   \
            (dst), 0                                                                               \
    }

/* Connected now (no attempt to connect)? For readiness probes and caches tied to one server. */
int qw_redis_connected(const qw_redis_t *r);

/* Drop the connection after an error (the next qw_redis_connect reconnects). */
void qw_redis_reset(qw_redis_t *r);
void qw_redis_close(qw_redis_t *r);

/* Run one command. NULL when the connection failed (then reset; r->errstr says why). An error
 * reply is returned as such (type REDIS_REPLY_ERROR) for the caller to judge; its text is in
 * r->errstr too. */
redisReply *qw_redis_command(qw_redis_t *r, const char *fmt, ...);
redisReply *qw_redis_command_argv(qw_redis_t *r, int argc, const char **argv, const size_t *lens);
/* NULL also when the builder ran out of memory (r->errstr says so; the connection is kept). */
redisReply *qw_redis_command_args(qw_redis_t *r, qw_redis_args_t *a);

/* Pipelining: append commands (connecting first if need be), then read their replies in one
 * round trip. An append fails only when the connection did (or the builder ran out of memory):
 * QW_ERR, r->errstr says why, and the commands appended before it are dropped with the
 * connection. */
int qw_redis_append(qw_redis_t *r, const char *fmt, ...);
int qw_redis_append_argv(qw_redis_t *r, int argc, const char **argv, const size_t *lens);
int qw_redis_append_args(qw_redis_t *r, qw_redis_args_t *a);
/* Send what was appended and read n replies into replies[] (n at most r->pending). Every slot
 * holds a reply or NULL afterwards, whatever the outcome, so the caller frees all n with
 * freeReplyObject. QW_OK: no error reply. QW_REDIS_EREPLY: one reply or more is an error, or
 * an EXEC holds one (OOM, READONLY, NOAUTH, NOSCRIPT...): r->errstr names `what` and the first
 * such error, the connection stays, the replies are kept for the caller to judge. QW_ERR: the
 * connection failed (then reset; r->errstr says why) and every slot is NULL. */
int qw_redis_read(qw_redis_t *r, const char *what, redisReply **replies, int n);
/* The same, for replies the caller does not need: QW_OK, QW_REDIS_EREPLY or QW_ERR. */
int qw_redis_read_discard(qw_redis_t *r, const char *what, int n);

/* After a command failed: put the cause in r->errstr (an error reply's text, such as OOM,
 * READONLY or NOAUTH, or the unexpected reply type; a NULL reply leaves the connection error in
 * place). Returns QW_ERR. */
int qw_redis_reply_fail(qw_redis_t *r, const char *what, const redisReply *rep);

/* Load a Lua script; sha gets its 40-hex SHA1. */
int qw_redis_script_load(qw_redis_t *r, const char *src, char sha[41]);

/* The argument builder (redis_args.c). _add borrows the bytes; _add_copy, _add_str and
 * _add_i64 copy them; _add_all borrows every argument of another builder (which must then stay
 * unchanged until the command ran); _set replaces argument i by borrowed bytes. A failed add
 * sets a->oom and makes the later adds no-ops. */
void qw_redis_args_init(qw_redis_args_t *a);
void qw_redis_args_reset(qw_redis_args_t *a);
void qw_redis_args_free(qw_redis_args_t *a);
void qw_redis_args_add(qw_redis_args_t *a, const void *p, size_t len);
void qw_redis_args_add_copy(qw_redis_args_t *a, const void *p, size_t len);
void qw_redis_args_add_str(qw_redis_args_t *a, const char *s);
void qw_redis_args_add_i64(qw_redis_args_t *a, int64_t v);
void qw_redis_args_add_all(qw_redis_args_t *a, const qw_redis_args_t *from);
void qw_redis_args_set(qw_redis_args_t *a, int i, const void *p, size_t len);
int qw_redis_args_count(const qw_redis_args_t *a);
/* Argument i (0 <= i < count) and its length. */
const char *qw_redis_args_at(const qw_redis_args_t *a, int i, size_t *len);
/* The argv/lens pair for hiredis, valid until the next add or reset. QW_ERR when an add ran out
 * of memory. */
int qw_redis_args_argv(qw_redis_args_t *a, const char ***argv, size_t **lens);

/* URL without the password, for logs. */
void qw_redis_describe(const qw_redis_t *r, char *out, size_t outlen);

#endif
