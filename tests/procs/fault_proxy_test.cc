// FaultProxy in front of a private redis-server: each fault as a raw client sees it (the Redis
// inline protocol, "PING\r\n" -> "+PONG\r\n", over plain sockets), the connection bound,
// backpressure, stopping, and the control command words.
#include "procs/fault_proxy.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <string>
#include <thread>

#include "tests/support/servers.h"

namespace slotsim {
namespace {

using std::chrono::milliseconds;
using SteadyClock = std::chrono::steady_clock;

constexpr milliseconds kIoTimeout(2000);
constexpr milliseconds kStallTimeout(200);  // "no answer" in the blackhole tests

void SetTimeouts(int fd, milliseconds timeout) {
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(timeout.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((timeout.count() % 1000) * 1000);
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

sockaddr_in Loopback(int port) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return addr;
}

// What a read got: the bytes, then EOF or the errno that ended it (EAGAIN: the timeout).
struct Received {
  std::string data;
  bool eof = false;
  int error = 0;
};

// A blocking client socket on 127.0.0.1 whose reads and writes time out, so no test can hang.
class RawClient {
 public:
  explicit RawClient(int port, milliseconds timeout = kIoTimeout) {
    fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    SetTimeouts(fd_, timeout);
    const sockaddr_in addr = Loopback(port);
    if (connect(fd_, reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)) != 0) {
      connect_errno_ = errno;
      Close();
    }
  }
  ~RawClient() { Close(); }
  RawClient(const RawClient&) = delete;
  RawClient& operator=(const RawClient&) = delete;

  bool connected() const { return fd_ >= 0; }
  int connect_errno() const { return connect_errno_; }
  int fd() const { return fd_; }
  void SetTimeout(milliseconds timeout) { SetTimeouts(fd_, timeout); }
  void Close() {
    if (fd_ >= 0) close(fd_);
    fd_ = -1;
  }

  // Sends all of `data`; 0 on success, else the errno.
  int Send(std::string_view data) {
    while (!data.empty()) {
      const ssize_t n = send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return errno;
      data.remove_prefix(static_cast<size_t>(n));
    }
    return 0;
  }

  // Reads until `n` bytes came, EOF, an error or the timeout.
  Received Read(size_t n) {
    Received r;
    char buf[4096];
    while (r.data.size() < n) {
      const ssize_t got = recv(fd_, buf, std::min(sizeof(buf), n - r.data.size()), 0);
      if (got < 0 && errno == EINTR) continue;
      if (got < 0) {
        r.error = errno;
        break;
      }
      if (got == 0) {
        r.eof = true;
        break;
      }
      r.data.append(buf, static_cast<size_t>(got));
    }
    return r;
  }

 private:
  int fd_ = -1;
  int connect_errno_ = 0;
};

// One PING round trip; empty on success, else what went wrong.
std::string PingError(RawClient& c) {
  if (!c.connected()) return "not connected: " + std::string(strerror(c.connect_errno()));
  if (int e = c.Send("PING\r\n"); e != 0) return "send: " + std::string(strerror(e));
  const Received r = c.Read(7);
  if (r.data == "+PONG\r\n") return "";
  return "read got \"" + r.data + "\"" + (r.eof ? " then EOF" : "") +
         (r.error ? " then " + std::string(strerror(r.error)) : "");
}

// True when the connection was reset or closed by the far end: a send fails or a read meets
// ECONNRESET / EOF. Sends a PING first so a live connection would answer.
bool ResetOrClosed(RawClient& c) {
  const int send_error = c.Send("PING\r\n");
  if (send_error == ECONNRESET || send_error == EPIPE) return true;
  const Received r = c.Read(7);
  return r.data.empty() && (r.eof || r.error == ECONNRESET);
}

// Waits (bounded) until `pred(stats)` holds; returns the last stats seen.
template <typename Pred>
ProxyStats WaitForStats(const FaultProxy& proxy, Pred pred) {
  const auto deadline = SteadyClock::now() + kIoTimeout;
  ProxyStats s = proxy.stats();
  while (!pred(s) && SteadyClock::now() < deadline) {
    std::this_thread::sleep_for(milliseconds(5));
    s = proxy.stats();
  }
  return s;
}

milliseconds Since(SteadyClock::time_point t0) {
  return std::chrono::duration_cast<milliseconds>(SteadyClock::now() - t0);
}

class FaultProxyTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    StatusOr<std::unique_ptr<testing::RedisProcess>> redis = testing::RedisProcess::Start();
    if (redis.ok()) {
      redis_ = std::move(redis).value();
    } else {
      start_error_ = redis.status().ToString();
    }
  }
  static void TearDownTestSuite() { redis_.reset(); }

  void SetUp() override { ASSERT_NE(redis_, nullptr) << start_error_; }

  // A proxy on a free loopback port in front of the suite's redis-server (unless `options`
  // names another upstream).
  std::unique_ptr<FaultProxy> StartProxy(FaultProxyOptions options = {}) {
    if (options.upstream.port == 0) options.upstream.port = redis_->port();
    StatusOr<std::unique_ptr<FaultProxy>> proxy = FaultProxy::Start(options);
    EXPECT_TRUE(proxy.ok()) << proxy.status().ToString();
    return proxy.ok() ? std::move(proxy).value() : nullptr;
  }

  static std::unique_ptr<testing::RedisProcess> redis_;
  static std::string start_error_;
};

std::unique_ptr<testing::RedisProcess> FaultProxyTest::redis_;
std::string FaultProxyTest::start_error_;

TEST_F(FaultProxyTest, ForwardsBothWaysWithoutFault) {
  std::unique_ptr<FaultProxy> proxy = StartProxy();
  ASSERT_NE(proxy, nullptr);
  ASSERT_GT(proxy->port(), 0);
  RawClient client(proxy->port());
  for (int i = 0; i < 3; ++i) ASSERT_EQ(PingError(client), "");
  // Bytes are counted just after each write, so the client may read its answer first.
  const ProxyStats s =
      WaitForStats(*proxy, [](const ProxyStats& st) { return st.bytes_to_client == 3 * 7; });
  EXPECT_EQ(s.connections_accepted, 1u);
  EXPECT_EQ(s.connections_active, 1u);
  EXPECT_EQ(s.bytes_to_upstream, 3u * 6);
  EXPECT_EQ(s.bytes_to_client, 3u * 7);
  EXPECT_TRUE(s.listening);
  EXPECT_EQ(s.fault.kind, ProxyFault::Kind::kNone);
}

TEST_F(FaultProxyTest, LatencyDelaysEveryRoundTrip) {
  std::unique_ptr<FaultProxy> proxy = StartProxy();
  ASSERT_NE(proxy, nullptr);
  RawClient client(proxy->port());
  ASSERT_EQ(PingError(client), "");
  ASSERT_TRUE(proxy->SetFault(ProxyFault::Latency(milliseconds(20))).ok());
  for (int i = 0; i < 3; ++i) {
    const auto t0 = SteadyClock::now();
    ASSERT_EQ(PingError(client), "");
    EXPECT_GE(Since(t0), milliseconds(20));
  }
  EXPECT_EQ(proxy->stats().fault.kind, ProxyFault::Kind::kLatency);
}

TEST_F(FaultProxyTest, JitterNeverReordersTheStream) {
  std::unique_ptr<FaultProxy> proxy = StartProxy();
  ASSERT_NE(proxy, nullptr);
  ASSERT_TRUE(proxy->SetFault(ProxyFault::Latency(milliseconds(5), milliseconds(4))).ok());
  RawClient client(proxy->port());
  std::string want;
  for (int i = 0; i < 20; ++i) {
    const std::string n = std::to_string(i);
    ASSERT_EQ(client.Send("ECHO " + n + "\r\n"), 0);
    want += "$" + std::to_string(n.size()) + "\r\n" + n + "\r\n";
    std::this_thread::sleep_for(milliseconds(1));  // separate chunks, separate delays
  }
  EXPECT_EQ(client.Read(want.size()).data, want);
}

TEST_F(FaultProxyTest, BlackholeAcceptsButNeverAnswersAndClearDeliversHeldBytes) {
  std::unique_ptr<FaultProxy> proxy = StartProxy();
  ASSERT_NE(proxy, nullptr);
  RawClient before(proxy->port(), kStallTimeout);
  ASSERT_EQ(PingError(before), "");
  ASSERT_TRUE(proxy->SetFault(ProxyFault::Blackhole()).ok());

  RawClient during(proxy->port(), kStallTimeout);
  ASSERT_TRUE(during.connected()) << strerror(during.connect_errno());
  for (RawClient* c : {&before, &during}) {
    ASSERT_EQ(c->Send("PING\r\n"), 0);
    const Received r = c->Read(7);
    EXPECT_EQ(r.data, "");
    EXPECT_EQ(r.error, EAGAIN) << "a read must time out, not fail or see EOF";
  }
  ASSERT_TRUE(proxy->ClearFault().ok());
  for (RawClient* c : {&before, &during}) {
    c->SetTimeout(kIoTimeout);
    EXPECT_EQ(c->Read(7).data, "+PONG\r\n");
  }
}

TEST_F(FaultProxyTest, BlackholeClosesConnectionsWhoseClientHangsUp) {
  std::unique_ptr<FaultProxy> proxy = StartProxy();
  ASSERT_NE(proxy, nullptr);
  ASSERT_TRUE(proxy->SetFault(ProxyFault::Blackhole()).ok());
  {
    RawClient client(proxy->port());
    ASSERT_TRUE(client.connected());
    EXPECT_EQ(WaitForStats(*proxy, [](const ProxyStats& s) { return s.connections_active == 1; })
                  .connections_active,
              1u);
  }
  EXPECT_EQ(WaitForStats(*proxy, [](const ProxyStats& s) { return s.connections_active == 0; })
                .connections_active,
            0u);
}

TEST_F(FaultProxyTest, ResetSendsRstToOpenAndNewConnections) {
  std::unique_ptr<FaultProxy> proxy = StartProxy();
  ASSERT_NE(proxy, nullptr);
  RawClient open(proxy->port());
  ASSERT_EQ(PingError(open), "");
  ASSERT_TRUE(proxy->SetFault(ProxyFault::Reset()).ok());

  const Received r = open.Read(1);
  EXPECT_EQ(r.error, ECONNRESET) << "eof=" << r.eof << " data=" << r.data;
  RawClient fresh(proxy->port());
  ASSERT_TRUE(fresh.connected()) << "the kernel completes the handshake before the reset";
  EXPECT_TRUE(ResetOrClosed(fresh));
  EXPECT_EQ(proxy->stats().connections_reset, 2u);
  EXPECT_EQ(proxy->stats().connections_active, 0u);
}

TEST_F(FaultProxyTest, DownRefusesConnectsAndDropsOpenConnections) {
  std::unique_ptr<FaultProxy> proxy = StartProxy();
  ASSERT_NE(proxy, nullptr);
  const int port = proxy->port();
  RawClient open(port);
  ASSERT_EQ(PingError(open), "");
  ASSERT_TRUE(proxy->SetFault(ProxyFault::Down()).ok());

  RawClient refused(port);
  EXPECT_FALSE(refused.connected());
  EXPECT_EQ(refused.connect_errno(), ECONNREFUSED);
  EXPECT_TRUE(ResetOrClosed(open));
  const ProxyStats s = proxy->stats();
  EXPECT_FALSE(s.listening);
  EXPECT_EQ(s.connections_dropped, 1u);

  ASSERT_TRUE(proxy->ClearFault().ok());
  EXPECT_EQ(proxy->port(), port);
  EXPECT_TRUE(proxy->stats().listening);
  RawClient again(port);
  EXPECT_EQ(PingError(again), "");
}

TEST_F(FaultProxyTest, BandwidthPacesBytesPerSecond) {
  constexpr int64_t kRate = 100'000;
  std::unique_ptr<FaultProxy> proxy = StartProxy();
  ASSERT_NE(proxy, nullptr);
  ASSERT_TRUE(proxy->SetFault(ProxyFault::Bandwidth(kRate)).ok());
  const std::string value(40'000, 'x');
  const std::string set =
      "*3\r\n$3\r\nSET\r\n$2\r\nbw\r\n$" + std::to_string(value.size()) + "\r\n" + value + "\r\n";
  const auto t0 = SteadyClock::now();
  RawClient client(proxy->port());
  ASSERT_EQ(client.Send(set), 0);
  EXPECT_EQ(client.Read(5).data, "+OK\r\n");
  // The bucket of a new connection starts empty, so N bytes cannot pass in less than N / rate.
  EXPECT_GE(Since(t0), milliseconds(static_cast<int64_t>(set.size()) * 1000 / kRate));
  EXPECT_EQ(proxy->stats().bytes_to_upstream, set.size());  // all of it was read by Redis
}

TEST_F(FaultProxyTest, ClearRestoresTrafficAfterEveryFault) {
  std::unique_ptr<FaultProxy> proxy = StartProxy();
  ASSERT_NE(proxy, nullptr);
  for (const ProxyFault& fault :
       {ProxyFault::Latency(milliseconds(30)), ProxyFault::Blackhole(), ProxyFault::Reset(),
        ProxyFault::Down(), ProxyFault::Bandwidth(1000)}) {
    SCOPED_TRACE(ToString(fault));
    ASSERT_TRUE(proxy->SetFault(fault).ok());
    ASSERT_TRUE(proxy->ClearFault().ok());
    RawClient client(proxy->port());
    EXPECT_EQ(PingError(client), "");
  }
  EXPECT_EQ(proxy->stats().fault.kind, ProxyFault::Kind::kNone);
}

TEST_F(FaultProxyTest, ConnectionsBeyondMaxAreRefusedAndCounted) {
  FaultProxyOptions options;
  options.max_connections = 2;
  std::unique_ptr<FaultProxy> proxy = StartProxy(options);
  ASSERT_NE(proxy, nullptr);
  RawClient a(proxy->port());
  RawClient b(proxy->port());
  ASSERT_EQ(PingError(a), "");
  ASSERT_EQ(PingError(b), "");
  RawClient extra(proxy->port());
  EXPECT_TRUE(ResetOrClosed(extra));
  ProxyStats s = proxy->stats();
  EXPECT_EQ(s.connections_refused, 1u);
  EXPECT_EQ(s.connections_active, 2u);

  a.Close();  // frees a place once the proxy saw both ends close
  s = WaitForStats(*proxy, [](const ProxyStats& st) { return st.connections_active == 1; });
  ASSERT_EQ(s.connections_active, 1u);
  RawClient c(proxy->port());
  EXPECT_EQ(PingError(c), "");
}

TEST_F(FaultProxyTest, RefusedUpstreamResetsTheClient) {
  FaultProxyOptions options;
  options.upstream.port = testing::FreeLoopbackPort();  // nothing listens there
  std::unique_ptr<FaultProxy> proxy = StartProxy(options);
  ASSERT_NE(proxy, nullptr);
  RawClient client(proxy->port());
  ASSERT_TRUE(client.connected());
  EXPECT_TRUE(ResetOrClosed(client));
  EXPECT_EQ(proxy->stats().upstream_failures, 1u);
  EXPECT_EQ(proxy->stats().connections_active, 0u);
}

TEST_F(FaultProxyTest, HalfCloseIsPassedOnAfterTheData) {
  std::unique_ptr<FaultProxy> proxy = StartProxy();
  ASSERT_NE(proxy, nullptr);
  RawClient client(proxy->port());
  ASSERT_EQ(client.Send("PING\r\n"), 0);
  ASSERT_EQ(shutdown(client.fd(), SHUT_WR), 0);
  const Received r = client.Read(8);
  EXPECT_EQ(r.data, "+PONG\r\n");
  EXPECT_TRUE(r.eof);
  EXPECT_EQ(WaitForStats(*proxy, [](const ProxyStats& s) { return s.connections_active == 0; })
                .connections_active,
            0u);
}

TEST_F(FaultProxyTest, StalledUpstreamPushesBackOnTheClient) {
  // An upstream that accepts (the kernel does, from the backlog) but never reads.
  const int sink = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  const sockaddr_in any = Loopback(0);
  ASSERT_EQ(bind(sink, reinterpret_cast<const sockaddr*>(&any), sizeof(any)), 0);
  ASSERT_EQ(listen(sink, 4), 0);
  sockaddr_in bound{};
  socklen_t len = sizeof(bound);
  getsockname(sink, reinterpret_cast<sockaddr*>(&bound), &len);
  FaultProxyOptions options;
  options.upstream.port = ntohs(bound.sin_port);
  options.buffer_bytes = 64 * 1024;
  std::unique_ptr<FaultProxy> proxy = StartProxy(options);
  ASSERT_NE(proxy, nullptr);

  RawClient client(proxy->port(), kStallTimeout);
  const std::string block(1 << 20, 'x');
  constexpr size_t kLimit = 256u << 20;  // far above every kernel and proxy buffer on the way
  size_t sent = 0;
  while (sent < kLimit && client.Send(block) == 0) sent += block.size();
  EXPECT_LT(sent, kLimit) << "the proxy kept reading from a client whose upstream never reads";
  client.Close();
  proxy.reset();
  close(sink);
}

TEST_F(FaultProxyTest, DestructorStopsAndReleasesThePort) {
  std::unique_ptr<FaultProxy> proxy = StartProxy();
  ASSERT_NE(proxy, nullptr);
  const int port = proxy->port();
  RawClient open(port);
  ASSERT_EQ(PingError(open), "");
  ASSERT_TRUE(proxy->SetFault(ProxyFault::Latency(milliseconds(500))).ok());
  ASSERT_EQ(open.Send("PING\r\n"), 0);  // its answer is held when the proxy stops
  std::this_thread::sleep_for(milliseconds(20));
  proxy.reset();

  EXPECT_TRUE(open.Read(7).data.empty());
  RawClient after(port);
  EXPECT_EQ(after.connect_errno(), ECONNREFUSED);
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  const int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  const sockaddr_in addr = Loopback(port);
  EXPECT_EQ(bind(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)), 0) << strerror(errno);
  close(fd);
}

TEST_F(FaultProxyTest, StartFailsOnATakenPortAndBadOptions) {
  std::unique_ptr<FaultProxy> first = StartProxy();
  ASSERT_NE(first, nullptr);
  FaultProxyOptions options;
  options.listen.port = first->port();
  options.upstream.port = redis_->port();
  StatusOr<std::unique_ptr<FaultProxy>> second = FaultProxy::Start(options);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), Code::kUnavailable);

  FaultProxyOptions no_upstream;
  EXPECT_EQ(FaultProxy::Start(no_upstream).status().code(), Code::kInvalidArgument);
  FaultProxyOptions too_many;
  too_many.upstream.port = redis_->port();
  too_many.max_connections = 1'000'000;
  EXPECT_EQ(FaultProxy::Start(too_many).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(first->SetFault(ProxyFault::Bandwidth(0)).code(), Code::kInvalidArgument);
}

TEST_F(FaultProxyTest, ParsesTheControlCommandsFaults) {
  struct Case {
    const char* text;
    const char* canonical;
  };
  for (const Case& c : {Case{"latency 20ms", "latency 20ms"},
                        Case{" latency 20ms jitter 5ms\r", "latency 20ms jitter 5ms"},
                        Case{"blackhole", "blackhole"}, Case{"reset", "reset"},
                        Case{"down", "down"}, Case{"bandwidth 100000", "bandwidth 100000"},
                        Case{"clear", "none"}, Case{"none", "none"}}) {
    StatusOr<ProxyFault> f = ParseProxyFault(c.text);
    ASSERT_TRUE(f.ok()) << c.text << ": " << f.status().ToString();
    EXPECT_EQ(ToString(*f), c.canonical);
  }
  for (const char* bad : {"", "latency", "latency fast", "latency 20ms 5ms", "bandwidth",
                          "bandwidth 0", "bandwidth 1e5", "reset now", "partition"}) {
    EXPECT_EQ(ParseProxyFault(bad).status().code(), Code::kInvalidArgument) << bad;
  }
  StatusOr<ProxyEndpoint> e = ParseProxyEndpoint("127.0.0.1:6379");
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->host, "127.0.0.1");
  EXPECT_EQ(e->port, 6379);
  EXPECT_EQ(ToString(*ParseProxyEndpoint("[::1]:0")), "[::1]:0");
  for (const char* bad : {"127.0.0.1", ":80", "host:", "host:70000", "host:x"}) {
    EXPECT_FALSE(ParseProxyEndpoint(bad).ok()) << bad;
  }
}

TEST_F(FaultProxyTest, ControlCommandsAnswerOkOrError) {
  std::unique_ptr<FaultProxy> proxy = StartProxy();
  ASSERT_NE(proxy, nullptr);
  EXPECT_EQ(HandleProxyCommand(*proxy, "latency 20ms jitter 5ms"), "ok");
  EXPECT_EQ(proxy->stats().fault.latency, milliseconds(20));
  const std::string stats = HandleProxyCommand(*proxy, "stats");
  EXPECT_EQ(stats.rfind("ok accepted=0 ", 0), 0u) << stats;
  EXPECT_NE(stats.find("fault=\"latency 20ms jitter 5ms\""), std::string::npos) << stats;
  EXPECT_EQ(HandleProxyCommand(*proxy, "latency soon").rfind("error: ", 0), 0u);
  EXPECT_EQ(HandleProxyCommand(*proxy, "").rfind("error: ", 0), 0u);
  EXPECT_EQ(HandleProxyCommand(*proxy, "clear"), "ok");
  EXPECT_EQ(proxy->stats().fault.kind, ProxyFault::Kind::kNone);
}

}  // namespace
}  // namespace slotsim
