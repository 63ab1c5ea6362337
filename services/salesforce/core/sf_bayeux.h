/* Bayeux (CometD) messages of the Salesforce Streaming API, built and parsed without I/O:
 * /meta/handshake with the replay extension, /meta/subscribe carrying the replay id of the
 * channel, /meta/connect long polls, and the replies with their advice, errors and events. */
#ifndef QW_SF_BAYEUX_H
#define QW_SF_BAYEUX_H

#include <stddef.h>
#include <stdint.h>

#include "quotawatch/common.h"

#define QW_SF_CLIENT_ID_MAX 128
#define QW_SF_CHANNEL_MAX   256
#define QW_SF_ERROR_MAX     256
/* Replay ids Salesforce understands besides a real one. */
#define QW_SF_REPLAY_ALL -2 /* every retained event */
#define QW_SF_REPLAY_NEW -1 /* only events published from now on */

/* Every request is a JSON array of one message; each returns malloc'd NUL-terminated text or
 * NULL (a channel or client id that is not printable ASCII, or out of memory). */
char *qw_sf_handshake_msg(void);
char *qw_sf_subscribe_msg(const char *client_id, const char *channel, int64_t replay_id);
char *qw_sf_connect_msg(const char *client_id);
char *qw_sf_disconnect_msg(const char *client_id);

/* A channel name this program accepts: "/" then [A-Za-z0-9_/.-], at most 255 bytes. */
int qw_sf_channel_valid(const char *channel);

/* What the client must do next, from a reply (in order of precedence). */
typedef enum {
    QW_SF_NEXT_OK = 0,         /* go on (connect again) */
    QW_SF_NEXT_HANDSHAKE,      /* 403::Unknown client, or advice reconnect=handshake */
    QW_SF_NEXT_REPLAY_EXPIRED, /* subscribe refused the replay id (older than the retention) */
    QW_SF_NEXT_LOGIN,          /* 401: the access token expired or was revoked */
    QW_SF_NEXT_RETRY,          /* another refusal: back off and handshake again */
    QW_SF_NEXT_STOP            /* advice reconnect=none: the server wants no more */
} qw_sf_next_t;

typedef struct {
    int present;
    char reconnect[16];              /* "retry", "handshake", "none" or "" */
    int64_t interval_ms, timeout_ms; /* -1 when not given */
} qw_sf_advice_t;

typedef struct {
    int64_t replay_id;
    char *payload; /* data.payload as compact JSON text (malloc'd), what qw-ingest reads */
    size_t payload_len;
    char change_type[32]; /* ChangeEventHeader.changeType ("" if none; cut at 31 bytes) */
    int gap; /* GAP_* or a change type the adapter does not know: the records must be re-read */
    char **record_ids; /* ChangeEventHeader.recordIds, for gaps */
    size_t nrecord_ids;
    int64_t commit_ms, sequence; /* ChangeEventHeader.commitTimestamp / sequenceNumber */
} qw_sf_event_t;

typedef struct {
    int have_meta;  /* the reply held the /meta/ message asked for */
    int successful; /* its "successful" */
    char client_id[QW_SF_CLIENT_ID_MAX];
    char error[QW_SF_ERROR_MAX];
    qw_sf_advice_t advice;
    qw_sf_event_t *events; /* data messages of the subscribed channel, in reply order */
    size_t nevents;
    qw_sf_next_t next;
} qw_sf_reply_t;

/* Parse the body of a Bayeux reply to a request on meta ("/meta/handshake", ...), keeping the
 * data messages of channel. QW_OK (r->next says what to do) or QW_ERR when the bytes are not a
 * Bayeux reply (errbuf says why; r is then empty). Free with qw_sf_reply_free. */
int qw_sf_reply_parse(const char *buf, size_t len, const char *meta, const char *channel,
                      qw_sf_reply_t *r, char *errbuf, size_t errlen);
void qw_sf_reply_free(qw_sf_reply_t *r);

/* A change type qw-ingest's adapter takes for a gap: GAP_CREATE, GAP_UPDATE, GAP_DELETE,
 * GAP_UNDELETE, GAP_OVERFLOW and any type it does not know (not CREATE/UPDATE/DELETE/UNDELETE). */
int qw_sf_change_is_gap(const char *change_type);

/* The classification alone, for an error text of a /meta/ message. */
qw_sf_next_t qw_sf_classify(const char *meta, const char *error, const char *reconnect);

#endif
