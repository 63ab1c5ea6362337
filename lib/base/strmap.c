#include "quotawatch/strmap.h"

#include <stdlib.h>
#include <string.h>

static char tomb_;
#define TOMB (&tomb_)

uint64_t qw_strmap_hash(const char *key, size_t klen)
{
    /* FNV-1a: the keys are short ids, and the map is not exposed to hostile key choice beyond
     * what the CRM sends; linear probing with a 50% load bound keeps the worst case tolerable. */
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < klen; i++) {
        h ^= (unsigned char)key[i];
        h *= 1099511628211ULL;
    }
    return h;
}

void qw_strmap_init(qw_strmap_t *m)
{
    memset(m, 0, sizeof(*m));
}

void qw_strmap_free(qw_strmap_t *m, void (*free_val)(void *))
{
    for (size_t i = 0; i < m->cap; i++) {
        qw_strmap_slot_t *s = &m->slots[i];
        if (!s->key || s->key == TOMB) continue;
        if (free_val) free_val(s->val);
        free(s->key);
    }
    free(m->slots);
    memset(m, 0, sizeof(*m));
}

static qw_strmap_slot_t *find(const qw_strmap_t *m, const char *key, size_t klen, uint64_t h)
{
    if (!m->cap) return NULL;
    for (size_t i = h & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
        qw_strmap_slot_t *s = &m->slots[i];
        if (!s->key) return NULL;
        if (s->key != TOMB && s->hash == h && !memcmp(s->key, key, klen) && !s->key[klen]) return s;
    }
}

void *qw_strmap_get(const qw_strmap_t *m, const char *key, size_t klen)
{
    qw_strmap_slot_t *s = find(m, key, klen, qw_strmap_hash(key, klen));
    return s ? s->val : NULL;
}

static int grow(qw_strmap_t *m)
{
    size_t ncap = m->cap ? m->cap * 2 : 16;
    if (m->n * 4 < m->cap) ncap = m->cap; /* mostly tombstones: rehash at the same size */
    qw_strmap_slot_t *ns = calloc(ncap, sizeof(*ns));
    if (!ns) return -1;
    for (size_t i = 0; i < m->cap; i++) {
        qw_strmap_slot_t *s = &m->slots[i];
        if (!s->key || s->key == TOMB) continue;
        size_t j = s->hash & (ncap - 1);
        while (ns[j].key)
            j = (j + 1) & (ncap - 1);
        ns[j] = *s;
    }
    free(m->slots);
    m->slots = ns;
    m->cap = ncap;
    m->used = m->n;
    return 0;
}

int qw_strmap_put(qw_strmap_t *m, const char *key, size_t klen, void *val, void **old)
{
    uint64_t h = qw_strmap_hash(key, klen);
    qw_strmap_slot_t *s = find(m, key, klen, h);
    if (old) *old = NULL;
    if (s) {
        if (old) *old = s->val;
        s->val = val;
        return 0;
    }
    if ((m->used + 1) * 2 > m->cap && grow(m) != 0) return -1;
    char *k = malloc(klen + 1);
    if (!k) return -1;
    memcpy(k, key, klen);
    k[klen] = 0;
    size_t i = h & (m->cap - 1);
    while (m->slots[i].key && m->slots[i].key != TOMB)
        i = (i + 1) & (m->cap - 1);
    if (!m->slots[i].key) m->used++;
    m->slots[i].key = k;
    m->slots[i].hash = h;
    m->slots[i].val = val;
    m->n++;
    return 0;
}

void *qw_strmap_del(qw_strmap_t *m, const char *key, size_t klen)
{
    qw_strmap_slot_t *s = find(m, key, klen, qw_strmap_hash(key, klen));
    if (!s) return NULL;
    void *v = s->val;
    free(s->key);
    s->key = TOMB;
    s->val = NULL;
    m->n--;
    return v;
}

int qw_strmap_next(const qw_strmap_t *m, size_t *it, const char **key, void **val)
{
    for (; *it < m->cap; (*it)++) {
        qw_strmap_slot_t *s = &m->slots[*it];
        if (!s->key || s->key == TOMB) continue;
        *key = s->key;
        *val = s->val;
        (*it)++;
        return 1;
    }
    return 0;
}
