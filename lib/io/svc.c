#include "quotawatch/svc.h"

#include <signal.h>
#include <string.h>
#include <unistd.h>

volatile int qw_svc_stop;

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
    signal(SIGPIPE, SIG_IGN);
}

void qw_svc_sleep_ms(int ms)
{
    for (int slept = 0; slept < ms && !qw_svc_stop; slept += 20)
        usleep(20 * 1000);
}
