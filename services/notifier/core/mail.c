#include "mail.h"

#include "quotawatch/common.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static int atext(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           (c && strchr("!#$%&'*+-/?^_`{|}~", c));
}

static void put_atext(qw_buf_t *b, const char *s)
{
    for (const char *start = s; *s; s++) {
        unsigned char c = (unsigned char)*s;
        /* A dot is kept where a dot-atom allows it: not first, not after another dot. */
        int dot_ok = c == '.' && s != start && s[-1] != '.';
        if ((atext(c) && c != '=') || dot_ok) {
            qw_buf_put(b, (const char *)&c, 1);
        } else {
            char hex[4];
            snprintf(hex, sizeof(hex), "=%02X", c);
            qw_buf_put(b, hex, 3);
        }
    }
}

int qw_mail_message_id(const char *decision_id, const char *channel, char *out, size_t outlen)
{
    qw_buf_t b;
    qw_buf_init(&b, out, outlen);
    qw_buf_puts(&b, "<");
    put_atext(&b, decision_id);
    qw_buf_puts(&b, ".");
    put_atext(&b, channel);
    qw_buf_puts(&b, "@quotawatch>");
    qw_buf_str(&b);
    return b.overflow ? QW_ERR : QW_OK;
}

char *qw_mail_date(int64_t ms, char *out, size_t outlen)
{
    static const char *const wd[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char *const mo[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                     "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    time_t s = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&s, &tm);
    snprintf(out, outlen, "%s, %02d %s %04d %02d:%02d:%02d +0000", wd[tm.tm_wday], tm.tm_mday,
             mo[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
    return out;
}

int qw_mail_addr_ok(const char *s)
{
    if (!s || !*s || strlen(s) > 254) return 0;
    const char *at = strchr(s, '@');
    if (!at || at == s || !at[1] || strchr(at + 1, '@')) return 0;
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c <= ' ' || c == 0x7F || strchr("<>,;:\"()[]\\", c)) return 0;
    }
    return 1;
}

static int is_ascii_printable(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7E) return 0;
    return 1;
}

/* Subject: as is when printable ASCII, else RFC 2047 encoded-words ("=?UTF-8?B?...?="), split
 * between UTF-8 characters so that each encoded word stays within 75 characters. */
static void put_subject(qw_buf_t *b, const char *s)
{
    qw_buf_puts(b, "Subject: ");
    if (is_ascii_printable(s) && strlen(s) < 900) {
        qw_buf_puts(b, s);
        qw_buf_puts(b, "\r\n");
        return;
    }
    size_t n = strlen(s), i = 0;
    int first = 1;
    while (i < n) {
        /* 39 bytes -> 52 base64 characters: 64 with the =?UTF-8?B? ?= frame, 73 after "Subject: ".
         */
        size_t take = 0;
        while (i + take < n) {
            size_t l = qw_utf8_prefix(s + i + take, n - i - take, 1);
            if (take + l > 39) break;
            take += l;
        }
        unsigned char enc[64];
        int el = EVP_EncodeBlock(enc, (const unsigned char *)s + i, (int)take);
        if (!first) qw_buf_puts(b, "\r\n ");
        qw_buf_puts(b, "=?UTF-8?B?");
        qw_buf_put(b, (const char *)enc, (size_t)el);
        qw_buf_puts(b, "?=");
        first = 0;
        i += take;
    }
    qw_buf_puts(b, "\r\n");
}

static void put_base64_body(qw_buf_t *b, const char *s)
{
    size_t n = strlen(s);
    unsigned char enc[80];
    for (size_t i = 0; i < n; i += 57) { /* 57 bytes -> one 76-character line */
        size_t take = n - i < 57 ? n - i : 57;
        int el = EVP_EncodeBlock(enc, (const unsigned char *)s + i, (int)take);
        qw_buf_put(b, (const char *)enc, (size_t)el);
        qw_buf_puts(b, "\r\n");
    }
}

int qw_mail_build(const qw_mail_t *m, qw_buf_t *out, char *errbuf, size_t errlen)
{
    if (!qw_mail_addr_ok(m->from)) return qw_err_set(errbuf, errlen, "bad From address");
    if (!qw_mail_addr_ok(m->to)) return qw_err_set(errbuf, errlen, "bad To address");
    /* 998 is RFC 5322's line limit, less "Message-ID: ": a longer (encoded) id is refused. */
    char msgid[998 - 12 + 1], date[64], boundary[96];
    if (qw_mail_message_id(m->decision_id, m->channel, msgid, sizeof(msgid)))
        return qw_err_set(errbuf, errlen, "decision id too long for a Message-ID");
    qw_mail_date(m->date_ms, date, sizeof(date));
    /* The boundary never occurs in base64 bodies (they hold no '=' runs of this shape). */
    snprintf(boundary, sizeof(boundary), "=_qw_alt_%lld", (long long)m->date_ms);
    qw_buf_puts(out, "Date: ");
    qw_buf_puts(out, date);
    qw_buf_puts(out, "\r\nFrom: ");
    qw_buf_puts(out, m->from);
    qw_buf_puts(out, "\r\nTo: ");
    qw_buf_puts(out, m->to);
    qw_buf_puts(out, "\r\nMessage-ID: ");
    qw_buf_puts(out, msgid);
    qw_buf_puts(out, "\r\n");
    put_subject(out, m->subject);
    qw_buf_puts(out, "MIME-Version: 1.0\r\nAuto-Submitted: auto-generated\r\n"
                     "Content-Type: multipart/alternative; boundary=\"");
    qw_buf_puts(out, boundary);
    qw_buf_puts(out, "\"\r\n\r\n--");
    qw_buf_puts(out, boundary);
    qw_buf_puts(out, "\r\nContent-Type: text/plain; charset=UTF-8\r\n"
                     "Content-Transfer-Encoding: base64\r\n\r\n");
    put_base64_body(out, m->text);
    qw_buf_puts(out, "--");
    qw_buf_puts(out, boundary);
    qw_buf_puts(out, "\r\nContent-Type: text/html; charset=UTF-8\r\n"
                     "Content-Transfer-Encoding: base64\r\n\r\n");
    put_base64_body(out, m->html);
    qw_buf_puts(out, "--");
    qw_buf_puts(out, boundary);
    qw_buf_puts(out, "--\r\n");
    if (out->overflow) return qw_err_set(errbuf, errlen, "message exceeds %zu bytes", out->cap);
    qw_buf_str(out);
    return QW_OK;
}
