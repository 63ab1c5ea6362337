/* Must NOT compile in a pure target: libmicrohttpd is I/O. */
#include <stdarg.h>
#include <stdint.h>
#include <sys/socket.h>
#include <microhttpd.h>
int probe(void);
int probe(void)
{
    return MHD_YES;
}
