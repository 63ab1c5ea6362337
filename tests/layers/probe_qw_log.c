/* Must NOT compile in a pure target: quotawatch's own I/O headers refuse it. */
#include "quotawatch/log.h"
int probe(void);
int probe(void)
{
    return 0;
}
