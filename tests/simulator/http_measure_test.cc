// What an http run could measure, against a planting proxy in front of `slotsim serve` that
// counts every anomaly it plants:
//  - without a GET appointments/{id} route, N bookings cancelled behind the clients' backs
//    (lost bookings) are "not measured", read_back "none", and a `lost_bookings == 0`
//    threshold FAILS (`slotsim run` exits 99) — or, with allow_unmeasured, is skipped (exit 0);
//  - with the route, the same N lost bookings are counted exactly, phantoms "not measured";
//  - K confirms answered 500 although they committed are K phantoms exactly once the table
//    is read ([target] mysql); the same K answered only after the client's read timeout are
//    excused (0 phantoms, K timeouts).
// Each run takes its scenario's duration in real time.
#include <gtest/gtest.h>
#include <httplib.h>
#include <sys/wait.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "procs/child_process.h"
#include "reports/summary.h"
#include "reports/thresholds.h"
#include "simulator/run/run.h"
#include "tests/support/memory_serve.h"
#include "tests/support/scenarios.h"
#include "tests/support/servers.h"

namespace slotsim {
namespace {

using Json = nlohmann::json;
using testing::MemoryServe;
using testing::ShippedScenarioPath;

// Clients that confirm often and never move or cancel (so every planted loss is exactly one
// lost booking), against `url`.
std::vector<std::string> Overrides(const std::string& url, int clients, int duration_s) {
  const std::string n = std::to_string(clients);
  return {"target.kind=\"http\"",
          "target.url=\"" + url + "\"",
          "target.workers=8",
          "duration=\"" + std::to_string(duration_s) + "s\"",
          "engine.heartbeat=\"1s\"",
          "load.model=\"closed\"",
          "load.stages=[{ for = \"1s\", to = " + n + " }, { for = \"" +
              std::to_string(duration_s - 1) + "s\", to = " + n + " }]",
          "clients.think=\"lognormal:1s:0.3\"",
          "clients.abandon=0",
          "clients.reschedule=0",
          "clients.cancel=0",
          "faults=[]",
          "thresholds={}"};
}

// In front of a slotsim serve: forwards every call, and plants anomalies on confirms it
// forwarded successfully, up to `limit` of them.
class PlantingProxy {
 public:
  enum class Plant {
    kNone,
    kLose,     // cancel the booking upstream right after the OK answer: a lost booking
    kFail500,  // answer 500 although it committed: a phantom behind a 5xx
    kTimeout,  // answer only after the client's read timeout: an excused unknown outcome
  };

  PlantingProxy(int upstream_port, Plant plant, int limit, bool by_id_route)
      : upstream_port_(upstream_port), plant_(plant), limit_(limit), by_id_(by_id_route) {
    server_.new_task_queue = [] { return new httplib::ThreadPool(24); };
    server_.set_keep_alive_max_count(1000000);
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
  ~PlantingProxy() {
    server_.stop();
    thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  int planted() const { return planted_; }
  int confirms_ok() const { return confirms_ok_; }

 private:
  static constexpr const char* kAppointments = "/wp-json/appointease/v1/appointments";

  static void Error(httplib::Response& res, int status, const std::string& code) {
    res.status = status;
    res.set_content(Json{{"code", code}, {"message", code}, {"data", {{"status", status}}}}.dump(),
                    "application/json");
  }

  // Claims one of the `limit` plants.
  bool Claim() {
    std::lock_guard<std::mutex> lock(mu_);
    if (planted_ >= limit_) return false;
    ++planted_;
    return true;
  }

  void Handle(const httplib::Request& req, httplib::Response& res) {
    const bool booking_read = req.method == "GET" && req.path.rfind(kAppointments, 0) == 0;
    if (booking_read && !by_id_) return Error(res, 404, "rest_no_route");
    httplib::Client c("127.0.0.1", upstream_port_);
    c.set_read_timeout(30, 0);
    httplib::Headers h;
    for (const char* name : {"X-Idempotency-Key", "X-WP-Nonce"}) {
      if (req.has_header(name)) h.emplace(name, req.get_header_value(name));
    }
    std::string path = req.path;
    if (!req.params.empty()) {
      path += "?";
      for (const auto& [k, v] : req.params) path += k + "=" + v + "&";
      path.pop_back();
    }
    const std::string type = req.get_header_value("Content-Type");
    httplib::Result r = req.method == "POST"     ? c.Post(path, h, req.body, type)
                        : req.method == "PUT"    ? c.Put(path, h, req.body, type)
                        : req.method == "DELETE" ? c.Delete(path, h)
                                                 : c.Get(path, h);
    if (!r) return Error(res, 502, "bad_gateway");
    res.status = r->status;
    res.set_content(r->body, "application/json");
    const bool confirm = req.method == "POST" && req.path == kAppointments;
    if (!confirm || r->status / 100 != 2) return;
    const Json answer = Json::parse(r->body, nullptr, false);
    const Json body = Json::parse(req.body, nullptr, false);
    if (!answer.is_object() || !answer.contains("strong_id") || !body.is_object()) return;
    ++confirms_ok_;
    if (plant_ == Plant::kNone || !Claim()) return;
    switch (plant_) {
      case Plant::kLose: {
        const std::string id = answer["strong_id"].get<std::string>();
        const std::string client = body.value("client_id", "");
        httplib::Result d = c.Delete(std::string(kAppointments) + "/" + id + "?client_id=" + client);
        EXPECT_TRUE(d && d->status == 200) << "planting a lost booking failed";
        break;
      }
      case Plant::kFail500:
        Error(res, 500, "internal_error");
        break;
      case Plant::kTimeout:
        // The http target gives up after 10 s (http_backend.cc kReadTimeoutS).
        std::this_thread::sleep_for(std::chrono::milliseconds(11500));
        break;
      case Plant::kNone:
        break;
    }
  }

  int upstream_port_;
  Plant plant_;
  int limit_;
  bool by_id_;
  httplib::Server server_;
  int port_ = -1;
  std::thread thread_;
  std::mutex mu_;
  int planted_ = 0;  // under mu_
  std::atomic<int> confirms_ok_{0};
};

class HttpMeasureTest : public ::testing::Test {
 protected:
  Json Run(const std::vector<std::string>& overrides) {
    StatusOr<Scenario> scenario = LoadScenario(ShippedScenarioPath("steady"), overrides);
    EXPECT_TRUE(scenario.ok()) << scenario.status().ToString();
    if (!scenario.ok()) return {};
    RunOptions options;
    options.wall_clock = &wall_;
    options.self_binary = SLOTSIM_BINARY;
    options.note = [](const std::string& line) { std::fprintf(stderr, "%s\n", line.c_str()); };
    StatusOr<RunResult> result = RunScenario(*scenario, options);
    EXPECT_TRUE(result.ok()) << result.status().ToString();
    if (!result.ok()) return {};
    return SummaryJson(*result, SummaryOptions{ShippedScenarioPath("steady"), overrides});
  }

  // `slotsim run steady --set ...` as a user runs it: its exit code, and its summary.json.
  int RunBinary(const std::vector<std::string>& overrides, Json* summary) {
    char dir[] = "/tmp/slotsim-measure-XXXXXX";
    if (mkdtemp(dir) == nullptr) return -1;
    std::vector<std::string> argv = {SLOTSIM_BINARY, "run", ShippedScenarioPath("steady"),
                                     "--out", dir};
    for (const std::string& o : overrides) {
      argv.push_back("--set");
      argv.push_back(o);
    }
    ChildProcess child;
    if (!child.Spawn(argv, std::string(dir) + "/run.log").ok()) return -1;
    if (!child.WaitExit(Millis(120000))) {
      child.Kill();
      return -1;
    }
    std::ifstream in(std::string(dir) + "/summary.json");
    std::stringstream text;
    text << in.rdbuf();
    *summary = Json::parse(text.str(), nullptr, false);
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
    const int status = child.exit_status();
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

  static const Json& Measure(const Json& s, const char* figure) {
    return s["consistency"]["measurement"][figure];
  }
  static uint64_t Count(const Json& s, const char* figure) {
    return s["consistency"][figure].get<uint64_t>();
  }

  SystemClock wall_;
};

TEST_F(HttpMeasureTest, WithoutAReadBackRouteLostBookingsAreNotMeasuredAndTheirThresholdFails) {
  MemoryServe serve;
  ASSERT_TRUE(serve.Start());
  PlantingProxy proxy(serve.port(), PlantingProxy::Plant::kLose, 4, /*by_id_route=*/false);
  std::vector<std::string> o = Overrides(proxy.url(), 40, 7);
  o.back() = "thresholds={ \"consistency.lost_bookings\" = \"== 0\" }";
  Json s;
  EXPECT_EQ(RunBinary(o, &s), 99);  // a failed threshold
  ASSERT_TRUE(s.is_object());
  ASSERT_EQ(proxy.planted(), 4) << "the run confirmed too few bookings to plant every loss";
  EXPECT_EQ(s["consistency"]["read_back"], "none");
  EXPECT_EQ(Measure(s, "lost_bookings")["status"], "not_measured");
  EXPECT_EQ(Measure(s, "phantom_bookings")["status"], "not_measured");
  EXPECT_EQ(Measure(s, "double_bookings")["status"], "partial");
  EXPECT_EQ(Measure(s, "hold_conflicts")["status"], "measured");
  EXPECT_NE(Measure(s, "lost_bookings")["reason"].get<std::string>().find("no GET"),
            std::string::npos);
  ASSERT_EQ(s["thresholds"].size(), 1u);
  const Json& t = s["thresholds"][0];
  EXPECT_FALSE(t["ok"].get<bool>());
  EXPECT_FALSE(t["measured"].get<bool>());
  EXPECT_FALSE(t["skipped"].get<bool>());
  EXPECT_EQ(t["note"].get<std::string>().rfind("not measured: ", 0), 0u) << t.dump();

  // The same with allow_unmeasured: skipped, and the run passes.
  PlantingProxy again(serve.port(), PlantingProxy::Plant::kLose, 4, /*by_id_route=*/false);
  o = Overrides(again.url(), 40, 7);
  o.back() =
      "thresholds={ \"consistency.lost_bookings\" = { condition = \"== 0\", allow_unmeasured = "
      "true } }";
  Json allowed;
  EXPECT_EQ(RunBinary(o, &allowed), 0);
  ASSERT_TRUE(allowed.is_object());
  ASSERT_EQ(allowed["thresholds"].size(), 1u);
  const Json& a = allowed["thresholds"][0];
  EXPECT_TRUE(a["ok"].get<bool>());
  EXPECT_TRUE(a["skipped"].get<bool>());
  EXPECT_FALSE(a["measured"].get<bool>());
  EXPECT_EQ(a["note"].get<std::string>().rfind("skipped (allow_unmeasured): not measured: ", 0),
            0u)
      << a.dump();
}

TEST_F(HttpMeasureTest, ReadBackByIdCountsEveryPlantedLostBookingAndLeavesPhantomsUnmeasured) {
  MemoryServe serve;
  ASSERT_TRUE(serve.Start());
  PlantingProxy proxy(serve.port(), PlantingProxy::Plant::kLose, 5, /*by_id_route=*/true);
  const Json s = Run(Overrides(proxy.url(), 40, 7));
  ASSERT_TRUE(s.is_object());
  ASSERT_EQ(proxy.planted(), 5) << "the run confirmed too few bookings to plant every loss";
  EXPECT_EQ(s["consistency"]["read_back"], "by_id");
  EXPECT_EQ(Measure(s, "lost_bookings")["status"], "measured");
  EXPECT_EQ(Count(s, "lost_bookings"), 5u);
  EXPECT_EQ(Measure(s, "phantom_bookings")["status"], "not_measured");
  EXPECT_EQ(Measure(s, "double_bookings")["status"], "partial");
  // A threshold on the phantoms fails although the count reads 0.
  const std::vector<ThresholdResult> r = EvaluateThresholds(
      s, {*ParseThreshold("consistency.phantom_bookings", "== 0"),
          *ParseThreshold("consistency.lost_bookings", "== 5")});
  EXPECT_FALSE(r[0].ok);
  EXPECT_FALSE(r[0].measured);
  EXPECT_TRUE(r[1].ok);
  EXPECT_TRUE(r[1].measured);
}

class HttpTableTest : public HttpMeasureTest {
 protected:
  void SetUp() override {
    SLOTSIM_NEED_MYSQL(mysql);
    prefix_ = testing::UniquePrefix("meas");
    url_ = "mysql://" + mysql.user + ":" + mysql.password + "@" + mysql.host + ":" +
           std::to_string(mysql.port) + "/" + mysql.database;
    ASSERT_TRUE(serve_.Start({"--store", "mysql", "--mysql", url_, "--prefix", prefix_}));
  }
  std::vector<std::string> TableOverrides(const std::string& proxy_url, int duration_s) {
    std::vector<std::string> o = Overrides(proxy_url, 30, duration_s);
    o.push_back("target.mysql=\"" + url_ + "\"");
    o.push_back("target.table_prefix=\"" + prefix_ + "\"");
    return o;
  }

  MemoryServe serve_;
  std::string prefix_, url_;
};

TEST_F(HttpTableTest, ConfirmsAnswered500ThatCommittedAreExactlyThePhantoms) {
  PlantingProxy proxy(serve_.port(), PlantingProxy::Plant::kFail500, 6, /*by_id_route=*/true);
  const Json s = Run(TableOverrides(proxy.url(), 7));
  ASSERT_TRUE(s.is_object());
  ASSERT_EQ(proxy.planted(), 6) << "the run confirmed too few bookings to plant every 500";
  EXPECT_EQ(s["consistency"]["read_back"], "complete");
  for (const char* f : {"double_bookings", "lost_bookings", "phantom_bookings"}) {
    EXPECT_EQ(Measure(s, f)["status"], "measured") << f;
  }
  EXPECT_EQ(Count(s, "phantom_bookings"), 6u);
  EXPECT_EQ(Count(s, "lost_bookings"), 0u);
  EXPECT_EQ(Count(s, "double_bookings"), 0u);
  EXPECT_EQ(s["errors"]["by_class"]["server_error"].get<uint64_t>(), 6u) << s["errors"].dump();
}

TEST_F(HttpTableTest, ConfirmsThatTimedOutAreExcusedEvenWhenTheyCommitted) {
  PlantingProxy proxy(serve_.port(), PlantingProxy::Plant::kTimeout, 2, /*by_id_route=*/true);
  const Json s = Run(TableOverrides(proxy.url(), 6));
  ASSERT_TRUE(s.is_object());
  ASSERT_EQ(proxy.planted(), 2);
  EXPECT_EQ(s["consistency"]["read_back"], "complete");
  EXPECT_EQ(Measure(s, "phantom_bookings")["status"], "measured");
  EXPECT_EQ(Count(s, "phantom_bookings"), 0u);
  EXPECT_EQ(Count(s, "lost_bookings"), 0u);
  EXPECT_EQ(s["errors"]["by_class"]["timeout"].get<uint64_t>(), 2u) << s["errors"].dump();
}

TEST_F(HttpTableTest, ACorrectServerWithATableReadHasZerosAllMeasured) {
  PlantingProxy proxy(serve_.port(), PlantingProxy::Plant::kNone, 0, /*by_id_route=*/true);
  const Json s = Run(TableOverrides(proxy.url(), 5));
  ASSERT_TRUE(s.is_object());
  EXPECT_GT(proxy.confirms_ok(), 0);
  EXPECT_EQ(s["consistency"]["read_back"], "complete");
  for (const auto& [figure, m] : s["consistency"]["measurement"].items()) {
    EXPECT_EQ(m["status"], "measured") << figure;
  }
  for (const char* f : {"double_bookings", "lost_bookings", "phantom_bookings", "lost_holds"}) {
    EXPECT_EQ(Count(s, f), 0u) << f;
  }
  EXPECT_EQ(s["errors"]["count"].get<uint64_t>(), 0u) << s["errors"].dump();
  EXPECT_EQ(s["ops"]["confirm"]["measurement"]["status"], "measured");
}

}  // namespace
}  // namespace slotsim
