/* Who a decision is for: the one audience definition of every service (issue 9). A decision
 * names a set of audiences (qw_audset_t); the notifier routes each audience separately. */
#ifndef QW_AUDIENCE_H
#define QW_AUDIENCE_H

#include <stdint.h>

/* 0-based, so an audience indexes arrays; the wire names are qw_aud_name()'s. */
typedef enum {
    QW_AUD_REP,       /* "rep" */
    QW_AUD_MANAGER,   /* "manager" */
    QW_AUD_TEAM,      /* "team": a shared channel */
    QW_AUD_HR,        /* "hr" */
    QW_AUD_SALES_OPS, /* "sales_ops" */
    /* The notifier's generic webhook (--webhook-url): every decision goes to this system
     * endpoint; a decision never names it, so it is after the decision audiences. */
    QW_AUD_WEBHOOK, /* "webhook" */
    QW_AUD_COUNT
} qw_aud_t;

/* The audiences a decision may name (QW_AUD_REP .. QW_AUD_SALES_OPS). */
#define QW_AUD_DECISION_COUNT QW_AUD_WEBHOOK

/* A set of audiences: bit (1u << aud). */
typedef uint32_t qw_audset_t;
#define QW_AUDSET(a)          ((qw_audset_t)1u << (a))
#define QW_AUDSET_REP         QW_AUDSET(QW_AUD_REP)
#define QW_AUDSET_MANAGER     QW_AUDSET(QW_AUD_MANAGER)
#define QW_AUDSET_TEAM        QW_AUDSET(QW_AUD_TEAM)
#define QW_AUDSET_HR          QW_AUDSET(QW_AUD_HR)
#define QW_AUDSET_SALES_OPS   QW_AUDSET(QW_AUD_SALES_OPS)
#define QW_AUDSET_HAS(set, a) (((set)&QW_AUDSET(a)) != 0)

/* "rep", "manager", "team", "hr", "sales_ops", "webhook"; "?" for anything else. */
const char *qw_aud_name(qw_aud_t a);

/* The audience named name among the first `count` audiences (QW_AUD_DECISION_COUNT for a
 * decision's, QW_AUD_COUNT for all). Returns QW_OK or QW_ERR (out untouched). */
int qw_aud_parse(const char *name, int count, qw_aud_t *out);

#endif
