/* Repair of gaps: a CRM record read through its REST API, turned into a full snapshot that
 * qw-ingest's own adapter reads, with a version that sorts after what it repairs.
 *  - Salesforce: GET /services/data/vXX.X/sobjects/Opportunity/{id} -> a change event body
 *    (ChangeEventHeader at the top, changeType UPDATE listing every tracked field) for
 *    qw.crm.salesforce; version = max(SystemModstamp x 100000 + 99999, min_version).
 *  - HubSpot: GET /crm/v3/objects/deals/{id}?properties=... -> a webhook batch, one
 *    deal.propertyChange per tracked property, for qw.crm.hubspot; version (occurredAt) =
 *    max(updatedAt, min_version).
 * The format is in docs/formats/crm-sources.md ("Snapshots"). */
#ifndef QW_SF_SNAPSHOT_H
#define QW_SF_SNAPSHOT_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "quotawatch/common.h"

#define QW_SF_REC_MAX (1024 * 1024)

/* The properties asked for from HubSpot (the ones the adapter maps). */
#define QW_SF_HS_PROPERTIES                                                                        \
    "amount,deal_currency_code,dealstage,closedate,hubspot_owner_id,pipeline,hs_lastmodifieddate"

/* A record id that may go into a REST URL: Salesforce 15/18 alphanumerics; HubSpot digits. */
int qw_sf_record_id_valid(const char *id);
int qw_sf_hs_id_valid(const char *id);

/* From a REST record (JSON). *out is malloc'd JSON text; *version the snapshot's version. */
int qw_sf_snapshot_opportunity(const char *rec, size_t len, int64_t min_version, char **out,
                               int64_t *version, char *errbuf, size_t errlen);
int qw_sf_snapshot_hubspot(const char *rec, size_t len, int64_t min_version, char **out,
                           int64_t *version, char *errbuf, size_t errlen);

/* The record is gone (404 / archived): a delete at version max(now-based, min_version). */
char *qw_sf_snapshot_opportunity_deleted(const char *id, int64_t version);

/* A REST record as a JSON object (at most QW_SF_REC_MAX bytes), or NULL with the reason. */
json_t *qw_sf_record_load(const char *rec, size_t len, char *errbuf, size_t errlen);
char *qw_sf_snapshot_hubspot_deleted(const char *id, int64_t version);

#endif
