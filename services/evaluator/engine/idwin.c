#include "idwin.h"

#include <stdlib.h>
#include <string.h>

static char present_; /* the set's values: only presence matters */

int qw_idwin_init(qw_idwin_t *w, size_t cap)
{
    memset(w, 0, sizeof(*w));
    qw_strmap_init(&w->set);
    w->ring = calloc(cap ? cap : 1, sizeof(*w->ring));
    w->cap = cap ? cap : 1;
    return w->ring ? 0 : -1;
}

void qw_idwin_clear(qw_idwin_t *w)
{
    for (size_t i = 0; i < w->n; i++) {
        size_t k = (w->head + i) % w->cap;
        free(w->ring[k]);
        w->ring[k] = NULL;
    }
    qw_strmap_free(&w->set, NULL);
    qw_strmap_init(&w->set);
    w->head = w->n = 0;
}

void qw_idwin_free(qw_idwin_t *w)
{
    if (!w->ring) return;
    qw_idwin_clear(w);
    free(w->ring);
    w->ring = NULL;
}

int qw_idwin_has(const qw_idwin_t *w, const char *id, size_t len)
{
    return qw_strmap_get(&w->set, id, len) != NULL;
}

int qw_idwin_add(qw_idwin_t *w, const char *id, size_t len)
{
    if (qw_idwin_has(w, id, len)) return 0;
    if (w->n == w->cap) {
        char *old = w->ring[w->head];
        qw_strmap_del(&w->set, old, strlen(old));
        free(old);
        w->ring[w->head] = NULL;
        w->head = (w->head + 1) % w->cap;
        w->n--;
    }
    char *k = malloc(len + 1);
    if (!k) return -1;
    memcpy(k, id, len);
    k[len] = 0;
    if (qw_strmap_put(&w->set, id, len, &present_, NULL) != 0) {
        free(k);
        return -1;
    }
    w->ring[(w->head + w->n) % w->cap] = k;
    w->n++;
    return 0;
}
