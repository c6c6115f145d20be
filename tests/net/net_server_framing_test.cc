// HttpServer's strict framing over raw sockets: every request whose body boundary two parsers
// could disagree on is answered 400 and the connection closed, and nothing in it ever reaches
// the handler — so no request can be smuggled in a body. (File named net_*: server/ already has
// an http_server_test.)
#include <gtest/gtest.h>

#include <string>

#include "tests/net/raw_client.h"
#include "tests/net/server_fixture.h"

namespace slotsim::net {
namespace {

using testing::RawClient;
using testing::RawRequest;
using testing::TestServer;

class NetServerFramingTest : public ::testing::Test {
 protected:
  // Sends `bytes` on a fresh connection; the first answer's status (0: none).
  int StatusOf(const std::string& bytes) {
    RawClient c;
    EXPECT_TRUE(c.Connect(server_.port()));
    EXPECT_TRUE(c.Send(bytes));
    auto r = c.Read();
    if (r && r->status == 400) {
      EXPECT_EQ(r->Header("Connection"), "close");
      EXPECT_TRUE(c.WaitClosed());
    }
    return r ? r->status : 0;
  }

  TestServer server_{HttpServerOptions{}};
};

TEST_F(NetServerFramingTest, ContentLengthBodyReachesTheHandler) {
  RawClient c;
  ASSERT_TRUE(c.Connect(server_.port()));
  ASSERT_TRUE(c.Send(RawRequest("POST", "/p", "Content-Length: 5\r\n", "hello")));
  auto r = c.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "/p:hello");
}

TEST_F(NetServerFramingTest, ChunkedBodyReachesTheHandlerDechunked) {
  RawClient c;
  ASSERT_TRUE(c.Connect(server_.port()));
  ASSERT_TRUE(c.Send(RawRequest("POST", "/c", "Transfer-Encoding: chunked\r\n",
                                "3\r\nhel\r\n2\r\nlo\r\n0\r\n\r\n")));
  auto r = c.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "/c:hello");
}

// Each case: a request the server must refuse with 400 before its handler sees anything.
struct Refused {
  const char* name;
  std::string bytes;
};

class NetServerRefusesFramingTest : public NetServerFramingTest,
                                    public ::testing::WithParamInterface<Refused> {};

TEST_P(NetServerRefusesFramingTest, AnswersBadRequestAndCloses) {
  EXPECT_EQ(StatusOf(GetParam().bytes), 400);
  EXPECT_TRUE(server_.seen().empty()) << "the handler ran for a refused request";
  EXPECT_EQ(server_.stats().bad_requests, 1u);
}

const std::string kSmuggled = "GET /smuggled HTTP/1.1\r\nHost: t\r\n\r\n";

INSTANTIATE_TEST_SUITE_P(
    Shapes, NetServerRefusesFramingTest,
    ::testing::Values(
        Refused{"DuplicateEqualContentLength",
                RawRequest("POST", "/a", "Content-Length: 3\r\nContent-Length: 3\r\n", "abc")},
        Refused{"DuplicateDifferentContentLength",
                RawRequest("POST", "/a", "Content-Length: 3\r\nContent-Length: 4\r\n", "abcd")},
        Refused{"ListValuedContentLength",
                RawRequest("POST", "/a", "Content-Length: 3, 3\r\n", "abc")},
        Refused{"PlusSignContentLength", RawRequest("POST", "/a", "Content-Length: +3\r\n", "abc")},
        Refused{"NegativeContentLength", RawRequest("POST", "/a", "Content-Length: -1\r\n")},
        Refused{"NonNumericContentLength", RawRequest("POST", "/a", "Content-Length: abc\r\n")},
        Refused{"EmptyContentLength", RawRequest("POST", "/a", "Content-Length: \r\n")},
        Refused{"ContentLengthThenTransferEncoding",
                RawRequest("POST", "/a", "Content-Length: 6\r\nTransfer-Encoding: chunked\r\n",
                           "0\r\n\r\nG")},
        Refused{"TransferEncodingThenContentLength",
                RawRequest("POST", "/a", "Transfer-Encoding: chunked\r\nContent-Length: 6\r\n",
                           "0\r\n\r\nG")},
        Refused{"UnknownTransferCoding",
                RawRequest("POST", "/a", "Transfer-Encoding: gzip\r\n", kSmuggled)},
        Refused{"IdentityTransferCoding",
                RawRequest("POST", "/a", "Transfer-Encoding: identity\r\n", kSmuggled)},
        Refused{"ChunkedTwiceInOneHeader",
                RawRequest("POST", "/a", "Transfer-Encoding: chunked, chunked\r\n", "0\r\n\r\n")},
        Refused{"TwoTransferEncodingHeaders",
                RawRequest("POST", "/a", "Transfer-Encoding: chunked\r\nTransfer-Encoding: x\r\n",
                           "0\r\n\r\n")},
        Refused{"TransferEncodingInHttp10",
                "POST /a HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"},
        Refused{"BadChunkSize", RawRequest("POST", "/a", "Transfer-Encoding: chunked\r\n",
                                           "zz\r\nabc\r\n0\r\n\r\n")},
        Refused{"ChunkWithoutItsLineEnd",
                RawRequest("POST", "/a", "Transfer-Encoding: chunked\r\n", "3\r\nabcXY0\r\n\r\n")},
        Refused{"SpaceBeforeColon", RawRequest("POST", "/a", "Content-Length : 3\r\n", "abc")},
        Refused{"GarbageRequestLine", std::string("HELLO\r\n\r\n")},
        Refused{"BadVersion", std::string("GET / HTTX/1.1\r\n\r\n")}),
    [](const ::testing::TestParamInfo<Refused>& info) { return info.param.name; });

TEST_F(NetServerFramingTest, RequestInsideABodyIsNeverRun) {
  // The body is exactly Content-Length bytes, which spell a request: it is data, not a request.
  RawClient c;
  ASSERT_TRUE(c.Connect(server_.port()));
  std::string carrier =
      RawRequest("POST", "/carrier", "Content-Length: " + std::to_string(kSmuggled.size()) + "\r\n",
                 kSmuggled);
  ASSERT_TRUE(c.Send(carrier + RawRequest("GET", "/after")));
  auto first = c.Read();
  auto second = c.Read();
  ASSERT_TRUE(first && second);
  EXPECT_EQ(first->body, "/carrier:" + kSmuggled);
  EXPECT_EQ(second->body, "/after");
  EXPECT_EQ(server_.Ran("/smuggled"), 0);
  EXPECT_EQ(server_.seen().size(), 2u);
}

TEST_F(NetServerFramingTest, RequestAfterARefusedOneIsNeverRun) {
  // CL.TE: a lenient front would take the body as 6 bytes, a lenient back as chunked "0" and
  // then run "G..." as the next request. Here the connection ends at the 400.
  RawClient c;
  ASSERT_TRUE(c.Connect(server_.port()));
  ASSERT_TRUE(c.Send(
      RawRequest("POST", "/a", "Content-Length: 6\r\nTransfer-Encoding: chunked\r\n", "0\r\n\r\n") +
      kSmuggled));
  auto r = c.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  EXPECT_TRUE(c.WaitClosed());
  EXPECT_TRUE(server_.seen().empty());
}

}  // namespace
}  // namespace slotsim::net
