#include "config/keys_internal.h"

namespace secor::keys_internal {

using K = KeyType;

static const KeyInfo kCoreKeys[] = {
    // Kafka connection and client pass-through.
    {"kafka.bootstrap.servers", "", K::kString,
     "Kafka bootstrap servers, host:port,... (wins over the seed broker keys)"},
    {"kafka.seed.broker.host", "", K::kString, "Kafka bootstrap host (original key)"},
    {"kafka.seed.broker.port", "9092", K::kInt, "Kafka bootstrap port (original key)"},
    {"kafka.new.consumer.", "", K::kString,
     "passed to the Kafka client without the prefix (SSL, SASL, timeouts)", false, false, true},
    {"kafka.fetch.", "", K::kString, "kafka.fetch.X is passed to the Kafka client as fetch.X",
     false, false, true},
    {"kafka.client.", "", K::kString,
     "kafka.client.X is passed to the Kafka client as X (any librdkafka setting)", false, false,
     true},
    {"kafka.useTimestamp", "false", K::kBool, "use the Kafka record timestamp as the message time",
     false, true},
    {"kafka.consumer.timeout.ms", "", K::kInt,
     "accepted for compatibility; unused by the librdkafka consumer"},
    {"kafka.zookeeper.path", "", K::kString,
     "ZooKeeper chroot of the original's offsets; used only by import-offsets"},
    {"zookeeper.quorum", "", K::kString,
     "ZooKeeper of the original Secor; used only by import-offsets"},
    {"kafka.dual.commit.enabled", "", K::kString, "accepted for compatibility; unused"},
    {"kafka.offsets.storage", "", K::kString, "accepted for compatibility; unused"},
    {"kafka.partition.assignment.strategy", "", K::kString,
     "accepted for compatibility; the consumer always uses cooperative-sticky"},
    {"kafka.rebalance.max.retries", "", K::kString, "accepted for compatibility; unused"},
    {"kafka.rebalance.backoff.ms", "", K::kString, "accepted for compatibility; unused"},
    {"kafka.socket.receive.buffer.bytes", "", K::kInt,
     "passed to the Kafka client as socket.receive.buffer.bytes"},
    {"kafka.message.timestamp.className", "", K::kString, "accepted for compatibility; unused"},
    {"kafka.message.iterator.className", "", K::kString, "accepted for compatibility; unused"},
    {"kafka.consumer.auto.offset.reset", "", K::kString,
     "old name of kafka.new.consumer.auto.offset.reset"},

    // Consumer.
    {"secor.kafka.group", "", K::kString,
     "consumer group; the backup and partition groups must differ"},
    {"secor.kafka.topic_filter", ".*", K::kString, "regular expression of topics to consume"},
    {"secor.kafka.topic_blacklist", "", K::kString,
     "regular expression of topics never consumed (wins over the filter)"},
    {"secor.generation", "1", K::kInt, "output generation, the first part of every file name"},
    {"secor.consumer.threads", "7", K::kInt,
     "accepted for compatibility; scale out with one process per core instead"},
    {"secor.messages.per.second", "10000", K::kInt, "rate limit per process; 0 for none"},
    {"secor.offsets.per.partition", "10000000", K::kInt,
     "backup group: offsets per directory bucket"},
    {"secor.offsets.prefix", "offset=", K::kString, "backup group: directory bucket prefix", false,
     false, false, true},
    {"secor.local.path", "", K::kString, "local staging directory (cleared at start-up)"},
    {"secor.max.message.size.bytes", "100000", K::kInt,
     "accepted for compatibility; not enforced yet (every message is fetched whatever its size)"},
    {"secor.consumer.max_bad_messages", "1000", K::kInt,
     "decayed count of unparseable messages that stops the consumer"},
    {"secor.delivery", "exactly-once", K::kString,
     "exactly-once (round protocol, needs a create-only store) or at-least-once"},
    {"secor.round.state.path", "_secor_rounds", K::kString,
     "where round markers live, relative to the output root"},
    {"secor.writer.id", "", K::kString,
     "name of this process in round markers and the status page, in place of the host name "
     "(the writer id is name:pid:start:random)"},

    // Upload policy.
    {"secor.max.file.size.bytes", "200000000", K::kInt,
     "upload when a source partition's local files reach this size", false, true},
    {"secor.max.file.age.seconds", "3600", K::kInt, "upload when files are this old", false, true},
    {"secor.file.age.youngest", "true", K::kBool,
     "measure age on the youngest (true) or oldest file"},
    {"secor.max.file.count", "-1", K::kInt,
     "upload everything when more local files are open; -1 for no limit"},
    {"secor.upload.on.shutdown", "false", K::kBool,
     "upload open files on SIGTERM instead of leaving them to the next owner"},
    {"secor.shutdown.timeout.seconds", "60", K::kInt,
     "on SIGTERM, how long to wait for rounds still being uploaded or committed (a store or "
     "Kafka that is down); after that they are left to the next owner, as after a crash, and "
     "the process leaves within a few seconds"},
    {"secor.upload.minute_mark", "0", K::kInt, "upload at this minute of every hour (0 disables)"},
    {"secor.kafka.upload_at_minute_mark.topic_filter", "", K::kString,
     "topics that upload at the minute mark"},
    {"secor.upload.deterministic", "false", K::kBool,
     "accepted for compatibility; every upload is deterministic here"},
    {"secor.max.input.payload.size.bytes", "0", K::kInt,
     "accepted for compatibility; use secor.max.file.size.bytes"},
    {"secor.max.file.timestamp.range.millis", "0", K::kInt, "accepted for compatibility; unused"},
    {"secor.upload.threads", "4", K::kInt, "parallel uploads per process (1 to 1024)"},
    {"secor.upload.retry.max.backoff.ms", "30000", K::kInt,
     "cap of the exponential backoff between upload retries"},
    {"secor.upload.manager.class", "", K::kClass,
     "accepted for compatibility; the store follows cloud.service / secor.output.uri "
     "(GsUploadManager, AzureUploadManager and SwiftUploadManager stop start-up: not supported "
     "yet)"},
};

std::span<const KeyInfo> CoreKeys() { return kCoreKeys; }

}  // namespace secor::keys_internal
