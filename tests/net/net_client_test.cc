// HttpClientConnection against net/'s own server and against raw sockets that misbehave:
// keep-alive reuse, deadlines, a close by the server, and each transport error kind.
#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <future>
#include <string>
#include <thread>
#include <vector>

#include "net/http_client.h"
#include "tests/net/server_fixture.h"

namespace slotsim::net {
namespace {

using namespace std::chrono_literals;
using testing::TestServer;
using testing::WaitFor;

// A listening socket on a free loopback port that the test drives by hand.
class RawListener {
 public:
  explicit RawListener(int backlog = 16) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    ::inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
    ::listen(fd_, backlog);
    socklen_t len = sizeof(addr);
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
  }
  ~RawListener() { Close(); }
  uint16_t port() const { return port_; }
  void Close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  // Accepts one connection, reads until the end of a request header, writes `answer` (if not
  // empty), then closes it — with a reset when `reset`.
  void AnswerOnce(const std::string& answer, bool reset) {
    int c = ::accept(fd_, nullptr, nullptr);
    if (c < 0) return;
    std::string got;
    char buf[4096];
    while (got.find("\r\n\r\n") == std::string::npos) {
      ssize_t n = ::recv(c, buf, sizeof(buf), 0);
      if (n <= 0) break;
      got.append(buf, static_cast<size_t>(n));
    }
    if (!answer.empty()) ::send(c, answer.data(), answer.size(), MSG_NOSIGNAL);
    if (reset) {
      linger l{1, 0};
      ::setsockopt(c, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
    }
    ::close(c);
  }

 private:
  int fd_ = -1;
  uint16_t port_ = 0;
};

class NetClientTest : public ::testing::Test {
 protected:
  HttpClientOptions ClientTo(uint16_t port) {
    HttpClientOptions o;
    o.port = port;
    o.connect_timeout = 2s;
    o.request_timeout = 10s;
    return o;
  }
  // Sends on `conn` and waits for the answer (the callback runs on the io thread).
  ClientResponse Call(HttpClientConnection& conn, ClientRequest request) {
    std::promise<ClientResponse> answer;
    std::future<ClientResponse> got = answer.get_future();
    conn.Send(std::move(request), [&](ClientResponse r) { answer.set_value(std::move(r)); });
    EXPECT_EQ(got.wait_for(30s), std::future_status::ready) << "no callback";
    return got.get();
  }
  ClientRequest Get(std::string target) {
    ClientRequest r;
    r.target = std::move(target);
    return r;
  }

  IoThreads client_io_{1};
  void SetUp() override { client_io_.Start(); }
};

TEST_F(NetClientTest, KeepAliveReusesOneConnection) {
  TestServer server(HttpServerOptions{});
  HttpClientConnection conn(client_io_, ClientTo(server.port()));
  std::vector<ClientResponse> got;
  for (const char* target : {"/1", "/2", "/3"}) got.push_back(Call(conn, Get(target)));
  for (size_t i = 0; i < got.size(); ++i) {
    ASSERT_TRUE(got[i].ok()) << got[i].error_message;
    EXPECT_EQ(got[i].status, 200);
    EXPECT_EQ(got[i].body, "/" + std::to_string(i + 1));
    EXPECT_EQ(got[i].reused_connection, i > 0);
    EXPECT_EQ(got[i].Header("X-Connection-Id"), got[0].Header("X-Connection-Id"));
  }
  EXPECT_GT(got[0].connect_time.count(), 0);
  EXPECT_EQ(got[1].connect_time.count(), 0);
  EXPECT_EQ(conn.connects(), 1u);
  EXPECT_EQ(server.stats().connections_accepted, 1u);
}

TEST_F(NetClientTest, PostBodyAndHeadersRoundTrip) {
  TestServer server(HttpServerOptions{}, [](const HttpRequest& r, Reply reply) {
    HttpResponse out;
    out.headers = {{"X-Echo", std::string(r.Header("X-Mine"))}};
    out.body = r.method + " " + r.body;
    reply.Send(std::move(out));
  });
  HttpClientConnection conn(client_io_, ClientTo(server.port()));
  ClientRequest post;
  post.method = "POST";
  post.target = "/p";
  post.headers = {{"X-Mine", "yes"}, {"Content-Type", "application/json"}};
  post.body = R"({"a":1})";
  ClientResponse r = Call(conn, post);
  ASSERT_TRUE(r.ok()) << r.error_message;
  EXPECT_EQ(r.body, R"(POST {"a":1})");
  EXPECT_EQ(r.Header("X-Echo"), "yes");
  EXPECT_TRUE(r.request_sent);
  EXPECT_TRUE(r.keep_alive);
}

TEST_F(NetClientTest, QueuedRequestWaitsForTheOneInFlight) {
  TestServer server(HttpServerOptions{});
  HttpClientConnection conn(client_io_, ClientTo(server.port()));
  std::promise<ClientResponse> first_answer, second_answer;
  conn.Send(Get("/block"), [&](ClientResponse r) { first_answer.set_value(std::move(r)); });
  conn.Send(Get("/next"), [&](ClientResponse r) { second_answer.set_value(std::move(r)); });
  const auto sent = std::chrono::steady_clock::now();  // after /next was queued
  ASSERT_TRUE(WaitFor([&] { return server.gate().waiting() == 1; }));
  const auto opened = std::chrono::steady_clock::now();  // before /block can be answered
  server.gate().Open();
  ClientResponse first = first_answer.get_future().get();
  ClientResponse second = second_answer.get_future().get();
  ASSERT_TRUE(first.ok() && second.ok());
  // /next was queued before `sent` and written after /block's answer, which came after
  // `opened`: all of that is time it waited for its connection, none of it its round trip.
  EXPECT_GE(second.connection_wait, opened - sent);
  EXPECT_TRUE(second.reused_connection);
  EXPECT_EQ(conn.connects(), 1u);
}

TEST_F(NetClientTest, RequestTimeoutEndsTheRequestAndTheNextReconnects) {
  TestServer server(HttpServerOptions{});
  HttpClientOptions o = ClientTo(server.port());
  o.request_timeout = 200ms;
  HttpClientConnection conn(client_io_, o);
  ClientResponse slow = Call(conn, Get("/block"));
  EXPECT_EQ(slow.error, TransportError::kTimeout) << slow.error_message;
  EXPECT_TRUE(slow.request_sent);  // it reached the server: its outcome is unknown
  server.gate().Open();
  ClientResponse next = Call(conn, Get("/after"));
  ASSERT_TRUE(next.ok()) << next.error_message;
  EXPECT_FALSE(next.reused_connection);
  EXPECT_EQ(conn.connects(), 2u);
}

TEST_F(NetClientTest, ServerClosingAnIdleConnectionIsSeenAndTheNextRequestReconnects) {
  HttpServerOptions so;
  so.idle_timeout = 100ms;
  TestServer server(so);
  HttpClientConnection conn(client_io_, ClientTo(server.port()));
  ASSERT_TRUE(Call(conn, Get("/1")).ok());
  ASSERT_TRUE(WaitFor([&] { return server.stats().idle_closed == 1; }));
  ClientResponse second = Call(conn, Get("/2"));
  ASSERT_TRUE(second.ok()) << second.error_message;
  EXPECT_EQ(second.attempts, 1);  // sent on a fresh connection, not retried after a failure
  EXPECT_FALSE(second.reused_connection);
  EXPECT_EQ(conn.connects(), 2u);
}

TEST_F(NetClientTest, ConnectionCloseAnswerMakesTheNextRequestReconnect) {
  HttpServerOptions so;
  so.max_requests_per_connection = 1;
  TestServer server(so);
  HttpClientConnection conn(client_io_, ClientTo(server.port()));
  for (int i = 0; i < 3; ++i) {
    ClientResponse r = Call(conn, Get("/x"));
    ASSERT_TRUE(r.ok()) << r.error_message;
    EXPECT_FALSE(r.keep_alive);
  }
  EXPECT_EQ(conn.connects(), 3u);
}

TEST_F(NetClientTest, RefusedConnectIsReportedAndNothingWasSent) {
  uint16_t port;
  {
    RawListener gone;
    port = gone.port();
  }
  HttpClientConnection conn(client_io_, ClientTo(port));
  ClientResponse r = Call(conn, Get("/"));
  EXPECT_EQ(r.error, TransportError::kRefused) << r.error_message;
  EXPECT_FALSE(r.request_sent);
  EXPECT_EQ(TransportErrorName(r.error), "refused");
}

TEST_F(NetClientTest, ConnectThatNeverCompletesTimesOut) {
  // A listener that never accepts, its queue filled: further SYNs are dropped by the kernel.
  RawListener full(0);
  std::vector<int> fillers;
  bool hanging = false;
  for (int i = 0; i < 64 && !hanging; ++i) {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(full.port());
    ::inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
    ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
    fillers.push_back(fd);
    pollfd p{fd, POLLOUT, 0};
    hanging = ::poll(&p, 1, 200) == 0;
  }
  if (!hanging) {
    for (int fd : fillers) ::close(fd);
    GTEST_SKIP() << "this kernel completed every connect to a full listen queue";
  }
  HttpClientOptions o = ClientTo(full.port());
  o.connect_timeout = 200ms;
  HttpClientConnection conn(client_io_, o);
  ClientResponse r = Call(conn, Get("/"));
  EXPECT_EQ(r.error, TransportError::kConnectTimeout) << r.error_message;
  EXPECT_FALSE(r.request_sent);
  for (int fd : fillers) ::close(fd);
}

TEST_F(NetClientTest, ResetBeforeTheAnswerIsReported) {
  RawListener raw;
  std::thread server([&] { raw.AnswerOnce("", /*reset=*/true); });
  HttpClientConnection conn(client_io_, ClientTo(raw.port()));
  ClientResponse r = Call(conn, Get("/"));
  server.join();
  EXPECT_EQ(r.error, TransportError::kReset) << r.error_message;
  EXPECT_TRUE(r.request_sent);
}

TEST_F(NetClientTest, AnswerThatIsNotHttpIsMalformed) {
  RawListener raw;
  std::thread server([&] { raw.AnswerOnce("HELLO THERE\r\n\r\n", false); });
  HttpClientConnection conn(client_io_, ClientTo(raw.port()));
  ClientResponse r = Call(conn, Get("/"));
  server.join();
  EXPECT_EQ(r.error, TransportError::kMalformed) << r.error_message;
}

TEST_F(NetClientTest, AnswerOverTheBodyLimitIsTooLarge) {
  TestServer server(HttpServerOptions{}, [](const HttpRequest&, Reply reply) {
    HttpResponse out;
    out.body = std::string(4096, 'z');
    reply.Send(std::move(out));
  });
  HttpClientOptions o = ClientTo(server.port());
  o.max_response_body_bytes = 1024;
  HttpClientConnection conn(client_io_, o);
  ClientResponse r = Call(conn, Get("/"));
  EXPECT_EQ(r.error, TransportError::kTooLarge) << r.error_message;
}

TEST_F(NetClientTest, RequestsBeyondTheQueueBoundAreRefused) {
  TestServer server(HttpServerOptions{});
  HttpClientOptions o = ClientTo(server.port());
  o.max_queued = 1;
  HttpClientConnection conn(client_io_, o);
  std::vector<std::promise<ClientResponse>> answers(3);
  for (int i = 0; i < 3; ++i) {
    conn.Send(Get("/block"), [&, i](ClientResponse r) { answers[i].set_value(std::move(r)); });
  }
  ClientResponse third = answers[2].get_future().get();  // refused at once, while /block waits
  EXPECT_EQ(third.error, TransportError::kQueueFull);
  EXPECT_FALSE(third.request_sent);
  server.gate().Open();
  EXPECT_TRUE(answers[0].get_future().get().ok());
  EXPECT_TRUE(answers[1].get_future().get().ok());
}

TEST_F(NetClientTest, CloseEndsPendingRequests) {
  TestServer server(HttpServerOptions{});
  HttpClientConnection conn(client_io_, ClientTo(server.port()));
  std::promise<ClientResponse> answer;
  conn.Send(Get("/block"), [&](ClientResponse r) { answer.set_value(std::move(r)); });
  ASSERT_TRUE(WaitFor([&] { return server.gate().waiting() == 1; }));
  conn.Close();
  ClientResponse r = answer.get_future().get();
  EXPECT_EQ(r.error, TransportError::kClosed);
  EXPECT_EQ(Call(conn, Get("/later")).error, TransportError::kClosed);
}

TEST_F(NetClientTest, HeadAnswerLeavesTheConnectionUsable) {
  TestServer server(HttpServerOptions{});
  HttpClientConnection conn(client_io_, ClientTo(server.port()));
  ClientRequest head = Get("/h");
  head.method = "HEAD";
  ClientResponse h = Call(conn, head);
  ASSERT_TRUE(h.ok()) << h.error_message;
  EXPECT_TRUE(h.body.empty());
  ClientResponse g = Call(conn, Get("/g"));
  ASSERT_TRUE(g.ok()) << g.error_message;
  EXPECT_EQ(g.body, "/g");
  EXPECT_EQ(conn.connects(), 1u);
}

}  // namespace
}  // namespace slotsim::net
