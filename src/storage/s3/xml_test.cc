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
  auto contents = XmlElements(doc, "Contents");
  ASSERT_EQ(contents.size(), 2u);
  EXPECT_EQ(XmlText(contents[0], "Key"), "a&b\x01\xC3\xA9");
  EXPECT_EQ(XmlText(contents[1], "Size"), "4");
  // <Key> must not match <KeyCount>.
  EXPECT_EQ(XmlElements(doc, "Key").size(), 2u);
  EXPECT_EQ(XmlText(doc, "KeyCount"), "2");
  EXPECT_TRUE(XmlHas(doc, "NextContinuationToken"));
  EXPECT_EQ(XmlText(doc, "NextContinuationToken"), "");
  EXPECT_FALSE(XmlHas(doc, "Error"));
  EXPECT_EQ(XmlEscape("<a&'\">"), "&lt;a&amp;&apos;&quot;&gt;");
}

TEST(XmlTest, RootIsFindsOnlyTheDocumentElement) {
  // CompleteMultipartUpload can answer 200 with an error document.
  EXPECT_TRUE(XmlRootIs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>X</Code></Error>",
                        "Error"));
  EXPECT_TRUE(XmlRootIs("  <Error>", "Error"));
  EXPECT_FALSE(XmlRootIs("<CompleteMultipartUploadResult><Error/></CompleteMultipartUploadResult>",
                         "Error"));
  EXPECT_FALSE(XmlRootIs("<Errors>", "Error"));
  EXPECT_FALSE(XmlRootIs("user data with <Error> inside", "Error"));
  EXPECT_FALSE(XmlRootIs("", "Error"));
}

}  // namespace
}  // namespace secor::s3
