/* The control: what pure code may use compiles with the pure flags. */
#include "quotawatch/money.h"
#include "quotawatch/policy.h"
#include "quotawatch/source.h"
#include "quotawatch/strmap.h"
int probe(void);
int probe(void)
{
    return QW_SRC_COUNT;
}
