#include "dlq_filter.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "quotawatch/date.h"

void qwctl_dlq_filter_init(qwctl_dlq_filter_t *f)
{
    memset(f, 0, sizeof(*f));
    f->partition = -1;
    f->from_offset = f->to_offset = -1;
    f->since_ms = INT64_MIN;
    f->until_ms = INT64_MAX;
}

int qwctl_dlq_filter_reasons(qwctl_dlq_filter_t *f, const char *list, char *err, size_t errlen)
{
    f->nreasons = 0;
    if (!list || !*list) return 0;
    if (strlen(list) >= sizeof(f->reason_buf)) {
        snprintf(err, errlen, "--reason: list too long");
        return -1;
    }
    memcpy(f->reason_buf, list, strlen(list) + 1);
    for (char *save = NULL, *t = strtok_r(f->reason_buf, ",", &save); t;
         t = strtok_r(NULL, ",", &save)) {
        if (f->nreasons == QWCTL_DLQ_LIST_MAX) {
            snprintf(err, errlen, "--reason: at most %d reasons", QWCTL_DLQ_LIST_MAX);
            return -1;
        }
        f->reasons[f->nreasons++] = t;
    }
    if (!f->nreasons) {
        snprintf(err, errlen, "--reason: no reason in '%s'", list);
        return -1;
    }
    return 0;
}

int qwctl_dlq_parse_time(const char *s, int64_t now_ms, int64_t *ms, char *err, size_t errlen)
{
    size_t n = s ? strlen(s) : 0;
    if (n && qw_time_parse_iso8601(s, n, ms) == 0) return 0;
    if (n >= 2) {
        char *end = NULL;
        errno = 0;
        long long v = strtoll(s, &end, 10);
        int64_t unit = 0;
        if (end && end[0] && !end[1])
            unit = end[0] == 's'   ? 1000
                   : end[0] == 'm' ? 60000
                   : end[0] == 'h' ? 3600000
                   : end[0] == 'd' ? 86400000
                                   : 0;
        if (!errno && end != s && unit && v >= 0 && v <= INT64_MAX / unit / 2) {
            *ms = now_ms - v * unit;
            return 0;
        }
    }
    snprintf(err, errlen, "'%s' is neither an RFC 3339 time nor an age like 90m, 6h or 7d",
             s ? s : "");
    return -1;
}

static int parse_off(const char *s, const char *end, int64_t *v)
{
    if (s == end) return -1;
    int64_t x = 0;
    for (; s < end; s++) {
        if (*s < '0' || *s > '9' || x > (INT64_MAX - 9) / 10) return -1;
        x = x * 10 + (*s - '0');
    }
    *v = x;
    return 0;
}

int qwctl_dlq_parse_offsets(const char *s, int64_t *from, int64_t *to, char *err, size_t errlen)
{
    const char *dash = s ? strchr(s, '-') : NULL;
    const char *end = s ? s + strlen(s) : NULL;
    int ok;
    *from = *to = -1;
    if (!s || !*s)
        ok = 0;
    else if (!dash)
        ok = parse_off(s, end, from) == 0 && (*to = *from, 1);
    else
        ok = parse_off(s, dash, from) == 0 &&
             (dash + 1 == end || parse_off(dash + 1, end, to) == 0) && (*to < 0 || *to >= *from);
    if (!ok) {
        *from = *to = -1;
        snprintf(err, errlen, "--offsets '%s': want N, FROM-TO or FROM-", s ? s : "");
        return -1;
    }
    return 0;
}

/* source names the topic itself, a dot-separated part of it (hubspot, credits) or a suffix
 * after a dot (qw.crm.hubspot under a prefix). */
static int source_matches(const char *want, const char *topic)
{
    if (!topic) return 0;
    size_t wn = strlen(want), tn = strlen(topic);
    if (wn > tn) return 0;
    if (wn == tn) return memcmp(want, topic, wn) == 0;
    if (topic[tn - wn - 1] == '.' && memcmp(topic + tn - wn, want, wn) == 0) return 1;
    for (const char *p = topic;;) {
        const char *q = strchr(p, '.');
        size_t len = q ? (size_t)(q - p) : strlen(p);
        if (len == wn && memcmp(p, want, wn) == 0) return 1;
        if (!q) break;
        p = q + 1;
    }
    return 0;
}

static int channel_matches(const char *want, const char *ch)
{
    if (!ch) return 0;
    size_t wn = strlen(want);
    return strcmp(want, ch) == 0 || (strncmp(want, ch, wn) == 0 && ch[wn] == '.');
}

int qwctl_dlq_match(const qwctl_dlq_filter_t *f, const qwctl_dlq_rec_t *r)
{
    if (f->nreasons) {
        int hit = 0;
        for (size_t i = 0; i < f->nreasons && !hit; i++)
            hit = r->reason && strcmp(r->reason, f->reasons[i]) == 0;
        if (!hit) return 0;
    }
    if (f->source && *f->source && !source_matches(f->source, r->source_topic)) return 0;
    if (f->channel && *f->channel && !channel_matches(f->channel, r->channel)) return 0;
    if (f->partition >= 0 && r->partition != f->partition) return 0;
    if (f->from_offset >= 0 && r->offset < f->from_offset) return 0;
    if (f->to_offset >= 0 && r->offset > f->to_offset) return 0;
    if (r->timestamp_ms < f->since_ms || r->timestamp_ms > f->until_ms) return 0;
    return 1;
}

qwctl_redrive_t qwctl_dlq_redrive_plan(const qwctl_dlq_rec_t *r, int notify, char *err,
                                       size_t errlen)
{
    const char *why = NULL;
    const char *reason = r->reason ? r->reason : "";
    if (notify) {
        if (!strcmp(reason, "bad_decision"))
            why = "not a usable Decision: nothing a fix could deliver";
        else if (!r->channel || !*r->channel || !strcmp(r->channel, "-"))
            why = "no delivery channel named";
        else
            return QWCTL_REDRIVE_DECISION;
    } else if (!r->source_topic || r->source_partition < 0 || r->source_offset < 0) {
        why = "no source topic/partition/offset: the original cannot be placed";
    } else if (!strcmp(reason, "too_large")) {
        why = "over the 1 MiB input limit: it would be refused again";
    } else if (!strcmp(reason, "not_a_deal")) {
        why = "not a deal: there is nothing to credit";
    } else if (!strcmp(reason, "gap_resync_needed")) {
        why = "a CRM gap: re-read the deals with qwctl resync instead";
    } else {
        return r->truncated >= 0 ? QWCTL_REDRIVE_REFERENCE : QWCTL_REDRIVE_VALUE;
    }
    snprintf(err, errlen, "%s", why);
    return QWCTL_REDRIVE_NO;
}
