/* Fuzzes the notifier's rendering: arbitrary template text with arbitrary values, for every
 * target, and Slack's limit enforcement on arbitrary JSON. Invariants: no crash, output within
 * its buffer, JSON-target output of a valid JSON template stays valid JSON (values can never
 * break out of their string), and a finished Slack message obeys the limits. */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "quotawatch/common.h"
#include "render.h"
#include "render_slack.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* Input: template \0 summary \0 rep name \0 evidence text */
    char *in = malloc(size + 4);
    memcpy(in, data, size);
    memset(in + size, 0, 4);
    const char *tmpl = in;
    size_t tl = strnlen(in, size);
    const char *summary = in + (tl < size ? tl + 1 : size);
    const char *name = summary + strlen(summary) + (summary < in + size ? 1 : 0);
    if (name > in + size) name = in + size;
    const char *evtext = name + strlen(name) + (name < in + size ? 1 : 0);
    if (evtext > in + size) evtext = in + size;

    Quotawatch__V1__Evidence ev = QUOTAWATCH__V1__EVIDENCE__INIT, *evs[1] = {&ev};
    ev.key = "k";
    ev.text = (char *)evtext;
    Quotawatch__V1__Decision d = QUOTAWATCH__V1__DECISION__INIT;
    d.id = "id";
    d.type = "reward.quota_achieved";
    d.summary = (char *)summary;
    d.currency = "USD";
    d.attainment_bp = (int64_t)size * 997 - 50000;
    d.evidence = evs;
    d.n_evidence = 1;
    qw_rep_profile_t rep = {0};
    snprintf(rep.name, sizeof(rep.name), "%s", name);
    qw_render_ctx_t ctx;
    qw_render_ctx_init(&ctx, &d, &rep, "team", "team.slack");

    static char out[1 << 16], fin[1 << 16];
    char err[256];
    for (int t = QW_ESC_TEXT; t <= QW_ESC_MRKDWN; t++) {
        qw_buf_t b;
        qw_buf_init(&b, out, sizeof(out));
        int rc = qw_render(tmpl, tl, (qw_esc_t)t, &ctx, &b, err, sizeof(err));
        if (b.len >= sizeof(out)) abort();
        if (rc == QW_OK && t == QW_ESC_JSON) {
            /* The values in a JSON string literal: the result must parse. */
            qw_buf_t j;
            static char js[1 << 17];
            qw_buf_init(&j, js, sizeof(js));
            qw_buf_puts(&j, "{\"v\":\"");
            qw_buf_put(&j, out, b.len);
            qw_buf_puts(&j, "\"}");
            json_t *root = json_loadb(js, j.len, 0, NULL);
            int tmpl_plain = memchr(tmpl, '"', tl) == NULL && memchr(tmpl, '\\', tl) == NULL;
            for (size_t i = 0; i < tl; i++)
                if ((unsigned char)tmpl[i] < 0x20 || (unsigned char)tmpl[i] >= 0x80) tmpl_plain = 0;
            if (!root && tmpl_plain && !j.overflow) abort();
            json_decref(root);
        }
    }
    qw_buf_t f;
    qw_buf_init(&f, fin, sizeof(fin));
    if (qw_slack_finish((const char *)data, size, &f, err, sizeof(err)) == QW_OK) {
        json_t *root = json_loadb(fin, f.len, 0, NULL);
        if (!root) abort();
        json_t *blocks = json_object_get(root, "blocks");
        if (blocks && json_array_size(blocks) > QW_SLACK_MAX_BLOCKS) abort();
        const char *txt = json_string_value(json_object_get(root, "text"));
        if (!txt || qw_utf8_count(txt, strlen(txt)) > QW_SLACK_TEXT_MAX) abort();
        for (size_t i = 0; i < json_array_size(blocks); i++) {
            json_t *b = json_array_get(blocks, i);
            const char *type = json_string_value(json_object_get(b, "type"));
            const char *t = json_string_value(json_object_get(json_object_get(b, "text"), "text"));
            if (type && t && !strcmp(type, "header") && qw_utf8_count(t, strlen(t)) > 150) abort();
            if (type && t && !strcmp(type, "section") && qw_utf8_count(t, strlen(t)) > 3000)
                abort();
        }
        json_decref(root);
    }
    free(in);
    return 0;
}
