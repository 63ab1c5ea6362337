/* `qw-ingest convert`: the adapters over a file, DealChanges out as JSON lines. */
#include "convert.h"

#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "quotawatch/date.h"
#include "quotawatch/money.h"

typedef struct {
    char *p;
    size_t len, cap;
    int overflow;
} qw_sbuf_t;

static void sb_printf(qw_sbuf_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void sb_printf(qw_sbuf_t *b, const char *fmt, ...)
{
    if (b->overflow) return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= b->cap - b->len) {
        b->overflow = 1;
        return;
    }
    b->len += (size_t)n;
}

/* A JSON string literal; ids come from vendor payloads, so escape everything needed. */
static void sb_str(qw_sbuf_t *b, int comma, const char *key, const char *s)
{
    sb_printf(b, "%s\"%s\":\"", comma ? "," : "", key);
    for (; *s && !b->overflow; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            sb_printf(b, "\\%c", c);
        else if (c < 0x20)
            sb_printf(b, "\\u%04x", c);
        else
            sb_printf(b, "%c", c);
    }
    sb_printf(b, "\"");
}

int qw_convert_format(const qw_deal_change_t *dc, char *out, size_t outlen)
{
    qw_sbuf_t b = {out, 0, outlen, 0};
    char date[11];
    /* Canonical deal-change JSON (docs/formats/canonical-json.md), so that the output can be
     * fed back to the canonical adapter or to `qw-evaluator simulate` and mean the same: the
     * deal-id prefix becomes `source`, amounts are decimal strings in major units. */
    const char *colon = strchr(dc->deal_id, ':');
    char source[QW_SOURCE_MAX + 1];
    size_t plen = colon ? (size_t)(colon - dc->deal_id) : 0;
    if (plen >= sizeof(source)) plen = 0;
    memcpy(source, dc->deal_id, plen);
    source[plen] = '\0';
    sb_printf(&b, "{");
    sb_str(&b, 0, "source", plen ? source : dc->source);
    sb_str(&b, 1, "deal_id", plen ? colon + 1 : dc->deal_id);
    sb_printf(&b, ",\"version\":%lld", (long long)dc->version);
    if (dc->event_time_ms) {
        char t[25];
        qw_time_format_iso8601(dc->event_time_ms, t);
        sb_str(&b, 1, "event_time", t);
    }
    if (dc->flags & QW_DCF_GAP) sb_printf(&b, ",\"resync\":true");
    if (dc->present & QW_DC_STATUS) sb_str(&b, 1, "status", qw_deal_status_name(dc->status));
    if (dc->present & QW_DC_AMOUNT) {
        char major[32];
        int exp = qw_money_exponent(dc->currency);
        if (exp < 0) return QW_ERR; /* adapters never set an amount without a known currency */
        sb_str(&b, 1, "amount", qw_money_format(dc->amount_minor, exp, major, sizeof(major)));
        /* Informational (the canonical adapter ignores it): the exact integer the ledger gets. */
        sb_printf(&b, ",\"amount_minor\":%lld", (long long)dc->amount_minor);
        sb_str(&b, 1, "currency", dc->currency);
        if (!(dc->present & QW_DC_CURRENCY)) sb_printf(&b, ",\"currency_assumed\":true");
    } else if (dc->present & QW_DC_CURRENCY) {
        sb_str(&b, 1, "currency", dc->currency);
    }
    if (dc->present & QW_DC_OWNER) sb_str(&b, 1, "owner_id", dc->owner_id);
    if (dc->present & QW_DC_CLOSE_DATE) {
        if (dc->close_date == QW_DATE_NONE) {
            sb_printf(&b, ",\"close_date\":null");
        } else {
            qw_date_format(dc->close_date, date);
            sb_str(&b, 1, "close_date", date);
        }
    }
    if (dc->present & QW_DC_STAGE) sb_str(&b, 1, "stage", dc->stage);
    if (dc->present & QW_DC_PIPELINE) sb_str(&b, 1, "pipeline", dc->pipeline);
    if (dc->present & QW_DC_SPLITS) {
        sb_printf(&b, ",\"splits\":[");
        for (int i = 0; i < dc->nsplits; i++) {
            sb_printf(&b, "%s{", i ? "," : "");
            sb_str(&b, 0, "rep_id", dc->splits[i].rep_id);
            sb_printf(&b, ",\"basis_points\":%d}", (int)dc->splits[i].basis_points);
        }
        sb_printf(&b, "]");
    }
    if (dc->present & QW_DC_DISCOUNT) {
        char pct[32];
        sb_str(&b, 1, "discount_percent", qw_money_format(dc->discount_bp, 2, pct, sizeof(pct)));
    }
    sb_printf(&b, "}");
    return b.overflow ? QW_ERR : QW_OK;
}

typedef struct {
    FILE *out;
} qw_convert_sink_t;

static int print_patch(void *opaque, const qw_deal_change_t *dc)
{
    qw_convert_sink_t *s = opaque;
    char line[8192];
    if (qw_convert_format(dc, line, sizeof(line)) != QW_OK) return QW_ERR;
    fprintf(s->out, "%s\n", line);
    return QW_OK;
}

static int convert_doc(const qw_adapter_cfg_t *cfg, qw_source_t src, const char *name, int lineno,
                       const char *doc, size_t len, FILE *out, FILE *err)
{
    qw_convert_sink_t sink = {out};
    qw_adapter_err_t e;
    if (qw_adapter_parse(cfg, src, doc, len, print_patch, &sink, &e) >= 0) return 0;
    if (e.index >= 0)
        fprintf(err, "%s:%d: %s: event %d: %s\n", name, lineno, qw_adapter_reason_name(e.reason),
                e.index, e.errstr);
    else
        fprintf(err, "%s:%d: %s: %s\n", name, lineno, qw_adapter_reason_name(e.reason), e.errstr);
    return 1;
}

static int blank(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n') return 0;
    return 1;
}

int qw_convert_buffer(const qw_adapter_cfg_t *cfg, qw_source_t src, const char *name,
                      const char *buf, size_t len, FILE *out, FILE *err)
{
    if (blank(buf, len)) return 0;
    /* A single (possibly pretty-printed) document, or else one document per line. */
    json_error_t jerr;
    json_t *whole =
        len <= QW_ADAPTER_MAX_BYTES ? json_loadb(buf, len, JSON_ALLOW_NUL, &jerr) : NULL;
    if (whole) {
        json_decref(whole);
        return convert_doc(cfg, src, name, 1, buf, len, out, err);
    }
    int bad = 0, lineno = 0;
    const char *p = buf, *end = buf + len;
    while (p < end) {
        lineno++;
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *e = nl ? nl : end;
        if (!blank(p, (size_t)(e - p)))
            bad += convert_doc(cfg, src, name, lineno, p, (size_t)(e - p), out, err);
        p = nl ? nl + 1 : end;
    }
    return bad;
}

static char *read_all(FILE *f, size_t *len)
{
    size_t cap = 65536, n = 0;
    char *buf = malloc(cap);
    if (!buf) return NULL;
    for (;;) {
        if (n == cap) {
            char *nb = realloc(buf, cap * 2);
            if (!nb) return free(buf), NULL;
            buf = nb;
            cap *= 2;
        }
        size_t r = fread(buf + n, 1, cap - n, f);
        n += r;
        if (r == 0) break;
    }
    if (ferror(f)) return free(buf), NULL;
    *len = n;
    return buf;
}

static int usage(void)
{
    fprintf(stderr, "usage: qw-ingest convert --source salesforce|hubspot|pipedrive|canonical "
                    "[--stage-map FILE] [FILE]\n");
    return 2;
}

int qw_convert_main(int argc, char **argv)
{
    const char *source = NULL, *map = NULL, *file = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--source") == 0 && i + 1 < argc)
            source = argv[++i];
        else if (strncmp(argv[i], "--source=", 9) == 0)
            source = argv[i] + 9;
        else if (strcmp(argv[i], "--stage-map") == 0 && i + 1 < argc)
            map = argv[++i];
        else if (strncmp(argv[i], "--stage-map=", 12) == 0)
            map = argv[i] + 12;
        else if (argv[i][0] == '-' && argv[i][1] != '\0')
            return usage();
        else if (!file)
            file = argv[i];
        else
            return usage();
    }
    qw_source_t src;
    if (!source || qw_source_parse(source, &src) != QW_OK) return usage();

    static qw_adapter_cfg_t cfg; /* large; one per process */
    qw_adapter_cfg_init(&cfg);
    if (map) {
        FILE *f = fopen(map, "rb");
        size_t n;
        char *text = f ? read_all(f, &n) : NULL;
        if (f) fclose(f);
        char errbuf[QW_ERRSTR_MAX];
        if (!text) {
            fprintf(stderr, "qw-ingest convert: %s: %s\n", map, strerror(errno));
            return 2;
        }
        int rc = qw_stage_map_load(&cfg, text, n, errbuf, sizeof(errbuf));
        free(text);
        if (rc != QW_OK) {
            fprintf(stderr, "qw-ingest convert: %s: %s\n", map, errbuf);
            return 2;
        }
    }
    FILE *in = stdin;
    const char *name = "-";
    if (file && strcmp(file, "-") != 0) {
        in = fopen(file, "rb");
        name = file;
        if (!in) {
            fprintf(stderr, "qw-ingest convert: %s: %s\n", file, strerror(errno));
            return 2;
        }
    }
    size_t len = 0;
    char *buf = read_all(in, &len);
    if (in != stdin) fclose(in);
    if (!buf) {
        fprintf(stderr, "qw-ingest convert: %s: read failed\n", name);
        return 2;
    }
    int bad = qw_convert_buffer(&cfg, src, name, buf, len, stdout, stderr);
    free(buf);
    if (fflush(stdout) != 0) return 2;
    return bad ? 1 : 0;
}
