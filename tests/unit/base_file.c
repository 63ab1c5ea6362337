#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "quotawatch/common.h"
#include "quotawatch/file.h"

static char path[64];

static void write_file(size_t n)
{
    strcpy(path, "/tmp/qw-core-file-XXXXXX");
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    for (size_t i = 0; i < n; i++)
        cr_assert_eq(write(fd, i % 2 ? "b" : "a", 1), 1);
    close(fd);
}

Test(base_file, whole_file_nul_terminated)
{
    char err[QW_ERRSTR_MAX];
    size_t len;
    write_file(200000); /* beyond the first read chunk */
    char *buf = qw_file_read(path, 200000, &len, err, sizeof(err));
    unlink(path);
    cr_assert_not_null(buf, "%s", err);
    cr_assert_eq(len, 200000);
    cr_assert_eq(buf[len], '\0');
    cr_assert_eq(buf[199999], 'b');
    free(buf);
}

Test(base_file, larger_than_the_limit_is_refused)
{
    char err[QW_ERRSTR_MAX];
    size_t len;
    write_file(101);
    char *buf = qw_file_read(path, 100, &len, err, sizeof(err));
    unlink(path);
    cr_assert_null(buf);
    cr_assert(strstr(err, "larger than 100 bytes"), "%s", err);
}

Test(base_file, missing_file_names_path_and_reason)
{
    char err[QW_ERRSTR_MAX];
    size_t len;
    cr_assert_null(qw_file_read("/nonexistent/qw", 10, &len, err, sizeof(err)));
    cr_assert(strstr(err, "cannot open /nonexistent/qw: "), "%s", err);
}
