/* `qw-ingest convert`: golden outputs over the fixtures, single-document input, exit codes. */
#include "ingest_adapter_util.h"

#include <criterion/redirect.h>
#include <dirent.h>
#include <unistd.h>

#include "convert.h"

static const char *const sources[] = {"salesforce", "hubspot", "pipedrive", "canonical"};

/* Run qw_convert_buffer on a fixture file; returns the bad count, outputs in *out / *err. */
static int run(const char *src_name, const char *file, char **out, char **err)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s/%s", QW_FIXTURES, src_name, file);
    size_t len;
    char *buf = t_slurp(path, &len);
    static qw_adapter_cfg_t cfg;
    qw_adapter_cfg_init(&cfg);
    qw_source_t src;
    cr_assert_eq(qw_source_parse(src_name, &src), QW_OK);
    size_t olen, elen;
    FILE *o = open_memstream(out, &olen), *e = open_memstream(err, &elen);
    int bad = qw_convert_buffer(&cfg, src, file, buf, len, o, e);
    fclose(o);
    fclose(e);
    free(buf);
    return bad;
}

Test(convert, valid_fixtures_match_golden_output)
{
    for (size_t i = 0; i < 4; i++) {
        char *out, *err, path[512];
        cr_assert_eq(run(sources[i], "valid.jsonl", &out, &err), 0, "%s: %s", sources[i], err);
        cr_assert_str_empty(err);
        snprintf(path, sizeof(path), "%s/%s/valid.expected.jsonl", QW_FIXTURES, sources[i]);
        char *want = t_slurp(path, NULL);
        cr_assert_str_eq(out, want, "%s output differs from %s", sources[i], path);
        free(want);
        free(out);
        free(err);
    }
}

Test(convert, invalid_fixtures_name_each_document_and_reason)
{
    for (size_t i = 0; i < 4; i++) {
        char *out, *err, path[512];
        int bad = run(sources[i], "invalid.jsonl", &out, &err);
        cr_assert_str_empty(out, "%s printed patches for invalid input", sources[i]);
        snprintf(path, sizeof(path), "%s/%s/invalid.expected.err", QW_FIXTURES, sources[i]);
        char *want = t_slurp(path, NULL);
        cr_assert_str_eq(err, want, "%s stderr differs from %s", sources[i], path);
        int lines = 0;
        for (char *c = want; *c; c++)
            lines += *c == '\n';
        cr_assert_eq(bad, lines, "one error line per bad document");
        free(want);
        free(out);
        free(err);
    }
}

Test(convert, every_single_document_seed_converts)
{
    /* The pretty-printed seed files are single documents and must all be good input. */
    for (size_t i = 0; i < 4; i++) {
        char dir[512];
        snprintf(dir, sizeof(dir), "%s/%s", QW_FIXTURES, sources[i]);
        DIR *d = opendir(dir);
        cr_assert_not_null(d);
        struct dirent *de;
        int seen = 0;
        while ((de = readdir(d))) {
            size_t n = strlen(de->d_name);
            if (n < 6 || strcmp(de->d_name + n - 5, ".json") != 0) continue;
            char *out, *err;
            cr_assert_eq(run(sources[i], de->d_name, &out, &err), 0, "%s/%s: %s", sources[i],
                         de->d_name, err);
            cr_assert(strlen(out) > 0, "%s/%s printed nothing", sources[i], de->d_name);
            free(out);
            free(err);
            seen++;
        }
        closedir(d);
        cr_assert_gt(seen, 0, "no seed files for %s", sources[i]);
    }
}

Test(convert, good_documents_are_printed_around_bad_ones)
{
    const char *in = "{\"deal_id\":\"a\",\"version\":1,\"status\":\"won\"}\n"
                     "\n"
                     "{\"deal_id\":\"b\",\"version\":1,\"status\":\"nope\"}\n"
                     "{\"deal_id\":\"c\",\"version\":2,\"amount\":\"5\",\"currency\":\"JPY\"}";
    static qw_adapter_cfg_t cfg;
    qw_adapter_cfg_init(&cfg);
    char *out, *err;
    size_t olen, elen;
    FILE *o = open_memstream(&out, &olen), *e = open_memstream(&err, &elen);
    int bad = qw_convert_buffer(&cfg, QW_SRC_CANONICAL, "in", in, strlen(in), o, e);
    fclose(o);
    fclose(e);
    cr_assert_eq(bad, 1);
    cr_assert_str_eq(out, "{\"source\":\"canonical\",\"deal_id\":\"a\",\"version\":1,"
                          "\"status\":\"won\"}\n"
                          "{\"source\":\"canonical\",\"deal_id\":\"c\",\"version\":2,"
                          "\"amount\":\"5\",\"amount_minor\":5,\"currency\":\"JPY\"}\n");
    cr_assert_str_eq(err, "in:3: bad_field: status must be open, won, lost or deleted\n");
    free(out);
    free(err);
}

Test(convert, format_escapes_and_bounds)
{
    qw_deal_change_t dc;
    memset(&dc, 0, sizeof(dc));
    strcpy(dc.source, "canonical");
    strcpy(dc.deal_id, "canonical:a\"b\\c\n");
    dc.version = 3;
    dc.present = QW_DC_OWNER | QW_DC_CLOSE_DATE;
    strcpy(dc.owner_id, "o");
    dc.close_date = QW_DATE_NONE;
    char buf[256];
    cr_assert_eq(qw_convert_format(&dc, buf, sizeof(buf)), QW_OK);
    cr_assert_str_eq(buf, "{\"source\":\"canonical\",\"deal_id\":\"a\\\"b\\\\c\\u000a\","
                          "\"version\":3,\"owner_id\":\"o\",\"close_date\":null}");
    cr_assert_eq(qw_convert_format(&dc, buf, 20), QW_ERR);
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fputs(text, f);
    fclose(f);
}

Test(convert, main_exit_codes, .init = cr_redirect_stdout)
{
    char valid[512], invalid[512];
    snprintf(valid, sizeof(valid), "%s/hubspot/valid.jsonl", QW_FIXTURES);
    snprintf(invalid, sizeof(invalid), "%s/hubspot/invalid.jsonl", QW_FIXTURES);
    FILE *saved = stderr;
    stderr = fopen("/dev/null", "w");
    char *a1[] = {"convert", "--source", "hubspot", valid};
    cr_assert_eq(qw_convert_main(4, a1), 0);
    char *a2[] = {"convert", "--source=hubspot", invalid};
    cr_assert_eq(qw_convert_main(3, a2), 1);
    char *a3[] = {"convert", "--source", "zoho", valid};
    cr_assert_eq(qw_convert_main(4, a3), 2);
    char *a4[] = {"convert", "--source", "hubspot", "/nonexistent/file"};
    cr_assert_eq(qw_convert_main(4, a4), 2);
    char *a5[] = {"convert", valid};
    cr_assert_eq(qw_convert_main(2, a5), 2);

    char map[] = "/tmp/qw_convert_map_XXXXXX";
    int fd = mkstemp(map);
    cr_assert_geq(fd, 0);
    close(fd);
    write_file(map, "hubspot * closedwon=lost\n");
    char *a6[] = {"convert", "--source", "hubspot", "--stage-map", map, valid};
    cr_assert_eq(qw_convert_main(6, a6), 0);
    write_file(map, "hubspot closedwon\n");
    cr_assert_eq(qw_convert_main(6, a6), 2, "a bad stage map is a usage error");
    unlink(map);
    fclose(stderr);
    stderr = saved;
}

Test(convert, stage_map_changes_the_output)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/hubspot/stage_closedwon.json", QW_FIXTURES);
    size_t len;
    char *buf = t_slurp(path, &len);
    static qw_adapter_cfg_t cfg;
    qw_adapter_cfg_init(&cfg);
    const char *map = "hubspot * closedwon=lost\n";
    char eb[QW_ERRSTR_MAX];
    cr_assert_eq(qw_stage_map_load(&cfg, map, strlen(map), eb, sizeof(eb)), QW_OK);
    char *out, *err;
    size_t olen, elen;
    FILE *o = open_memstream(&out, &olen), *e = open_memstream(&err, &elen);
    cr_assert_eq(qw_convert_buffer(&cfg, QW_SRC_HUBSPOT, "x", buf, len, o, e), 0);
    fclose(o);
    fclose(e);
    cr_assert_not_null(strstr(out, "\"status\":\"lost\""), "%s", out);
    free(out);
    free(err);
    free(buf);
}
