#include "quotawatch/config.h"

#include "quotawatch/version.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int opt_assign(qw_config_t *cfg, const qw_opt_t *o, const char *val, const char *from)
{
    char *end;
    switch (o->type) {
    case QW_OPT_STR:
        *(const char **)o->dst = val;
        return QW_OK;
    case QW_OPT_INT:
        errno = 0;
        long long v = strtoll(val, &end, 10);
        if (errno || end == val || *end)
            return qw_err_set(cfg->errstr, sizeof(cfg->errstr),
                              "%s %s: expected an integer, got \"%s\"", from, o->name, val);
        *(int64_t *)o->dst = v;
        return QW_OK;
    case QW_OPT_BOOL:
        if (!strcmp(val, "1") || !strcmp(val, "true") || !strcmp(val, "yes") || !strcmp(val, "on"))
            *(int *)o->dst = 1;
        else if (!strcmp(val, "0") || !strcmp(val, "false") || !strcmp(val, "no") ||
                 !strcmp(val, "off") || !*val)
            *(int *)o->dst = 0;
        else
            return qw_err_set(cfg->errstr, sizeof(cfg->errstr),
                              "%s %s: expected true or false, got \"%s\"", from, o->name, val);
        return QW_OK;
    }
    return QW_ERR;
}

static void print_help(const char *prog, const char *summary, const qw_opt_t *opts)
{
    printf("Usage: %s [options]\n%s\n\nOptions (flag, environment variable, default):\n", prog,
           summary);
    for (const qw_opt_t *o = opts; o->name; o++) {
        const char *arg = o->type == QW_OPT_INT ? " N" : o->type == QW_OPT_STR ? " VALUE" : "";
        printf("  --%s%s\n      %s\n      env %s, default: %s\n", o->name, arg, o->help,
               o->env ? o->env : "-",
               o->secret ? "(secret, not shown)"
               : o->def  ? (*o->def ? o->def : "\"\"")
                         : "unset");
    }
    printf("  -X key=value\n      Any librdkafka property, passed through (repeatable); "
           "key=@FILE reads the value from FILE.\n"
           "  --version\n      Print the version and exit.\n"
           "  -h, --help\n      Show this help.\n");
}

int qw_config_parse(qw_config_t *cfg, const char *prog, const char *summary, const qw_opt_t *opts,
                    int argc, char **argv)
{
    memset(cfg, 0, sizeof(*cfg));
    for (const qw_opt_t *o = opts; o->name; o++) {
        if (o->def && opt_assign(cfg, o, o->def, "default of") != QW_OK) return QW_ERR;
        const char *e = o->env ? getenv(o->env) : NULL;
        if (e && opt_assign(cfg, o, e, o->env) != QW_OK) return QW_ERR;
    }
    /* Options may stand anywhere (qwctl tail decisions --until-eof): positional arguments are
     * moved to the front of argv[1..] in order, which is ours to permute. */
    int i = 1, npos = 0;
    for (; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            print_help(prog, summary, opts);
            return QW_CONFIG_HELP;
        }
        if (!strcmp(a, "--version")) {
            printf("%s %s\n", prog, qw_version());
            return QW_CONFIG_HELP;
        }
        if (!strcmp(a, "--")) {
            for (i++; i < argc; i++)
                argv[1 + npos++] = argv[i];
            break;
        }
        if (!strncmp(a, "-X", 2)) {
            const char *kv = a[2] ? a + 2 : (i + 1 < argc ? argv[++i] : NULL);
            const char *eq = kv ? strchr(kv, '=') : NULL;
            if (!eq || eq == kv)
                return qw_err_set(cfg->errstr, sizeof(cfg->errstr),
                                  "-X expects key=value (a librdkafka property)");
            if (cfg->nkafka >= QW_CONFIG_KAFKA_MAX)
                return qw_err_set(cfg->errstr, sizeof(cfg->errstr), "too many -X properties");
            /* Split in place: argv is ours to modify. */
            *(char *)eq = '\0';
            cfg->kafka[2 * cfg->nkafka] = kv;
            cfg->kafka[2 * cfg->nkafka + 1] = eq + 1;
            cfg->nkafka++;
            continue;
        }
        if (strncmp(a, "--", 2) != 0 || !a[2]) {
            argv[1 + npos++] = argv[i];
            continue;
        }
        const char *name = a + 2, *val = strchr(name, '=');
        size_t nlen = val ? (size_t)(val - name) : strlen(name);
        const qw_opt_t *o = opts;
        for (; o->name; o++)
            if (strlen(o->name) == nlen && !strncmp(o->name, name, nlen)) break;
        if (!o->name)
            return qw_err_set(cfg->errstr, sizeof(cfg->errstr),
                              "unknown option --%.*s (see %s --help)", (int)nlen, name, prog);
        if (val) {
            val++;
        } else if (o->type == QW_OPT_BOOL) {
            val = "true";
        } else if (i + 1 < argc) {
            val = argv[++i];
        } else {
            return qw_err_set(cfg->errstr, sizeof(cfg->errstr), "option --%s needs a value",
                              o->name);
        }
        if (opt_assign(cfg, o, val, "option --") != QW_OK) return QW_ERR;
    }
    cfg->args = argv + 1;
    cfg->nargs = npos;
    return QW_OK;
}

const char *qw_config_kafka_get(const qw_config_t *cfg, const char *key)
{
    const char *v = NULL;
    for (int i = 0; cfg && i < cfg->nkafka; i++)
        if (!strcmp(cfg->kafka[2 * i], key)) v = cfg->kafka[2 * i + 1];
    return v;
}

int qw_config_read_secret(const char *path, char *out, size_t outlen, char *errbuf, size_t errlen)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return qw_err_set(errbuf, errlen, "cannot read secret file %s: %s", path, strerror(errno));
    size_t n = fread(out, 1, outlen - 1, f);
    int tooLong = !feof(f) && fgetc(f) != EOF;
    fclose(f);
    if (tooLong) return qw_err_set(errbuf, errlen, "secret file %s is too long", path);
    out[n] = '\0';
    while (n && (out[n - 1] == '\n' || out[n - 1] == '\r'))
        out[--n] = '\0';
    if (!n) return qw_err_set(errbuf, errlen, "secret file %s is empty", path);
    return QW_OK;
}
