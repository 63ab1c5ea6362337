/* qw-web's response cache: an answer is kept per viewer, path, query and second, tagged with
 * the model version it was computed from (bumped by every change the projection applies), so
 * a hit is always the answer the model would give now. Bounded (QW_WEB_CACHE_SLOTS entries,
 * the newest answer per slot); thread-safe. */
#ifndef QW_WEB_CACHE_H
#define QW_WEB_CACHE_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#define QW_WEB_CACHE_SLOTS    1024
#define QW_WEB_CACHE_BODY_MAX (1024 * 1024) /* larger answers are not kept */

typedef struct qw_web_cache_entry_s {
    char *key;
    uint64_t version;
    int status;
    char *body;
    size_t len;
} qw_web_cache_entry_t;

typedef struct qw_web_cache_s {
    pthread_mutex_t mu;
    qw_web_cache_entry_t slot[QW_WEB_CACHE_SLOTS];
} qw_web_cache_t;

void qw_web_cache_init(qw_web_cache_t *c);
void qw_web_cache_free(qw_web_cache_t *c);
/* A copy of the answer for key at version (the caller frees *body): 1, or 0 on a miss. */
int qw_web_cache_get(qw_web_cache_t *c, const char *key, uint64_t version, int *status, char **body,
                     size_t *len);
/* Keeps a copy of the answer (dropped silently when memory is short). */
void qw_web_cache_put(qw_web_cache_t *c, const char *key, uint64_t version, int status,
                      const char *body, size_t len);

#endif
