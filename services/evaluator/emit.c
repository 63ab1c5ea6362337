#include "emit.h"

#include <stdlib.h>

#include "decision_pb.h"

void qw_emit_reset(qw_emit_t *em)
{
    em->len = 0;
    em->ndec = 0;
    em->failed = 0;
}

void qw_emit_free(qw_emit_t *em)
{
    free(em->arena), free(em->doff), free(em->dlen), free(em->dmetric);
    em->arena = NULL, em->doff = em->dlen = NULL, em->dmetric = NULL;
    em->len = em->cap = 0;
    em->ndec = em->dcap = 0;
}

int qw_emit_reserve(qw_emit_t *em, size_t more)
{
    if (em->len + more <= em->cap) return 0;
    size_t ncap = em->cap ? em->cap : 65536;
    while (ncap < em->len + more)
        ncap *= 2;
    uint8_t *n = realloc(em->arena, ncap);
    if (!n) return -1;
    em->arena = n;
    em->cap = ncap;
    return 0;
}

static int grow_index(qw_emit_t *em)
{
    int ncap = em->dcap ? em->dcap * 2 : 256;
    size_t *no = realloc(em->doff, (size_t)ncap * sizeof(*no));
    if (no) em->doff = no;
    size_t *nl = realloc(em->dlen, (size_t)ncap * sizeof(*nl));
    if (nl) em->dlen = nl;
    qw_metric_t **nm = realloc(em->dmetric, (size_t)ncap * sizeof(*nm));
    if (nm) em->dmetric = nm;
    if (!no || !nl || !nm) return -1;
    em->dcap = ncap;
    return 0;
}

void qw_emit_decision(qw_emit_t *em, const qw_decision_t *d, qw_metric_t *metric)
{
    if (em->ndec == em->dcap && grow_index(em) != 0) {
        em->failed = 1;
        return;
    }
    size_t need = 16384;
    for (;;) {
        if (qw_emit_reserve(em, need) != 0) {
            em->failed = 1;
            return;
        }
        size_t n = qw_decision_pb_pack(d, em->arena + em->len, em->cap - em->len);
        if (n) {
            em->doff[em->ndec] = em->len;
            em->dlen[em->ndec] = n;
            em->dmetric[em->ndec] = metric;
            em->ndec++;
            em->len += n;
            return;
        }
        if (need > (1u << 24)) {
            em->failed = 1;
            return;
        }
        need *= 4;
    }
}

size_t qw_emit_dlq(qw_emit_t *em, const qw_dlq_t *dl, const uint8_t **rec)
{
    size_t dn = qw_dlq_encode(dl, em->arena + em->len, em->cap - em->len);
    *rec = em->arena + em->len;
    em->len += dn;
    return dn;
}
