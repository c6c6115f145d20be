// HttpServer's hard limits over raw sockets: each is answered with its status, counted, and
// never stops the server from serving everyone else. Waits are bounded by WaitFor / read
// guards against hangs; what is asserted is the order of events, never how long they took.
#include <gtest/gtest.h>

#include <atomic>
#include <memory>
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

HttpServerOptions Options() {
  HttpServerOptions o;
  o.workers = 2;
  return o;
}

// A request on a fresh connection; its answer's status (0: none).
int Get(uint16_t port, const std::string& target, const char* source_ip = nullptr) {
  RawClient c;
  if (!c.Connect(port, source_ip) || !c.Send(RawRequest("GET", target))) return 0;
  auto r = c.Read();
  return r ? r->status : 0;
}

TEST(NetServerLimitsTest, HeaderBlockOverTheLimitGets431) {
  HttpServerOptions o = Options();
  o.max_header_bytes = 1024;
  TestServer server(o);
  RawClient c;
  ASSERT_TRUE(c.Connect(server.port()));
  std::string lines;
  for (int i = 0; i < 40; ++i)
    lines += "X-Filler-" + std::to_string(i) + ": " + std::string(50, 'a') + "\r\n";
  ASSERT_TRUE(c.Send(RawRequest("GET", "/", lines)));
  auto r = c.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 431);
  EXPECT_TRUE(c.WaitClosed());
  EXPECT_EQ(server.stats().header_too_large, 1u);
  EXPECT_TRUE(server.seen().empty());
  EXPECT_EQ(Get(server.port(), "/next"), 200);
}

TEST(NetServerLimitsTest, HeaderFloodIsCutOffAtTheDefaultLimit) {
  TestServer server(Options());  // 16 KiB
  RawClient c;
  ASSERT_TRUE(c.Connect(server.port()));
  ASSERT_TRUE(c.Send("GET / HTTP/1.1\r\nHost: t\r\n"));
  // 512 KiB of header lines: the server answers after 16 KiB and drains the rest.
  const std::string line = "X-Flood: " + std::string(8000, 'b') + "\r\n";
  for (int i = 0; i < 64 && c.Send(line); ++i) {
  }
  auto r = c.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 431);
  EXPECT_EQ(server.stats().header_too_large, 1u);
}

TEST(NetServerLimitsTest, DeclaredBodyOverTheLimitGets413BeforeTheBodyIsSent) {
  HttpServerOptions o = Options();
  o.max_body_bytes = 1024;
  TestServer server(o);
  RawClient c;
  ASSERT_TRUE(c.Connect(server.port()));
  ASSERT_TRUE(c.Send(RawRequest("POST", "/big", "Content-Length: 1000000\r\n")));
  auto r = c.Read();  // no body byte was sent: the answer came from the header alone
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 413);
  EXPECT_EQ(server.stats().body_too_large, 1u);
  EXPECT_TRUE(server.seen().empty());
}

TEST(NetServerLimitsTest, DeclaredBodyOverTheLimitGets413WhenTheBodyComesInTheSameWrite) {
  // Beast's eager parse loses this error when the body is already buffered; the server reads
  // the header on its own first.
  HttpServerOptions o = Options();
  o.max_body_bytes = 1024;
  TestServer server(o);
  RawClient c;
  ASSERT_TRUE(c.Connect(server.port()));
  ASSERT_TRUE(
      c.Send(RawRequest("POST", "/big", "Content-Length: 2000\r\n", std::string(2000, 'x'))));
  auto r = c.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 413);
  EXPECT_TRUE(server.seen().empty());
}

TEST(NetServerLimitsTest, ChunkedBodyOverTheLimitGets413) {
  HttpServerOptions o = Options();
  o.max_body_bytes = 1024;
  TestServer server(o);
  RawClient c;
  ASSERT_TRUE(c.Connect(server.port()));
  std::string chunks;
  for (int i = 0; i < 3; ++i) chunks += "200\r\n" + std::string(512, 'c') + "\r\n";
  ASSERT_TRUE(
      c.Send(RawRequest("POST", "/big", "Transfer-Encoding: chunked\r\n", chunks + "0\r\n\r\n")));
  auto r = c.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 413);
  EXPECT_TRUE(server.seen().empty());
}

// Slowloris: more slow connections than workers, each sending a header byte at a time and never
// finishing it. A legitimate client is served while they all still trickle; then each is cut
// off with 408 at the header deadline.
TEST(NetServerLimitsTest, SlowHeadersAreCutOffWith408WhileOthersAreServed) {
  HttpServerOptions o = Options();
  o.header_timeout = 2s;
  TestServer server(o);
  constexpr int kSlow = 100;  // 50x the workers
  std::vector<std::unique_ptr<RawClient>> slow;
  for (int i = 0; i < kSlow; ++i) {
    slow.push_back(std::make_unique<RawClient>());
    ASSERT_TRUE(slow.back()->Connect(server.port()));
    ASSERT_TRUE(slow.back()->Send("GET / HTTP/1.1\r\nX-Slow: "));
  }
  std::atomic<bool> stop{false};
  std::thread trickle([&] {
    while (!stop) {
      for (auto& c : slow) c->Send("a");  // fails once cut off: ignored
      std::this_thread::sleep_for(100ms);
    }
  });
  const int status = Get(server.port(), "/legit");
  const HttpServerStats at_answer = server.stats();
  stop = true;
  trickle.join();
  EXPECT_EQ(status, 200);
  EXPECT_EQ(at_answer.header_timeouts, 0u) << "the legitimate client was served only after "
                                              "slow clients had been cut off";
  for (auto& c : slow) {
    auto r = c->Read();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 408);
    EXPECT_TRUE(c->WaitClosed());
  }
  EXPECT_EQ(server.stats().header_timeouts, static_cast<uint64_t>(kSlow));
  EXPECT_EQ(server.Ran("/"), 0);
}

TEST(NetServerLimitsTest, ConnectionThatSendsNothingIsCutOffAtTheHeaderDeadline) {
  HttpServerOptions o = Options();
  o.header_timeout = 200ms;
  TestServer server(o);
  RawClient c;
  ASSERT_TRUE(c.Connect(server.port()));
  auto r = c.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 408);
  EXPECT_TRUE(c.WaitClosed());
}

TEST(NetServerLimitsTest, SlowBodyIsCutOffWith408) {
  HttpServerOptions o = Options();
  o.body_timeout = 200ms;
  TestServer server(o);
  RawClient c;
  ASSERT_TRUE(c.Connect(server.port()));
  ASSERT_TRUE(c.Send(RawRequest("POST", "/slow-body", "Content-Length: 10\r\n", "abc")));
  auto r = c.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 408);
  EXPECT_EQ(server.stats().body_timeouts, 1u);
  EXPECT_TRUE(server.seen().empty());
}

TEST(NetServerLimitsTest, IdleKeepAliveConnectionIsClosed) {
  HttpServerOptions o = Options();
  o.idle_timeout = 200ms;
  TestServer server(o);
  RawClient c;
  ASSERT_TRUE(c.Connect(server.port()));
  ASSERT_TRUE(c.Send(RawRequest("GET", "/one")));
  auto r = c.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->Header("Connection"), "");  // kept alive
  EXPECT_TRUE(c.WaitClosed());
  EXPECT_TRUE(WaitFor([&] { return server.stats().idle_closed == 1; }));
  EXPECT_EQ(server.stats().header_timeouts, 0u);
}

TEST(NetServerLimitsTest, ConnectionsOverTheTotalGet503) {
  HttpServerOptions o = Options();
  o.max_connections = 2;
  TestServer server(o);
  RawClient a, b, c;
  ASSERT_TRUE(a.Connect(server.port()) && b.Connect(server.port()));
  ASSERT_TRUE(WaitFor([&] { return server.stats().connections_open == 2; }));
  ASSERT_TRUE(c.Connect(server.port()));
  auto r = c.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 503);
  EXPECT_EQ(r->Header("Retry-After"), "1");
  EXPECT_TRUE(c.WaitClosed());
  EXPECT_EQ(server.stats().rejected_max_connections, 1u);
  a.Close();  // a place frees up
  ASSERT_TRUE(WaitFor([&] { return server.stats().connections_open == 1; }));
  EXPECT_EQ(Get(server.port(), "/again"), 200);
}

TEST(NetServerLimitsTest, ConnectionsOverThePerAddressLimitGet503OthersAreServed) {
  HttpServerOptions o = Options();
  o.max_connections_per_ip = 1;
  TestServer server(o);
  RawClient first;
  ASSERT_TRUE(first.Connect(server.port(), "127.0.0.1"));
  ASSERT_TRUE(WaitFor([&] { return server.stats().connections_open == 1; }));
  EXPECT_EQ(Get(server.port(), "/same", "127.0.0.1"), 503);
  EXPECT_EQ(server.stats().rejected_per_ip, 1u);
  EXPECT_EQ(Get(server.port(), "/other", "127.0.0.2"), 200);
  EXPECT_EQ(server.Ran("/same"), 0);
}

TEST(NetServerLimitsTest, FullWorkerQueueAnswers503WithRetryAfter) {
  HttpServerOptions o = Options();
  o.workers = 1;
  o.max_queued = 1;
  o.retry_after_s = 7;
  TestServer server(o);
  RawClient running, queued, refused;
  ASSERT_TRUE(running.Connect(server.port()) && running.Send(RawRequest("GET", "/block-a")));
  ASSERT_TRUE(WaitFor([&] { return server.gate().waiting() == 1; }));
  ASSERT_TRUE(queued.Connect(server.port()) && queued.Send(RawRequest("GET", "/b")));
  ASSERT_TRUE(WaitFor([&] { return server.stats().requests == 2; }));
  ASSERT_TRUE(refused.Connect(server.port()) && refused.Send(RawRequest("GET", "/c")));
  auto r = refused.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 503);
  EXPECT_EQ(r->Header("Retry-After"), "7");
  EXPECT_EQ(server.stats().overloaded, 1u);
  server.gate().Open();
  auto a = running.Read();
  auto b = queued.Read();
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->status, 200);
  EXPECT_EQ(b->status, 200);
  EXPECT_EQ(server.Ran("/c"), 0);
  // The refused connection stays usable once there is room.
  ASSERT_TRUE(refused.Send(RawRequest("GET", "/c")));
  auto again = refused.Read();
  ASSERT_TRUE(again);
  EXPECT_EQ(again->status, 200);
}

TEST(NetServerLimitsTest, QueuedRequestOfAClientThatClosedIsNeverRun) {
  HttpServerOptions o = Options();
  o.workers = 1;
  TestServer server(o);
  RawClient running, gone;
  ASSERT_TRUE(running.Connect(server.port()) && running.Send(RawRequest("GET", "/block-a")));
  ASSERT_TRUE(WaitFor([&] { return server.gate().waiting() == 1; }));
  ASSERT_TRUE(gone.Connect(server.port()) &&
              gone.Send(RawRequest("POST", "/book", "Content-Length: 0\r\n")));
  ASSERT_TRUE(WaitFor([&] { return server.stats().requests == 2; }));
  gone.Close();  // gives up while its request waits for the busy worker
  ASSERT_TRUE(WaitFor([&] { return server.stats().dropped_closed == 1; }));
  server.gate().Open();
  auto r = running.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(Get(server.port(), "/after"), 200);  // the worker has run everything queued before
  EXPECT_EQ(server.Ran("/book"), 0);
}

TEST(NetServerLimitsTest, LastRequestAllowedOnAConnectionClosesIt) {
  HttpServerOptions o = Options();
  o.max_requests_per_connection = 2;
  TestServer server(o);
  RawClient c;
  ASSERT_TRUE(c.Connect(server.port()));
  ASSERT_TRUE(c.Send(RawRequest("GET", "/1")));
  auto first = c.Read();
  ASSERT_TRUE(c.Send(RawRequest("GET", "/2")));
  auto second = c.Read();
  ASSERT_TRUE(first && second);
  EXPECT_EQ(first->Header("Connection"), "");
  EXPECT_EQ(second->Header("Connection"), "close");
  EXPECT_TRUE(c.WaitClosed());
  EXPECT_EQ(server.stats().max_requests_closed, 1u);
}

TEST(NetServerLimitsTest, ReplyDroppedUnsentAnswers500) {
  TestServer server(Options(), [](const HttpRequest&, Reply) {});
  RawClient c;
  ASSERT_TRUE(c.Connect(server.port()) && c.Send(RawRequest("GET", "/x")));
  auto r = c.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 500);
  EXPECT_EQ(server.stats().handler_errors, 1u);
}

}  // namespace
}  // namespace slotsim::net
