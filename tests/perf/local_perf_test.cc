// Wall-clock performance bounds of the reference engine on real servers, as scenario thresholds:
// each test runs one small local-target scenario of tests/perf/ (slotsim launches its own
// redis-server and mariadbd) and passes when every threshold of the file holds. A failure names
// the threshold and the number measured. ctest label `perf`; run alone (docs/testing.md), since
// a second suite competing for the cores would be measured too.
#include <gtest/gtest.h>

#include <cstdio>
#include <string>

#include "reports/summary.h"
#include "reports/thresholds.h"
#include "simulator/run/run.h"
#include "tests/support/servers.h"

namespace slotsim {
namespace {

std::string PerfScenarioPath(const std::string& name) {
  return std::string(SLOTSIM_SOURCE_DIR) + "/tests/perf/" + name + ".toml";
}

// "312 ms", "41234 us", "0": a measured value in its metric's unit
// (simulator/scenario/threshold.h).
std::string Measured(const ThresholdResult& r) {
  if (!r.value) return "no data" + (r.note.empty() ? "" : " (" + r.note + ")");
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.6g", *r.value);
  std::string unit;
  if (r.metric.rfind("latency", 0) == 0) unit = " us";
  if (r.metric.find("_ms") != std::string::npos) unit = " ms";
  return buf + unit;
}

class LocalPerfTest : public ::testing::TestWithParam<const char*> {
 protected:
  void SetUp() override {
    if (!testing::HaveServerBinaries()) GTEST_SKIP() << "redis-server / mariadbd not installed";
  }
};

TEST_P(LocalPerfTest, ScenarioMeetsItsThresholds) {
  const std::string path = PerfScenarioPath(GetParam());
  StatusOr<Scenario> scenario = LoadScenario(path, {});
  ASSERT_TRUE(scenario.ok()) << scenario.status().ToString();
  ASSERT_EQ(scenario->target.kind, "local");
  ASSERT_FALSE(scenario->thresholds.empty()) << path << " has no [thresholds]";
  SystemClock wall;
  RunOptions options;
  options.wall_clock = &wall;
  StatusOr<RunResult> result = RunScenario(*scenario, options);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  const nlohmann::json summary = SummaryJson(*result, SummaryOptions{path, {}});
  const std::vector<ThresholdResult> thresholds = EvaluateThresholds(summary, scenario->thresholds);
  for (const ThresholdResult& t : thresholds) {
    // Every measurement is printed, passing or not: the margins show in the test log.
    std::printf("%s: %s %s: measured %s: %s\n", scenario->name.c_str(), t.metric.c_str(),
                t.condition.c_str(), Measured(t).c_str(), t.ok ? "ok" : "FAILED");
    EXPECT_TRUE(t.ok) << "threshold " << t.metric << " " << t.condition << " failed: measured "
                      << Measured(t) << " (" << path << ")";
  }
  EXPECT_TRUE(result->aborted.empty()) << result->aborted;
}

INSTANTIATE_TEST_SUITE_P(Local, LocalPerfTest,
                         ::testing::Values("redis-kill", "redis-hang", "mysql-kill"),
                         [](const ::testing::TestParamInfo<const char*>& info) {
                           std::string name;
                           for (const char* c = info.param; *c; ++c) {
                             if (*c != '-') name += *c;
                           }
                           return name;
                         });

}  // namespace
}  // namespace slotsim
