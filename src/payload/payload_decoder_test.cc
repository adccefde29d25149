#include "payload/payload_decoder.h"

#include <gtest/gtest.h>

#include "config/config.h"

namespace secor {
namespace {

TEST(PayloadEncoding, TheKeyOrElseTheOriginalsFactoryClassDecides) {
  EXPECT_EQ(*LoadPayloadEncoding(nullptr, "t"), PayloadEncoding::kJson);
  Config config;
  EXPECT_EQ(*LoadPayloadEncoding(&config, "t"), PayloadEncoding::kJson);
  config.Set("secor.file.reader.writer.factory",
             "com.pinterest.secor.io.impl.ProtobufParquetFileReaderWriterFactory", "test");
  EXPECT_EQ(*LoadPayloadEncoding(&config, "t"), PayloadEncoding::kProtobuf);
  config.Set("secor.file.reader.writer.factory", "AvroFileReaderWriterFactory", "test");
  EXPECT_EQ(*LoadPayloadEncoding(&config, "t"), PayloadEncoding::kAvro);
  config.Set("secor.payload.encoding.t", "JSON", "test");
  EXPECT_EQ(*LoadPayloadEncoding(&config, "t"), PayloadEncoding::kJson);
  EXPECT_EQ(*LoadPayloadEncoding(&config, "u"), PayloadEncoding::kAvro);
  config.Set("secor.payload.encoding", "thrift", "test");
  auto bad = LoadPayloadEncoding(&config, "u");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("secor.payload.encoding"), std::string::npos)
      << bad.status().message();
}

TEST(PayloadError, UnavailableStaysAndTheRestNamesTheOffset) {
  EXPECT_EQ(PayloadError(Status::Unavailable("registry down"), 7).code(),
            Status::Code::kUnavailable);
  Status st = PayloadError(Status::Corruption("bad"), 7);
  EXPECT_EQ(st.code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(st.message(), "message at offset 7: bad");
}

}  // namespace
}  // namespace secor
