/* Must NOT compile in a pure target: the Kafka half of the dead-letter scheme is I/O. */
#include "quotawatch/dlq_kafka.h"
int probe(void);
int probe(void)
{
    return 0;
}
