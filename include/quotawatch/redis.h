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
    char errstr[QW_ERRSTR_MAX];
} qw_redis_t;

/* Parse redis://[[user]:password@]host:port[/db] (a user is a Redis 6 ACL user: AUTH user
 * password). Without a password in the URL, QW_REDIS_PASSWORD or the first line of the file
 * QW_REDIS_PASSWORD_FILE gives it. QW_ERR with errbuf on a malformed URL or unreadable file. */
int qw_redis_init(qw_redis_t *r, const char *url, char *errbuf, size_t errlen);

/* Connected and authenticated? Tries to (re)connect when the backoff allows. QW_OK or QW_ERR
 * (r->errstr says why). */
int qw_redis_connect(qw_redis_t *r);

/* Drop the connection after an error (the next qw_redis_connect reconnects). */
void qw_redis_reset(qw_redis_t *r);
void qw_redis_close(qw_redis_t *r);

/* Run one command. NULL when the connection failed (then reset; r->errstr says why). An error
 * reply is returned as such (type REDIS_REPLY_ERROR) for the caller to judge. */
redisReply *qw_redis_command(qw_redis_t *r, const char *fmt, ...);
redisReply *qw_redis_command_argv(qw_redis_t *r, int argc, const char **argv, const size_t *lens);

/* Read n pipelined replies (after redisAppendCommand* on r->c) into replies[]; QW_OK, or QW_ERR
 * after a connection failure (then reset, and any replies already read are freed). */
int qw_redis_pipeline_read(qw_redis_t *r, redisReply **replies, int n);

/* After a command failed: put the cause in r->errstr (an error reply's text, such as OOM,
 * READONLY or NOAUTH, or the unexpected reply type; a NULL reply leaves the connection error in
 * place). Returns QW_ERR. The replies form reports the first error among n pipelined replies. */
int qw_redis_reply_fail(qw_redis_t *r, const char *what, const redisReply *rep);
int qw_redis_replies_fail(qw_redis_t *r, const char *what, redisReply *const *reps, int n);

/* Load a Lua script; sha gets its 40-hex SHA1. */
int qw_redis_script_load(qw_redis_t *r, const char *src, char sha[41]);

/* URL without the password, for logs. */
void qw_redis_describe(const qw_redis_t *r, char *out, size_t outlen);

#endif
