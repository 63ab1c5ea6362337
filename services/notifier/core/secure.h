/* Start-up refusals of configurations that would send mail or webhooks in clear, or webhooks
 * unsigned (docs/security.md, "Outbound mail and webhooks"). Pure: no I/O, no globals, so
 * every rule is unit-tested (tests/unit/notifier_secure.c). */
#ifndef QW_NOTIFIER_SECURE_H
#define QW_NOTIFIER_SECURE_H

#include <stddef.h>

typedef struct qw_secure_in_s {
    const char *smtp_url;       /* --smtp-url; NULL or "": no e-mail */
    const char *smtp_user;      /* --smtp-user; NULL or "": no AUTH */
    const char *smtp_password;  /* QW_SMTP_PASSWORD; only tested for presence, never copied */
    int smtp_allow_plaintext;   /* --smtp-allow-plaintext */
    const char *webhook_url;    /* --webhook-url (the generic webhook); NULL or "": none */
    const char *hr_webhook;     /* the routing file's addresses.hr.webhook; NULL or "": none */
    int have_secret;            /* a webhook signing secret was given */
    int allow_insecure_webhook; /* --allow-insecure-webhook */
} qw_secure_in_t;

typedef struct qw_secure_out_s {
    int smtp_require_tls;  /* 1: STARTTLS required (CURLUSESSL_ALL) or implicit TLS (smtps) */
    int webhook_unsigned;  /* 1: the generic webhook goes unsigned (--allow-insecure-webhook) */
    int webhook_cleartext; /* 1: a webhook goes over http:// to a non-loopback host (the flag) */
} qw_secure_out_t;

/* QW_OK, with out filled, or QW_ERR with a message for the operator in errbuf (it names the
 * option or the routing-file address and what to do; it holds no secret and no URL path). */
int qw_secure_check(const qw_secure_in_t *in, qw_secure_out_t *out, char *errbuf, size_t errlen);

/* 1 when url is http:// or https:// to a loopback host: 127.0.0.0/8 in dotted decimal, [::1]
 * or localhost. Anything unusual (user info, a bad port, spaces) is not loopback. */
int qw_secure_url_loopback(const char *url);

#endif
