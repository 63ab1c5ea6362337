/* libFuzzer target: the CSV reader and the roster and quota loaders on arbitrary bytes (the
 * files come from spreadsheets). Beyond no crash and no sanitizer report: a refused file
 * reaches no callback and says why; an accepted one only yields rows that pass the same checks
 * again (ids set, amounts non-negative, quotas of the policy's period kind and convertible).
 * Seeds: tests/fixtures/csv/. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "quotawatch/csv.h"
#include "quotawatch/money.h"
#include "quotawatch/period.h"
#include "quotawatch/policy.h"

static qw_policy_t month, quarter;
static const qw_policy_t *cur;
static int rows;

static int on_rep(void *o, const qw_rep_profile_t *p)
{
    (void)o;
    if (!p->rep_id[0] || !memchr(p->rep_id, 0, sizeof(p->rep_id)) ||
        !memchr(p->team_id, 0, sizeof(p->team_id)) || p->nleave < 0 || p->nleave > QW_LEAVE_MAX)
        abort();
    for (int i = 0; i < p->nleave; i++)
        if (p->leave[i].end < p->leave[i].start) abort();
    rows++;
    return QW_OK;
}

static int on_quota(void *o, const qw_quota_t *q)
{
    (void)o;
    qw_period_t per;
    if (!q->rep_id[0] || !q->version[0] || q->amount_minor < 0 ||
        q->amount_minor > QW_MONEY_MAX_MINOR || qw_period_parse(q->period, &per) != 0 ||
        qw_money_exponent(q->currency) < 0)
        abort();
    const char *reason;
    char err[QW_ERRSTR_MAX];
    if (cur && (per.kind != cur->period || qw_csv_quota_check(q, cur, &reason, err, sizeof(err))))
        abort();
    rows++;
    return QW_OK;
}

static void on_error(void *o, const char *msg)
{
    (void)o;
    if (!msg[0]) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!month.rates.base[0]) {
        qw_policy_defaults(&month);
        month.period = QW_PERIOD_MONTH;
        qw_rates_set(&month.rates, "EUR", 1080000000);
        qw_rates_set(&month.rates, "JPY", 6700000);
        quarter = month;
        quarter.period = QW_PERIOD_QUARTER;
    }
    const char *buf = (const char *)data;
    qw_csv_t r;
    qw_csv_init(&r, buf, size);
    int got, n = 0;
    while ((got = qw_csv_next(&r)) == 1) {
        if (r.nfields < 1 || r.nfields > QW_CSV_FIELDS_MAX) abort();
        for (int i = 0; i < r.nfields; i++)
            if (r.field[i][r.flen[i]] != 0 || r.flen[i] > size) abort();
        if (++n > (int)size + 1) abort(); /* every record consumes input */
    }
    if (got < 0 && !r.errstr[0]) abort();
    qw_csv_free(&r);

    char err[QW_ERRSTR_MAX];
    qw_csv_opts_t o = {.name = "fuzz.csv", .max_errors = 5, .on_error = on_error};
    rows = 0;
    cur = NULL;
    if (qw_csv_roster_read(buf, size, &o, on_rep, NULL, err, sizeof(err)) != QW_OK &&
        (rows || !err[0]))
        abort();
    const qw_policy_t *pols[] = {NULL, &month, &quarter};
    for (int i = 0; i < 3; i++) {
        rows = 0;
        cur = pols[i];
        o.policy = cur;
        if (qw_csv_quota_read(buf, size, &o, on_quota, NULL, err, sizeof(err)) != QW_OK &&
            (rows || !err[0]))
            abort();
    }
    return 0;
}
