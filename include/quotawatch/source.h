/* The CRM sources and their raw topics (<prefix>qw.crm.<source>): a contract between qw-ingest,
 * which consumes them, the evaluator, which waits for their watermarks, and the gateway and
 * qwctl, which produce to them. */
#ifndef QW_SOURCE_H
#define QW_SOURCE_H

#include <stddef.h>

typedef enum {
    QW_SRC_SALESFORCE = 0,
    QW_SRC_HUBSPOT = 1,
    QW_SRC_PIPEDRIVE = 2,
    QW_SRC_CANONICAL = 3,
} qw_source_t;
#define QW_SRC_COUNT 4

/* "salesforce", ...; qw_source_parse returns QW_OK or QW_ERR for an unknown name. */
const char *qw_source_name(qw_source_t src);
int qw_source_parse(const char *name, qw_source_t *src);

/* The raw topic of a source, "<prefix>qw.crm.<source>"; QW_ERR when it does not fit. */
int qw_source_topic(char *out, size_t cap, const char *prefix, qw_source_t src);

#endif
