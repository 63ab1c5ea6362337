/* Slack's documented message limits, enforced on a rendered Block Kit message whatever the
 * template and the values: a message that breaks them is refused by Slack (invalid_blocks),
 * which would turn one long rep name into a notification that can never be delivered. */
#ifndef QW_RENDER_SLACK_H
#define QW_RENDER_SLACK_H

#include "render_escape.h"

#define QW_SLACK_MAX_BLOCKS  50
#define QW_SLACK_HEADER_MAX  150  /* header block: plain_text, characters */
#define QW_SLACK_SECTION_MAX 3000 /* section text, characters */
#define QW_SLACK_FIELD_MAX   2000 /* each section field */
#define QW_SLACK_FIELDS_MAX  10
#define QW_SLACK_CONTEXT_MAX 10    /* context elements */
#define QW_SLACK_TEXT_MAX    40000 /* top-level text: Slack truncates beyond */

/* Parses the rendered message json (len bytes), checks its shape (an object with a non-empty
 * top-level "text" fallback; "blocks", when present, an array of objects with a "type"),
 * truncates texts to the limits above (UTF-8 aware, ending with an ellipsis, never inside an
 * mrkdwn entity), drops blocks beyond 50, and writes the compact result to out.
 * Returns QW_OK or QW_ERR with errbuf. */
int qw_slack_finish(const char *json, size_t len, qw_buf_t *out, char *errbuf, size_t errlen);

/* Truncates s (n bytes) to at most max characters, ellipsis included; returns the new byte
 * length and writes the text into out (outcap bytes, NUL-terminated). */
size_t qw_slack_truncate(const char *s, size_t n, size_t max, char *out, size_t outcap);

#endif
