/* Installed data paths (lib/io/path.c): QW_DATADIR first, then <program dir>/../share/quotawatch
 * when it exists, then the configured prefix; never the source tree. */
#include <criterion/criterion.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "quotawatch/common.h"
#include "quotawatch/path.h"

Test(io_path, environment_wins)
{
    setenv("QW_DATADIR", "/opt/qw-test/share", 1);
    char out[256];
    cr_assert_eq(qw_path_datadir(out, sizeof(out)), QW_OK);
    cr_assert_str_eq(out, "/opt/qw-test/share");
    cr_assert_eq(qw_path_data(out, sizeof(out), "templates"), QW_OK);
    cr_assert_str_eq(out, "/opt/qw-test/share/templates");
    char tiny[8];
    cr_assert_eq(qw_path_data(tiny, sizeof(tiny), "templates"), QW_ERR, "cut is an error");
    unsetenv("QW_DATADIR");
}

Test(io_path, relative_to_the_program_else_the_prefix)
{
    unsetenv("QW_DATADIR");
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    cr_assert_gt(n, 0);
    exe[n] = '\0';
    *strrchr(exe, '/') = '\0'; /* <build>/tests: <build>/share/quotawatch does not sit beside */
    char out[PATH_MAX];
    cr_assert_eq(qw_path_datadir(out, sizeof(out)), QW_OK);
    char beside[PATH_MAX + 32];
    snprintf(beside, sizeof(beside), "%s/../share/quotawatch", exe);
    if (access(beside, F_OK) == 0) {
        char real[PATH_MAX];
        cr_assert_str_eq(out, realpath(beside, real));
    } else {
        cr_assert(strstr(out, "/share/quotawatch"), "the configured prefix: %s", out);
        cr_assert_null(strstr(out, "/services/"), "never the source tree: %s", out);
    }
}
