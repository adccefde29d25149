#include "config/keys_internal.h"

namespace secor::keys_internal {

using K = KeyType;

static const KeyInfo kOpsKeys[] = {
    {"secor.log.level", "info", K::kString, "trace, debug, info, warn or error"},
    {"secor.log.json", "false", K::kBool, "log JSON lines instead of plain text"},
    {"partitioner.finalizer.delay.seconds", "3600", K::kInt,
     "finalizer: how long after a partition's time it is closed"},
    {"secor.finalizer.lookback.periods", "10", K::kInt,
     "finalizer: how many periods of the finest granularity (minutes, hours or days) to look back"},
    {"secor.enable.qubole", "false", K::kBool,
     "register finalized partitions through the Qubole API"},
    {"secor.qubole.api.token", "", K::kString, "Qubole API token", true},
    {"secor.qubole.timeout.ms", "300000", K::kInt, "Qubole command timeout"},
    {"secor.qubole.api.url", "https://api.qubole.com/api/v1.2/commands", K::kString,
     "Qubole commands endpoint the finalizer posts ALTER TABLE to"},
    {"secor.qubole.poll.interval.ms", "5000", K::kInt,
     "how often the finalizer polls a Qubole command until it is done"},
    {"secor.finalizer.hook.command", "", K::kString,
     "program run before each _SUCCESS with table, partition spec and location (also SECOR_HIVE_* "
     "in its environment); nonzero exit leaves _SUCCESS unwritten"},
    {"secor.finalizer.interval.seconds", "0", K::kInt, "finalizer period; 0 runs once"},
    {"secor.hive.table.name.", "", K::kString,
     "secor.hive.table.name.<topic>: Hive table of a topic", false, false, true},
    {"secor.hive.prefix", "", K::kString, "prefix of Hive table names"},
    {"monitoring.prefix", "secor", K::kString, "metric name prefix"},
    {"monitoring.interval.seconds", "0", K::kInt, "progress monitor period; 0 runs once"},
    {"monitoring.blacklist.topics", "", K::kString,
     "topics the progress monitor skips (comma-separated)"},
    {"tsdb.hostport", "", K::kString, "OpenTSDB host:port"},
    {"statsd.hostport", "", K::kString, "StatsD host:port"},
    {"statsd.prefixWithConsumerGroup", "true", K::kBool, "prefix StatsD metrics with the group"},
    {"statsd.dogstatsd", "false", K::kBool,
     "send StatsD gauges with DogStatsD tags (#topic:..,partition:..) instead of names holding "
     "them"},
    {"ostrich.port", "", K::kInt,
     "original admin port; used as secor.http.port when that is unset"},
    {"secor.http.port", "", K::kInt,
     "port of /metrics, /healthz, /status and the status page; unset or 0 disables"},
    {"secor.http.bind.address", "0.0.0.0", K::kString, "address the status server listens on"},
    {"secor.http.healthz.max.silence.seconds", "60", K::kInt,
     "/healthz fails when the consume loop has not polled for this long"},
    {"secor.log.progress.seconds", "60", K::kInt,
     "how often `secor consume` logs a progress line (messages, bytes, rate, lag, open files); "
     "0 never"},
};

std::span<const KeyInfo> OpsKeys() { return kOpsKeys; }

}  // namespace secor::keys_internal
