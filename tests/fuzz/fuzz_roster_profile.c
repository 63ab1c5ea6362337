/* libFuzzer target: a qw.roster.v1 record's value (anyone who can produce to the topic writes
 * one) through the one RepProfile decoder, qw_roster_profile_unpack, and the notifier's roster
 * cache. Whatever decodes must hold NUL-terminated fields and pack and decode again to the same
 * profile. Seeds: tests/fixtures/roster_profile/.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "quotawatch/roster_pb.h"
#include "roster_cache.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static qw_rep_profile_t p, back;
    char err[QW_ERRSTR_MAX];
    if (qw_roster_profile_unpack(data, size, &p, err, sizeof(err)) == QW_OK) {
        if (!memchr(p.rep_id, '\0', sizeof(p.rep_id)) || !memchr(p.name, '\0', sizeof(p.name)) ||
            !memchr(p.email, '\0', sizeof(p.email)) || p.nleave < 0 || p.nleave > QW_LEAVE_MAX)
            abort();
        size_t len;
        uint8_t *buf = qw_roster_profile_pack(&p, &len);
        if (!buf) return 0;
        if (qw_roster_profile_unpack(buf, len, &back, err, sizeof(err)) != QW_OK ||
            strcmp(back.name, p.name) != 0 || strcmp(back.rep_id, p.rep_id) != 0 ||
            back.nleave != p.nleave || back.hire_date != p.hire_date)
            abort();
        free(buf);
    }
    qw_roster_cache_t c;
    qw_roster_cache_init(&c);
    qw_roster_cache_apply(&c, "rep-1", 5, data, size);
    qw_roster_cache_free(&c);
    return 0;
}
