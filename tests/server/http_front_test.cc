// serve's HTTP front on net/ (server/http_server.h), through real sockets: each hard limit
// answered as JSON and counted in /metrics, slow clients that hold no worker, pipelining,
// a smuggling shape refused, and /livez, /readyz, /healthz telling the truth while MariaDB is
// killed. net/'s own suites (tests/net) cover the mechanics; these cover serve's wiring.
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "engine/engine_stack.h"
#include "engine/grid.h"
#include "engine/memory_store.h"
#include "procs/managed_servers.h"
#include "server/http_server.h"
#include "server/readiness.h"
#include "tests/net/raw_client.h"
#include "tests/support/servers.h"

namespace slotsim {
namespace {

using Json = nlohmann::json;
using net::testing::RawClient;
using net::testing::RawResponse;

std::string Get(const std::string& path) { return "GET " + path + " HTTP/1.1\r\nHost: t\r\n\r\n"; }

class HttpFrontTest : public ::testing::Test {
 protected:
  void StartMemory(HttpServerOptions options = {}) {
    memory_ = std::make_unique<MemoryStore>();
    StatusOr<SlotEngine> e = SlotEngine::Create(*memory_, clock_, EngineOptions{});
    ASSERT_TRUE(e.ok());
    engine_ = std::make_unique<SlotEngine>(std::move(e).value());
    options.port = 0;
    server_ = std::make_unique<HttpServer>(*engine_, clock_, nullptr, options);
    ASSERT_TRUE(server_->Start().ok());
    port_ = static_cast<uint16_t>(server_->port());
  }
  void TearDown() override {
    if (server_) server_->Stop();
  }

  // One request on a new connection.
  std::optional<RawResponse> Ask(const std::string& bytes) {
    RawClient c;
    if (!c.Connect(port_) || !c.Send(bytes)) return std::nullopt;
    return c.Read();
  }
  // The value of `series` in /metrics, or -1.
  long long Metric(const std::string& series) {
    std::optional<RawResponse> m = Ask(Get("/metrics"));
    if (!m) return -1;
    const size_t at = m->body.find(series + " ");
    if (at == std::string::npos) return -1;
    return std::stoll(m->body.substr(at + series.size() + 1));
  }
  static std::string CodeOf(const RawResponse& r) {
    const Json j = Json::parse(r.body, nullptr, false);
    return j.is_object() && j.contains("code") ? j["code"].get<std::string>() : "";
  }

  SystemClock clock_;
  std::unique_ptr<MemoryStore> memory_;
  std::unique_ptr<SlotEngine> engine_;
  std::unique_ptr<HttpServer> server_;
  uint16_t port_ = 0;
};

TEST_F(HttpFrontTest, AHeaderFloodGets431JsonAndIsCounted) {
  StartMemory();
  const std::string flood =
      "GET /healthz HTTP/1.1\r\nHost: t\r\nX-Pad: " + std::string(20 * 1024, 'a') + "\r\n\r\n";
  std::optional<RawResponse> r = Ask(flood);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 431);
  EXPECT_EQ(CodeOf(*r), "request_header_fields_too_large");
  EXPECT_EQ(Metric("slotsim_http_transport_total{event=\"header_too_large\"}"), 1);
  // The server goes on serving.
  std::optional<RawResponse> ok = Ask(Get("/livez"));
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200);
}

TEST_F(HttpFrontTest, SlowHeaderClientsHoldNoWorkerAndAreTimedOut) {
  HttpServerOptions o;
  o.threads = 2;  // with one thread per connection, two slow clients would starve everyone
  o.read_timeout_s = 1;
  StartMemory(o);
  std::vector<std::unique_ptr<RawClient>> slow;
  for (int i = 0; i < 20; ++i) {
    slow.push_back(std::make_unique<RawClient>());
    ASSERT_TRUE(slow.back()->Connect(port_));
    ASSERT_TRUE(slow.back()->Send("GET /healthz HTTP/1.1\r\nHost: t\r\n"));  // never ends
  }
  std::optional<RawResponse> ok = Ask(Get("/healthz"));
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200);
  // Each slow client is answered 408 once its headers are late, and counted.
  std::optional<RawResponse> timed_out = slow.front()->Read(std::chrono::seconds(10));
  ASSERT_TRUE(timed_out);
  EXPECT_EQ(timed_out->status, 408);
  EXPECT_EQ(CodeOf(*timed_out), "request_timeout");
  for (size_t i = 1; i < slow.size(); ++i) {
    std::optional<RawResponse> r = slow[i]->Read(std::chrono::seconds(10));
    ASSERT_TRUE(r) << i;
    EXPECT_EQ(r->status, 408) << i;
  }
  EXPECT_EQ(Metric("slotsim_http_transport_total{event=\"header_timeouts\"}"), 20);
}

TEST_F(HttpFrontTest, PipelinedRequestsAreAnsweredInOrder) {
  StartMemory();
  RawClient c;
  ASSERT_TRUE(c.Connect(port_));
  ASSERT_TRUE(c.Send(Get("/livez") + Get("/no/such/route") + Get("/readyz")));
  std::optional<RawResponse> a = c.Read(), b = c.Read(), d = c.Read();
  ASSERT_TRUE(a && b && d);
  EXPECT_EQ(a->status, 200);
  EXPECT_EQ(b->status, 404);
  EXPECT_EQ(CodeOf(*b), "rest_no_route");
  EXPECT_EQ(d->status, 200);
  EXPECT_EQ(Json::parse(d->body)["status"], "ready");
}

TEST_F(HttpFrontTest, ContentLengthWithTransferEncodingIsRefusedAndNothingInsideRuns) {
  StartMemory();
  // A request hidden in the body: a lenient server reading Content-Length would run it.
  const std::string hidden =
      "POST /wp-json/appointease/v1/appointments HTTP/1.1\r\nHost: t\r\n"
      "Content-Length: 2\r\n\r\n{}";
  const std::string smuggle =
      "POST /wp-admin/admin-ajax.php HTTP/1.1\r\nHost: t\r\n"
      "Content-Length: " +
      std::to_string(5 + hidden.size()) + "\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" +
      hidden;
  std::optional<RawResponse> r = Ask(smuggle);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  EXPECT_EQ(CodeOf(*r), "bad_request");
  EXPECT_EQ(Metric("slotsim_http_transport_total{event=\"bad_requests\"}"), 1);
  EXPECT_EQ(Metric("slotsim_http_requests_total{route=\"appointment_create\",code=\"400\"}"), -1)
      << "the hidden request reached a route";
}

TEST_F(HttpFrontTest, ConnectionsOverThePerAddressLimitGet503) {
  HttpServerOptions o;
  o.max_connections_per_ip = 3;
  StartMemory(o);
  std::vector<std::unique_ptr<RawClient>> held;
  for (int i = 0; i < 3; ++i) {
    held.push_back(std::make_unique<RawClient>());
    ASSERT_TRUE(held.back()->Connect(port_));
    ASSERT_TRUE(held.back()->Send(Get("/livez")));
    ASSERT_TRUE(held.back()->Read());  // open and answered: keep-alive keeps it
  }
  std::optional<RawResponse> fourth = Ask(Get("/livez"));
  ASSERT_TRUE(fourth);
  EXPECT_EQ(fourth->status, 503);
  EXPECT_EQ(CodeOf(*fourth), "service_unavailable");
  // Another address is not affected.
  RawClient other;
  ASSERT_TRUE(other.Connect(port_, "127.0.0.2"));
  ASSERT_TRUE(other.Send(Get("/livez")));
  std::optional<RawResponse> r = other.Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
}

TEST_F(HttpFrontTest, ReadyzAndHealthzSay503WhileMariaDbIsDeadAndLivezStays200) {
  SLOTSIM_NEED_REDIS(redis_url);
  StatusOr<std::unique_ptr<ManagedMariaDb>> mariadb = ManagedMariaDb::Start();
  ASSERT_TRUE(mariadb.ok()) << mariadb.status().ToString();
  EngineStackOptions so;
  so.redis = redis_url;
  so.mysql = (*mariadb)->url();
  so.prefix = testing::UniquePrefix("front");
  so.reset = true;
  StatusOr<std::unique_ptr<EngineStack>> stack = EngineStack::Create(so, clock_);
  ASSERT_TRUE(stack.ok()) << stack.status().ToString();
  HttpServerOptions o;
  o.port = 0;
  EngineStack& s = **stack;
  o.readiness = [&s] { return http::StackReadiness(s); };
  server_ = std::make_unique<HttpServer>(s.engine(), clock_, &s.failover(), o);
  ASSERT_TRUE(server_->Start().ok());
  port_ = static_cast<uint16_t>(server_->port());

  std::optional<RawResponse> ready = Ask(Get("/readyz"));
  ASSERT_TRUE(ready);
  EXPECT_EQ(ready->status, 200) << ready->body;
  EXPECT_EQ(Json::parse(ready->body)["backends"]["mysql"], "up");

  (*mariadb)->Kill();
  std::optional<RawResponse> not_ready = Ask(Get("/readyz"));
  ASSERT_TRUE(not_ready);
  EXPECT_EQ(not_ready->status, 503) << not_ready->body;
  const Json j = Json::parse(not_ready->body);
  EXPECT_EQ(j["status"], "not_ready");
  EXPECT_EQ(j["backends"]["mysql"].get<std::string>().rfind("down", 0), 0u) << j.dump();
  std::optional<RawResponse> health = Ask(Get("/healthz"));
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 503);
  EXPECT_EQ(Json::parse(health->body)["status"], "unavailable");
  std::optional<RawResponse> live = Ask(Get("/livez"));
  ASSERT_TRUE(live);
  EXPECT_EQ(live->status, 200);

  ASSERT_TRUE((*mariadb)->Restart().ok());
  ready = Ask(Get("/readyz"));
  ASSERT_TRUE(ready);
  EXPECT_EQ(ready->status, 200) << ready->body;
  server_->Stop();
  server_.reset();
}

}  // namespace
}  // namespace slotsim
