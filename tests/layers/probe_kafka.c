/* Must NOT compile in a pure target: librdkafka is I/O. */
#include <librdkafka/rdkafka.h>
int probe(void);
int probe(void)
{
    return rd_kafka_version();
}
