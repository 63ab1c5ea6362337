/* Decision ids built from the longest valid ids fit QW_DECISION_ID_MAX (issue 10, finding 3);
 * a longer input is refused, never cut. */
#include <criterion/criterion.h>
#include <string.h>

#include "engine.h"

static void fill(char *s, size_t n, char c)
{
    memset(s, c, n);
    s[n] = '\0';
}

Test(evaluator_engine_ids, longest_valid_ids_fit)
{
    char team[QW_ID_MAX + 8], period[QW_PERIOD_ID_MAX], type[QW_DECISION_TYPE_MAX],
        level[QW_DECISION_LEVEL_MAX], out[QW_DECISION_ID_MAX];
    memcpy(team, "team:", 5);
    fill(team + 5, QW_ID_LEN_MAX, 't');
    fill(period, sizeof(period) - 1, 'p');
    fill(type, sizeof(type) - 1, 'y');
    fill(level, sizeof(level) - 1, 'l');
    cr_assert_eq(qw_engine_decision_id(out, team, period, type, level), QW_OK);
    cr_assert_eq(strlen(out),
                 2 + strlen(team) + 1 + strlen(period) + 1 + strlen(type) + 1 + strlen(level));
    cr_assert_lt(strlen(out), QW_DECISION_ID_MAX);
}

Test(evaluator_engine_ids, too_long_is_refused_not_cut)
{
    static char scope[QW_DECISION_ID_MAX + 1];
    char out[QW_DECISION_ID_MAX];
    fill(scope, QW_DECISION_ID_MAX - 6, 's'); /* "d:" + scope + ":p:r" is one byte too many */
    cr_assert_eq(qw_engine_decision_id(out, scope, "p", "r", NULL), QW_ERR);
    cr_assert_str_eq(out, "");
    fill(scope, QW_DECISION_ID_MAX - 7, 's');
    cr_assert_eq(qw_engine_decision_id(out, scope, "p", "r", NULL), QW_OK);
    cr_assert_eq(strlen(out), QW_DECISION_ID_MAX - 1);
}
