// HttpServer keeps bytes it read past one request for the next: pipelined requests are all
// answered, in order, on their connection; plus what the handler is told about each request
// and the orderly stop.
#include <gtest/gtest.h>

#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "tests/net/raw_client.h"
#include "tests/net/server_fixture.h"

namespace slotsim::net {
namespace {

using namespace std::chrono_literals;
using testing::RawClient;
using testing::RawRequest;
using testing::TestServer;
using testing::WaitFor;

TEST(NetServerPipeliningTest, ThreeRequestsInOneWriteGetThreeAnswersInOrder) {
  TestServer server(HttpServerOptions{});
  RawClient c;
  ASSERT_TRUE(c.Connect(server.port()));
  ASSERT_TRUE(c.Send(RawRequest("GET", "/1") + RawRequest("GET", "/2") + RawRequest("GET", "/3")));
  for (const char* target : {"/1", "/2", "/3"}) {
    auto r = c.Read();
    ASSERT_TRUE(r) << target;
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->body, target);
  }
  auto seen = server.seen();
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_EQ(seen[0].connection_id, seen[2].connection_id);
  EXPECT_EQ(seen[2].request_index, 2u);
  EXPECT_EQ(server.stats().pipelined, 2u);
}

TEST(NetServerPipeliningTest, PipelinedBodiesAndChunksStayApart) {
  TestServer server(HttpServerOptions{});
  RawClient c;
  ASSERT_TRUE(c.Connect(server.port()));
  ASSERT_TRUE(
      c.Send(RawRequest("POST", "/a", "Content-Length: 3\r\n", "abc") +
             RawRequest("POST", "/b", "Transfer-Encoding: chunked\r\n", "2\r\nde\r\n0\r\n\r\n") +
             RawRequest("GET", "/c")));
  for (const char* body : {"/a:abc", "/b:de", "/c"}) {
    auto r = c.Read();
    ASSERT_TRUE(r) << body;
    EXPECT_EQ(r->body, body);
  }
}

TEST(NetServerPipeliningTest, RequestSplitAcrossWritesIsReassembled) {
  TestServer server(HttpServerOptions{});
  RawClient c;
  ASSERT_TRUE(c.Connect(server.port()));
  const std::string both =
      RawRequest("GET", "/1") + RawRequest("POST", "/2", "Content-Length: 4\r\n", "wxyz");
  const size_t cut = both.size() - 7;  // mid-header of the second request... and its body
  ASSERT_TRUE(c.Send(both.substr(0, cut)));
  auto first = c.Read();
  ASSERT_TRUE(first);
  EXPECT_EQ(first->body, "/1");
  ASSERT_TRUE(c.Send(both.substr(cut)));
  auto second = c.Read();
  ASSERT_TRUE(second);
  EXPECT_EQ(second->body, "/2:wxyz");
}

TEST(NetServerPipeliningTest, NextRequestWaitsForTheSlowOneBeforeIt) {
  TestServer server(HttpServerOptions{});
  RawClient c;
  ASSERT_TRUE(c.Connect(server.port()));
  ASSERT_TRUE(c.Send(RawRequest("GET", "/block-1") + RawRequest("GET", "/2")));
  ASSERT_TRUE(WaitFor([&] { return server.gate().waiting() == 1; }));
  EXPECT_TRUE(c.StaysOpenAndSilent(50ms));  // /2 is neither answered nor run ahead of /1
  EXPECT_EQ(server.Ran("/2"), 0);
  server.gate().Open();
  auto first = c.Read();
  auto second = c.Read();
  ASSERT_TRUE(first && second);
  EXPECT_EQ(first->body, "/block-1");
  EXPECT_EQ(second->body, "/2");
}

TEST(NetServerPipeliningTest, HeadAnswerHasLengthButNoBody) {
  TestServer server(HttpServerOptions{});
  RawClient c;
  ASSERT_TRUE(c.Connect(server.port()));
  ASSERT_TRUE(c.Send(RawRequest("HEAD", "/h") + RawRequest("GET", "/g")));
  auto head = c.Read();  // RawClient would read 2 body bytes here if the server sent them...
  ASSERT_TRUE(head);
  EXPECT_EQ(head->Header("Content-Length"), "2");
  // ...so read the raw bytes of the next answer instead: they must start a status line.
  EXPECT_EQ(head->body.substr(0, 2), "HT");
}

TEST(NetServerPipeliningTest, HandlerSeesRemoteAddressConnectionAndIndex) {
  TestServer server(HttpServerOptions{});
  RawClient a, b;
  ASSERT_TRUE(a.Connect(server.port()) &&
              a.Send(RawRequest("GET", "/a0") + RawRequest("GET", "/a1")));
  ASSERT_TRUE(a.Read() && a.Read());
  ASSERT_TRUE(b.Connect(server.port()) && b.Send(RawRequest("GET", "/b0")));
  ASSERT_TRUE(b.Read());
  auto seen = server.seen();
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_EQ(seen[0].remote_address, "127.0.0.1");
  EXPECT_EQ(seen[0].connection_id, seen[1].connection_id);
  EXPECT_NE(seen[0].connection_id, seen[2].connection_id);
  EXPECT_EQ(seen[1].request_index, 1u);
  EXPECT_EQ(seen[2].request_index, 0u);
}

TEST(NetServerPipeliningTest, AnswerSentLaterFromAnotherThreadArrivesInOrder) {
  // The handler keeps the Reply and returns: its worker is free, the answer comes later.
  std::mutex mu;
  std::vector<Reply> held;
  TestServer server(HttpServerOptions{}, [&](const HttpRequest& r, Reply reply) {
    if (r.target == "/later") {
      std::lock_guard<std::mutex> lock(mu);
      held.push_back(std::move(reply));
      return;
    }
    reply.Send(HttpResponse{200, {}, r.target, false});
  });
  RawClient c;
  ASSERT_TRUE(c.Connect(server.port()));
  ASSERT_TRUE(c.Send(RawRequest("GET", "/later") + RawRequest("GET", "/now")));
  ASSERT_TRUE(WaitFor([&] {
    std::lock_guard<std::mutex> lock(mu);
    return held.size() == 1;
  }));
  EXPECT_TRUE(c.StaysOpenAndSilent(20ms));  // /now waits behind /later
  std::thread([&] {
    std::lock_guard<std::mutex> lock(mu);
    held[0].Send(HttpResponse{202, {}, "done later", false});
  }).join();
  auto first = c.Read();
  auto second = c.Read();
  ASSERT_TRUE(first && second);
  EXPECT_EQ(first->status, 202);
  EXPECT_EQ(first->body, "done later");
  EXPECT_EQ(second->body, "/now");
}

TEST(NetServerPipeliningTest, Http10IsClosedAfterItsAnswerUnlessItAsksForKeepAlive) {
  TestServer server(HttpServerOptions{});
  RawClient plain, kept;
  ASSERT_TRUE(plain.Connect(server.port()) && plain.Send("GET /p HTTP/1.0\r\n\r\n"));
  auto r = plain.Read();
  ASSERT_TRUE(r);
  EXPECT_TRUE(plain.WaitClosed());
  ASSERT_TRUE(kept.Connect(server.port()) &&
              kept.Send("GET /k HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"));
  auto k = kept.Read();
  ASSERT_TRUE(k);
  EXPECT_EQ(k->Header("Connection"), "keep-alive");
  EXPECT_TRUE(kept.Send("GET /k2 HTTP/1.0\r\n\r\n"));
  EXPECT_TRUE(kept.Read());
}

TEST(NetServerPipeliningTest, StopClosesIdleConnectionsAndAnswersTheOneInFlight) {
  TestServer server(HttpServerOptions{});
  RawClient idle, busy;
  ASSERT_TRUE(idle.Connect(server.port()) && idle.Send(RawRequest("GET", "/i")));
  ASSERT_TRUE(idle.Read());
  ASSERT_TRUE(busy.Connect(server.port()) && busy.Send(RawRequest("GET", "/block")));
  ASSERT_TRUE(WaitFor([&] { return server.gate().waiting() == 1; }));
  std::thread stopper([&] { server.server().Stop(); });
  EXPECT_TRUE(idle.WaitClosed());  // at once, while /block is still held
  EXPECT_EQ(server.gate().waiting(), 1);
  server.gate().Open();
  auto r = busy.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->Header("Connection"), "close");
  stopper.join();
  RawClient late;
  EXPECT_FALSE(late.Connect(server.port()) && late.Send(RawRequest("GET", "/late")) && late.Read());
}

}  // namespace
}  // namespace slotsim::net
