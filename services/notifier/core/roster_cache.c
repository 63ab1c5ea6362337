#include "roster_cache.h"

#include <stdlib.h>
#include <string.h>

#include "quotawatch/common.h"
#include "quotawatch/id.h"
#include "quotawatch/roster_pb.h"

void qw_roster_cache_init(qw_roster_cache_t *c)
{
    qw_strmap_init(&c->map);
}

void qw_roster_cache_free(qw_roster_cache_t *c)
{
    qw_strmap_free(&c->map, free);
}

int qw_roster_cache_apply(qw_roster_cache_t *c, const char *key, size_t kl, const void *value,
                          size_t len)
{
    if (qw_id_valid(key, kl, NULL, 0) != QW_OK) return QW_ERR;
    if (!len) {
        free(qw_strmap_del(&c->map, key, kl)); /* tombstone; of an unknown rep: nothing */
        return QW_OK;
    }
    qw_rep_profile_t *p = malloc(sizeof(*p));
    if (!p) return QW_ERR;
    char err[QW_ERRSTR_MAX];
    if (qw_roster_profile_unpack(value, len, p, err, sizeof(err)) != QW_OK) {
        free(p);
        return QW_ERR;
    }
    /* Roster ids reach headers and keys like CRM ids do: the same rule, refused whole. */
    const char *ids[] = {p->rep_id, p->manager_id, p->team_id};
    for (size_t k = 0; k < sizeof(ids) / sizeof(ids[0]); k++)
        if (ids[k][0] && qw_id_valid(ids[k], strlen(ids[k]), NULL, 0) != QW_OK) {
            free(p);
            return QW_ERR;
        }
    void *old = NULL;
    if (qw_strmap_put(&c->map, key, kl, p, &old) != 0) {
        free(p);
        return QW_ERR;
    }
    free(old);
    return QW_OK;
}

const qw_rep_profile_t *qw_roster_cache_get(const qw_roster_cache_t *c, const char *rep_id)
{
    if (!rep_id) return NULL;
    return qw_strmap_get(&c->map, rep_id, strlen(rep_id));
}
