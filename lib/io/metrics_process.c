/* The standard process_* metrics (Prometheus client conventions), read from /proc at each
 * scrape, so every service exports CPU, memory, file descriptors and its start time without
 * registering anything. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "metrics_process.h"

/* Start time in seconds since the epoch: /proc/self/stat's starttime (ticks after boot) plus
 * /proc/stat's btime. 0 when /proc cannot say. */
static double start_time(long ticks)
{
    FILE *f = fopen("/proc/self/stat", "r");
    if (!f) return 0;
    char buf[1024];
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    const char *p = strrchr(buf, ')'); /* the command name may hold spaces */
    if (!p) return 0;
    unsigned long long st = 0;
    /* Fields after the name: state is field 3, starttime field 22. */
    int field = 2;
    for (p++; *p && field < 22; p++)
        if (*p == ' ') field++;
    if (field != 22 || sscanf(p, "%llu", &st) != 1) return 0;
    f = fopen("/proc/stat", "r");
    if (!f) return 0;
    unsigned long long btime = 0;
    char line[256];
    while (fgets(line, sizeof(line), f))
        if (sscanf(line, "btime %llu", &btime) == 1) break;
    fclose(f);
    return btime ? (double)btime + (double)st / (double)ticks : 0;
}

static long open_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    if (!d) return -1;
    long n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        if (e->d_name[0] != '.') n++;
    closedir(d);
    return n - 1; /* the directory stream's own descriptor */
}

size_t qw_metrics_process_text(char *out, size_t outlen)
{
    long ticks = sysconf(_SC_CLK_TCK), page = sysconf(_SC_PAGESIZE);
    if (ticks <= 0) ticks = 100;
    struct rusage ru;
    double cpu = 0;
    if (getrusage(RUSAGE_SELF, &ru) == 0)
        cpu = (double)ru.ru_utime.tv_sec + (double)ru.ru_stime.tv_sec +
              ((double)ru.ru_utime.tv_usec + (double)ru.ru_stime.tv_usec) / 1e6;
    unsigned long long vsz = 0, rss = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (f) {
        if (fscanf(f, "%llu %llu", &vsz, &rss) != 2) vsz = rss = 0;
        fclose(f);
    }
    struct rlimit rl;
    long long maxfds = getrlimit(RLIMIT_NOFILE, &rl) == 0 ? (long long)rl.rlim_cur : -1;
    int n = snprintf(
        out, outlen,
        "# HELP process_cpu_seconds_total User and system CPU time spent, in seconds\n"
        "# TYPE process_cpu_seconds_total counter\nprocess_cpu_seconds_total %.6f\n"
        "# HELP process_resident_memory_bytes Resident memory size in bytes\n"
        "# TYPE process_resident_memory_bytes gauge\nprocess_resident_memory_bytes %llu\n"
        "# HELP process_virtual_memory_bytes Virtual memory size in bytes\n"
        "# TYPE process_virtual_memory_bytes gauge\nprocess_virtual_memory_bytes %llu\n"
        "# HELP process_open_fds Open file descriptors\n"
        "# TYPE process_open_fds gauge\nprocess_open_fds %ld\n"
        "# HELP process_max_fds Limit of open file descriptors\n"
        "# TYPE process_max_fds gauge\nprocess_max_fds %lld\n"
        "# HELP process_start_time_seconds Start time of the process since the epoch, in seconds\n"
        "# TYPE process_start_time_seconds gauge\nprocess_start_time_seconds %.2f\n",
        cpu, rss * (unsigned long long)page, vsz * (unsigned long long)page, open_fds(), maxfds,
        start_time(ticks));
    if (n < 0) return 0;
    return (size_t)n < outlen ? (size_t)n : outlen - 1;
}
