#include "roster_cache.h"

#include "quotawatch/common.h"
#include "quotawatch/id.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct qw_roster_slot_s {
    char *key; /* NULL: empty */
    Quotawatch__V1__RepProfile *p;
};

void qw_roster_cache_init(qw_roster_cache_t *c)
{
    c->slots = NULL;
    c->cap = c->n = 0;
}

void qw_roster_cache_free(qw_roster_cache_t *c)
{
    for (size_t i = 0; i < c->cap; i++)
        if (c->slots[i].key) {
            free(c->slots[i].key);
            quotawatch__v1__rep_profile__free_unpacked(c->slots[i].p, NULL);
        }
    free(c->slots);
    qw_roster_cache_init(c);
}

static uint64_t hash(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603ULL; /* FNV-1a */
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
    return h;
}

/* Linear probing; deletion re-inserts the rest of the cluster so lookups stay correct. */
static size_t find(const qw_roster_cache_t *c, const char *k, size_t kl)
{
    size_t i = hash(k, kl) & (c->cap - 1);
    while (c->slots[i].key && !(strlen(c->slots[i].key) == kl && !memcmp(c->slots[i].key, k, kl)))
        i = (i + 1) & (c->cap - 1);
    return i;
}

static int grow(qw_roster_cache_t *c)
{
    size_t ncap = c->cap ? c->cap * 2 : 64;
    struct qw_roster_slot_s *old = c->slots;
    size_t ocap = c->cap;
    c->slots = calloc(ncap, sizeof(*c->slots));
    if (!c->slots) {
        c->slots = old;
        return QW_ERR;
    }
    c->cap = ncap;
    for (size_t i = 0; i < ocap; i++)
        if (old[i].key) c->slots[find(c, old[i].key, strlen(old[i].key))] = old[i];
    free(old);
    return QW_OK;
}

int qw_roster_cache_apply(qw_roster_cache_t *c, const char *key, size_t kl, const void *value,
                          size_t len)
{
    if (qw_id_valid(key, kl, NULL, 0) != QW_OK) return QW_ERR;
    Quotawatch__V1__RepProfile *p = NULL;
    if (len) {
        p = quotawatch__v1__rep_profile__unpack(NULL, len, value);
        if (!p) return QW_ERR;
        /* Roster ids reach headers and keys like CRM ids do: the same rule, refused whole. */
        const char *ids[] = {p->rep_id, p->manager_id, p->team_id};
        for (size_t k = 0; k < sizeof(ids) / sizeof(ids[0]); k++)
            if (ids[k] && ids[k][0] && qw_id_valid(ids[k], strlen(ids[k]), NULL, 0) != QW_OK) {
                quotawatch__v1__rep_profile__free_unpacked(p, NULL);
                return QW_ERR;
            }
    }
    if ((c->n + 1) * 2 > c->cap && grow(c)) {
        if (p) quotawatch__v1__rep_profile__free_unpacked(p, NULL);
        return QW_ERR;
    }
    size_t i = find(c, key, kl);
    if (c->slots[i].key) {
        quotawatch__v1__rep_profile__free_unpacked(c->slots[i].p, NULL);
        if (p) {
            c->slots[i].p = p;
            return QW_OK;
        }
        free(c->slots[i].key);
        c->slots[i].key = NULL;
        c->n--;
        for (size_t j = (i + 1) & (c->cap - 1); c->slots[j].key; j = (j + 1) & (c->cap - 1)) {
            struct qw_roster_slot_s s = c->slots[j];
            c->slots[j].key = NULL;
            c->slots[find(c, s.key, strlen(s.key))] = s;
        }
        return QW_OK;
    }
    if (!p) return QW_OK; /* tombstone of an unknown rep */
    c->slots[i].key = strndup(key, kl);
    if (!c->slots[i].key) {
        quotawatch__v1__rep_profile__free_unpacked(p, NULL);
        return QW_ERR;
    }
    c->slots[i].p = p;
    c->n++;
    return QW_OK;
}

const Quotawatch__V1__RepProfile *qw_roster_cache_get(const qw_roster_cache_t *c,
                                                      const char *rep_id)
{
    if (!c->cap || !rep_id) return NULL;
    size_t i = find(c, rep_id, strlen(rep_id));
    return c->slots[i].key ? c->slots[i].p : NULL;
}
