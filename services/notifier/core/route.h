/* Routing: which channels a decision goes to. The configuration is loaded from YAML once and
 * checked for privacy at load time; resolution is a pure function of (decision, profiles,
 * configuration). */
#ifndef QW_ROUTE_H
#define QW_ROUTE_H

#include <stddef.h>

#include "quotawatch/audience.h"
#include "quotawatch/common.h"
#include "quotawatch/v1/decision.pb-c.h"
#include "quotawatch/roster.h"

typedef enum { QW_CHAN_SLACK, QW_CHAN_EMAIL, QW_CHAN_WEBHOOK } qw_chan_kind_t;

#define QW_ROUTE_MAX         64
#define QW_ROUTE_MAX_TYPES   16
#define QW_ROUTE_MAX_ADDRS   4096
#define QW_ROUTE_MAX_TARGETS 16
#define QW_ROUTE_ADDR_MAX    512
#define QW_ROUTE_CHANNEL_MAX 32

typedef struct qw_route_s {
    char name[64];
    qw_aud_t audience;
    qw_chan_kind_t kind;
    char types[QW_ROUTE_MAX_TYPES][64]; /* "*", "reward.*" or an exact type */
    size_t n_types;
    int line, col; /* where the route starts in the routing file (0: not from a file) */
} qw_route_t;

/* A static address entry: a team, a manager or a rep by id. */
typedef struct qw_route_addr_s {
    char kind[12]; /* "team", "manager" or "rep" */
    char id[QW_ID_MAX];
    char slack[QW_ROUTE_ADDR_MAX]; /* Slack incoming webhook URL */
    char email[QW_ROUTE_ADDR_MAX];
} qw_route_addr_t;

typedef struct qw_route_cfg_s {
    qw_route_t routes[QW_ROUTE_MAX];
    size_t n_routes;
    qw_route_addr_t *addrs; /* teams, managers, reps (heap, n_addrs entries) */
    size_t n_addrs;
    char hr_webhook[QW_ROUTE_ADDR_MAX];
    char hr_email[QW_ROUTE_ADDR_MAX];
    char sales_ops_slack[QW_ROUTE_ADDR_MAX];
    char sales_ops_email[QW_ROUTE_ADDR_MAX];
    char webhook_url[QW_ROUTE_ADDR_MAX]; /* the generic webhook; empty when not configured */
    /* A Slack bot token is configured: a rep or manager without a DM webhook of their own gets
     * Slack messages through chat.postMessage to the Slack user id in their roster profile. */
    int slack_api;
} qw_route_cfg_t;

/* The address of a Slack DM sent with the Web API: this prefix, then the Slack user id. */
#define QW_ROUTE_SLACK_USER "slack-user:"

/* One delivery a decision needs. */
typedef struct qw_target_s {
    qw_chan_kind_t kind;
    qw_aud_t audience;
    char channel[QW_ROUTE_CHANNEL_MAX]; /* "<audience>.<kind>", the de-duplication key part */
    char address[QW_ROUTE_ADDR_MAX];    /* URL or e-mail address; empty: none known */
    int shared;                         /* a channel that people other than the addressee read */
    int private_replacement;            /* public recognition sent privately (opt-out) */
} qw_target_t;

const char *qw_chan_kind_name(qw_chan_kind_t k);

void qw_route_cfg_init(qw_route_cfg_t *cfg);
void qw_route_cfg_free(qw_route_cfg_t *cfg);

/* Parses YAML text (or a file) into cfg and checks it (qw_route_check). Returns QW_OK, or
 * QW_ERR with "FILE:LINE:COL: key.path: problem" in errbuf ("routing" instead of FILE for text);
 * unknown keys, duplicate keys and the bytes quotawatch/yaml.h screens out are refused. */
int qw_route_load_string(qw_route_cfg_t *cfg, const char *yaml, size_t len, char *errbuf,
                         size_t errlen);
int qw_route_load_file(qw_route_cfg_t *cfg, const char *path, char *errbuf, size_t errlen);

/* The privacy rules, applied at load: no route may send a termination review or an integrity
 * flag (review.*, integrity.*) to a shared channel, and the team channel carries public
 * recognition (reward.*) only. */
int qw_route_check(const qw_route_cfg_t *cfg, char *errbuf, size_t errlen);

/* 1 when type matches pattern ("*", "prefix.*" or exact). */
int qw_route_type_match(const char *pattern, const char *type);

/* Priority of a decision type under backlog: 0 first (reviews) .. 4 last (rewards). */
int qw_route_priority(const char *type);
#define QW_PRIO_LEVELS 5

/* Resolves the deliveries of decision d. rep is the rep's profile and manager the manager's
 * (either NULL when the roster has none). Writes at most max targets, returns their count.
 * Only audiences named in the decision are served (the generic webhook excepted); a shared
 * target is never produced for review.* or integrity.* whatever cfg says; a rep who opted out
 * of public recognition gets it on their private channel instead. */
size_t qw_route_resolve(const qw_route_cfg_t *cfg, const Quotawatch__V1__Decision *d,
                        const qw_rep_profile_t *rep, const qw_rep_profile_t *manager,
                        qw_target_t *out, size_t max);

#endif
