/* The bounded body buffer every libcurl user reads answers into. */
#include <criterion/criterion.h>
#include <string.h>

#include "quotawatch/bytes.h"
#include "quotawatch/common.h"

Test(base_bytes, grows_to_max_and_refuses_more_whole)
{
    qw_bytes_t b = {.max = 8};
    cr_assert_eq(qw_bytes_append(&b, "abc", 3), QW_OK);
    cr_assert_eq(qw_bytes_append(&b, "de\0fg", 5), QW_OK, "exactly max fits, NUL included");
    cr_assert_eq(b.len, 8);
    cr_assert(memcmp(b.p, "abcde\0fg", 8) == 0);
    cr_assert_eq(b.p[8], '\0', "terminated");
    cr_assert_eq(qw_bytes_append(&b, "h", 1), QW_ERR, "one over max is refused");
    cr_assert_eq(b.len, 8, "and nothing of it is kept");
    cr_assert_eq(qw_bytes_append(&b, "", 0), QW_OK);
    qw_bytes_free(&b);
    cr_assert_null(b.p);
    cr_assert_eq(b.len, 0);
}

Test(base_bytes, curl_write_stops_the_transfer_over_max)
{
    qw_bytes_t b = {.max = 10};
    char chunk[6] = "12345";
    cr_assert_eq(qw_bytes_curl_write(chunk, 1, 5, &b), 5);
    cr_assert_eq(qw_bytes_curl_write(chunk, 5, 1, &b), 5);
    /* libcurl takes a short count as an error and ends the transfer. */
    cr_assert_eq(qw_bytes_curl_write(chunk, 1, 1, &b), 0);
    cr_assert_str_eq(b.p, "1234512345");
    cr_assert_eq(qw_bytes_curl_write(chunk, (size_t)-1, 2, &b), 0, "size * nmemb overflows");
    qw_bytes_free(&b);
}
