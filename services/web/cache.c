#include "cache.h"

#include <stdlib.h>
#include <string.h>

static size_t slot_of(const char *key)
{
    uint64_t h = 1469598103934665603ULL; /* FNV-1a */
    for (const unsigned char *p = (const unsigned char *)key; *p; p++)
        h = (h ^ *p) * 1099511628211ULL;
    return (size_t)(h % QW_WEB_CACHE_SLOTS);
}

void qw_web_cache_init(qw_web_cache_t *c)
{
    memset(c, 0, sizeof(*c));
    pthread_mutex_init(&c->mu, NULL);
}

void qw_web_cache_free(qw_web_cache_t *c)
{
    for (size_t i = 0; i < QW_WEB_CACHE_SLOTS; i++) {
        free(c->slot[i].key);
        free(c->slot[i].body);
    }
    memset(c->slot, 0, sizeof(c->slot));
    pthread_mutex_destroy(&c->mu);
}

int qw_web_cache_get(qw_web_cache_t *c, const char *key, uint64_t version, int *status, char **body,
                     size_t *len)
{
    qw_web_cache_entry_t *e = &c->slot[slot_of(key)];
    int hit = 0;
    pthread_mutex_lock(&c->mu);
    if (e->key && e->version == version && !strcmp(e->key, key)) {
        *body = malloc(e->len + 1);
        if (*body) {
            memcpy(*body, e->body, e->len + 1);
            *len = e->len;
            *status = e->status;
            hit = 1;
        }
    }
    pthread_mutex_unlock(&c->mu);
    return hit;
}

void qw_web_cache_put(qw_web_cache_t *c, const char *key, uint64_t version, int status,
                      const char *body, size_t len)
{
    if (len > QW_WEB_CACHE_BODY_MAX) return;
    char *k = strdup(key), *b = malloc(len + 1);
    if (!k || !b) {
        free(k);
        free(b);
        return;
    }
    memcpy(b, body, len);
    b[len] = 0;
    qw_web_cache_entry_t *e = &c->slot[slot_of(key)];
    pthread_mutex_lock(&c->mu);
    char *ok = e->key, *ob = e->body;
    *e = (qw_web_cache_entry_t){k, version, status, b, len};
    pthread_mutex_unlock(&c->mu);
    free(ok);
    free(ob);
}
