#include "owner.h"

#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "quotawatch/log.h"

static void free_state(void *p)
{
    free(p);
}

void qw_owners_init(qw_owners_t *o, size_t id_window)
{
    memset(o, 0, sizeof(*o));
    o->id_window = id_window;
}

void qw_owners_free(qw_owners_t *o)
{
    for (int p = 0; p < o->nparts; p++) {
        qw_strmap_free(&o->parts[p].reps, free_state);
        qw_idwin_free(&o->parts[p].win);
    }
    free(o->parts);
    o->parts = NULL;
    o->nparts = 0;
}

qw_owner_part_t *qw_owners_get(qw_owners_t *o, int32_t p)
{
    if (p < 0) return NULL;
    if (p >= o->nparts) {
        int n = p + 1;
        qw_owner_part_t *np = realloc(o->parts, (size_t)n * sizeof(*np));
        if (!np) return NULL;
        for (int i = o->nparts; i < n; i++) {
            memset(&np[i], 0, sizeof(np[i]));
            qw_strmap_init(&np[i].reps);
            qw_idwin_init(&np[i].win, o->id_window);
        }
        o->parts = np;
        o->nparts = n;
    }
    return &o->parts[p];
}

int qw_owner_usable(const qw_owner_part_t *pt)
{
    return pt && pt->owned && !pt->fenced;
}

void qw_owner_drop_cache(qw_owner_part_t *pt)
{
    qw_strmap_free(&pt->reps, free_state);
    qw_strmap_init(&pt->reps);
    qw_idwin_clear(&pt->win);
    pt->ids_loaded = 0;
}

void qw_owner_assign(qw_owner_part_t *pt, int64_t epoch, int64_t gen, int64_t next)
{
    qw_owner_drop_cache(pt);
    pt->owned = 1;
    pt->fenced = 0;
    pt->epoch = epoch;
    pt->gen = gen;
    pt->next = next;
    pt->relay_due = 1; /* drain what a predecessor left first */
}

void qw_owner_revoke(qw_owner_part_t *pt)
{
    pt->owned = 0;
    pt->outbox_len = 0;
    qw_owner_drop_cache(pt);
}

/* One stored value (NULL: none yet) as a state of its own, or NULL when it does not decode. */
static qw_rep_state_t *state_of(const char *rep, const char *blob, size_t len, int have,
                                int32_t part)
{
    qw_rep_state_t *st = malloc(sizeof(*st));
    char err[QW_ERRSTR_MAX];
    if (!st) return NULL;
    if (!have) {
        qw_rep_state_init(st, rep);
        return st;
    }
    if (qw_rep_state_decode(st, (const uint8_t *)blob, len, err, sizeof(err)) == QW_OK) return st;
    qw_log(QW_LOG_ERROR, "state.corrupt", "rep %s in partition %d: %s", rep, (int)part, err);
    free(st);
    return NULL;
}

int qw_owner_load_reps(qw_owner_part_t *pt, qw_store_t *store, int32_t part,
                       const char *const *reps, int n)
{
    void **rep = calloc((size_t)n, sizeof(*rep));
    if (!rep || qw_store_load_reps(store, part, reps, n, rep) != QW_OK) {
        free(rep);
        return QW_ERR;
    }
    int rc = QW_OK;
    for (int u = 0; u < n; u++) {
        redisReply *r = rep[u];
        qw_rep_state_t *st = NULL;
        if (rc == QW_OK)
            st = state_of(reps[u], r->str, r->len, r->type == REDIS_REPLY_STRING, part);
        freeReplyObject(r);
        if (rc != QW_OK) continue;
        if (!st) {
            pt->fenced = 1;
            rc = QW_OWNER_CORRUPT;
            continue;
        }
        qw_strmap_put(&pt->reps, reps[u], strlen(reps[u]), st, NULL);
    }
    free(rep);
    return rc;
}
