/* A deal change (patch) as the source adapters produce it and the deal ledger consumes it.
 * Plain fixed-size structs: no allocation on the per-event path. */
#ifndef QW_DEAL_H
#define QW_DEAL_H

#include <stdint.h>
#include "quotawatch/common.h"

#define QW_SPLITS_MAX 16
#define QW_STAGE_MAX  64
#define QW_SOURCE_MAX 16

typedef enum {
    QW_DEAL_UNSPECIFIED = 0,
    QW_DEAL_OPEN = 1,
    QW_DEAL_WON = 2,
    QW_DEAL_LOST = 3,
    QW_DEAL_DELETED = 4,
} qw_deal_status_t;

/* Bits of qw_deal_change_t.present: which fields this patch carries. */
enum {
    QW_DC_STATUS = 1u << 0,
    QW_DC_AMOUNT = 1u << 1, /* amount_minor in minor units of currency[] (always filled in);
                             * without QW_DC_CURRENCY the source did not name the currency
                             * and the adapter scaled by its configured default currency */
    QW_DC_CURRENCY = 1u << 2,
    QW_DC_OWNER = 1u << 3,
    QW_DC_CLOSE_DATE = 1u << 4,
    QW_DC_SPLITS = 1u << 5,
    QW_DC_DISCOUNT = 1u << 6,
    QW_DC_STAGE = 1u << 7,
    QW_DC_PIPELINE = 1u << 8,
};
#define QW_DC_NFIELDS 9

typedef struct qw_split_s {
    char rep_id[QW_ID_MAX];
    int32_t basis_points; /* 10000 = 100% */
} qw_split_t;

typedef struct qw_deal_change_s {
    char source[QW_SOURCE_MAX]; /* salesforce, hubspot, pipedrive, canonical */
    char deal_id[QW_ID_MAX];    /* source-qualified: "salesforce:006..." */
    int64_t version;            /* the CRM's own order; larger is newer */
    int64_t event_time_ms;      /* when the CRM says the change happened */
    uint32_t present;           /* QW_DC_* bits */
    qw_deal_status_t status;
    int64_t amount_minor; /* minor units of currency */
    char currency[4];     /* ISO 4217, NUL-terminated */
    char owner_id[QW_ID_MAX];
    int32_t close_date; /* days since 1970-01-01 (quotawatch/date.h) */
    int nsplits;        /* 0 = all credit to owner_id */
    qw_split_t splits[QW_SPLITS_MAX];
    int32_t discount_bp; /* discount granted, basis points */
    char stage[QW_STAGE_MAX];
    char pipeline[QW_STAGE_MAX];
    uint32_t flags; /* QW_DCF_* */
} qw_deal_change_t;

/* Bits of qw_deal_change_t.flags. */
enum {
    /* The CRM lost track (Salesforce GAP_* / overflow, HubSpot restore or merge): the deal's
     * state is unknown and needs a resync from the CRM. No field of the patch is trustworthy
     * beyond what present says. deal_id "<source>:*" means every deal of that source. */
    QW_DCF_GAP = 1u << 0,
};

const char *qw_deal_status_name(qw_deal_status_t s); /* "open", "won", ... */

#endif
