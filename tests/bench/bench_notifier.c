/* Notifier rendering cost per notification, by channel, beside a baseline in the same run
 * (jansson parse + dump of the finished Slack message: the least any JSON-checking renderer
 * pays). Usage: bench_notifier [TEMPLATE_DIR] [ITERATIONS]. Build without sanitizers. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mail.h"
#include "sign.h"
#include "templates.h"

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

static uint32_t *lat;

static void report(const char *what, int n, uint64_t total_ns)
{
    qsort(lat, (size_t)n, sizeof(uint32_t), cmp_u32);
    printf("%-34s %10.0f ops/s  p50 %6u ns  p99 %6u ns\n", what, n / (total_ns / 1e9), lat[n / 2],
           lat[(int)(n * 0.99)]);
}

int main(int argc, char **argv)
{
    const char *dir = argc > 1 ? argv[1] : "services/notifier/templates";
    int n = argc > 2 ? atoi(argv[2]) : 100000;
    static qw_tmpl_set_t set;
    char err[256];
    qw_tmpl_init(&set);
    if (qw_tmpl_load_dir(&set, dir, err, sizeof(err))) {
        fprintf(stderr, "bench_notifier: %s\n", err);
        return 1;
    }
    Quotawatch__V1__Evidence e1 = QUOTAWATCH__V1__EVIDENCE__INIT, e2 = e1, *evs[2] = {&e1, &e2};
    e1.key = "attainment_bp_2026-10";
    e1.value = 7400;
    e2.key = "coaching";
    e2.text = "Coaching recommended on 2026-10-15 <manager> & \"rep\"";
    char *aud[] = {"rep", "manager", "team"};
    Quotawatch__V1__Decision d = QUOTAWATCH__V1__DECISION__INIT;
    d.id = "rep-42:2026-11:quota_achieved:1";
    d.type = "reward.quota_achieved";
    d.rep_id = "rep-42";
    d.team_id = "team-east";
    d.period = "2026-11";
    d.time_ms = 1795910400123LL;
    d.audience = aud;
    d.n_audience = 3;
    d.policy_version = "policy-2026-11-01";
    d.quota_version = "q-7";
    d.attainment_bp = 10420;
    d.credited_minor = 5210000;
    d.quota_minor = 5000000;
    d.currency = "USD";
    d.summary = "Crossed 100% of the November quota with the Acme & Co renewal.";
    d.evidence = evs;
    d.n_evidence = 2;
    qw_rep_profile_t rep = {0};
    snprintf(rep.name, sizeof(rep.name), "%s", "Ada Lovelace");
    snprintf(rep.email, sizeof(rep.email), "%s", "ada@example.com");
    qw_render_ctx_t ctx;
    static char b1[65536], b2[65536], b3[65536], b4[65536];
    qw_buf_t o1, o2, o3, o4;
    lat = malloc(sizeof(*lat) * (size_t)n);
    qw_sign_key_t key;
    const char *secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    qw_sign_key_parse(&key, secret, strlen(secret), err, sizeof(err));

    uint64_t t0 = now_ns();
    for (int i = 0; i < n; i++) {
        uint64_t s = now_ns();
        qw_render_ctx_init(&ctx, &d, &rep, "rep", "rep.slack");
        qw_buf_init(&o1, b1, sizeof(b1));
        if (qw_tmpl_slack(&set, &ctx, &o1, err, sizeof(err))) return 1;
        lat[i] = (uint32_t)(now_ns() - s);
    }
    report("slack: render + limits", n, now_ns() - t0);

    size_t slack_len = o1.len;
    t0 = now_ns();
    for (int i = 0; i < n; i++) {
        uint64_t s = now_ns();
        json_t *j = json_loadb(b1, slack_len, 0, NULL);
        char *x = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
        free(x);
        json_decref(j);
        lat[i] = (uint32_t)(now_ns() - s);
    }
    report("baseline: jansson load+dump", n, now_ns() - t0);

    t0 = now_ns();
    for (int i = 0; i < n; i++) {
        uint64_t s = now_ns();
        qw_render_ctx_init(&ctx, &d, &rep, "rep", "rep.email");
        qw_buf_init(&o1, b1, sizeof(b1));
        qw_buf_init(&o2, b2, sizeof(b2));
        qw_buf_init(&o3, b3, sizeof(b3));
        qw_buf_init(&o4, b4, sizeof(b4));
        if (qw_tmpl_email(&set, &ctx, &o1, &o2, &o3, err, sizeof(err))) return 1;
        qw_mail_t m = {.from = "q@example.com",
                       .to = rep.email,
                       .subject = b1,
                       .text = b2,
                       .html = b3,
                       .decision_id = d.id,
                       .channel = "rep.email",
                       .date_ms = d.time_ms};
        if (qw_mail_build(&m, &o4, err, sizeof(err))) return 1;
        lat[i] = (uint32_t)(now_ns() - s);
    }
    report("e-mail: 3 parts + MIME message", n, now_ns() - t0);

    t0 = now_ns();
    for (int i = 0; i < n; i++) {
        uint64_t s = now_ns();
        qw_render_ctx_init(&ctx, &d, &rep, "hr", "hr.webhook");
        qw_buf_init(&o1, b1, sizeof(b1));
        if (qw_tmpl_webhook(&set, &ctx, &o1, err, sizeof(err))) return 1;
        char sig[QW_SIGN_SIG_MAX];
        qw_sign(&key, "rep-42:2026-11:quota_achieved:1.hr.webhook", 1795910400, b1, o1.len, sig);
        lat[i] = (uint32_t)(now_ns() - s);
    }
    report("webhook: CloudEvent + signature", n, now_ns() - t0);
    qw_tmpl_free(&set);
    free(lat);
    return 0;
}
