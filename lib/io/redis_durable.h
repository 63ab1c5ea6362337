/* Private to lib/io: the durability check qw_redis_connect runs on each new connection. */
#ifndef QW_REDIS_DURABLE_H
#define QW_REDIS_DURABLE_H

#include <hiredis/hiredis.h>
#include <stddef.h>

/* The value of "key:value" in an INFO reply, into out. QW_OK, or QW_ERR when the key is absent
 * or the value does not fit. */
int qw_redis_info_value(const char *info, size_t len, const char *key, char *out, size_t outlen);

/* Is the server behind c safe for state that cannot be re-derived: no eviction and some
 * persistence? QW_OK; QW_ERR when a command got no reply (the connection failed); 1 when the
 * server's configuration is refused, with the reason and the fix in errbuf. */
int qw_redis_durable_check(redisContext *c, const char *where, char *errbuf, size_t errlen);

#endif
