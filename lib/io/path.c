#include "quotawatch/path.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "quotawatch/common.h"

#ifndef QW_INSTALL_DATADIR
#error "QW_INSTALL_DATADIR must be defined by the build (lib/CMakeLists.txt)"
#endif

static int is_dir(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static int put(char *out, size_t cap, const char *s)
{
    int n = snprintf(out, cap, "%s", s);
    return n >= 0 && (size_t)n < cap ? QW_OK : QW_ERR;
}

int qw_path_datadir(char *out, size_t cap)
{
    const char *env = getenv("QW_DATADIR");
    if (env && *env) return put(out, cap, env);
    /* Relative to the program: <prefix>/bin/qw-x -> <prefix>/share/quotawatch. */
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    if (n > 0) {
        exe[n] = '\0';
        char *slash = strrchr(exe, '/');
        if (slash) {
            *slash = '\0';
            char cand[PATH_MAX + 32];
            snprintf(cand, sizeof(cand), "%s/../share/quotawatch", exe);
            if (is_dir(cand)) {
                char real[PATH_MAX];
                return put(out, cap, realpath(cand, real) ? real : cand);
            }
        }
    }
    return put(out, cap, QW_INSTALL_DATADIR);
}

int qw_path_data(char *out, size_t cap, const char *rel)
{
    char dir[PATH_MAX];
    if (qw_path_datadir(dir, sizeof(dir)) != QW_OK) return QW_ERR;
    int n = snprintf(out, cap, "%s/%s", dir, rel);
    return n >= 0 && (size_t)n < cap ? QW_OK : QW_ERR;
}
