#include "config/keys_java.h"

#include <vector>

namespace secor {
namespace {

using S = JavaKeyStatus;

constexpr JavaKeyInfo H(std::string_view name, std::string_view note = "") {
  return {name, S::kHonoured, note, false, false, ""};
}
constexpr JavaKeyInfo M(std::string_view name, std::string_view note) {
  return {name, S::kMapped, note, false, false, ""};
}
constexpr JavaKeyInfo NA(std::string_view name, std::string_view note) {
  return {name, S::kNotApplicable, note, false, false, ""};
}
constexpr JavaKeyInfo U(std::string_view name, std::string_view inert, std::string_view note) {
  return {name, S::kUnsupported, note, false, false, inert};
}
constexpr JavaKeyInfo Family(JavaKeyInfo k) {
  k.is_prefix = true;
  return k;
}
constexpr JavaKeyInfo Array(JavaKeyInfo k) {
  k.array = true;
  return k;
}

constexpr std::string_view kNoZooKeeper = "no ZooKeeper: offsets live in the Kafka consumer group";
constexpr std::string_view kOldConsumer =
    "setting of the old ZooKeeper-based Kafka consumer; the librdkafka group consumer has none";
constexpr std::string_view kGcs =
    "Google Cloud Storage is not supported yet (cloud.service=GS stops start-up)";
constexpr std::string_view kSwift =
    "OpenStack Swift is not supported yet (cloud.service=Swift stops start-up)";
constexpr std::string_view kAzure =
    "Azure Blob Storage is not supported yet (cloud.service=Azure stops start-up)";
constexpr std::string_view kJavaClass = "a Java class of the JVM Kafka client; librdkafka has none";

const JavaKeyInfo kJavaKeys[] = {
    // Consumer and topics.
    H("secor.kafka.group"),
    H("secor.kafka.topic_filter"),
    H("secor.kafka.topic_blacklist", "honoured also by the new consumer (the original ignored it)"),
    H("secor.generation"),
    NA("secor.consumer.threads",
       "one consuming thread per process; run one process per core instead"),
    H("secor.messages.per.second"),
    H("secor.offsets.per.partition"),
    H("secor.offsets.prefix"),
    H("secor.local.path"),
    NA("secor.local.log.delete.age.hours",
       "each process clears its own staging directory at start-up"),
    NA("secor.topic_partition.forget.seconds", "the status page tracks assigned partitions only"),
    NA("secor.kafka.perf_topic_prefix", "used only by the original's performance test"),
    NA("secor.max.message.size.bytes",
       "librdkafka fetches every message whatever its size (fetch.message.max.bytes bounds one "
       "request)"),
    H("secor.consumer.max_bad_messages"),
    H("secor.message.parser.class"),
    H("secor.message.transformer.class"),
    NA("secor.upload.class", "the round protocol is the only uploader"),
    M("secor.upload.manager.class",
      "S3UploadManager and HadoopS3UploadManager select S3; GsUploadManager, AzureUploadManager "
      "and SwiftUploadManager stop start-up (not supported yet)"),
    NA("secor.monitoring.metrics.collector.class",
       "metrics are served at /metrics (Prometheus) and sent to StatsD by secor progress"),
    Family(NA("secor.monitoring.metrics.collector.micrometer.",
              "metrics are served at /metrics (Prometheus) and sent to StatsD by secor progress")),

    // Upload policy.
    H("secor.max.file.size.bytes"),
    H("secor.max.file.age.seconds"),
    H("secor.file.age.youngest"),
    H("secor.max.file.count"),
    H("secor.upload.on.shutdown"),
    H("secor.upload.minute_mark"),
    H("secor.kafka.upload_at_minute_mark.topic_filter"),
    NA("secor.upload.deterministic", "every upload is deterministic here (the round protocol)"),
    NA("secor.max.file.timestamp.range.millis", "used only by the deterministic mode"),
    NA("secor.max.input.payload.size.bytes",
       "used only by the deterministic mode; secor.max.file.size.bytes bounds files"),
    NA("secor.upload.last.seen.offset", "the round protocol records what each upload holds"),
    NA("secor.upload.secor.upload.last.seen.offset",
       "the round protocol records what each upload holds"),

    // Kafka, old consumer and client class names.
    M("kafka.seed.broker.host",
      "with kafka.seed.broker.port the bootstrap server, unless "
      "kafka.bootstrap.servers is set"),
    H("kafka.seed.broker.port"),
    H("kafka.useTimestamp"),
    NA("kafka.consumer.timeout.ms",
       "the consume loop polls in short steps and checks the upload policy between them"),
    M("kafka.consumer.auto.offset.reset",
      "auto.offset.reset when kafka.new.consumer.auto.offset.reset is unset; smallest/largest "
      "become earliest/latest"),
    H("kafka.zookeeper.path", "the ZooKeeper chroot secor import-offsets reads offsets under"),
    Array(H("zookeeper.quorum", "read by secor import-offsets only")),
    NA("zookeeper.session.timeout.ms", kNoZooKeeper),
    NA("zookeeper.sync.time.ms", kNoZooKeeper),
    NA("secor.zookeeper.path", kNoZooKeeper),
    NA("kafka.dual.commit.enabled", kNoZooKeeper),
    NA("kafka.offsets.storage", kNoZooKeeper),
    NA("kafka.partition.assignment.strategy",
       "the consumer always uses cooperative-sticky assignment"),
    NA("kafka.rebalance.max.retries", kOldConsumer),
    NA("kafka.rebalance.backoff.ms", kOldConsumer),
    M("kafka.socket.receive.buffer.bytes", "librdkafka socket.receive.buffer.bytes"),
    M("kafka.fetch.message.max.bytes", "librdkafka fetch.message.max.bytes"),
    M("kafka.fetch.min.bytes", "librdkafka fetch.min.bytes"),
    M("kafka.fetch.max.bytes", "librdkafka fetch.max.bytes"),
    M("kafka.fetch.wait.max.ms", "librdkafka fetch.wait.max.ms"),
    NA("kafka.client.className", "the Kafka client is always librdkafka"),
    NA("kafka.message.timestamp.className",
       "the record timestamp comes from librdkafka (kafka.useTimestamp)"),
    NA("kafka.message.iterator.className", "the Kafka client is always librdkafka"),

    // Kafka client settings of the Java consumer (kafka.new.consumer.*).
    M("kafka.new.consumer.auto.offset.reset", "librdkafka auto.offset.reset"),
    Array(M("kafka.new.consumer.topic.list",
            "exact topic names to consume instead of secor.kafka.topic_filter (the blacklist "
            "still applies)")),
    NA("kafka.new.consumer.poll.timeout.seconds",
       "the consume loop polls in short steps and checks the upload policy between them"),
    M("kafka.new.consumer.request.timeout.ms", "librdkafka socket.timeout.ms"),
    M("kafka.new.consumer.ssl.key.password", "librdkafka ssl.key.password"),
    M("kafka.new.consumer.ssl.keystore.location",
      "PEM: librdkafka ssl.certificate.location and ssl.key.location; PKCS12: "
      "ssl.keystore.location; JKS stops start-up with how to convert it"),
    M("kafka.new.consumer.ssl.keystore.password",
      "librdkafka ssl.keystore.password (PKCS12 key stores)"),
    M("kafka.new.consumer.ssl.keystore.type",
      "how the key store is read (PEM or PKCS12; JKS must be converted); default: from the file"),
    M("kafka.new.consumer.ssl.truststore.location",
      "PEM: librdkafka ssl.ca.location; JKS and PKCS12 stop start-up with how to convert them"),
    NA("kafka.new.consumer.ssl.truststore.password", "a PEM trust store has no password"),
    M("kafka.new.consumer.ssl.truststore.type",
      "how the trust store is read (PEM only); default: from the file"),
    M("kafka.new.consumer.isolation.level", "librdkafka isolation.level"),
    M("kafka.new.consumer.max.poll.interval.ms", "librdkafka max.poll.interval.ms"),
    NA("kafka.new.consumer.max.poll.records",
       "librdkafka hands over one message per poll from its own prefetch queue"),
    NA("kafka.new.consumer.sasl.client.callback.handler.class", kJavaClass),
    M("kafka.new.consumer.sasl.jaas.config",
      "PlainLoginModule/ScramLoginModule: librdkafka sasl.username and sasl.password; "
      "Krb5LoginModule: sasl.kerberos.keytab and sasl.kerberos.principal"),
    M("kafka.new.consumer.sasl.kerberos.service.name", "librdkafka sasl.kerberos.service.name"),
    NA("kafka.new.consumer.sasl.login.callback.handler.class", kJavaClass),
    NA("kafka.new.consumer.sasl.login.class", kJavaClass),
    M("kafka.new.consumer.sasl.mechanism",
      "librdkafka sasl.mechanisms (PLAIN, SCRAM-SHA-256, "
      "SCRAM-SHA-512, GSSAPI, OAUTHBEARER)"),
    M("kafka.new.consumer.security.protocol", "librdkafka security.protocol"),
    NA("kafka.new.consumer.ssl.enabled.protocols",
       "OpenSSL negotiates the highest TLS version both sides support"),
    NA("kafka.new.consumer.ssl.protocol",
       "OpenSSL negotiates the highest TLS version both sides support"),
    NA("kafka.new.consumer.ssl.provider", "TLS is OpenSSL's; there is no JSSE provider"),
    NA("kafka.new.consumer.partition.assignment.strategy.class",
       "the consumer always uses cooperative-sticky assignment"),
    // Java consumer settings users add beside the shipped ones.
    NA("kafka.new.consumer.key.deserializer", "messages are read as bytes"),
    NA("kafka.new.consumer.value.deserializer", "messages are read as bytes"),
    NA("kafka.new.consumer.enable.auto.commit",
       "offsets are committed by the round protocol, only after upload"),
    NA("kafka.new.consumer.auto.commit.interval.ms",
       "offsets are committed by the round protocol, only after upload"),
    NA("kafka.new.consumer.default.api.timeout.ms", "librdkafka has no such setting"),
    NA("kafka.new.consumer.exclude.internal.topics", "internal topics (__*) are never consumed"),
    NA("kafka.new.consumer.ssl.keymanager.algorithm", "TLS is OpenSSL's; there is no JSSE"),
    NA("kafka.new.consumer.ssl.trustmanager.algorithm", "TLS is OpenSSL's; there is no JSSE"),
    NA("kafka.new.consumer.ssl.secure.random.implementation", "TLS is OpenSSL's; there is no JSSE"),
    NA("kafka.new.consumer.interceptor.classes", kJavaClass),
    NA("kafka.new.consumer.metric.reporters", kJavaClass),
    M("kafka.new.consumer.fetch.max.wait.ms", "librdkafka fetch.wait.max.ms"),
    M("kafka.new.consumer.receive.buffer.bytes", "librdkafka socket.receive.buffer.bytes"),
    M("kafka.new.consumer.send.buffer.bytes", "librdkafka socket.send.buffer.bytes"),
    M("kafka.new.consumer.ssl.truststore.certificates", "librdkafka ssl.ca.pem"),
    M("kafka.new.consumer.ssl.keystore.certificate.chain", "librdkafka ssl.certificate.pem"),
    M("kafka.new.consumer.ssl.keystore.key", "librdkafka ssl.key.pem"),
    Family(M("kafka.new.consumer.",
             "any other kafka.new.consumer.X is passed to librdkafka as X (session.timeout.ms, "
             "heartbeat.interval.ms, fetch.min.bytes, fetch.max.bytes, client.id, ...)")),

    // Object stores.
    M("cloud.service",
      "S3 (and Local with secor.output.uri); GS, Swift and Azure stop start-up "
      "(not supported yet)"),
    H("secor.s3.bucket"),
    H("secor.s3.path"),
    H("secor.s3.prefix.md5hash"),
    NA("secor.s3.filesystem", "S3 is written directly, not through a Hadoop file system"),
    U("secor.s3.alter.path.date", "",
      "switching to an alternative path after a date is not supported yet"),
    U("secor.s3.alternative.path", "",
      "switching to an alternative path after a date is not supported yet"),
    H("aws.access.key"),
    H("aws.secret.key"),
    H("aws.session.token"),
    H("aws.region"),
    H("aws.endpoint"),
    H("aws.client.pathstyleaccess"),
    H("aws.sse.type"),
    H("aws.sse.kms.key"),
    H("aws.sse.customer.key"),
    U("aws.role", "",
      "assuming a role is not supported yet; use web identity (AWS_ROLE_ARN with "
      "AWS_WEB_IDENTITY_TOKEN_FILE), an instance profile or container credentials"),
    U("aws.proxy.isEnabled", "false", "an HTTP proxy for S3 is not supported yet"),
    NA("aws.proxy.http.host", "an HTTP proxy for S3 is not supported yet (aws.proxy.isEnabled)"),
    NA("aws.proxy.http.port", "an HTTP proxy for S3 is not supported yet (aws.proxy.isEnabled)"),
    Family(NA("swift.", kSwift)),
    Family(NA("secor.swift.", kSwift)),
    Family(NA("secor.gs.", kGcs)),
    Family(NA("secor.azure.", kAzure)),

    // Formats.
    H("secor.file.reader.writer.factory"),
    H("secor.compression.codec"),
    H("secor.file.extension"),
    M("secor.file.writer.Delimiter", "secor.text.delimiter when that is unset"),
    M("secor.file.reader.Delimiter",
      "secor.text.delimiter when that and secor.file.writer.Delimiter are unset"),
    H("parquet.block.size"),
    H("parquet.page.size"),
    H("parquet.enable.dictionary"),
    NA("parquet.validation", "every value is checked against its column when it is written"),
    Family(NA("secor.orc.message.schema.",
              "ORC output is not supported yet (the ORC factory class stops start-up)")),
    NA("secor.orc.schema.provider",
       "ORC output is not supported yet (the ORC factory class stops start-up)"),
    Family(NA("secor.thrift.message.class.",
              "Parquet from Thrift payloads is not supported yet; the Thrift parser needs only "
              "message.timestamp.id and .type")),
    Family(H("secor.avro.message.schema.")),
    Family(H("secor.protobuf.message.class.")),
    H("secor.thrift.protocol.class"),
    NA("secor.topic.message.format",
       "the payload encoding is secor.payload.encoding (docs/parquet.md)"),

    // Parsers and partitions.
    H("message.timestamp.name"),
    H("message.timestamp.name.separator"),
    H("message.timestamp.id"),
    H("message.timestamp.type"),
    H("message.timestamp.input.pattern"),
    H("message.timestamp.required"),
    NA("message.timestamp.skew.max.ms",
       "messages far from the current time are written where their timestamp says"),
    H("message.split.field.name"),
    H("secor.parser.timezone"),
    H("schema.registry.url"),
    H("partitioner.granularity.hour"),
    H("partitioner.granularity.minute"),
    H("partitioner.granularity.date.prefix"),
    H("partitioner.granularity.hour.prefix"),
    H("partitioner.granularity.minute.prefix"),
    H("partitioner.granularity.date.format"),
    H("partitioner.granularity.hour.format"),
    H("partitioner.granularity.minute.format"),
    H("partitioner.finalizer.delay.seconds"),
    H("secor.finalizer.lookback.periods"),

    // Hive, Qubole, monitoring.
    H("secor.enable.qubole"),
    H("secor.qubole.timeout.ms"),
    M("qubole.api.token", "secor.qubole.api.token when that is unset (the code read this name)"),
    H("secor.hive.prefix"),
    M("hive.table.prefix", "secor.hive.prefix when that is unset (the shipped file's name)"),
    Family(H("secor.hive.table.name.")),
    Family(M("hive.table.name.",
             "secor.hive.table.name.<topic> when that is unset (the shipped file's name)")),
    H("tsdb.hostport"),
    Array(M("monitoring.blacklist.topics",
            "comma-separated topic names here (the original matched a regular expression)")),
    H("monitoring.prefix"),
    H("monitoring.interval.seconds"),
    H("statsd.hostport"),
    H("statsd.prefixWithConsumerGroup"),
    M("statsd.dogstatsd.tags.enabled", "statsd.dogstatsd when that is unset"),
    Array(NA("statsd.dogstatsd.constant.tags", "constant DogStatsD tags are not sent yet")),
    M("ostrich.port", "secor.http.port when that is unset: /metrics, /healthz and /status"),

    // Logging of the JVM (log4j.*.properties, given with -Dlog4j.configuration).
    Family(NA("log4j.", "logging is set with secor.log.level and secor.log.json")),
};

}  // namespace

std::span<const JavaKeyInfo> JavaKeys() { return kJavaKeys; }

const JavaKeyInfo* FindJavaKey(std::string_view key) {
  const JavaKeyInfo* family = nullptr;
  for (const JavaKeyInfo& k : kJavaKeys) {
    if (!k.is_prefix && k.name == key) return &k;
    if (k.is_prefix && key.starts_with(k.name) &&
        (!family || k.name.size() > family->name.size())) {
      family = &k;
    }
  }
  return family;
}

std::string_view JavaKeyStatusName(JavaKeyStatus status) {
  switch (status) {
    case JavaKeyStatus::kHonoured:
      return "honoured";
    case JavaKeyStatus::kMapped:
      return "mapped";
    case JavaKeyStatus::kNotApplicable:
      return "not applicable";
    case JavaKeyStatus::kUnsupported:
      return "refused when set";
  }
  return "";
}

}  // namespace secor
