/* Inputs on which libfyaml 0.7.12 itself leaks (found by fuzz_routes): the text it builds for a
 * key made only of '' escapes, or for a key spanning lines, is never freed. The loaders must
 * still refuse them cleanly. A program of its own, because the leak has to be excused here (and
 * only here: base_yaml.c checks that the loaders free everything they create). */
#include <criterion/criterion.h>
#include <string.h>

#include "quotawatch/policy.h"
#include "route.h"

const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
    return "leak:libfyaml.so\n";
}

static char err[QW_ERRSTR_MAX];

Test(base_yaml_libfyaml_leak, fuzz_routes_input_is_refused)
{
    const char *in = QW_FIXTURES "/routes/fuzz-libfyaml-leak.yaml"; /* 126 quotes and a colon */
    qw_route_cfg_t c;
    qw_route_cfg_init(&c);
    cr_assert_neq(qw_route_load_file(&c, in, err, sizeof(err)), 0);
    cr_assert(strstr(err, ":1:2: ''") && strstr(err, ": unknown key"), "%s", err);
    qw_route_cfg_free(&c);
    static qw_policy_t p;
    cr_assert_eq(qw_policy_load_file(&p, in, NULL, err, sizeof(err)), QW_ERR);
    cr_assert(strstr(err, ":1:2: ''") && strstr(err, ": unknown key"), "%s", err);
}

Test(base_yaml_libfyaml_leak, escaped_quote_key_is_refused)
{
    static qw_policy_t p;
    const char *in = "'''''''''''''''''': 1\n"; /* the key is eight quotes */
    cr_assert_eq(qw_policy_load_string(&p, in, strlen(in), NULL, err, sizeof(err)), QW_ERR);
    cr_assert_str_eq(err, "policy:1:2: '''''''': unknown key");
}
