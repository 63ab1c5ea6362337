/* qwctl resync salesforce|hubspot DEAL_ID...: re-read deals through the CRM's REST API and
 * publish each as a full snapshot on <prefix>qw.crm.<source>, where qw-ingest's own adapter
 * reads it; its version sorts after every change the record reflects, so the ledger takes it
 * (docs/formats/crm-sources.md, "Snapshots"). The repair for gap_resync_needed dead letters.
 * Credentials come from the environment, as qw-salesforce takes them:
 *   Salesforce: QW_SALESFORCE_LOGIN_URL, QW_SALESFORCE_AUTH, QW_SALESFORCE_CLIENT_ID,
 *     QW_SALESFORCE_CLIENT_SECRET_FILE | QW_SALESFORCE_JWT_KEY_FILE + QW_SALESFORCE_USERNAME,
 *     QW_SALESFORCE_API_VERSION;
 *   HubSpot: QW_HUBSPOT_API_URL (https://api.hubapi.com), QW_HUBSPOT_TOKEN_FILE (a private
 *     app's access token with crm.objects.deals.read). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "quotawatch/clock.h"
#include "quotawatch/kafka.h"
#include "qwctl.h"
#include "salesforce.h"
#include "sf_snapshot.h"

typedef struct {
    int hubspot;
    CURL *curl;
    qw_sf_auth_t auth;
    qw_sf_token_t tok; /* Salesforce: the login; HubSpot: the token file and API URL */
    const char *api_version;
} resync_t;

static const char *env(const char *name, const char *def)
{
    const char *v = getenv(name);
    return v && *v ? v : def;
}

static int login(resync_t *r, char *e, size_t elen)
{
    if (r->hubspot) {
        const char *url = env("QW_HUBSPOT_API_URL", "https://api.hubapi.com");
        const char *file = env("QW_HUBSPOT_TOKEN_FILE", NULL);
        if (!qw_sf_url_allowed(url) || strlen(url) >= sizeof(r->tok.instance_url))
            return qw_err_set(e, elen, "QW_HUBSPOT_API_URL: https:// only");
        snprintf(r->tok.instance_url, sizeof(r->tok.instance_url), "%s", url);
        if (!file) return qw_err_set(e, elen, "QW_HUBSPOT_TOKEN_FILE: required");
        return qw_config_read_secret(file, r->tok.access_token, sizeof(r->tok.access_token), e,
                                     elen);
    }
    r->auth.login_url = env("QW_SALESFORCE_LOGIN_URL", "https://login.salesforce.com");
    r->auth.auth = env("QW_SALESFORCE_AUTH", "client_credentials");
    r->auth.client_id = env("QW_SALESFORCE_CLIENT_ID", NULL);
    r->auth.username = env("QW_SALESFORCE_USERNAME", NULL);
    r->api_version = env("QW_SALESFORCE_API_VERSION", "61.0");
    if (!r->auth.client_id) return qw_err_set(e, elen, "QW_SALESFORCE_CLIENT_ID: required");
    if (!qw_sf_url_allowed(r->auth.login_url))
        return qw_err_set(e, elen, "QW_SALESFORCE_LOGIN_URL: https:// only");
    if (qw_sf_auth_load(&r->auth, env("QW_SALESFORCE_CLIENT_SECRET_FILE", NULL),
                        env("QW_SALESFORCE_JWT_KEY_FILE", NULL), e, elen))
        return QW_ERR;
    return qw_sf_login(r->curl, &r->auth, &r->tok, e, elen);
}

/* Fetch one record and build its snapshot; QW_OK with *snap (malloc'd) and *version. */
static int snapshot(resync_t *r, const char *id, char **snap, int64_t *version, int *deleted,
                    char *e, size_t elen)
{
    qw_sf_resp_t resp;
    char url[QW_SF_URL_MAX + 256];
    int64_t now = qw_clock_now(&qw_clock_system);
    if (r->hubspot) {
        snprintf(url, sizeof(url), "%s/crm/v3/objects/deals/%s?properties=%s", r->tok.instance_url,
                 id, QW_SF_HS_PROPERTIES);
        if (qw_sf_http(r->curl, url, NULL, NULL, r->tok.access_token, 30, &resp, e, elen))
            return QW_ERR;
        if (resp.status != 200 && resp.status != 404) {
            qw_err_set(e, elen, "GET %s answered %ld", "crm/v3/objects/deals", resp.status);
            qw_sf_resp_free(&resp);
            return QW_ERR;
        }
    } else if (qw_sf_fetch_opportunity(r->curl, &r->tok, r->api_version, id, &resp, e, elen)) {
        return QW_ERR;
    }
    int rc = QW_OK;
    *deleted = resp.status == 404;
    if (*deleted) {
        *version = r->hubspot ? now : now * 100000 + 99999;
        *snap = r->hubspot ? qw_sf_snapshot_hubspot_deleted(id, *version)
                           : qw_sf_snapshot_opportunity_deleted(id, *version);
        if (!*snap) rc = qw_err_set(e, elen, "out of memory");
    } else {
        rc = r->hubspot
                 ? qw_sf_snapshot_hubspot(resp.body, resp.len, 0, snap, version, e, elen)
                 : qw_sf_snapshot_opportunity(resp.body, resp.len, 0, snap, version, e, elen);
    }
    qw_sf_resp_free(&resp);
    return rc;
}

static void dr_cb(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
    (void)rk;
    if (m->err) {
        fprintf(stderr, "qwctl resync: delivery failed: %s\n", rd_kafka_err2str(m->err));
        (*(int *)opaque)++;
    }
}

static rd_kafka_t *producer(qwctl_t *ctl, int *failed)
{
    char e[QW_ERRSTR_MAX];
    rd_kafka_conf_t *conf = qw_kafka_conf_new(ctl->brokers, "qwctl", &ctl->cfg, e, sizeof(e));
    if (!conf || qw_kafka_conf_set(conf, "enable.idempotence", "true", e, sizeof(e))) {
        fprintf(stderr, "qwctl resync: %s\n", e);
        return NULL;
    }
    rd_kafka_conf_set_dr_msg_cb(conf, dr_cb);
    rd_kafka_conf_set_opaque(conf, failed);
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, e, sizeof(e));
    if (!rk) fprintf(stderr, "qwctl resync: %s\n", e);
    return rk;
}

static int one(resync_t *r, rd_kafka_t *rk, const char *topic, const char *arg)
{
    const char *pfx = r->hubspot ? "hubspot:" : "salesforce:";
    const char *id = strncmp(arg, pfx, strlen(pfx)) ? arg : arg + strlen(pfx);
    if (r->hubspot ? !qw_sf_hs_id_valid(id) : !qw_sf_record_id_valid(id)) {
        fprintf(stderr, "qwctl resync: %s is not a %s id\n", arg,
                r->hubspot ? "HubSpot deal (digits)" : "Salesforce Opportunity (15/18 chars)");
        return QW_ERR;
    }
    char e[QW_ERRSTR_MAX], *snap = NULL;
    int64_t version;
    int deleted;
    if (snapshot(r, id, &snap, &version, &deleted, e, sizeof(e))) {
        fprintf(stderr, "qwctl resync: %s%s: %s\n", pfx, id, e);
        return QW_ERR;
    }
    rd_kafka_resp_err_t err;
    while ((err = rd_kafka_producev(
                rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_VALUE(snap, strlen(snap)),
                RD_KAFKA_V_KEY(id, strlen(id)), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                RD_KAFKA_V_HEADER(QW_SF_HDR_RESYNC, "qwctl", -1), RD_KAFKA_V_END)) ==
           RD_KAFKA_RESP_ERR__QUEUE_FULL)
        rd_kafka_poll(rk, 100);
    free(snap);
    if (err) {
        fprintf(stderr, "qwctl resync: produce to %s: %s\n", topic, rd_kafka_err2str(err));
        return QW_ERR;
    }
    printf("{\"deal_id\":\"%s%s\",\"version\":%" PRId64 ",\"snapshot\":\"%s\",\"topic\":\"%s\"}\n",
           pfx, id, version, deleted ? "deleted" : "full", topic);
    return QW_OK;
}

int qwctl_resync(qwctl_t *ctl, int argc, char **argv)
{
    if (argc < 2 || (strcmp(argv[0], "salesforce") && strcmp(argv[0], "hubspot"))) {
        fprintf(stderr, "usage: qwctl resync salesforce|hubspot DEAL_ID...\n");
        return 2;
    }
    static resync_t r;
    memset(&r, 0, sizeof(r));
    r.hubspot = !strcmp(argv[0], "hubspot");
    char topic[256], e[QW_ERRSTR_MAX];
    snprintf(e, sizeof(e), "qw.crm.%s", argv[0]);
    qw_kafka_topic(topic, sizeof(topic), ctl->topic_prefix, e);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    r.curl = curl_easy_init();
    int failed = 0, rc = 0;
    if (!r.curl || login(&r, e, sizeof(e))) {
        fprintf(stderr, "qwctl resync: %s\n", r.curl ? e : "libcurl");
        rc = 2;
        goto out;
    }
    rd_kafka_t *rk = producer(ctl, &failed);
    if (!rk) {
        rc = 2;
        goto out;
    }
    for (int i = 1; i < argc; i++)
        if (one(&r, rk, topic, argv[i])) failed++;
    if (rd_kafka_flush(rk, 30000)) {
        fprintf(stderr, "qwctl resync: not every snapshot was delivered within 30 s\n");
        failed++;
    }
    rd_kafka_destroy(rk);
    rc = failed ? 1 : 0;
out:
    memset(&r.tok, 0, sizeof(r.tok));
    qw_sf_auth_free(&r.auth);
    if (r.curl) curl_easy_cleanup(r.curl);
    curl_global_cleanup();
    return rc;
}
