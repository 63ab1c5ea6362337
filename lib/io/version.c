#include "quotawatch/version.h"

#include "qw_build.h"

const char *qw_version(void)
{
    return QW_VERSION;
}
