/* The completeness marks a batch carried (watermark records on the credits topic): the newest
 * per raw partition and the newest Kafka time, kept until the batch is in Redis. */
#ifndef QW_MARKS_H
#define QW_MARKS_H

#include <stddef.h>
#include <stdint.h>

#include "quotawatch/watermark.h"
#include "store.h"

typedef struct qw_marks_s {
    struct {
        char field[QW_WM_TOPIC_MAX + 16];
        int64_t ms;
    } wm[128];
    int n;
    int64_t ts; /* Kafka time of the newest mark record, 0: none */
} qw_marks_t;

void qw_marks_reset(qw_marks_t *mk);

/* Raise the mark of topic/partition to ms (never lowers). QW_ERR when the table is full. */
int qw_marks_add(qw_marks_t *mk, const char *topic, int32_t partition, int64_t ms);

/* Take every mark of one mark record with its Kafka time. QW_ERR: unreadable. */
int qw_marks_take(qw_marks_t *mk, const void *payload, size_t len, int64_t ts);

/* The field/value pairs qw_store_marks_write takes (nothing when there are no marks). */
void qw_marks_args(const qw_marks_t *mk, qw_redis_args_t *args);

#endif
