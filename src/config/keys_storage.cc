#include "config/keys_internal.h"

namespace secor::keys_internal {

using K = KeyType;

static const KeyInfo kStorageKeys[] = {
    {"secor.output.uri", "", K::kString, "output root: /path, file:///path or s3://bucket/path (wins over cloud.service)"},
    {"cloud.service", "S3", K::kString, "S3 or Local; with S3 the root is s3://secor.s3.bucket/secor.s3.path"},
    {"secor.s3.bucket", "", K::kString, "S3 bucket"},
    {"secor.s3.path", "", K::kString, "key prefix inside the bucket"},
    {"secor.s3.prefix.md5hash", "false", K::kBool, "put an MD5-derived prefix before each key to spread S3 load"},
    {"aws.access.key", "", K::kString, "S3 access key id"},
    {"aws.secret.key", "", K::kString, "S3 secret access key", true},
    {"aws.session.token", "", K::kString, "S3 session token", true},
    {"aws.region", "us-east-1", K::kString, "S3 region"},
    {"aws.endpoint", "", K::kString, "S3 endpoint URL (MinIO, Ceph, R2, GCS)"},
    {"aws.client.pathstyleaccess", "false", K::kBool, "path-style addressing instead of virtual-host"},
    {"aws.sse.type", "", K::kString, "server-side encryption: S3, KMS or customer"},
    {"aws.sse.kms.key", "", K::kString, "KMS key id for aws.sse.type=KMS"},
    {"aws.sse.customer.key", "", K::kString, "base64 key for aws.sse.type=customer", true},
};

std::span<const KeyInfo> StorageKeys() { return kStorageKeys; }

}  // namespace secor::keys_internal
