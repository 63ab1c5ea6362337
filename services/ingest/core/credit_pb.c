#include "credit_pb.h"

#include "quotawatch/date.h"

void qw_credit_pb_fill(qw_credit_pb_t *pb, const qw_credit_t *c)
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
    qw_date_format(c->close_date, pb->close_date);
    pb->msg.close_date = pb->close_date;
    pb->msg.event_time_ms = c->event_time_ms;
    pb->msg.reason = (char *)qw_credit_reason_name(c->reason);
    pb->msg.discount_bp = c->discount_bp;
    pb->won_date[0] = '\0';
    if (c->won_date != QW_DATE_NONE) qw_date_format(c->won_date, pb->won_date);
    pb->msg.won_date = pb->won_date;
}

size_t qw_credit_pb_pack(const qw_credit_t *c, uint8_t *buf, size_t cap)
{
    qw_credit_pb_t pb;
    qw_credit_pb_fill(&pb, c);
    size_t n = quotawatch__v1__credit_entry__get_packed_size(&pb.msg);
    if (n > cap) return 0;
    return quotawatch__v1__credit_entry__pack(&pb.msg, buf);
}
