#include "storage/s3/xml.h"

#include <gtest/gtest.h>

namespace secor::s3 {
namespace {

TEST(Xml, ReadsElementsAndEntities) {
  std::string doc =
      "<?xml version=\"1.0\"?><ListBucketResult xmlns=\"x\"><IsTruncated>true</IsTruncated>"
      "<Contents><Key>a&amp;b&#x1;&#233;</Key><Size>3</Size></Contents>"
      "<Contents><Key>c</Key><Size>4</Size></Contents><KeyCount>2</KeyCount>"
      "<NextContinuationToken/></ListBucketResult>";
  auto page = ParseListObjectsV2(doc);
  ASSERT_TRUE(page.ok()) << page.status().ToString();
  const auto& contents = page->objects;
  ASSERT_EQ(contents.size(), 2u);
  EXPECT_EQ(contents[0].key, "a&b\x01\xC3\xA9");
  EXPECT_EQ(contents[1].size, 4);
  // <Key> must not match <KeyCount>: two keys, c the second.
  EXPECT_EQ(contents[1].key, "c");
  EXPECT_TRUE(page->truncated);
  EXPECT_EQ(page->next_token, "");
  EXPECT_FALSE(ParseErrorDocument(doc, /*root_only=*/false).has_value());
  EXPECT_EQ(XmlEscape("<a&'\">"), "&lt;a&amp;&apos;&quot;&gt;");
}

TEST(XmlTest, RootIsFindsOnlyTheDocumentElement) {
  // CompleteMultipartUpload can answer 200 with an error document.
  auto error = ParseErrorDocument(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>X</Code></Error>", true);
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->code, "X");
  EXPECT_TRUE(ParseErrorDocument("  <Error>", true).has_value());
  EXPECT_FALSE(ParseErrorDocument(
                   "<CompleteMultipartUploadResult><Error/></CompleteMultipartUploadResult>", true)
                   .has_value());
  EXPECT_FALSE(ParseErrorDocument("<Errors>", true).has_value());
  EXPECT_FALSE(ParseErrorDocument("user data with <Error> inside", true).has_value());
  EXPECT_FALSE(ParseErrorDocument("", true).has_value());
}

TEST(XmlTest, ListPagesWithPrefixesAndTokens) {
  auto page = ParseListObjectsV2(
      "<ListBucketResult><Name>b</Name><Prefix>p/</Prefix><IsTruncated>true</IsTruncated>"
      "<NextContinuationToken>1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=</NextContinuationToken>"
      "<Contents><Key>p/a<!-- c -->b</Key><Size>12</Size><Owner><ID>x</ID></Owner></Contents>"
      "<CommonPrefixes><Prefix>p/d1/</Prefix></CommonPrefixes>"
      "<CommonPrefixes><Prefix><![CDATA[p/<d2>/]]></Prefix></CommonPrefixes>"
      "</ListBucketResult>");
  ASSERT_TRUE(page.ok()) << page.status().ToString();
  ASSERT_EQ(page->objects.size(), 1u);
  EXPECT_EQ(page->objects[0].key, "p/ab");
  EXPECT_EQ(page->objects[0].size, 12);
  EXPECT_EQ(page->common_prefixes, (std::vector<std::string>{"p/d1/", "p/<d2>/"}));
  EXPECT_TRUE(page->truncated);
  EXPECT_EQ(page->next_token, "1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=");

  // A page cut short, another document or no XML at all is an error, not
  // an empty listing.
  EXPECT_FALSE(ParseListObjectsV2("<ListBucketResult><Contents><Key>a</Key>").ok());
  EXPECT_FALSE(ParseListObjectsV2("<Error><Code>X</Code></Error>").ok());
  EXPECT_FALSE(ParseListObjectsV2("").ok());
  EXPECT_FALSE(ParseListObjectsV2("junk <ListBucketResult/>").ok());
  // A size that is not a number reads as 0; a stray <Key> outside
  // <Contents> is no object.
  page = ParseListObjectsV2(
      "<ListBucketResult><Key>x</Key><Contents><Key>k</Key><Size>1e9</Size></Contents>"
      "</ListBucketResult>");
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->objects.size(), 1u);
  EXPECT_EQ(page->objects[0].size, 0);
  EXPECT_FALSE(page->truncated);
}

TEST(XmlTest, EntitiesOfADoctypeAreNotExpanded) {
  // No DTD is read: a "billion laughs" stays a few bytes of text.
  auto page = ParseListObjectsV2(
      "<!DOCTYPE l [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;\">"
      "<!ENTITY ext SYSTEM \"file:///etc/passwd\">]>"
      "<ListBucketResult><Contents><Key>&b;&ext;</Key></Contents></ListBucketResult>");
  ASSERT_TRUE(page.ok()) << page.status().ToString();
  ASSERT_EQ(page->objects.size(), 1u);
  EXPECT_EQ(page->objects[0].key, "&b;&ext;");
}

TEST(XmlTest, ErrorDocuments) {
  auto e = ParseErrorDocument(
      "<Error><Code>NoSuchKey</Code><Message>The key &lt;k&gt; does not exist</Message>"
      "<Key>k</Key><RequestId>r</RequestId></Error>",
      false);
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->code, "NoSuchKey");
  EXPECT_EQ(e->message, "The key <k> does not exist");
  // Error statuses: an <Error> anywhere (STS wraps it in <ErrorResponse>).
  e = ParseErrorDocument(
      "<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code></Error></ErrorResponse>",
      false);
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->code, "AccessDenied");
  EXPECT_FALSE(ParseErrorDocument("<html><body>502 Bad Gateway</body></html>", false).has_value());
  EXPECT_FALSE(ParseErrorDocument("Service Unavailable", false).has_value());
  e = ParseErrorDocument("<Error/>", false);
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->code, "");
}

TEST(XmlTest, MultipartInitiateAndComplete) {
  auto id = ParseInitiateMultipartUpload(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<InitiateMultipartUploadResult xmlns=\"s3\">"
      "<Bucket>b</Bucket><Key>k</Key><UploadId>2~a&amp;b</UploadId>"
      "</InitiateMultipartUploadResult>");
  ASSERT_TRUE(id.ok()) << id.status().ToString();
  EXPECT_EQ(*id, "2~a&b");
  EXPECT_FALSE(ParseInitiateMultipartUpload("<InitiateMultipartUploadResult/>").ok());
  EXPECT_FALSE(ParseInitiateMultipartUpload("<Error><UploadId>x</UploadId></Error>").ok());
  EXPECT_FALSE(ParseInitiateMultipartUpload("<InitiateMultipartUploadResult><UploadId>x").ok());

  ErrorDocument error;
  EXPECT_EQ(ParseCompleteMultipartUpload(
                "<CompleteMultipartUploadResult><Location>l</Location><ETag>&quot;e-2&quot;</ETag>"
                "</CompleteMultipartUploadResult>",
                &error),
            CompleteOutcome::kCompleted);
  EXPECT_EQ(ParseCompleteMultipartUpload("<CompleteMultipartUploadResult/>", &error),
            CompleteOutcome::kCompleted);
  // The 200 that carries an error (sent as whitespace kept the connection open).
  EXPECT_EQ(ParseCompleteMultipartUpload(
                "<?xml version=\"1.0\"?>\n\n   <Error><Code>PreconditionFailed</Code>"
                "<Message>m</Message></Error>",
                &error),
            CompleteOutcome::kError);
  EXPECT_EQ(error.code, "PreconditionFailed");
  EXPECT_EQ(error.message, "m");
  EXPECT_EQ(ParseCompleteMultipartUpload("", &error), CompleteOutcome::kUnknown);
  EXPECT_EQ(ParseCompleteMultipartUpload("<CompleteMultipartUploadResult><Loc", &error),
            CompleteOutcome::kUnknown);
}

TEST(XmlTest, StsCredentials) {
  auto c = ParseStsCredentials(
      "<AssumeRoleWithWebIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">"
      "<AssumeRoleWithWebIdentityResult><SubjectFromWebIdentityToken>s"
      "</SubjectFromWebIdentityToken><Credentials><SessionToken>t&amp;1</SessionToken>"
      "<SecretAccessKey>sec</SecretAccessKey><Expiration>2026-01-01T00:00:00Z</Expiration>"
      "<AccessKeyId>AK</AccessKeyId></Credentials></AssumeRoleWithWebIdentityResult>"
      "</AssumeRoleWithWebIdentityResponse>");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->access_key_id, "AK");
  EXPECT_EQ(c->secret_access_key, "sec");
  EXPECT_EQ(c->session_token, "t&1");
  EXPECT_EQ(c->expiration, "2026-01-01T00:00:00Z");
  EXPECT_FALSE(ParseStsCredentials("<AccessKeyId>AK</AccessKeyId>").ok());
  EXPECT_FALSE(ParseStsCredentials("{\"AccessKeyId\":\"AK\"}").ok());
}

}  // namespace
}  // namespace secor::s3
