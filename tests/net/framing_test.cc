// CheckRequestFraming on header lists: every shape a lenient parser would repair is refused.
#include "net/framing.h"

#include <gtest/gtest.h>

namespace slotsim::net {
namespace {

Status Check(HttpHeaders headers, int version = 11) {
  return CheckRequestFraming(version, headers);
}

TEST(FramingTest, NoBodyHeadersIsValid) { EXPECT_TRUE(Check({{"Host", "x"}}).ok()); }

TEST(FramingTest, OneDecimalContentLengthIsValid) {
  EXPECT_TRUE(Check({{"Content-Length", "0"}}).ok());
  EXPECT_TRUE(Check({{"content-length", "12345"}}).ok());
}

TEST(FramingTest, OneChunkedTransferEncodingIsValid) {
  EXPECT_TRUE(Check({{"Transfer-Encoding", "chunked"}}).ok());
  EXPECT_TRUE(Check({{"transfer-encoding", "Chunked"}}).ok());
}

TEST(FramingTest, DuplicateContentLengthIsRefusedEvenWhenEqual) {
  EXPECT_EQ(Check({{"Content-Length", "5"}, {"Content-Length", "5"}}).code(),
            Code::kInvalidArgument);
  EXPECT_FALSE(Check({{"Content-Length", "5"}, {"content-length", "6"}}).ok());
}

TEST(FramingTest, ContentLengthThatIsNotDigitsIsRefused) {
  for (const char* bad :
       {"5, 5", "+5", "-1", "0x10", "5a", "abc", "", "1 2", "99999999999999999999"}) {
    EXPECT_FALSE(Check({{"Content-Length", bad}}).ok()) << "'" << bad << "'";
  }
}

TEST(FramingTest, ContentLengthWithTransferEncodingIsRefused) {
  EXPECT_FALSE(Check({{"Content-Length", "5"}, {"Transfer-Encoding", "chunked"}}).ok());
  EXPECT_FALSE(Check({{"Transfer-Encoding", "chunked"}, {"Content-Length", "5"}}).ok());
}

TEST(FramingTest, TransferEncodingOtherThanOneChunkedIsRefused) {
  for (const char* bad :
       {"gzip", "identity", "chunked, chunked", "gzip, chunked", "chunked;x", ""}) {
    EXPECT_FALSE(Check({{"Transfer-Encoding", bad}}).ok()) << "'" << bad << "'";
  }
  EXPECT_FALSE(Check({{"Transfer-Encoding", "chunked"}, {"Transfer-Encoding", "chunked"}}).ok());
}

TEST(FramingTest, TransferEncodingInHttp10IsRefused) {
  EXPECT_FALSE(Check({{"Transfer-Encoding", "chunked"}}, 10).ok());
  EXPECT_TRUE(Check({{"Content-Length", "3"}}, 10).ok());
}

}  // namespace
}  // namespace slotsim::net
