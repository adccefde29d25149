// The XML answers of S3 and STS, read with pugixml (a real parser; it never
// loads a DTD or expands entities beyond the five predefined ones and
// character references). One function per answer the client reads, each
// returning exactly the fields it uses, so a hostile or broken store can only
// make a call fail, never make it read a field out of place.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace secor::s3 {

// One page of ListObjectsV2 (<ListBucketResult>).
struct ListedObject {
  std::string key;
  int64_t size = 0;
};
struct ListPage {
  std::vector<ListedObject> objects;         // <Contents>, in order
  std::vector<std::string> common_prefixes;  // <CommonPrefixes><Prefix> (with a delimiter)
  bool truncated = false;                    // <IsTruncated>true</IsTruncated>
  std::string next_token;                    // <NextContinuationToken>, "" when absent or empty
};
// Corruption when body is not a ListBucketResult document.
Result<ListPage> ParseListObjectsV2(std::string_view body);

// An S3 error document: <Error><Code>..</Code><Message>..</Message></Error>.
struct ErrorDocument {
  std::string code;  // "" when the document has none
  std::string message;
};
// The error in an answer's body. root_only (for 2xx answers, where
// CompleteMultipartUpload and CopyObject report failures with an <Error>
// document): only a body that starts with an <Error> element counts, even a
// truncated one. Otherwise (error statuses) the first <Error> element
// anywhere in a document that starts with an element. nullopt for no error
// document: empty, not XML, or another document.
std::optional<ErrorDocument> ParseErrorDocument(std::string_view body, bool root_only);

// The UploadId of <InitiateMultipartUploadResult>; Corruption without one.
Result<std::string> ParseInitiateMultipartUpload(std::string_view body);

// What a 200 answer to CompleteMultipartUpload says.
enum class CompleteOutcome {
  kCompleted,  // <CompleteMultipartUploadResult>
  kError,      // <Error> (the store failed the request after answering 200)
  kUnknown,    // empty, truncated or anything else: whether it completed is unknown
};
CompleteOutcome ParseCompleteMultipartUpload(std::string_view body, ErrorDocument* error);

// The <Credentials> of an STS AssumeRole* answer.
struct StsCredentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;
  std::string expiration;  // ISO 8601 as sent
};
// Corruption when body holds no <Credentials> element.
Result<StsCredentials> ParseStsCredentials(std::string_view body);

// s escaped for XML text or attribute values (the Complete request's ETags).
std::string XmlEscape(std::string_view s);

}  // namespace secor::s3
