#include "config/keys_internal.h"

namespace secor::keys_internal {

using K = KeyType;

static const KeyInfo kStorageKeys[] = {
    {"secor.output.uri", "", K::kString,
     "output root: /path, file:///path or s3://bucket/path (wins over cloud.service)"},
    {"cloud.service", "S3", K::kString,
     "S3 or Local; with S3 the root is s3://secor.s3.bucket/secor.s3.path (GS, Swift and Azure "
     "stop start-up: not supported yet)"},
    {"secor.s3.bucket", "", K::kString, "S3 bucket"},
    {"secor.s3.path", "", K::kString, "key prefix inside the bucket"},
    {"secor.s3.prefix.md5hash", "false", K::kBool,
     "put an MD5-derived prefix before each key to spread S3 load"},
    {"aws.access.key", "", K::kString, "S3 access key id"},
    {"aws.secret.key", "", K::kString, "S3 secret access key", true},
    {"aws.session.token", "", K::kString, "S3 session token", true},
    {"aws.region", "us-east-1", K::kString, "S3 region"},
    {"aws.endpoint", "", K::kString, "S3 endpoint URL (MinIO, Ceph, R2, GCS)"},
    {"aws.ca.bundle", "", K::kString,
     "PEM file of the CA certificates S3 and STS over HTTPS are checked against, instead of the "
     "system store; empty: AWS_CA_BUNDLE, else the system store"},
    {"aws.verify.ssl", "true", K::kBool,
     "false: accept any certificate for any host on HTTPS to S3 and STS (warns at every start)"},
    {"aws.client.pathstyleaccess", "false", K::kBool,
     "path-style addressing instead of virtual-host"},
    {"aws.sse.type", "", K::kString, "server-side encryption: S3, KMS or customer"},
    {"aws.sse.kms.key", "", K::kString, "KMS key id for aws.sse.type=KMS"},
    {"aws.sse.customer.key", "", K::kString, "base64 key for aws.sse.type=customer", true},
    {"aws.storage.class", "", K::kString,
     "S3 storage class of new objects (STANDARD, STANDARD_IA, GLACIER_IR, ...); empty: the "
     "bucket's default"},
    {"aws.canned.acl", "", K::kString,
     "canned ACL of new objects (private, bucket-owner-full-control, ...); empty: none sent"},
    {"aws.sts.endpoint", "", K::kString,
     "STS endpoint for web identity credentials; empty: https://sts.<aws.region>.amazonaws.com"},
    {"aws.imds.endpoint", "", K::kString,
     "EC2 instance metadata endpoint; empty: AWS_EC2_METADATA_SERVICE_ENDPOINT, else "
     "http://169.254.169.254"},
    {"aws.container.credentials.endpoint", "", K::kString,
     "base of AWS_CONTAINER_CREDENTIALS_RELATIVE_URI; empty: http://169.254.170.2"},
    {"secor.s3.multipart.threshold.bytes", "67108864", K::kInt,
     "files at least this large go up as multipart uploads"},
    {"secor.s3.multipart.part.bytes", "16777216", K::kInt,
     "multipart part size (S3: at least 5 MiB, at most 10000 parts)"},
    {"secor.s3.upload.parallelism", "4", K::kInt,
     "parts of one multipart upload sent at once (each holds no more than a read buffer)"},
    {"secor.s3.max.attempts", "8", K::kInt,
     "tries per S3 request on 5xx, throttling, timeouts and resets (capped exponential backoff, "
     "full jitter)"},
    {"secor.s3.retry.base.ms", "100", K::kInt,
     "first S3 retry waits up to this long; each retry doubles it"},
    {"secor.s3.retry.max.ms", "20000", K::kInt, "cap of one S3 retry wait"},
    {"secor.s3.request.timeout.ms", "60000", K::kInt,
     "S3 request limit: whole request for small ones, no-progress time for transfers"},
    {"secor.s3.list.page.size", "1000", K::kInt, "keys per ListObjectsV2 page (max-keys)"},
};

std::span<const KeyInfo> StorageKeys() { return kStorageKeys; }

}  // namespace secor::keys_internal
