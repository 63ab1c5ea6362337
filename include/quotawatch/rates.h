/* The policy's fixed exchange-rate table: how many base-currency units one unit of each
 * listed currency is worth. An unlisted currency is an error, never a silent zero. */
#ifndef QW_RATES_H
#define QW_RATES_H

#include <stdint.h>

#define QW_RATES_MAX 64

typedef struct qw_rates_s {
    char base[4]; /* ISO 4217 base currency of the organisation */
    int n;
    struct {
        char code[4];
        int64_t rate_e9; /* base units per unit of code, x 1e9 */
    } r[QW_RATES_MAX];
} qw_rates_t;

/* Convert minor units of currency `code` into minor units of the base currency.
 * Returns 0, or -1 when the currency is unknown (not ISO 4217 or not in the table) or the
 * result overflows. The base currency itself converts at 1. */
int qw_rates_to_base(const qw_rates_t *rates, const char *code, int64_t minor, int64_t *base_minor);

/* Add or replace a rate; returns 0, or -1 when the table is full or the code is not ISO 4217. */
int qw_rates_set(qw_rates_t *rates, const char *code, int64_t rate_e9);

#endif
