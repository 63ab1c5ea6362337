#include "quotawatch/rates.h"

#include <string.h>

#include "quotawatch/money.h"

int qw_rates_set(qw_rates_t *rates, const char *code, int64_t rate_e9)
{
    if (qw_money_exponent(code) < 0 || rate_e9 <= 0) return -1;
    for (int i = 0; i < rates->n; i++) {
        if (strcmp(rates->r[i].code, code) == 0) {
            rates->r[i].rate_e9 = rate_e9;
            return 0;
        }
    }
    if (rates->n >= QW_RATES_MAX) return -1;
    memcpy(rates->r[rates->n].code, code, 4);
    rates->r[rates->n].rate_e9 = rate_e9;
    rates->n++;
    return 0;
}

int qw_rates_to_base(const qw_rates_t *rates, const char *code, int64_t minor, int64_t *base_minor)
{
    int from = qw_money_exponent(code), to = qw_money_exponent(rates->base);
    if (from < 0 || to < 0) return -1;
    if (strcmp(code, rates->base) == 0) {
        *base_minor = minor;
        return 0;
    }
    for (int i = 0; i < rates->n; i++)
        if (strcmp(rates->r[i].code, code) == 0)
            return qw_money_convert(minor, from, rates->r[i].rate_e9, to, base_minor);
    return -1;
}
