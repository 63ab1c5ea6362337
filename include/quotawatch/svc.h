/* Process lifecycle shared by the services: SIGTERM/SIGINT ask for a graceful stop (finish the
 * batch, commit, exit 0); a second signal stops at once. SIGHUP asks for a reload of the
 * configuration files (a service that cannot reload logs that it ignores it: it never dies of
 * it, as SIGHUP's default action would). */
#ifndef QW_SVC_H
#define QW_SVC_H
#ifdef QW_PURE
#error "quotawatch/svc.h is an I/O header (lib/io): pure targets may not include it"
#endif

extern volatile int qw_svc_stop;

void qw_svc_signals(void);

/* Was SIGHUP received since the last call? (Returns 1 once per burst of signals.) */
int qw_svc_reload_requested(void);

/* Sleep up to ms, waking early when a stop was requested. */
void qw_svc_sleep_ms(int ms);

#endif
