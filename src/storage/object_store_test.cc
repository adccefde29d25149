#include "storage/object_store.h"

#include <gtest/gtest.h>

#include "config/config.h"

namespace secor {
namespace {

// A file that selects a store this version cannot write stops start-up with
// one line naming it, even when an earlier file's S3 value would count.
TEST(OutputUriTest, UnsupportedCloudStoresStopStartUp) {
  Config gs;
  gs.Add("cloud.service", "S3", "common.properties:24");
  gs.Add("secor.s3.bucket", "b", "common.properties:30");
  gs.Add("secor.upload.manager.class", "com.pinterest.secor.uploader.HadoopS3UploadManager",
         "common.properties:90");
  gs.Add("secor.upload.manager.class", "com.pinterest.secor.uploader.GsUploadManager",
         "gs.properties:2");
  auto uri = OutputUri(gs);
  ASSERT_FALSE(uri.ok());
  EXPECT_EQ(uri.status().message(),
            "secor.upload.manager.class=com.pinterest.secor.uploader.GsUploadManager "
            "(gs.properties:2): Google Cloud Storage is not supported yet; secor writes to S3 "
            "(and S3-compatible stores) or a local path (secor.output.uri)");
  for (auto [value, store] :
       {std::pair{"Azure", "Azure Blob Storage"}, std::pair{"Swift", "OpenStack Swift"},
        std::pair{"GS", "Google Cloud Storage"}}) {
    auto c = Config::FromMap({{"cloud.service", value}, {"secor.s3.bucket", "b"}}, "x:1");
    auto r = OutputUri(c);
    ASSERT_FALSE(r.ok()) << value;
    EXPECT_EQ(r.status().message(),
              std::string("cloud.service=") + value + " (x:1): " + store +
                  " is not supported yet; secor writes to S3 (and S3-compatible stores) or a "
                  "local path (secor.output.uri)");
  }
  auto azure = Config::FromMap(
      {{"secor.upload.manager.class", "com.pinterest.secor.uploader.AzureUploadManager"}});
  EXPECT_FALSE(OutputUri(azure).ok());
  // The S3 managers of the original select S3.
  auto s3 = Config::FromMap(
      {{"secor.upload.manager.class", "com.pinterest.secor.uploader.S3UploadManager"},
       {"secor.s3.bucket", "b"},
       {"secor.s3.path", "p"}});
  EXPECT_EQ(*OutputUri(s3), "s3://b/p");
}

}  // namespace
}  // namespace secor
