/* Shared body of the adapter fuzz targets: parse arbitrary bytes as one source's message and
 * check the invariants every patch and every rejection must keep. Include after defining
 * QW_FUZZ_SOURCE. */
#ifndef QW_FUZZ_ADAPTER_H
#define QW_FUZZ_ADAPTER_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "adapter.h"
#include "convert.h"
#include "quotawatch/id.h"
#include "quotawatch/money.h"

static int qw_fuzz_check(void *opaque, const qw_deal_change_t *dc)
{
    int *count = opaque;
    (*count)++;
    /* Strings are terminated inside their buffers; ids are source-qualified. */
    if (!memchr(dc->deal_id, '\0', sizeof(dc->deal_id)) || !strchr(dc->deal_id, ':')) abort();
    if (strlen(dc->deal_id) < 2) abort();
    if (!memchr(dc->owner_id, '\0', sizeof(dc->owner_id))) abort();
    /* Every accepted id keeps the id rule (no CR/LF or other controls, valid UTF-8). */
    if (qw_id_valid(dc->deal_id, strlen(dc->deal_id), NULL, 0) != QW_OK) abort();
    if (dc->owner_id[0] && qw_id_valid(dc->owner_id, strlen(dc->owner_id), NULL, 0) != QW_OK)
        abort();
    for (int i = 0; (dc->present & QW_DC_SPLITS) && i < dc->nsplits && i < QW_SPLITS_MAX; i++)
        if (qw_id_valid(dc->splits[i].rep_id, strnlen(dc->splits[i].rep_id, QW_ID_MAX), NULL, 0) !=
            QW_OK)
            abort();
    if (!memchr(dc->stage, '\0', sizeof(dc->stage))) abort();
    if (!memchr(dc->pipeline, '\0', sizeof(dc->pipeline))) abort();
    if (dc->present & QW_DC_AMOUNT) {
        if (qw_money_exponent(dc->currency) < 0) abort();
        if (dc->amount_minor < 0 || dc->amount_minor > QW_MONEY_MAX_MINOR) abort();
    }
    if ((dc->present & QW_DC_CURRENCY) && qw_money_exponent(dc->currency) < 0) abort();
    if ((dc->present & QW_DC_STATUS) && (dc->status < QW_DEAL_OPEN || dc->status > QW_DEAL_DELETED))
        abort();
    if (dc->present & QW_DC_SPLITS) {
        if (dc->nsplits < 0 || dc->nsplits > QW_SPLITS_MAX) abort();
        int32_t sum = 0;
        for (int i = 0; i < dc->nsplits; i++)
            sum += dc->splits[i].basis_points;
        if (dc->nsplits && sum != 10000) abort();
    }
    if ((dc->present & QW_DC_DISCOUNT) && (dc->discount_bp < 0 || dc->discount_bp > 10000)) abort();
    char line[8192];
    if (qw_convert_format(dc, line, sizeof(line)) != QW_OK) abort();
    return QW_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static qw_adapter_cfg_t cfg;
    static int ready;
    if (!ready) {
        qw_adapter_cfg_init(&cfg);
        ready = 1;
    }
    int count = 0;
    qw_adapter_err_t err;
    int n = qw_adapter_parse(&cfg, QW_FUZZ_SOURCE, (const char *)data, size, qw_fuzz_check, &count,
                             &err);
    if (n >= 0 && n != count) abort();
    /* All or nothing: a rejected message emitted no patch and names a reason. */
    if (n < 0 && (count != 0 || err.reason == QW_AERR_NONE || err.reason >= QW_AERR_COUNT)) abort();
    if (n < 0 && !memchr(err.errstr, '\0', sizeof(err.errstr))) abort();
    return 0;
}

#endif
