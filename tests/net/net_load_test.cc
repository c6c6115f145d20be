// net/ at the scale it is for: a thousand client connections, each kept alive on its own, all
// open at once on one client io thread against a server on one io thread. The DISABLED_ tests
// are measurements run by hand (docs/net.md, "Measured"); they assert nothing about speed.
#include <gtest/gtest.h>
#include <malloc.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <set>
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

// Counts answers and remembers, per client, the server connection each answer came on.
class Tally {
 public:
  explicit Tally(int clients) : connection_ids_(clients) {}
  void Record(int client, const ClientResponse& r, bool expect_reused) {
    std::lock_guard<std::mutex> lock(mu_);
    if (!r.ok() || r.status != 200) {
      ++failed_;
      if (first_error_.empty())
        first_error_ = r.error_message + " status " + std::to_string(r.status);
    }
    if (expect_reused && !r.reused_connection) ++not_reused_;
    connection_ids_[client].insert(std::string(r.Header("X-Connection-Id")));
    ++done_;
    cv_.notify_all();
  }
  bool WaitDone(int n) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, 120s, [&] { return done_ >= n; });
  }
  int failed() const { return failed_; }
  int not_reused() const { return not_reused_; }
  const std::string& first_error() const { return first_error_; }
  const std::vector<std::set<std::string>>& connection_ids() const { return connection_ids_; }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::set<std::string>> connection_ids_;
  int done_ = 0, failed_ = 0, not_reused_ = 0;
  std::string first_error_;
};

TEST(NetLoadTest, ThousandClientConnectionsAreOpenAtOnceAndEachIsKeptAlive) {
  constexpr int kClients = 1000;
  constexpr int kRounds = 3;
  HttpServerOptions so;
  so.max_connections = 4 * kClients;
  so.max_connections_per_ip = 4 * kClients;
  so.idle_timeout = 120s;
  so.workers = 4;
  TestServer server(so, nullptr, /*io_threads=*/1);
  IoThreads client_io(1);
  client_io.Start();
  std::vector<std::unique_ptr<HttpClientConnection>> conns;
  HttpClientOptions co;
  co.port = server.port();
  co.connect_timeout = 30s;  // 1,000 connects at once on a shared two-core machine
  co.request_timeout = 60s;
  for (int i = 0; i < kClients; ++i)
    conns.push_back(std::make_unique<HttpClientConnection>(client_io, co));

  Tally tally(kClients);
  for (int round = 0; round < kRounds; ++round) {
    for (int i = 0; i < kClients; ++i) {
      ClientRequest req;
      req.target = "/c" + std::to_string(i);
      conns[i]->Send(std::move(req),
                     [&tally, i, round](ClientResponse r) { tally.Record(i, r, round > 0); });
    }
    ASSERT_TRUE(tally.WaitDone(kClients * (round + 1))) << "round " << round;
    if (round == 0) {
      // Every client's connection is open now, at the same time.
      EXPECT_TRUE(WaitFor([&] { return server.stats().connections_open == kClients; }))
          << server.stats().connections_open;
    }
  }
  EXPECT_EQ(tally.failed(), 0) << tally.first_error();
  EXPECT_EQ(tally.not_reused(), 0);
  std::set<std::string> distinct;
  for (int i = 0; i < kClients; ++i) {
    ASSERT_EQ(tally.connection_ids()[i].size(), 1u) << "client " << i << " changed connection";
    distinct.insert(*tally.connection_ids()[i].begin());
    EXPECT_EQ(conns[i]->connects(), 1u);
  }
  EXPECT_EQ(distinct.size(), static_cast<size_t>(kClients));
  const HttpServerStats s = server.stats();
  EXPECT_EQ(s.connections_accepted, static_cast<uint64_t>(kClients));
  EXPECT_EQ(s.connections_peak, static_cast<uint64_t>(kClients));
  EXPECT_EQ(s.requests, static_cast<uint64_t>(kClients * kRounds));
  conns.clear();
}

// Measurement: closed-loop requests/s of a trivial handler over N keep-alive connections, net's
// client against net's server in one process (2 io threads each side would fight over the two
// cores: 1 + 1). Run: build/tests/net/net_load_test --gtest_also_run_disabled_tests
//   --gtest_filter='*ClosedLoop*'   (NET_CONNECTIONS=16 NET_SECONDS=5 by default)
TEST(NetLoadTest, DISABLED_ClosedLoopRequestsPerSecond) {
  const int connections =
      std::getenv("NET_CONNECTIONS") ? std::atoi(std::getenv("NET_CONNECTIONS")) : 16;
  const int seconds = std::getenv("NET_SECONDS") ? std::atoi(std::getenv("NET_SECONDS")) : 5;
  HttpServerOptions so;
  so.workers = 2;
  TestServer server(
      so,
      [](const HttpRequest&, Reply reply) {
        reply.Send(HttpResponse{200, {{"Content-Type", "text/plain"}}, "ok", false});
      },
      1);
  IoThreads client_io(1);
  client_io.Start();
  HttpClientOptions co;
  co.port = server.port();
  std::vector<std::unique_ptr<HttpClientConnection>> conns;
  for (int i = 0; i < connections; ++i)
    conns.push_back(std::make_unique<HttpClientConnection>(client_io, co));
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> answered{0}, failed{0}, in_flight{0};
  std::function<void(int)> loop = [&](int i) {
    if (stop) return;
    ++in_flight;
    conns[i]->Send(ClientRequest{}, [&, i](ClientResponse r) {
      (r.ok() ? answered : failed)++;
      --in_flight;
      loop(i);
    });
  };
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < connections; ++i) loop(i);
  std::this_thread::sleep_for(std::chrono::seconds(seconds));
  stop = true;
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ASSERT_TRUE(WaitFor([&] { return in_flight == 0; }));
  std::printf("net closed loop: %d connections, %.0f requests/s (%llu answered, %llu failed)\n",
              connections, answered / elapsed, static_cast<unsigned long long>(answered.load()),
              static_cast<unsigned long long>(failed.load()));
  EXPECT_EQ(failed, 0u);
}

// Resident memory of this process in KiB (/proc/self/statm).
long RssKib() {
  long pages_total = 0, pages_resident = 0;
  FILE* f = std::fopen("/proc/self/statm", "r");
  if (f == nullptr) return 0;
  if (std::fscanf(f, "%ld %ld", &pages_total, &pages_resident) != 2) pages_resident = 0;
  std::fclose(f);
  return pages_resident * (sysconf(_SC_PAGESIZE) / 1024);
}

// Measurement: memory of N idle keep-alive connections after one request each, client and
// server side together in this process (NET_CONNECTIONS, default 5000; the process may hold
// 20,000 descriptors, two per connection here).
TEST(NetLoadTest, DISABLED_IdleKeepAliveConnectionsMemory) {
  const int n = std::getenv("NET_CONNECTIONS") ? std::atoi(std::getenv("NET_CONNECTIONS")) : 5000;
  HttpServerOptions so;
  so.max_connections = so.max_connections_per_ip = 2 * n;
  so.idle_timeout = 600s;
  so.max_queued = 2 * n;  // every client sends at once
  TestServer server(so, nullptr, 1);
  IoThreads client_io(1);
  client_io.Start();
  HttpClientOptions co;
  co.port = server.port();
  co.connect_timeout = 60s;
  co.request_timeout = 60s;
  const long before = RssKib();
  const size_t heap_before = mallinfo2().uordblks;
  std::vector<std::unique_ptr<HttpClientConnection>> conns;
  Tally tally(n);
  for (int i = 0; i < n; ++i) {
    conns.push_back(std::make_unique<HttpClientConnection>(client_io, co));
    conns.back()->Send(ClientRequest{},
                       [&tally, i](ClientResponse r) { tally.Record(i, r, false); });
  }
  ASSERT_TRUE(tally.WaitDone(n));
  ASSERT_TRUE(WaitFor([&] { return server.stats().connections_open == static_cast<uint64_t>(n); }));
  const long after = RssKib();
  const double heap_kib = (static_cast<double>(mallinfo2().uordblks) - heap_before) / 1024;
  std::printf(
      "net idle: %d keep-alive connections; per connection (client + server side): "
      "%.2f KiB RSS (the burst's peak included), %.2f KiB heap in use; %d failed\n",
      n, static_cast<double>(after - before) / n, heap_kib / n, tally.failed());
  EXPECT_EQ(tally.failed(), 0) << tally.first_error();
  conns.clear();
}

// Measurement: serves a trivial handler for NET_SECONDS (default 30) on a printed port, for wrk:
//   build/tests/net/net_load_test --gtest_also_run_disabled_tests --gtest_filter='*ForWrk*' &
//   wrk -t1 -c50 -d10s http://127.0.0.1:<port>/   (NET_WORKERS=2, NET_IO_THREADS=1, NET_PORT)
TEST(NetLoadTest, DISABLED_ServeATrivialHandlerForWrk) {
  const int seconds = std::getenv("NET_SECONDS") ? std::atoi(std::getenv("NET_SECONDS")) : 30;
  HttpServerOptions so;
  so.workers = std::getenv("NET_WORKERS") ? std::atoi(std::getenv("NET_WORKERS")) : 2;
  const int io_threads =
      std::getenv("NET_IO_THREADS") ? std::atoi(std::getenv("NET_IO_THREADS")) : 1;
  so.port = std::getenv("NET_PORT") ? static_cast<uint16_t>(std::atoi(std::getenv("NET_PORT"))) : 0;
  TestServer server(
      so,
      [](const HttpRequest&, Reply reply) {
        reply.Send(HttpResponse{200, {{"Content-Type", "text/plain"}}, "ok", false});
      },
      io_threads);
  std::printf("net serving on port %u for %d s\n", server.port(), seconds);
  std::fflush(stdout);
  std::this_thread::sleep_for(std::chrono::seconds(seconds));
  const HttpServerStats s = server.stats();
  std::printf("net served %llu requests on %llu connections\n",
              static_cast<unsigned long long>(s.requests),
              static_cast<unsigned long long>(s.connections_accepted));
}

}  // namespace
}  // namespace slotsim::net
