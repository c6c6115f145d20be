// The `http` target end to end: clients speaking the heartbeat protocol over real HTTP to
//  - a `slotsim serve` the run spawns over its own Redis and MariaDB, with Redis SIGKILLed
//    mid-run (the switch must show in the answers, and nothing may be lost);
//  - a `slotsim serve --store memory` the test starts, driven through its URL;
//  - a plugin-like server (a proxy in front of slotsim serve that answers with the plugin's
//    quirks, wants a scraped nonce and ?rest_route= URLs, and cannot read bookings back).
// Each run takes its scenario's duration in real time.
#include <gtest/gtest.h>
#include <httplib.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <thread>

#include "procs/child_process.h"
#include "reports/summary.h"
#include "simulator/run/run.h"
#include "tests/support/memory_serve.h"
#include "tests/support/scenarios.h"
#include "tests/support/servers.h"

namespace slotsim {
namespace {

using Json = nlohmann::json;

using testing::MemoryServe;
using testing::ShippedScenarioPath;

// A closed population of `clients` polling every second for `duration_s`.
std::vector<std::string> Shrunk(int clients, int duration_s) {
  const std::string n = std::to_string(clients);
  return {"target.kind=\"http\"",
          "duration=\"" + std::to_string(duration_s) + "s\"",
          "engine.heartbeat=\"1s\"",
          "load.model=\"closed\"",
          "load.stages=[{ for = \"2s\", to = " + n + " }, { for = \"" +
              std::to_string(duration_s - 2) + "s\", to = " + n + " }]",
          "clients.think=\"lognormal:3s:0.5\"",
          "clients.reschedule=0.2",
          "clients.cancel=0.2",
          "faults=[]"};
}

class HttpRunTest : public ::testing::Test {
 protected:
  nlohmann::json Run(const std::string& name, const std::vector<std::string>& overrides) {
    StatusOr<Scenario> scenario = LoadScenario(ShippedScenarioPath(name), overrides);
    EXPECT_TRUE(scenario.ok()) << scenario.status().ToString();
    if (!scenario.ok()) return {};
    RunOptions options;
    options.wall_clock = &wall_;
    options.self_binary = SLOTSIM_BINARY;
    options.note = [](const std::string& line) { std::fprintf(stderr, "%s\n", line.c_str()); };
    StatusOr<RunResult> result = RunScenario(*scenario, options);
    EXPECT_TRUE(result.ok()) << result.status().ToString();
    if (!result.ok()) return {};
    return SummaryJson(*result, SummaryOptions{ShippedScenarioPath(name), overrides});
  }

  static uint64_t Get(const nlohmann::json& s, const char* a, const char* b) {
    return s[a][b].get<uint64_t>();
  }

  static void ExpectConsistent(const nlohmann::json& s) {
    EXPECT_EQ(Get(s, "consistency", "double_bookings"), 0u);
    EXPECT_EQ(Get(s, "consistency", "lost_bookings"), 0u);
    EXPECT_EQ(Get(s, "consistency", "phantom_bookings"), 0u);
    EXPECT_EQ(Get(s, "consistency", "hold_conflicts_outside_failover"), 0u);
    EXPECT_EQ(Get(s, "errors", "count"), 0u) << s["ops"].dump();
  }

  SystemClock wall_;
};

TEST_F(HttpRunTest, RedisKilledUnderASpawnedServeLosesNothingAndTheAnswersShowTheSwitch) {
  if (!testing::HaveServerBinaries()) GTEST_SKIP() << "redis-server / mariadbd not installed";
  std::vector<std::string> o = Shrunk(200, 25);
  o.push_back("target.spawn=true");
  o.push_back("faults=[{ kind = \"redis_down\", at = \"8s\", for = \"10s\" }]");
  const nlohmann::json s = Run("redis-outage", o);
  ASSERT_FALSE(s.is_null());
  EXPECT_EQ(s["target"], "http");
  ExpectConsistent(s);
  EXPECT_GT(Get(s["ops"], "poll", "count"), 3000u);
  EXPECT_GT(Get(s["ops"], "confirm", "count"), 30u);
  // The server's storage_mode flipped in its answers: redis, mysql during the kill, redis.
  EXPECT_GT(s["ops"]["poll"]["by_mode"]["redis"]["count"].get<uint64_t>(), 500u);
  EXPECT_GT(s["ops"]["poll"]["by_mode"]["mysql"]["count"].get<uint64_t>(), 500u);
  EXPECT_GE(Get(s, "failover", "mode_switches"), 2u);
  const nlohmann::json& sw = s["failover"]["switches"];
  ASSERT_GE(sw.size(), 2u);
  EXPECT_EQ(sw[0]["to"], "mysql");
  EXPECT_EQ(sw[0]["cause"], "observed in answers");
  EXPECT_EQ(sw[sw.size() - 1]["to"], "redis");
  ASSERT_EQ(s["failover"]["outages"].size(), 1u);
  EXPECT_FALSE(s["failover"]["outages"][0]["detect_ms"].is_null());
  EXPECT_FALSE(s["failover"]["outages"][0]["recover_ms"].is_null());
  // Fairness is measured for every client that stayed two heartbeats.
  const nlohmann::json& f = s["clients"]["poll_fairness"];
  EXPECT_GT(f["clients"].get<uint64_t>(), 100u);
  EXPECT_DOUBLE_EQ(f["expected_polls_per_s"].get<double>(), 1.0);
  EXPECT_GT(f["rate_ratio"]["p50"].get<double>(), 0.5);
}

TEST_F(HttpRunTest, DrivesASlotsimServeThroughItsUrlAndReadsBookingsBack) {
  MemoryServe serve;
  ASSERT_TRUE(serve.Start());
  std::vector<std::string> o = Shrunk(100, 8);
  o.push_back("target.url=\"" + serve.url() + "\"");
  o.push_back("target.workers=8");
  const nlohmann::json s = Run("steady", o);
  ASSERT_FALSE(s.is_null());
  ExpectConsistent(s);
  EXPECT_GT(Get(s["ops"], "poll", "count"), 500u);
  EXPECT_GT(Get(s["ops"], "confirm", "count"), 10u);
  EXPECT_GT(s["ops"]["poll"]["by_mode"]["memory"]["count"].get<uint64_t>(), 500u);
  EXPECT_EQ(Get(s, "failover", "mode_switches"), 0u);
  EXPECT_GT(s["clients"]["poll_fairness"]["clients"].get<uint64_t>(), 50u);
}

TEST_F(HttpRunTest, ReadsFinalBookingsFromTheServersTableWhenGivenItsMySql) {
  SLOTSIM_NEED_MYSQL(mysql);
  const std::string prefix = testing::UniquePrefix("http");
  const std::string mysql_url = "mysql://" + mysql.user + ":" + mysql.password + "@" + mysql.host +
                                ":" + std::to_string(mysql.port) + "/" + mysql.database;
  MemoryServe serve;
  ASSERT_TRUE(serve.Start({"--store", "mysql", "--mysql", mysql_url, "--prefix", prefix}));
  std::vector<std::string> o = Shrunk(60, 6);
  o.push_back("target.url=\"" + serve.url() + "\"");
  o.push_back("target.workers=8");
  o.push_back("target.mysql=\"" + mysql_url + "\"");
  o.push_back("target.table_prefix=\"" + prefix + "\"");
  const nlohmann::json first = Run("steady", o);
  ASSERT_FALSE(first.is_null());
  ExpectConsistent(first);
  // Some bookings to read back. How many a 6 s wall-clock run confirms depends on the machine's
  // load (5 on a busy CI box), so only "some" is asserted.
  EXPECT_GT(Get(first["ops"], "confirm", "count"), 0u);
  // The same table again: the first run's bookings are not phantoms of the second.
  const nlohmann::json second = Run("steady", o);
  ASSERT_FALSE(second.is_null());
  ExpectConsistent(second);
  EXPECT_EQ(Get(second, "failover", "mode_switches"), 0u);
  EXPECT_GT(second["ops"]["poll"]["by_mode"]["mysql"]["count"].get<uint64_t>(), 100u);
}

// A WordPress-like front: REST only as /index.php?rest_route=/..., a nonce from the front page
// required on REST calls, booked slots as an object, no appointease_hold, no expires_at, and no
// way to read a booking back. Everything else is forwarded to a slotsim serve.
class PluginLikeProxy {
 public:
  static constexpr const char* kNonce = "0a1b2c3d4e";

  explicit PluginLikeProxy(int upstream_port) : upstream_port_(upstream_port) {
    server_.new_task_queue = [] { return new httplib::ThreadPool(24); };
    server_.set_keep_alive_max_count(1000000);
    server_.set_tcp_nodelay(true);
    server_.Get("/", [](const httplib::Request&, httplib::Response& res) {
      res.set_content(std::string("<script>var bookingAPI = {\"root\":\"/wp-json/\",\"nonce\":\"") +
                          kNonce + "\"};</script>",
                      "text/html");
    });
    auto handler = [this](const httplib::Request& req, httplib::Response& res) {
      Handle(req, res);
    };
    server_.Get(".*", handler);
    server_.Post(".*", handler);
    server_.Put(".*", handler);
    server_.Delete(".*", handler);
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
  }
  ~PluginLikeProxy() {
    server_.stop();
    thread_.join();
  }
  int port() const { return port_; }
  size_t forwarded_for_seen() {
    std::lock_guard<std::mutex> lock(mu_);
    return forwarded_for_.size();
  }
  int rest_calls() const { return rest_calls_; }
  int refused() const { return refused_; }
  // From now on every `n`-th heartbeat answer loses its appointease_booked_slots (valid JSON,
  // a required key missing); malformed() counts them.
  void MalformEvery(int n) { malform_every_ = n; }
  int malformed() const { return malformed_; }

 private:
  static void Error(httplib::Response& res, int status, const std::string& code) {
    res.status = status;
    res.set_content(Json{{"code", code}, {"message", code}, {"data", {{"status", status}}}}.dump(),
                    "application/json");
  }

  void Handle(const httplib::Request& req, httplib::Response& res) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      forwarded_for_.insert(req.get_header_value("X-Forwarded-For"));
    }
    std::string path = req.path;
    if (path != "/wp-admin/admin-ajax.php") {
      const std::string route = req.get_param_value("rest_route");
      if (path != "/index.php" || route.empty()) return Error(res, 404, "rest_no_route");
      ++rest_calls_;
      if (req.get_header_value("X-WP-Nonce") != kNonce) {
        ++refused_;
        return Error(res, 403, "rest_cookie_invalid_nonce");
      }
      if (req.method == "GET") return Error(res, 404, "rest_no_route");
      path = "/wp-json" + route;
      if (req.has_param("client_id")) path += "?client_id=" + req.get_param_value("client_id");
    }
    Forward(req, path, res);
  }

  void Forward(const httplib::Request& req, const std::string& path, httplib::Response& res) {
    httplib::Client c("127.0.0.1", upstream_port_);
    httplib::Headers h;
    if (req.has_header("X-Idempotency-Key")) {
      h.emplace("X-Idempotency-Key", req.get_header_value("X-Idempotency-Key"));
    }
    const std::string type = req.get_header_value("Content-Type");
    httplib::Result r = req.method == "POST"     ? c.Post(path, h, req.body, type)
                        : req.method == "PUT"    ? c.Put(path, h, req.body, type)
                        : req.method == "DELETE" ? c.Delete(path, h)
                                                 : c.Get(path, h);
    if (!r) return Error(res, 502, "bad_gateway");
    Json doc = Json::parse(r->body, nullptr, false);
    if (doc.is_object()) {
      doc.erase("appointease_hold");
      doc.erase("expires_at");
      if (doc.contains("appointease_booked_slots") && doc["appointease_booked_slots"].is_array()) {
        Json as_object = Json::object();
        int i = 0;
        for (const Json& t : doc["appointease_booked_slots"]) as_object[std::to_string(i++)] = t;
        doc["appointease_booked_slots"] = as_object;
        if (malform_every_ > 0 && ++heartbeats_ % malform_every_ == 0) {
          doc.erase("appointease_booked_slots");
          ++malformed_;
        }
      }
    }
    res.status = r->status;
    res.set_content(doc.is_discarded() ? r->body : doc.dump(), "application/json");
  }

  int upstream_port_;
  httplib::Server server_;
  int port_ = -1;
  std::thread thread_;
  std::mutex mu_;
  std::set<std::string> forwarded_for_;
  std::atomic<int> rest_calls_{0};
  std::atomic<int> refused_{0};
  std::atomic<int> malform_every_{0};
  std::atomic<int> heartbeats_{0};
  std::atomic<int> malformed_{0};
};

TEST_F(HttpRunTest, CopesWithAPluginLikeServerNonceRestRouteAndQuirks) {
  MemoryServe serve;
  ASSERT_TRUE(serve.Start());
  PluginLikeProxy proxy(serve.port());
  ASSERT_GT(proxy.port(), 0);
  std::vector<std::string> o = Shrunk(60, 8);
  o.push_back("target.url=\"http://127.0.0.1:" + std::to_string(proxy.port()) + "/\"");
  o.push_back("target.workers=8");
  o.push_back("target.nonce_from=\"/\"");
  o.push_back("target.rest_style=\"rest_route\"");
  o.push_back("target.forwarded_for=true");
  const nlohmann::json s = Run("steady", o);
  ASSERT_FALSE(s.is_null());
  ExpectConsistent(s);
  EXPECT_GT(Get(s["ops"], "confirm", "count"), 5u);
  EXPECT_GT(Get(s["ops"], "select", "count"), 5u);
  EXPECT_GT(proxy.rest_calls(), 20);
  EXPECT_EQ(proxy.refused(), 0);  // every REST call carried the scraped nonce
  EXPECT_GT(proxy.forwarded_for_seen(), 40u);
}

TEST_F(HttpRunTest, EveryHeartbeatWithoutItsBookedSlotsIsCountedAsAMalformedAnswer) {
  MemoryServe serve;
  ASSERT_TRUE(serve.Start());
  PluginLikeProxy proxy(serve.port());
  ASSERT_GT(proxy.port(), 0);
  proxy.MalformEvery(7);
  std::vector<std::string> o = Shrunk(30, 6);
  o.push_back("target.url=\"http://127.0.0.1:" + std::to_string(proxy.port()) + "/\"");
  o.push_back("target.workers=4");
  o.push_back("target.nonce_from=\"/\"");
  o.push_back("target.rest_style=\"rest_route\"");
  const nlohmann::json s = Run("steady", o);
  ASSERT_FALSE(s.is_null());
  ASSERT_GT(proxy.malformed(), 10);
  // Each one under its own kind, exactly as many as were planted; none read as a success.
  const uint64_t planted = static_cast<uint64_t>(proxy.malformed());
  EXPECT_EQ(s["ops"]["poll"]["codes"]["MalformedAnswer"].get<uint64_t>(), planted);
  EXPECT_EQ(s["errors"]["by_kind"]["malformed_answer"].get<uint64_t>(), planted);
  EXPECT_EQ(Get(s["ops"], "poll", "errors"), planted);
  EXPECT_EQ(Get(s, "errors", "count"), planted) << s["errors"].dump();
}

TEST_F(HttpRunTest, SpawnWithoutTheBinaryIsBadInput) {
  StatusOr<Scenario> scenario =
      LoadScenario(ShippedScenarioPath("steady"), {"target.kind=\"http\"", "target.spawn=true"});
  ASSERT_TRUE(scenario.ok()) << scenario.status().ToString();
  RunOptions options;
  options.wall_clock = &wall_;
  StatusOr<RunResult> result = RunScenario(*scenario, options);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), Code::kInvalidArgument);
}

TEST_F(HttpRunTest, FaultsAgainstAServerSlotsimDidNotLaunchAreBadInput) {
  StatusOr<Scenario> scenario =
      LoadScenario(ShippedScenarioPath("redis-outage"),
                   {"target.kind=\"http\"", "target.url=\"http://127.0.0.1:1\""});
  ASSERT_TRUE(scenario.ok()) << scenario.status().ToString();
  RunOptions options;
  options.wall_clock = &wall_;
  StatusOr<RunResult> result = RunScenario(*scenario, options);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), Code::kInvalidArgument);
}

}  // namespace
}  // namespace slotsim
