/* Must NOT compile in a pure target: hiredis is I/O. */
#include <hiredis/hiredis.h>
int probe(void);
int probe(void)
{
    return REDIS_OK;
}
