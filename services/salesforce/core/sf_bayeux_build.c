/* Bayeux requests: one message per request, in a JSON array, as CometD sends them. */
#include <jansson.h>
#include <string.h>

#include "sf_bayeux.h"

int qw_sf_channel_valid(const char *channel)
{
    size_t n = channel ? strlen(channel) : 0;
    if (n < 2 || n >= QW_SF_CHANNEL_MAX || channel[0] != '/') return 0;
    for (size_t i = 1; i < n; i++) {
        char c = channel[i];
        int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                 c == '_' || c == '/' || c == '.' || c == '-';
        if (!ok) return 0;
    }
    return 1;
}

static int client_id_valid(const char *id)
{
    size_t n = id ? strlen(id) : 0;
    if (n == 0 || n >= QW_SF_CLIENT_ID_MAX) return 0;
    for (size_t i = 0; i < n; i++)
        if (id[i] <= ' ' || id[i] > '~') return 0;
    return 1;
}

static char *wrap(json_t *msg)
{
    json_t *arr = json_array();
    if (!msg || !arr || json_array_append_new(arr, msg)) {
        json_decref(arr);
        return NULL;
    }
    char *s = json_dumps(arr, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(arr);
    return s;
}

char *qw_sf_handshake_msg(void)
{
    /* ext.replay = true announces the replay extension (Salesforce's replay id support). */
    return wrap(json_pack("{s:s, s:s, s:s, s:[s], s:{s:b}}", "channel", "/meta/handshake",
                          "version", "1.0", "minimumVersion", "1.0", "supportedConnectionTypes",
                          "long-polling", "ext", "replay", 1));
}

char *qw_sf_subscribe_msg(const char *client_id, const char *channel, int64_t replay_id)
{
    if (!client_id_valid(client_id) || !qw_sf_channel_valid(channel)) return NULL;
    json_t *replay = json_object();
    if (!replay || json_object_set_new(replay, channel, json_integer(replay_id))) {
        json_decref(replay);
        return NULL;
    }
    return wrap(json_pack("{s:s, s:s, s:s, s:{s:o}}", "channel", "/meta/subscribe", "clientId",
                          client_id, "subscription", channel, "ext", "replay", replay));
}

char *qw_sf_connect_msg(const char *client_id)
{
    if (!client_id_valid(client_id)) return NULL;
    return wrap(json_pack("{s:s, s:s, s:s}", "channel", "/meta/connect", "clientId", client_id,
                          "connectionType", "long-polling"));
}

char *qw_sf_disconnect_msg(const char *client_id)
{
    if (!client_id_valid(client_id)) return NULL;
    return wrap(json_pack("{s:s, s:s}", "channel", "/meta/disconnect", "clientId", client_id));
}
