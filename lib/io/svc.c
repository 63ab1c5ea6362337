#include "quotawatch/svc.h"

#include <signal.h>
#include <string.h>
#include <unistd.h>

volatile int qw_svc_stop;
static volatile sig_atomic_t reload;

static void on_hup(int sig)
{
    (void)sig;
    reload = 1;
}

int qw_svc_reload_requested(void)
{
    if (!reload) return 0;
    reload = 0;
    return 1;
}

static void on_signal(int sig)
{
    if (qw_svc_stop) {
        signal(sig, SIG_DFL);
        raise(sig);
    }
    qw_svc_stop = 1;
}

void qw_svc_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sa.sa_handler = on_hup;
    sigaction(SIGHUP, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
}

void qw_svc_sleep_ms(int ms)
{
    for (int slept = 0; slept < ms && !qw_svc_stop; slept += 20)
        usleep(20 * 1000);
}
