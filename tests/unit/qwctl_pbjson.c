/* qwctl tail's protobuf-to-JSON view keeps string fields that are not UTF-8 (protobuf-c does
 * not check proto3 strings), with U+FFFD for the bad bytes, instead of dropping the field. */
#include <criterion/criterion.h>
#include <string.h>

#include "pbjson.h"
#include "quotawatch/v1/roster.pb-c.h"

Test(qwctl_pbjson, non_utf8_strings_are_kept_with_replacement_characters)
{
    Quotawatch__V1__RepProfile p = QUOTAWATCH__V1__REP_PROFILE__INIT;
    p.rep_id = "r-1";
    p.name = "Ren\xE9"
             "e";
    p.email = "ok@example.com";
    json_t *o = qw_pbjson_from_message(&p.base);
    json_t *name = json_object_get(o, "name");
    cr_assert(json_is_string(name), "the name field is there");
    cr_assert_str_eq(json_string_value(name), "Ren\xEF\xBF\xBD"
                                              "e");
    cr_assert_str_eq(json_string_value(json_object_get(o, "rep_id")), "r-1");
    cr_assert_str_eq(json_string_value(json_object_get(o, "email")), "ok@example.com");
    json_decref(o);
}
