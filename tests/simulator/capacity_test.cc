// Capacity search: on the sim target with a planted knee (a Redis model whose utilisation crosses
// 1 at a known client count) the search finds it within one step; the search logic against a
// synthetic runner (ramp, bisection, binding SLO, not bound, --min failing); probe scenarios;
// SLO and option errors; capacity.json / capacity.html; the CLI's exit codes.
#include "simulator/capacity/capacity.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "reports/capacity_report.h"

namespace slotsim {
namespace {

using std::chrono::minutes;
using std::chrono::seconds;

// Clients that never leave and poll every second: each makes one Redis call per second (plus
// one availability call when it arrives), so `servers` Redis servers that take `service` per
// call saturate at servers * 1 s / service clients.
std::string KneeToml(int servers, const std::string& service) {
  return "name = \"knee\"\nduration = \"10m\"\nseed = 7\n"
         "[engine]\nheartbeat = \"1s\"\nredis_deadline = \"10s\"\n"
         "[clients]\nbrowse = \"const:1h\"\n"
         "[sim]\nredis_latency = \"const:" +
         service + "\"\nredis_servers = " + std::to_string(servers) + "\n";
}

class CapacityTest : public ::testing::Test {
 protected:
  static Scenario Parse(const std::string& toml) {
    StatusOr<Scenario> s = ParseScenario(toml, "knee.toml");
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    return s.ok() ? *s : Scenario{};
  }

  static Threshold Slo(const std::string& text) {
    StatusOr<Threshold> t = ParseSlo(text);
    EXPECT_TRUE(t.ok()) << t.status().ToString();
    return t.ok() ? *t : Threshold{};
  }

  ProbeRunner SimRunner() {
    SummaryProbeOptions o;
    o.run.wall_clock = &wall_;
    return SummaryProbeRunner(o);
  }

  // A runner that runs nothing: latency.poll.p99 rises steeply past `knee` (µs), errors.rate
  // past `error_knee`. Records the levels it was asked for.
  ProbeRunner FakeRunner(double knee, double error_knee = 1e18) {
    return
        [this, knee, error_knee](const Scenario& probe,
                                 const std::vector<std::string>& names) -> StatusOr<ProbeMetrics> {
          const double level = probe.load.stages.back().target;
          asked_.push_back(level);
          ProbeMetrics m;
          for (const std::string& n : names) m[n] = 0.0;
          m["latency.poll.p99"] = level <= knee ? 10'000 * level / knee : 1e6;
          m["errors.rate"] = level <= error_knee ? 0 : 0.5;
          return m;
        };
  }

  SystemClock wall_;
  std::vector<double> asked_;
};

TEST_F(CapacityTest, FindsPlantedRedisKneeWithinOneStep) {
  // Two servers at 4 ms a call: utilisation crosses 1 at 2 * 1 s / 4 ms = 500 clients.
  const Scenario base = Parse(KneeToml(2, "4ms"));
  const double knee = 2 * 1.0 / 0.004;
  CapacityOptions o;
  o.slos = {Slo("latency.poll.p99<100ms")};
  o.min = 100;
  o.max = 1000;
  o.step = 100;
  o.resolution = 10;
  o.step_duration = seconds(90);
  StatusOr<CapacityResult> r = FindCapacity(base, o, SimRunner());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->outcome, CapacityOutcome::kFound);
  EXPECT_LE(r->capacity, knee);
  EXPECT_GE(r->capacity, knee - o.resolution);
  ASSERT_TRUE(r->first_fail.has_value());
  EXPECT_LE(*r->first_fail - r->capacity, o.resolution);
  EXPECT_EQ(r->binding, 0);
  // Well under the knee the queue is short; past it latency is seconds.
  const CapacityProbe& first = r->probes.front();
  EXPECT_TRUE(first.ok);
  EXPECT_LT(*first.slos[0].value, 20'000);
  for (const CapacityProbe& p : r->probes) {
    if (p.level >= knee + 50) {
      EXPECT_GT(*p.slos[0].value, 1e6) << p.level;
    }
  }
}

TEST_F(CapacityTest, UnlimitedServersNeverBindAndAnswerMaxAsNotBound) {
  Scenario base = Parse(KneeToml(0, "2ms"));
  CapacityOptions o;
  o.slos = {Slo("latency.poll.p99<20ms")};
  o.vary = CapacityVary::kArrivalRate;
  o.min = 1;
  o.max = 8;
  o.step_duration = seconds(30);
  StatusOr<CapacityResult> r = FindCapacity(base, o, SimRunner());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->outcome, CapacityOutcome::kNotBound);
  EXPECT_EQ(r->capacity, 8);
  EXPECT_EQ(r->binding, -1);
  EXPECT_EQ(r->probes.size(), 4u);  // 1, 2, 4, 8
  EXPECT_NE(AnswerText(o, *r).find("not bound"), std::string::npos) << AnswerText(o, *r);
  EXPECT_EQ(CapacityJson(base, o, *r)["answer"]["outcome"], "not_bound");
  // KneeToml(0, ...) leaves sim.mysql_servers at 0: the hint names the knobs to set.
  const std::string hint = NotBoundHint(base, *r);
  EXPECT_NE(hint.find("--set sim.redis_servers=1 --set sim.mysql_servers=4"), std::string::npos)
      << hint;
  EXPECT_EQ(CapacityJson(base, o, *r)["hint"], hint);
  base.sim.redis_servers = 1;
  base.sim.mysql_servers = 4;
  EXPECT_EQ(NotBoundHint(base, *r), "") << "both backends are modelled: raising --max is the advice";
}

TEST_F(CapacityTest, RampThenBisectionBracketsTheKnee) {
  CapacityOptions o;
  o.slos = {Slo("latency.poll.p99<10ms")};
  o.min = 10;
  o.max = 10000;
  o.resolution = 5;
  StatusOr<CapacityResult> r = FindCapacity(Scenario{}, o, FakeRunner(537));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->outcome, CapacityOutcome::kFound);
  EXPECT_EQ(std::vector<double>(asked_.begin(), asked_.begin() + 8),
            (std::vector<double>{10, 20, 40, 80, 160, 320, 640, 480}));
  EXPECT_LE(r->capacity, 537);
  EXPECT_GT(*r->first_fail, 537);
  EXPECT_LE(*r->first_fail - r->capacity, 5);
  EXPECT_EQ(r->probes.size(), asked_.size());
  EXPECT_FALSE(r->probes[6].bisect);
  EXPECT_TRUE(r->probes[7].bisect);
}

TEST_F(CapacityTest, BindingSloIsTheOneThatFailsFirst) {
  CapacityOptions o;
  o.slos = {Slo("latency.poll.p99<10ms"), Slo("errors.rate<0.1%")};
  o.min = 100;
  o.max = 1000;
  o.step = 100;
  o.resolution = 1;
  StatusOr<CapacityResult> r = FindCapacity(Scenario{}, o, FakeRunner(800, 450));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->capacity, 450);
  EXPECT_EQ(r->first_fail, 451);
  EXPECT_EQ(r->binding, 1);
  EXPECT_EQ(r->failing, std::vector<int>{1});
  EXPECT_NE(AnswerText(o, *r).find("Binding SLO at 451 clients: errors.rate < 0.1%"),
            std::string::npos)
      << AnswerText(o, *r);
}

TEST_F(CapacityTest, MinFailingIsReportedWithTheFailingSlo) {
  CapacityOptions o;
  o.slos = {Slo("latency.poll.p99<1ms")};
  o.min = 100;
  o.max = 1000;
  StatusOr<CapacityResult> r = FindCapacity(Scenario{}, o, FakeRunner(50));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->outcome, CapacityOutcome::kMinFails);
  EXPECT_EQ(r->probes.size(), 1u);
  EXPECT_EQ(r->capacity, 0);
  EXPECT_EQ(r->binding, 0);
  EXPECT_NE(AnswerText(o, *r).find("even --min"), std::string::npos);
}

TEST_F(CapacityTest, RunnerErrorStopsTheSearch) {
  CapacityOptions o;
  o.slos = {Slo("latency.poll.p99<1ms")};
  int calls = 0;
  ProbeRunner failing = [&calls](const Scenario&,
                                 const std::vector<std::string>&) -> StatusOr<ProbeMetrics> {
    ++calls;
    return Status::Unavailable("backend gone");
  };
  StatusOr<CapacityResult> r = FindCapacity(Scenario{}, o, failing);
  EXPECT_EQ(r.status().code(), Code::kUnavailable);
  EXPECT_EQ(calls, 1);
}

TEST_F(CapacityTest, BadSloIsInvalidArgumentNamingIt) {
  for (const char* bad : {"latency.poll.p99", "latency.pol.p99<5ms", "latency.poll.p99<fast",
                          "<5ms", "errors.rate<5ms"}) {
    StatusOr<Threshold> t = ParseSlo(bad);
    ASSERT_FALSE(t.ok()) << bad;
    EXPECT_EQ(t.status().code(), Code::kInvalidArgument);
    EXPECT_NE(t.status().message().find(std::string("SLO \"") + bad + "\""), std::string::npos)
        << t.status().message();
  }
  StatusOr<Threshold> good = ParseSlo(" latency.poll.p99 <=50ms ");
  ASSERT_TRUE(good.ok()) << good.status().ToString();
  EXPECT_EQ(good->metric, "latency.poll.p99");
  EXPECT_EQ(good->condition, "<= 50ms");
  EXPECT_EQ(good->value, 50'000);
}

TEST_F(CapacityTest, BadOptionsAreInvalidArgument) {
  CapacityOptions ok;
  ok.slos = {Slo("latency.poll.p99<5ms")};
  EXPECT_TRUE(CheckCapacityOptions(ok).ok());
  std::vector<CapacityOptions> bad(7, ok);
  bad[0].slos.clear();
  bad[1].min = 0;
  bad[2].max = 5;  // below min
  bad[3].growth = 1;
  bad[4].warmup = 1;
  bad[5].step_duration = Micros(10);
  bad[6].step = 1;  // 990 linear probes
  for (const CapacityOptions& o : bad) {
    const Status s = CheckCapacityOptions(o);
    EXPECT_EQ(s.code(), Code::kInvalidArgument) << s.ToString();
    EXPECT_NE(s.message().find("allowed"), std::string::npos) << s.message();
  }
}

TEST_F(CapacityTest, ProbeScenarioHoldsTheLevelAndClipsFaults) {
  Scenario base = Parse(KneeToml(1, "1ms") +
                        "[[faults]]\nkind = \"redis_down\"\nat = \"1m\"\nfor = \"5m\"\n"
                        "[[faults]]\nkind = \"mysql_slow\"\nat = \"9m\"\nfor = \"30s\"\n"
                        "[[faults]]\nkind = \"redis_restart_empty\"\nat = \"30s\"\n");
  base.load.max_clients = 100;
  CapacityOptions o;
  o.slos = {Slo("latency.poll.p99<5ms")};
  o.step_duration = minutes(2);
  o.warmup = 0.25;
  const Scenario p = ProbeScenario(base, o, 250);
  EXPECT_EQ(p.duration, minutes(2));
  EXPECT_EQ(p.load.model, "closed");
  EXPECT_EQ(p.load.stages, (std::vector<LoadStage>{{seconds(30), 250}, {seconds(90), 250}}));
  EXPECT_EQ(p.load.max_clients, 250);
  ASSERT_EQ(p.faults.size(), 2u);
  EXPECT_EQ(p.faults[0].kind, "redis_down");
  EXPECT_EQ(p.faults[0].end(), minutes(2));
  EXPECT_EQ(p.faults[1].kind, "redis_restart_empty");
  ASSERT_EQ(p.thresholds.size(), 1u);
  EXPECT_EQ(p.thresholds[0].metric, "latency.poll.p99");
  o.vary = CapacityVary::kArrivalRate;
  EXPECT_EQ(ProbeScenario(base, o, 2.5).load.model, "open");
  EXPECT_EQ(ProbeScenario(base, o, 2.5).load.stages.back().target, 2.5);
}

TEST_F(CapacityTest, CapacityJsonAndHtmlShowEveryProbeAndTheKnee) {
  CapacityOptions o;
  o.slos = {Slo("latency.poll.p99<10ms"), Slo("errors.rate<0.1%")};
  o.min = 100;
  o.max = 1000;
  o.step = 100;
  o.resolution = 20;
  StatusOr<CapacityResult> r = FindCapacity(Scenario{}, o, FakeRunner(450));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const nlohmann::json j = CapacityJson(Scenario{}, o, *r);
  EXPECT_EQ(j["schema"], kCapacitySchema);
  EXPECT_EQ(j["probes"].size(), r->probes.size());
  EXPECT_EQ(j["probes"][0]["slos"].size(), 2u);
  EXPECT_EQ(j["probes"][0]["stage"], "ramp");
  EXPECT_TRUE(j["probes"][0]["metrics"].contains("throughput.ops_per_s"));
  EXPECT_EQ(j["answer"]["outcome"], "found");
  EXPECT_EQ(j["answer"]["capacity"], r->capacity);
  EXPECT_EQ(j["answer"]["binding"]["metric"], "latency.poll.p99");
  const std::string html = CapacityHtml(j);
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_NE(html.find("<svg"), std::string::npos);
  EXPECT_NE(html.find("class=\"knee\""), std::string::npos);
  EXPECT_NE(html.find("class=\"over\""), std::string::npos);
  EXPECT_NE(html.find("class=\"slo-limit\""), std::string::npos);
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("http://"), std::string::npos);
  EXPECT_EQ(html.find("https://"), std::string::npos);
}

// The CLI end to end: exit codes and the files it writes.
class CapacityCommandTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("slotsim-capacity-test-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
    std::ofstream(dir_ / "knee.toml") << KneeToml(1, "2ms");
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // Runs slotsim capacity with `args`; returns the exit code, output in out_.
  int Run(const std::string& args) {
    const std::string cmd = std::string(SLOTSIM_BINARY) + " capacity " +
                            (dir_ / "knee.toml").string() + " --out " + (dir_ / "out").string() +
                            " " + args + " 2>&1";
    FILE* p = ::popen(cmd.c_str(), "r");
    if (!p) return -1;
    out_.clear();
    char buf[4096];
    for (size_t n; (n = std::fread(buf, 1, sizeof buf, p)) > 0;) out_.append(buf, n);
    const int status = ::pclose(p);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

  std::filesystem::path dir_;
  std::string out_;
};

TEST_F(CapacityCommandTest, FindsCapacityAndWritesJsonAndHtml) {
  EXPECT_EQ(Run("--slo 'latency.poll.p99<100ms' --min 100 --max 800 --step-duration 30s"), 0)
      << out_;
  EXPECT_NE(out_.find("capacity: "), std::string::npos) << out_;
  EXPECT_NE(out_.find("Binding SLO"), std::string::npos) << out_;
  EXPECT_TRUE(std::filesystem::exists(dir_ / "out" / "capacity.json"));
  EXPECT_TRUE(std::filesystem::exists(dir_ / "out" / "capacity.html"));
}

TEST_F(CapacityCommandTest, BadSloExitsTwoWithAClearMessage) {
  EXPECT_EQ(Run("--slo 'latency.poll.p99<soon'"), 2) << out_;
  EXPECT_NE(out_.find("SLO \"latency.poll.p99<soon\""), std::string::npos) << out_;
  EXPECT_EQ(Run("--slo 'latency.poll.p99<5ms' --vary users"), 2) << out_;
  EXPECT_NE(out_.find("allowed: clients"), std::string::npos) << out_;
}

TEST_F(CapacityCommandTest, MinFailingExitsNinetyNine) {
  EXPECT_EQ(Run("--slo 'latency.poll.p99<0.1ms' --min 100 --step-duration 10s"), 99) << out_;
  EXPECT_NE(out_.find("even --min"), std::string::npos) << out_;
}

}  // namespace
}  // namespace slotsim
