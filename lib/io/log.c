#include "quotawatch/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "quotawatch/date.h"
#include "quotawatch/utf8.h"

static const char *qw_log_service = "quotawatch";
static qw_log_level_t qw_log_min = QW_LOG_INFO;
static const char *const qw_log_names[] = {"debug", "info", "warn", "error"};

void qw_log_init(const char *service, const char *level)
{
    qw_log_service = service;
    for (int i = 0; level && i < 4; i++)
        if (!strcmp(level, qw_log_names[i])) qw_log_min = (qw_log_level_t)i;
}

int qw_log_enabled(qw_log_level_t level)
{
    return level >= qw_log_min;
}

static void emit(qw_log_level_t level, const char *event, json_t *fields, const char *fmt,
                 va_list ap)
{
    char msg[1024], ts[25];
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    qw_time_format_iso8601((int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000, ts);
    int n = vsnprintf(msg, sizeof(msg), fmt, ap);
    size_t mlen = n < 0 ? 0 : (size_t)n < sizeof(msg) ? (size_t)n : sizeof(msg) - 1;
    /* A cut message ends on a character boundary, and bytes that are not UTF-8 (an id or a
     * Redis reply quoted in it) become U+FFFD: jansson refuses invalid UTF-8, and the msg
     * field would be lost. */
    if ((size_t)n >= sizeof(msg)) mlen = qw_utf8_cut(msg, mlen);
    json_t *o = json_object();
    json_object_set_new(o, "ts", json_string(ts));
    json_object_set_new(o, "level", json_string(qw_log_names[level]));
    json_object_set_new(o, "svc", json_string(qw_log_service));
    json_object_set_new(o, "event", json_string(event));
    if (mlen) json_object_set_new(o, "msg", qw_utf8_json_lossy(msg, mlen));
    if (fields) json_object_update(o, fields);
    char *line = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
    if (line) {
        fprintf(stderr, "%s\n", line); /* one write per line: lines never interleave */
        free(line);
    }
    json_decref(o);
}

void qw_log(qw_log_level_t level, const char *event, const char *fmt, ...)
{
    if (level < qw_log_min) return;
    va_list ap;
    va_start(ap, fmt);
    emit(level, event, NULL, fmt, ap);
    va_end(ap);
}

void qw_log_fields(qw_log_level_t level, const char *event, json_t *fields, const char *fmt, ...)
{
    if (level >= qw_log_min) {
        va_list ap;
        va_start(ap, fmt);
        emit(level, event, fields, fmt, ap);
        va_end(ap);
    }
    json_decref(fields);
}
