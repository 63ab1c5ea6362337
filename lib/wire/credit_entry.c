#include "quotawatch/credit_entry.h"

#include <string.h>

#include "quotawatch/date.h"
#include "quotawatch/id.h"

void qw_credit_entry_fill(qw_credit_entry_pb_t *pb, const qw_credit_t *c)
{
    quotawatch__v1__credit_entry__init(&pb->msg);
    quotawatch__v1__money__init(&pb->original);
    /* protobuf-c wants char *; the message is only read, never freed. */
    pb->msg.id = (char *)c->id;
    pb->msg.deal_id = (char *)c->deal_id;
    pb->msg.deal_version = c->deal_version;
    pb->msg.rep_id = (char *)c->rep_id;
    pb->msg.kind = (Quotawatch__V1__CreditKind)c->kind;
    pb->msg.amount_minor = c->amount_minor;
    pb->msg.currency = (char *)c->currency;
    pb->original.amount_minor = c->original_minor;
    pb->original.currency = (char *)c->original_currency;
    pb->msg.original = &pb->original;
    if (c->close_date == QW_DATE_NONE && c->close_time_ms != QW_TIME_NONE)
        qw_time_format_iso8601(c->close_time_ms, pb->close_date);
    else
        qw_date_format(c->close_date, pb->close_date);
    pb->msg.close_date = pb->close_date;
    pb->msg.event_time_ms = c->event_time_ms;
    pb->msg.reason = (char *)qw_credit_reason_name(c->reason);
    pb->msg.discount_bp = c->discount_bp;
    pb->won_date[0] = '\0';
    if (c->won_date != QW_DATE_NONE) qw_date_format(c->won_date, pb->won_date);
    pb->msg.won_date = pb->won_date;
}

size_t qw_credit_entry_pack(const qw_credit_t *c, uint8_t *buf, size_t cap)
{
    qw_credit_entry_pb_t pb;
    qw_credit_entry_fill(&pb, c);
    size_t n = quotawatch__v1__credit_entry__get_packed_size(&pb.msg);
    if (n > cap) return 0;
    return quotawatch__v1__credit_entry__pack(&pb.msg, buf);
}

/* An id from a topic: copied whole and within the id rule ("" = none), whoever wrote it. */
static int cp_id(char *dst, size_t cap, const char *src, const char *what, char *err, size_t errlen)
{
    if (qw_str_field(dst, cap, src, what, err, errlen) != QW_OK) return QW_ERR;
    char why[QW_ERRSTR_MAX / 2];
    if (dst[0] && qw_id_valid(dst, strlen(dst), why, sizeof(why)) != QW_OK)
        return qw_err_set(err, errlen, "%s: %s", what, why);
    return QW_OK;
}

static int date_or_none(const char *s, int32_t *out)
{
    if (!s || !*s) {
        *out = QW_DATE_NONE;
        return 0;
    }
    return qw_date_parse(s, strlen(s), out);
}

int qw_credit_entry_from_pb(const Quotawatch__V1__CreditEntry *m, qw_credit_t *c, char *err,
                            size_t errlen)
{
    char reason[QW_CREDIT_REASON_MAX];
    memset(c, 0, sizeof(*c));
    if (qw_str_field(c->id, sizeof(c->id), m->id, "credit id", err, errlen) ||
        cp_id(c->deal_id, sizeof(c->deal_id), m->deal_id, "deal id", err, errlen) ||
        cp_id(c->rep_id, sizeof(c->rep_id), m->rep_id, "rep id", err, errlen) ||
        qw_str_field(c->currency, sizeof(c->currency), m->currency, "currency", err, errlen) ||
        qw_str_field(reason, sizeof(reason), m->reason, "reason", err, errlen))
        return QW_ERR;
    if (m->original && qw_str_field(c->original_currency, sizeof(c->original_currency),
                                    m->original->currency, "original currency", err, errlen))
        return QW_ERR;
    if (qw_credit_reason_parse(reason, &c->reason) != QW_OK) c->reason = QW_REASON_NONE;
    c->deal_version = m->deal_version;
    c->kind = (qw_credit_kind_t)m->kind;
    c->amount_minor = m->amount_minor;
    c->original_minor = m->original ? m->original->amount_minor : 0;
    c->event_time_ms = m->event_time_ms;
    c->discount_bp = m->discount_bp;
    c->close_time_ms = QW_TIME_NONE;
    const char *cd = m->close_date ? m->close_date : "";
    size_t n = strlen(cd);
    /* A bare date is a local civil date; a timestamp is an instant whose local date counts. */
    if (n > 10) {
        if (qw_time_parse_iso8601(cd, n, &c->close_time_ms) != 0)
            return qw_err_set(err, errlen, "credit %s: bad close_date %s", c->id, cd);
        c->close_date = QW_DATE_NONE;
    } else if (qw_date_parse(cd, n, &c->close_date) != 0) {
        return qw_err_set(err, errlen, "credit %s: bad close_date \"%s\"", c->id, cd);
    }
    if (date_or_none(m->won_date, &c->won_date) != 0)
        return qw_err_set(err, errlen, "credit %s: bad won_date", c->id);
    return QW_OK;
}

int qw_credit_entry_unpack(const uint8_t *buf, size_t len, qw_credit_t *c, char *err, size_t errlen)
{
    Quotawatch__V1__CreditEntry *m = quotawatch__v1__credit_entry__unpack(NULL, len, buf);
    if (!m) return qw_err_set(err, errlen, "not a CreditEntry");
    int rc = qw_credit_entry_from_pb(m, c, err, errlen);
    quotawatch__v1__credit_entry__free_unpacked(m, NULL);
    return rc;
}
