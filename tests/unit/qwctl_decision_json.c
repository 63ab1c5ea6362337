/* qwctl preview-template's input: a decision as simulate prints it or as tail prints it, read
 * back strictly; and the preview itself, rendered with the repository's templates. */
#include <criterion/criterion.h>
#include <criterion/redirect.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "decision_json.h"
#include "qwctl.h"

#define FIX QW_FIXTURES "/decision_json/"

static json_t *load(const char *name)
{
    json_error_t e;
    json_t *d = json_load_file(name, 0, &e);
    cr_assert_not_null(d, "%s: %s", name, e.text);
    return d;
}

Test(qwctl_decision_json, reads_what_simulate_prints)
{
    json_t *d = load(FIX "simulate.json");
    qw_decision_json_t dj;
    char err[256];
    cr_assert_eq(qw_decision_json_read(d, &dj, err, sizeof(err)), QW_OK, "%s", err);
    cr_assert_str_eq(dj.msg.type, "warning.at_risk");
    cr_assert_eq(dj.msg.attainment_bp, 2100);
    cr_assert_eq(dj.msg.n_audience, 2);
    cr_assert_str_eq(dj.msg.audience[1], "manager");
    cr_assert_eq(dj.msg.n_evidence, 2);
    cr_assert_str_eq(dj.msg.evidence[0]->key, "checkpoint_bp");
    cr_assert_eq(dj.msg.evidence[0]->value, 3300);
    json_decref(d);
}

Test(qwctl_decision_json, reads_a_tail_line)
{
    json_t *d = load(FIX "tail.json");
    qw_decision_json_t dj;
    char err[256];
    cr_assert_eq(qw_decision_json_read(d, &dj, err, sizeof(err)), QW_OK, "%s", err);
    cr_assert_str_eq(dj.msg.rep_id, "rep-bob");
    cr_assert_eq(dj.msg.n_evidence, 1);
    cr_assert_str_eq(dj.msg.evidence[0]->key, "tier");
    json_decref(d);
}

Test(qwctl_decision_json, refuses_wrong_types_and_sizes_naming_the_field)
{
    char err[256];
    qw_decision_json_t dj;
    json_t *d = load(FIX "bad_type.json");
    cr_assert_eq(qw_decision_json_read(d, &dj, err, sizeof(err)), QW_ERR);
    cr_assert(strstr(err, "\"id\" must be a string"), "%s", err);
    json_decref(d);

    d = json_pack("{s:s,s:s,s:[]}", "id", "x", "type", "t", "audience");
    for (int i = 0; i < QW_DJ_AUDIENCE_MAX + 1; i++)
        json_array_append_new(json_object_get(d, "audience"), json_string("rep"));
    cr_assert_eq(qw_decision_json_read(d, &dj, err, sizeof(err)), QW_ERR);
    cr_assert(strstr(err, "audiences"), "%s", err);
    json_decref(d);

    d = json_pack("{s:s}", "id", "x");
    cr_assert_eq(qw_decision_json_read(d, &dj, err, sizeof(err)), QW_ERR);
    cr_assert(strstr(err, "\"type\""), "%s", err);
    json_decref(d);
}

Test(qwctl_decision_json, the_preview_escapes_for_each_channel, .init = cr_redirect_stdout)
{
    qwctl_t ctl;
    memset(&ctl, 0, sizeof(ctl));
    ctl.templates = QW_FIXTURES "/../../services/notifier/templates";
    char *argv[] = {"warning.at_risk", FIX "simulate.json"};
    cr_assert_eq(qwctl_preview(&ctl, 2, argv), 0);
    fflush(stdout);
    FILE *f = cr_get_redirected_stdout();
    char buf[65536];
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    buf[n] = '\0';
    cr_assert(strstr(buf, "==== rep: slack json ===="), "no slack section");
    cr_assert(strstr(buf, "==== manager: email html ===="), "no manager e-mail");
    cr_assert(strstr(buf, "==== webhook: webhook json ===="), "no webhook");
    /* Plain text and JSON carry the text as it is (escaped for JSON); HTML must not. */
    for (char *h = strstr(buf, "email html ====\n"); h; h = strstr(h + 1, "email html ====\n")) {
        char *end = strstr(h + 16, "\n==== ");
        if (end) *end = '\0';
        cr_assert_null(strstr(h, "<script>"), "hostile evidence reached an HTML part unescaped");
        cr_assert(strstr(h, "&lt;script&gt;"), "the HTML part shows it escaped");
        if (end) *end = '\n';
    }
    cr_assert(strstr(buf, "\"text\": \"</td><script>x</script>\""),
              "the webhook carries it as data");
}
