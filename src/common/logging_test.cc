#include "common/logging.h"

#include <gtest/gtest.h>

namespace secor {
namespace {

TEST(RedactSecretsTest, UrlPasswords) {
  EXPECT_EQ(RedactSecrets("GET http://user:pw@host:8081/schemas/ids/1: refused"),
            "GET http://user:****@host:8081/schemas/ids/1: refused");
  EXPECT_EQ(RedactSecrets("a https://u:p%40ss@h/x and s3://k:s@b/p?x=1"),
            "a https://u:****@h/x and s3://k:****@b/p?x=1");
  // No password, or an '@' only after the authority: unchanged.
  EXPECT_EQ(RedactSecrets("http://user@host/a:b@c"), "http://user@host/a:b@c");
  EXPECT_EQ(RedactSecrets("http://host:8080/x@y"), "http://host:8080/x@y");
  EXPECT_EQ(RedactSecrets("no url: a:b@c"), "no url: a:b@c");
}

TEST(RedactSecretsTest, RegisteredValues) {
  AddLogSecrets({"Sup3rSecret", ""});
  EXPECT_EQ(RedactSecrets("sasl.password=Sup3rSecret, again Sup3rSecretSup3rSecret"),
            "sasl.password=****, again ********");
  EXPECT_EQ(RedactSecrets("nothing here"), "nothing here");
}

}  // namespace
}  // namespace secor
