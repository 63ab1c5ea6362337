/* One JSON line per event worth logging, on stderr:
 * {"ts":"...","level":"info","svc":"qw-ingest","event":"dlq.sent","msg":"...",...fields} */
#ifndef QW_LOG_H
#define QW_LOG_H
#ifdef QW_PURE
#error "quotawatch/log.h is an I/O header (lib/io): pure targets may not include it"
#endif

#include <jansson.h>

typedef enum { QW_LOG_DEBUG = 0, QW_LOG_INFO, QW_LOG_WARN, QW_LOG_ERROR } qw_log_level_t;

/* Set once at start-up; the service name goes into every line. */
void qw_log_init(const char *service, const char *level);

int qw_log_enabled(qw_log_level_t level);

/* Log an event with a printf-style message. */
void qw_log(qw_log_level_t level, const char *event, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Log an event with extra fields; takes ownership of fields (may be NULL). */
void qw_log_fields(qw_log_level_t level, const char *event, json_t *fields, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#endif
