// HttpServer over real sockets: the wire format end to end, malformed and hostile input, the
// orderly stop, and, with real Redis and MariaDB, racing bookings and a Redis SIGKILL.
#include "server/http_server.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "engine/engine_stack.h"
#include "engine/grid.h"
#include "engine/memory_store.h"
#include "tests/support/servers.h"

namespace slotsim {
namespace {

using Json = nlohmann::json;
using std::chrono::steady_clock;

constexpr const char* kForm = "application/x-www-form-urlencoded";
constexpr const char* kJsonType = "application/json";
constexpr const char* kAjax = "/wp-admin/admin-ajax.php";

// A wall clock whose Now() can be made to block, so a test can hold a request inside the
// engine (which reads the clock once per call) while it stops the server.
class GatedClock final : public Clock {
 public:
  Timestamp Now() const override {
    std::unique_lock<std::mutex> lock(mu_);
    if (!open_) {
      ++waiting_;
      cv_.notify_all();
      cv_.wait(lock, [&] { return open_; });
    }
    return inner_.Now();
  }
  TimerId ScheduleAt(Timestamp at, std::function<void()> fn) override {
    return inner_.ScheduleAt(at, std::move(fn));
  }
  bool Cancel(TimerId id) override { return inner_.Cancel(id); }
  void SleepFor(Micros d) override { inner_.SleepFor(d); }

  void Close() {
    std::lock_guard<std::mutex> lock(mu_);
    open_ = false;
  }
  void Open() {
    std::lock_guard<std::mutex> lock(mu_);
    open_ = true;
    cv_.notify_all();
  }
  // Waits (bounded) until a caller is blocked in Now().
  bool WaitForWaiter(Millis limit) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, limit, [&] { return waiting_ > 0; });
  }

 private:
  SystemClock inner_;
  mutable std::mutex mu_;
  mutable std::condition_variable cv_;
  mutable int waiting_ = 0;
  bool open_ = true;
};

std::string Date48h(Clock& clock) { return DateOf(clock.Now() + std::chrono::hours(48)); }

std::string HeartbeatBody(const std::string& date, const std::string& client,
                          const std::string& time, bool select) {
  std::string b =
      "action=heartbeat&data[appointease_poll][date]=" + date +
      "&data[appointease_poll][employee_id]=1&data[appointease_poll][client_id]=" + client +
      "&data[appointease_poll][selected_time]=" + time;
  if (select) {
    b += "&data[appointease_select][date]=" + date + "&data[appointease_select][time]=" + time +
         "&data[appointease_select][employee_id]=1&data[appointease_select][client_id]=" + client;
  }
  return b;
}

std::unique_ptr<httplib::Client> ClientFor(int port) {
  auto c = std::make_unique<httplib::Client>("127.0.0.1", port);
  c->set_connection_timeout(2, 0);
  c->set_read_timeout(10, 0);
  c->set_write_timeout(10, 0);
  return c;
}

// Sends `bytes` on a fresh connection, closes the write side, and returns what the server sent
// back before closing (or within `limit`).
std::string RawExchange(int port, const std::string& bytes, Millis limit = Millis(3000)) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close(fd);
    return "";
  }
  timeval tv{static_cast<time_t>(limit.count() / 1000),
             static_cast<suseconds_t>((limit.count() % 1000) * 1000)};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  (void)send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
  shutdown(fd, SHUT_WR);
  std::string out;
  char buf[4096];
  ssize_t n;
  while ((n = recv(fd, buf, sizeof buf, 0)) > 0) out.append(buf, static_cast<size_t>(n));
  close(fd);
  return out;
}

// The status code of the first response in raw bytes, or 0.
int RawStatus(const std::string& response) {
  if (response.rfind("HTTP/1.1 ", 0) != 0 || response.size() < 12) return 0;
  return std::atoi(response.substr(9, 3).c_str());
}

// The body of the first response in raw bytes, as its Content-Length says.
std::string RawBody(const std::string& response) {
  const size_t end = response.find("\r\n\r\n");
  const size_t cl = response.find("Content-Length: ");
  if (end == std::string::npos || cl == std::string::npos || cl > end) return "";
  const size_t length = std::stoul(response.substr(cl + 16, response.find("\r\n", cl) - cl - 16));
  return response.substr(end + 4, length);
}

class HttpServerTest : public ::testing::Test {
 protected:
  void StartMemory(HttpServerOptions options = {}) {
    memory_ = std::make_unique<MemoryStore>();
    StatusOr<SlotEngine> e = SlotEngine::Create(*memory_, clock_, EngineOptions{});
    ASSERT_TRUE(e.ok());
    engine_.emplace(std::move(e).value());
    StartServer(*engine_, clock_, nullptr, options);
  }

  void StartServer(SlotEngine& engine, Clock& clock, FailoverStore* failover,
                   HttpServerOptions options) {
    options.port = 0;
    server_ = std::make_unique<HttpServer>(engine, clock, failover, options);
    const Status s = server_->Start();
    ASSERT_TRUE(s.ok()) << s.ToString();
    ASSERT_GT(server_->port(), 0);
    client_ = ClientFor(server_->port());
  }

  void TearDown() override {
    if (server_) server_->Stop();
  }

  // Asserts a 4xx whose body is a JSON error naming its own status.
  static void ExpectJsonClientError(int status, const std::string& body, const std::string& what) {
    EXPECT_GE(status, 400) << what << ": " << body;
    EXPECT_LT(status, 500) << what << ": " << body;
    const Json j = Json::parse(body, nullptr, false);
    ASSERT_TRUE(j.is_object()) << what << ": " << body;
    EXPECT_TRUE(j.contains("code") && j["code"].is_string()) << what << ": " << body;
    EXPECT_EQ(j["data"]["status"], status) << what << ": " << body;
  }

  void ExpectHealthy(const std::string& after) {
    httplib::Result r = ClientFor(server_->port())->Get("/healthz");
    ASSERT_TRUE(r) << "no /healthz answer after " << after;
    EXPECT_EQ(r->status, 200) << "after " << after;
  }

  SystemClock clock_;
  std::unique_ptr<MemoryStore> memory_;
  std::optional<SlotEngine> engine_;
  std::unique_ptr<HttpServer> server_;
  std::unique_ptr<httplib::Client> client_;
};

TEST_F(HttpServerTest, MemoryStoreServesAHeartbeatSelectAndPollRoundTrip) {
  StartMemory();
  const std::string date = Date48h(clock_);
  httplib::Result r = client_->Post(kAjax, HeartbeatBody(date, "c1", "10:00", true), kForm);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  Json j = Json::parse(r->body);
  EXPECT_EQ(j["appointease_select"]["success"], true);
  EXPECT_EQ(j["appointease_hold"]["status"], "held");
  EXPECT_GT(j["appointease_hold"]["expires_at"].get<int64_t>(), j["server_time"].get<int64_t>());
  EXPECT_EQ(j["storage_mode"], "memory");
  // Another client's beat sees the hold and, re-asserting the same time, learns it is lost.
  r = client_->Post(kAjax, HeartbeatBody(date, "c2", "10:00", false), kForm);
  ASSERT_TRUE(r);
  j = Json::parse(r->body);
  EXPECT_EQ(j["appointease_active_selections"], Json({"10:00"}));
  EXPECT_EQ(j["appointease_hold"]["status"], "lost");
}

TEST_F(HttpServerTest, RestRoutesAnswerUnderWpJsonAndRestRoute) {
  StartMemory();
  const std::string date = Date48h(clock_);
  const Json slot = {{"date", date}, {"time", "11:00"}, {"employee_id", 1}, {"client_id", "c1"}};
  httplib::Result r =
      client_->Post("/index.php?rest_route=/appointease/v1/slots/select", slot.dump(), kJsonType);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200) << r->body;
  const Json booking = {{"name", "A"},
                        {"email", "a@example.com"},
                        {"client_id", "c1"},
                        {"date", date + " 11:00:00"},
                        {"employee_id", "1"}};
  r = client_->Post("/wp-json/appointease/v1/appointments", {{"X-Idempotency-Key", "k-1"}},
                    booking.dump(), kJsonType);
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  const std::string id = Json::parse(r->body)["strong_id"];
  r = client_->Delete("/index.php?rest_route=/appointease/v1/appointments/" + id,
                      {{"X-Client-Id", "c1"}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(Json::parse(r->body)["status"], "cancelled");
}

TEST_F(HttpServerTest, HealthzMetricsAndUnknownRoutesAnswerJsonOrText) {
  StartMemory();
  httplib::Result r = client_->Get("/healthz");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(Json::parse(r->body)["status"], "ok");
  r = client_->Get("/no/such/route");
  ASSERT_TRUE(r);
  ExpectJsonClientError(r->status, r->body, "unknown route");
  EXPECT_EQ(r->status, 404);
  r = client_->Get("/metrics");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_NE(r->get_header_value("Content-Type").find("text/plain"), std::string::npos);
  EXPECT_NE(r->body.find("slotsim_http_requests_total{route=\"healthz\",code=\"200\"} 1"),
            std::string::npos)
      << r->body;
  EXPECT_NE(r->body.find("slotsim_http_requests_total{route=\"not_found\",code=\"404\"} 1"),
            std::string::npos);
  EXPECT_NE(r->body.find("slotsim_storage_mode{mode=\"memory\"} 1"), std::string::npos);
}

TEST_F(HttpServerTest, FuzzedRequestsToEveryRouteGet4xxJsonAndTheServerStaysUp) {
  HttpServerOptions o;
  o.max_body_bytes = 16 * 1024;
  StartMemory(o);
  const std::string d = Date48h(clock_);
  const std::string poll = "action=heartbeat&data[appointease_poll][date]=" + d +
                           "&data[appointease_poll][employee_id]=1";
  struct Case {
    std::string method, target, type, body;
    httplib::Headers headers;
  };
  const std::string sel = "/wp-json/appointease/v1/slots/select";
  const std::string appt = "/wp-json/appointease/v1/appointments";
  const std::vector<Case> cases = {
      {"POST", kAjax, kForm, "", {}},
      {"POST", kAjax, kForm, "action=heartbeat&data%ZZ=1", {}},
      {"POST", kAjax, kForm, "action=other", {}},
      {"POST", kAjax, kForm, poll, {}},  // no client_id
      {"POST", kAjax, kForm, poll + "&data[appointease_poll][client_id]=bad|id", {}},
      {"POST",
       kAjax,
       kForm,
       poll + "&data[appointease_poll][client_id]=c&data[appointease_poll][selected_time]=25:99",
       {}},
      {"POST",
       kAjax,
       kForm,
       "action=heartbeat&data[appointease_poll][date]=2026-13-45&data[appointease_poll][employee_"
       "id]=1&data[appointease_poll][client_id]=c",
       {}},
      {"POST",
       kAjax,
       kForm,
       "action=heartbeat&data[appointease_poll][date]=" + d +
           "&data[appointease_poll][employee_id]=-3&data[appointease_poll][client_id]=c",
       {}},
      {"POST", kAjax, kJsonType, "{\"action\":\"heartbeat\"}", {}},
      {"POST", kAjax, kForm, std::string(9000, 'a'), {}},  // form bodies stop at 8 KiB
      {"POST", sel, kJsonType, "", {}},
      {"POST", sel, "multipart/form-data; boundary=x", "--x\r\n\r\nbody\r\n--x--\r\n", {}},
      {"POST", sel, kJsonType, "{", {}},
      {"POST", sel, kJsonType, "[1,2]", {}},
      {"POST", sel, kJsonType, "null", {}},
      {"POST", sel, kJsonType, "{\"date\":[1]}", {}},
      {"POST",
       sel,
       kJsonType,
       "{\"date\":\"" + d + "\",\"time\":\"10:00\",\"employee_id\":1.5,\"client_id\":\"c\"}",
       {}},
      {"POST",
       sel,
       kJsonType,
       "{\"date\":\"" + d + "\",\"time\":\"10:00\",\"employee_id\":true,\"client_id\":\"c\"}",
       {}},
      {"POST",
       sel,
       kJsonType,
       "{\"date\":\"" + d + "\",\"time\":\"99:99\",\"employee_id\":1,\"client_id\":\"c\"}",
       {}},
      {"POST",
       sel,
       kJsonType,
       "{\"date\":\"tomorrow\",\"time\":\"10:00\",\"employee_id\":1,\"client_id\":\"c\"}",
       {}},
      {"POST",
       sel,
       kJsonType,
       "{\"date\":\"" + d + "\",\"time\":\"10:00\",\"employee_id\":1,\"client_id\":{\"a\":1}}",
       {}},
      {"POST", sel, kJsonType, "{\"date\":\"\xff\xfe\",\"time\":\"10:00\"}", {}},
      {"POST", sel, kJsonType, std::string(5000, '[') + std::string(5000, ']'), {}},
      {"POST", sel, kJsonType, std::string("\x00\x01\x02garbage", 10), {}},
      {"POST",
       sel,
       kJsonType,
       "{\"date\":\"" + d + "\",\"time\":\"10:00\",\"employee_id\":1,\"client_id\":\"c\"",
       {}},  // truncated
      {"POST",
       "/wp-json/appointease/v1/slots/deselect",
       kJsonType,
       "{\"date\":\"" + d + "\",\"time\":\"10:00\",\"employee_id\":1}",
       {}},
      {"GET", "/wp-json/appointease/v1/slots/poll", "", "", {}},
      {"GET",
       "/wp-json/appointease/v1/slots/poll?date=" + d + "&employee_id=0&client_id=c",
       "",
       "",
       {}},
      {"GET", "/wp-json/appointease/v1/slots/poll?date=%G1&employee_id=1&client_id=c", "", "", {}},
      {"POST", "/wp-json/booking/v1/availability", kJsonType, "{\"date\":5,\"employee_id\":1}", {}},
      {"POST",
       "/wp-json/booking/v1/availability",
       kJsonType,
       "{\"date\":\"" + d + "\",\"employee_id\":\"x\"}",
       {}},
      {"POST", appt, kJsonType, "{}", {}},
      {"POST",
       appt,
       kJsonType,
       "{\"date\":\"" + d + "\",\"employee_id\":1,\"email\":\"a@b.c\"}",
       {}},
      {"POST",
       appt,
       kJsonType,
       "{\"date\":\"" + d + " 10:00:30\",\"employee_id\":1,\"email\":\"a@b.c\"}",
       {}},
      {"POST",
       appt,
       kJsonType,
       "{\"date\":\"" + d + " 10:00:00\",\"employee_id\":1,\"email\":\"nope\"}",
       {}},
      {"POST",
       appt,
       kJsonType,
       "{\"date\":\"" + d + " 10:00:00\",\"employee_id\":1,\"email\":\"a@b.c\"}",
       {{"X-Idempotency-Key", "bad key!"}}},
      {"PUT", appt + "/APT-2026-000001", kJsonType, "{}", {}},
      {"PUT", appt + "/APT-2026-000001", kJsonType, "{\"new_date\":\"" + d + " 10:00:00\"}", {}},
      {"PUT",
       appt + "/bad!id",
       kJsonType,
       "{\"new_date\":\"" + d + " 10:00:00\",\"client_id\":\"c\"}",
       {}},
      {"DELETE", appt + "/APT-2026-000001", "", "", {}},
      {"DELETE", appt + "/APT-2026-999999", "", "", {{"X-Client-Id", "c"}}},
      {"GET", appt + "/%00", "", "", {}},
      {"GET", "/wp-json/nope", "", "", {}},
      {"PATCH", sel, kJsonType, "{}", {}},
      {"DELETE", "/healthz", "", "", {}},
      {"OPTIONS", "/metrics", "", "", {}},
      {"GET", "/" + std::string(9000, 'x'), "", "", {}},  // target too long
      {"POST",
       sel,
       kJsonType,
       "{\"a\":\"" + std::string(20 * 1024, 'x') + "\"}",
       {}},  // > max body
  };
  for (const Case& c : cases) {
    const std::string what = c.method + " " + c.target.substr(0, 80) + " " + c.body.substr(0, 80);
    httplib::Request req;
    req.method = c.method;
    req.path = c.target;
    req.headers = c.headers;
    if (!c.type.empty()) req.set_header("Content-Type", c.type);
    req.body = c.body;
    httplib::Result r = client_->send(req);
    ASSERT_TRUE(r) << what << ": no answer (" << httplib::to_string(r.error()) << ")";
    ExpectJsonClientError(r->status, r->body, what);
    ExpectHealthy(what);
  }
}

TEST_F(HttpServerTest, MalformedAndTruncatedHttpNeverTakesTheServerDown) {
  StartMemory();
  const std::vector<std::string> raw = {
      "GARBAGE\r\n\r\n",
      "GET\r\n\r\n",
      "POST /wp-admin/admin-ajax.php HTTP/1.1\r\nContent-Length: 100\r\n\r\naction=hea",
      "POST /wp-admin/admin-ajax.php HTTP/1.1\r\nContent-Length: abc\r\n\r\n",
      "POST /wp-admin/admin-ajax.php HTTP/1.1\r\nContent-Length: 99999999999999\r\n\r\nx",
      "POST /wp-json/appointease/v1/slots/select HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
      "10000\r\nxxxx",
      "GET /healthz HTTP/1.1\r\nX: " + std::string(20000, 'h') + "\r\n\r\n",
      "BREW /healthz HTTP/1.1\r\n\r\n",
      std::string("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 11),  // a TLS hello
      "",
  };
  for (const std::string& bytes : raw) {
    const std::string what = "raw " + bytes.substr(0, 60);
    const std::string answer = RawExchange(server_->port(), bytes);
    const int status = RawStatus(answer);
    if (status != 0) {
      EXPECT_GE(status, 400) << what;
      EXPECT_LT(status, 500) << what << "\n" << answer;
      EXPECT_TRUE(Json::accept(RawBody(answer))) << what << "\n" << answer;
    }
    ExpectHealthy(what);
  }
}

TEST_F(HttpServerTest, BodiesOverTheLimitChunkedOrNotGet413Json) {
  HttpServerOptions o;
  o.max_body_bytes = 1024;
  StartMemory(o);
  httplib::Result r =
      client_->Post("/wp-json/appointease/v1/slots/select", std::string(2048, ' '), kJsonType);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 413);
  EXPECT_EQ(Json::parse(r->body)["code"], "payload_too_large");
  // A chunked body is bounded by the same limit (httplib counts what it reads).
  r = client_->Post(
      "/wp-json/appointease/v1/slots/select",
      [](size_t offset, httplib::DataSink& sink) {
        const std::string chunk(512, ' ');
        if (offset < 4096) return sink.write(chunk.data(), chunk.size());
        sink.done();
        return true;
      },
      kJsonType);
  if (r) {
    EXPECT_EQ(r->status, 413);
  } else {
    // The server answers 413 and closes as soon as the limit is passed; a client still sending
    // chunks may see its write (or the read after it) fail instead of the answer; when the
    // failed write is the content provider's own, httplib reports Canceled. Never a refused
    // connection: the server is up, as ExpectHealthy checks below.
    EXPECT_TRUE(r.error() == httplib::Error::Write || r.error() == httplib::Error::Read ||
                r.error() == httplib::Error::Canceled)
        << "error " << static_cast<int>(r.error());
  }
  // A small chunked body is read and parsed like any other.
  r = client_->Post(
      "/wp-json/appointease/v1/slots/select",
      [](size_t offset, httplib::DataSink& sink) {
        if (offset == 0) return sink.write("{}", 2);
        sink.done();
        return true;
      },
      kJsonType);
  ASSERT_TRUE(r);
  ExpectJsonClientError(r->status, r->body, "small chunked body");
  EXPECT_EQ(Json::parse(r->body)["code"], "rest_missing_callback_param");
  ExpectHealthy("chunked");
}

TEST_F(HttpServerTest, StopDrainsARequestInFlightThenRefusesConnections) {
  GatedClock gated;
  MemoryStore store;
  StatusOr<SlotEngine> engine = SlotEngine::Create(store, gated, EngineOptions{});
  ASSERT_TRUE(engine.ok());
  StartServer(*engine, gated, nullptr, HttpServerOptions{});
  const int port = server_->port();
  const std::string date = Date48h(gated);
  gated.Close();
  int status = 0;
  std::thread request([&] {
    httplib::Result r =
        ClientFor(port)->Post(kAjax, HeartbeatBody(date, "c1", "10:00", true), kForm);
    status = r ? r->status : -1;
  });
  ASSERT_TRUE(gated.WaitForWaiter(Millis(5000))) << "the request never reached the engine";
  std::atomic<bool> stopped{false};
  std::thread stopper([&] {
    server_->Stop();
    stopped = true;
  });
  std::this_thread::sleep_for(Millis(200));
  EXPECT_FALSE(stopped) << "Stop returned while a request was in flight";
  gated.Open();
  request.join();
  stopper.join();
  EXPECT_EQ(status, 200);
  EXPECT_TRUE(stopped);
  httplib::Result after = ClientFor(port)->Get("/healthz");
  EXPECT_FALSE(after) << "still answering after Stop";
}

TEST_F(HttpServerTest, StopDoesNotWaitOutIdleKeepAliveConnections) {
  HttpServerOptions o;
  o.keep_alive_timeout_s = 60;
  StartMemory(o);
  client_->set_keep_alive(true);
  httplib::Result r = client_->Get("/healthz");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200);
  const auto start = steady_clock::now();
  server_->Stop();  // the connection above is open and idle
  EXPECT_LT(steady_clock::now() - start, std::chrono::seconds(30))
      << "Stop waited for the keep-alive timeout";
}

TEST_F(HttpServerTest, ABusyPortFailsToStartWithUnavailable) {
  StartMemory();
  HttpServerOptions o;
  o.port = server_->port();
  HttpServer second(*engine_, clock_, nullptr, o);
  const Status s = second.Start();
  EXPECT_EQ(s.code(), Code::kUnavailable) << s.ToString();
  HttpServerOptions bad;
  bad.threads = 0;
  HttpServer third(*engine_, clock_, nullptr, bad);
  EXPECT_EQ(third.Start().code(), Code::kInvalidArgument);
}

// ---- with real Redis and MariaDB --------------------------------------------------------------

class HttpServerStackTest : public HttpServerTest {
 protected:
  // The production stack over `redis` and the shared MariaDB, under a unique prefix.
  void StartStack(const RedisUrl& redis, const MySqlUrl& mysql, int threads) {
    EngineStackOptions o;
    o.redis = redis;
    o.mysql = mysql;
    o.prefix = testing::UniquePrefix("http");
    o.redis_pool = threads;
    o.mysql_pool = threads;
    o.reset = true;
    StatusOr<std::unique_ptr<EngineStack>> stack = EngineStack::Create(o, clock_);
    ASSERT_TRUE(stack.ok()) << stack.status().ToString();
    stack_ = std::move(stack).value();
    HttpServerOptions ho;
    ho.threads = threads;
    StartServer(stack_->engine(), clock_, &stack_->failover(), ho);
  }

  void TearDown() override {
    HttpServerTest::TearDown();
    // The server holds the stack's engine and its switch listener on the FailoverStore: it
    // goes first (its destructor takes the listener back).
    server_.reset();
    if (stack_) {
      stack_->mysql().TruncateForTest().IgnoreError(
          "best-effort cleanup: the tables carry this test's unique prefix, so rows left behind "
          "reach no other test");
    }
    stack_.reset();
  }

  std::unique_ptr<EngineStack> stack_;
};

TEST_F(HttpServerStackTest, FiftyConcurrentConfirmsOfOneSlotYieldExactlyOneBooking) {
  SLOTSIM_NEED_REDIS(redis_url);
  SLOTSIM_NEED_MYSQL(mysql_url);
  constexpr int kClients = 50;
  StartStack(redis_url, mysql_url, 64);
  const std::string date = Date48h(clock_);
  std::atomic<int> ready{0};
  std::atomic<bool> go{false};
  std::vector<int> status(kClients, 0);
  std::vector<std::string> codes(kClients);
  std::vector<std::thread> threads;
  for (int i = 0; i < kClients; ++i) {
    threads.emplace_back([&, i] {
      auto client = ClientFor(server_->port());
      const Json body = {{"name", "N"},
                         {"email", "c" + std::to_string(i) + "@example.com"},
                         {"client_id", "c" + std::to_string(i)},
                         {"date", date + " 10:00:00"},
                         {"employee_id", 1}};
      ++ready;
      while (!go) std::this_thread::yield();
      httplib::Result r = client->Post("/wp-json/appointease/v1/appointments",
                                       {{"X-Idempotency-Key", "race-" + std::to_string(i)}},
                                       body.dump(), kJsonType);
      status[i] = r ? r->status : -1;
      if (r && r->status != 200) {
        const Json j = Json::parse(r->body, nullptr, false);
        codes[i] = j.is_object() ? j.value("code", "") : r->body;
      }
    });
  }
  while (ready < kClients) std::this_thread::yield();
  go = true;
  for (std::thread& t : threads) t.join();
  int ok = 0, taken = 0;
  for (int i = 0; i < kClients; ++i) {
    if (status[i] == 200) ++ok;
    if (status[i] == 409 && codes[i] == "slot_taken") ++taken;
    EXPECT_TRUE(status[i] == 200 || status[i] == 409) << "client " << i << ": " << status[i];
  }
  EXPECT_EQ(ok, 1);
  EXPECT_EQ(taken, kClients - 1);
  StatusOr<std::vector<Booking>> active = stack_->mysql().ActiveBookings("");
  ASSERT_TRUE(active.ok());
  EXPECT_EQ(active->size(), 1u);
}

TEST_F(HttpServerStackTest, RedisKilledDuringHeartbeatsFailsOverWithoutServerErrors) {
  SLOTSIM_NEED_MYSQL(mysql_url);
  StatusOr<std::unique_ptr<testing::RedisProcess>> redis = testing::RedisProcess::Start();
  ASSERT_TRUE(redis.ok()) << redis.status().ToString();
  StartStack((*redis)->url(), mysql_url, 16);
  ASSERT_EQ(stack_->failover().mode(), StorageMode::kRedis);
  const std::string date = Date48h(clock_);
  constexpr int kBeaters = 4;
  std::atomic<bool> stop{false};
  std::atomic<int> beats{0}, server_errors{0}, failures{0};
  std::atomic<bool> saw_mysql{false}, saw_redis{false};
  std::vector<std::string> last_hold(kBeaters);
  std::vector<std::thread> beaters;
  for (int i = 0; i < kBeaters; ++i) {
    beaters.emplace_back([&, i] {
      auto client = ClientFor(server_->port());
      client->set_keep_alive(true);
      const std::string id = "beater" + std::to_string(i);
      const std::string time = std::to_string(10 + i) + ":00";
      for (bool first = true; !stop; first = false) {
        httplib::Result r = client->Post(kAjax, HeartbeatBody(date, id, time, first), kForm);
        ++beats;
        if (!r) {
          ++failures;
          continue;
        }
        if (r->status >= 500) ++server_errors;
        const Json j = Json::parse(r->body, nullptr, false);
        if (!j.is_object()) {
          ++failures;
          continue;
        }
        const std::string mode = j.value("storage_mode", "");
        if (mode == "mysql") saw_mysql = true;
        if (mode == "redis") saw_redis = true;
        if (j.contains("appointease_hold")) last_hold[i] = j["appointease_hold"]["status"];
        std::this_thread::sleep_for(Millis(5));
      }
    });
  }
  const auto wait_for = [&](std::atomic<bool>& flag, Millis limit) {
    const auto until = steady_clock::now() + limit;
    while (!flag && steady_clock::now() < until) std::this_thread::sleep_for(Millis(10));
    return flag.load();
  };
  EXPECT_TRUE(wait_for(saw_redis, Millis(5000)));
  (*redis)->Kill();
  EXPECT_TRUE(wait_for(saw_mysql, Millis(5000))) << "storage_mode never became mysql";
  std::this_thread::sleep_for(Millis(300));  // heartbeats keep running on MySQL
  saw_redis = false;
  ASSERT_TRUE((*redis)->Restart().ok());
  const bool back = wait_for(saw_redis, Millis(10000));
  stop = true;
  for (std::thread& t : beaters) t.join();
  EXPECT_TRUE(back) << "storage_mode never came back to redis after the restart";
  EXPECT_EQ(server_errors, 0) << "of " << beats << " heartbeats";
  EXPECT_EQ(failures, 0);
  for (int i = 0; i < kBeaters; ++i) EXPECT_EQ(last_hold[i], "held") << "beater " << i;
  EXPECT_GE(stack_->failover().switches().size(), 2u);
  EXPECT_NE(server_->MetricsText().find("slotsim_mode_switches_total"), std::string::npos);
}

}  // namespace
}  // namespace slotsim
