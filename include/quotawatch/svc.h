/* Process lifecycle shared by the services: SIGTERM/SIGINT ask for a graceful stop (finish the
 * batch, commit, exit 0); a second signal stops at once. */
#ifndef QW_SVC_H
#define QW_SVC_H
#ifdef QW_PURE
#error "quotawatch/svc.h is an I/O header (lib/io): pure targets may not include it"
#endif

extern volatile int qw_svc_stop;

void qw_svc_signals(void);

/* Sleep up to ms, waking early when a stop was requested. */
void qw_svc_sleep_ms(int ms);

#endif
