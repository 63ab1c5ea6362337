/* Force-included into every pure target (lib/base, lib/wire and the services' cores): the build
 * itself keeps I/O out of them. Including a Kafka, Redis, HTTP-client or HTTP-server header, or
 * one of quotawatch's own I/O headers, fails to compile (docs/architecture.md, "Layers"). */
#ifndef QW_PURE_H
#define QW_PURE_H
#define QW_PURE 1
#pragma GCC poison rd_kafka_new rd_kafka_conf_new rd_kafka_produce rd_kafka_consumer_poll
#pragma GCC poison redisConnect redisConnectWithOptions redisCommand redisAppendCommand
#pragma GCC poison curl_easy_init curl_multi_init
#pragma GCC poison MHD_start_daemon
#endif
