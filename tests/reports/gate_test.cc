// `slotsim gate`: a run compared against a baseline, in process (CompareToBaseline) and through
// the binary (exit codes 0 / 99 / 2 and their messages). Summaries come from short sim runs;
// regressions are planted by scaling a copy's numbers.
#include "reports/gate.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "reports/summary.h"
#include "tests/reports/report_fixture.h"

namespace slotsim {
namespace {

using nlohmann::json;
using testing_reports::RunSimSummary;
using testing_reports::ShortOutage;

struct CommandResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr together
};

// Runs the built slotsim with `args` (each single-quoted for the shell).
CommandResult RunSlotsim(const std::vector<std::string>& args) {
  std::string command = std::string("'") + SLOTSIM_BINARY + "'";
  for (const std::string& a : args) command += " '" + a + "'";
  command += " 2>&1";
  CommandResult r;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return r;
  char buf[4096];
  for (size_t n; (n = fread(buf, 1, sizeof buf, pipe)) > 0;) r.output.append(buf, n);
  const int status = pclose(pipe);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

// Multiplies every latency stat of ops.<op> (the op-level figures the gate reads) by `factor`.
void ScaleOpLatency(json& summary, const std::string& op, double factor) {
  for (auto& [stat, value] : summary["ops"][op]["latency_us"].items()) {
    value = static_cast<int64_t>(value.get<double>() * factor);
  }
}

const GateRow* RowOf(const GateResult& result, const std::string& metric) {
  for (const GateRow& row : result.rows) {
    if (row.metric == metric) return &row;
  }
  return nullptr;
}

class GateTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    baseline_ = new json(RunSimSummary("redis-outage", ShortOutage()));
  }
  static void TearDownTestSuite() {
    delete baseline_;
    baseline_ = nullptr;
  }

  void SetUp() override {
    ASSERT_TRUE(baseline_->is_object());
    char pattern[] = "/tmp/slotsim-gate-test-XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // Writes `summary` to <dir>/<name>/summary.json and returns the path.
  std::string Write(const std::string& name, const json& summary) {
    std::filesystem::create_directories(dir_ + "/" + name);
    const std::string path = dir_ + "/" + name + "/summary.json";
    EXPECT_TRUE(WriteSummary(summary, path).ok());
    return path;
  }

  static json* baseline_;
  std::string dir_;
};

json* GateTest::baseline_ = nullptr;

TEST_F(GateTest, RunIdenticalToBaselinePassesWithEveryRowOk) {
  StatusOr<GateResult> r = CompareToBaseline(*baseline_, *baseline_, GateOptions{});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(r->passed());
  ASSERT_NE(RowOf(*r, "latency.poll.p99"), nullptr);
  ASSERT_NE(RowOf(*r, "latency.poll.mysql.p99"), nullptr) << "the outage put polls on MySQL";
  ASSERT_NE(RowOf(*r, "failover.detect_ms.max"), nullptr);
  ASSERT_NE(RowOf(*r, "throughput.ops_per_s"), nullptr);
  for (const GateRow& row : r->rows) EXPECT_EQ(row.verdict, GateVerdict::kOk) << row.metric;
}

TEST_F(GateTest, LatencyThreeTimesSlowerRegressesBeyondTheBound) {
  json run = *baseline_;
  ScaleOpLatency(run, "confirm", 3.0);  // confirm p99 is above 1 ms on the sim model
  StatusOr<GateResult> r = CompareToBaseline(run, *baseline_, GateOptions{});
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->passed());
  const GateRow* row = RowOf(*r, "latency.confirm.p99");
  ASSERT_NE(row, nullptr);
  EXPECT_EQ(row->verdict, GateVerdict::kRegressed);
  EXPECT_EQ(RowOf(*r, "latency.poll.p99")->verdict, GateVerdict::kOk);
  EXPECT_NE(GateTable(*r, GateOptions{}).find("gate: FAIL"), std::string::npos);
}

TEST_F(GateTest, SmallAbsoluteLatencyIncreaseIsBelowTheFloorUnlessTheFloorIsZero) {
  json run = *baseline_;
  ScaleOpLatency(run, "availability", 1.5);  // ~0.1 ms p99: +50 % is well under 1 ms
  StatusOr<GateResult> r = CompareToBaseline(run, *baseline_, GateOptions{});
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->passed());
  EXPECT_EQ(RowOf(*r, "latency.availability.p99")->verdict, GateVerdict::kBelowFloor);

  GateOptions strict;
  strict.latency_floor_us = 0;
  r = CompareToBaseline(run, *baseline_, strict);
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->passed());
  EXPECT_EQ(RowOf(*r, "latency.availability.p99")->verdict, GateVerdict::kRegressed);
}

TEST_F(GateTest, ThroughputDropRegressesAndRiseIsBetter) {
  json run = *baseline_;
  const double ops_per_s = (*baseline_)["throughput"]["ops_per_s"].get<double>();
  run["throughput"]["ops_per_s"] = ops_per_s * 0.5;
  StatusOr<GateResult> r = CompareToBaseline(run, *baseline_, GateOptions{});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(RowOf(*r, "throughput.ops_per_s")->verdict, GateVerdict::kRegressed);

  run["throughput"]["ops_per_s"] = ops_per_s * 2;
  r = CompareToBaseline(run, *baseline_, GateOptions{});
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->passed());
  EXPECT_EQ(RowOf(*r, "throughput.ops_per_s")->verdict, GateVerdict::kBetter);
}

TEST_F(GateTest, ConsistencyCountRisingFromZeroRegressesWhateverTheBound) {
  ASSERT_EQ((*baseline_)["consistency"]["double_bookings"], 0);
  json run = *baseline_;
  run["consistency"]["double_bookings"] = 1;
  GateOptions loose;
  loose.max_regression = 100.0;  // 10000 %
  StatusOr<GateResult> r = CompareToBaseline(run, *baseline_, loose);
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->passed());
  const GateRow* row = RowOf(*r, "consistency.double_bookings");
  EXPECT_EQ(row->verdict, GateVerdict::kRegressed);
  EXPECT_EQ(row->note, "was 0");
}

TEST_F(GateTest, ErrorRateRisingFromZeroRegressesPastTheRateFloor) {
  json run = *baseline_;
  run["errors"]["rate"] = 0.0005;  // below the 0.1 percentage-point floor
  StatusOr<GateResult> r = CompareToBaseline(run, *baseline_, GateOptions{});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(RowOf(*r, "errors.rate")->verdict, GateVerdict::kBelowFloor);
  run["errors"]["rate"] = 0.02;
  r = CompareToBaseline(run, *baseline_, GateOptions{});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(RowOf(*r, "errors.rate")->verdict, GateVerdict::kRegressed);
}

TEST_F(GateTest, MeasurementTheRunLacksRegressesAsNoData) {
  json run = *baseline_;
  for (json& outage : run["failover"]["outages"]) outage["detect_ms"] = nullptr;
  StatusOr<GateResult> r = CompareToBaseline(run, *baseline_, GateOptions{});
  ASSERT_TRUE(r.ok());
  const GateRow* row = RowOf(*r, "failover.detect_ms.max");
  ASSERT_NE(row, nullptr);
  EXPECT_EQ(row->verdict, GateVerdict::kRegressed);
  EXPECT_EQ(row->note, "no data");
  // The other way round, a new measurement is not a failure.
  r = CompareToBaseline(*baseline_, run, GateOptions{});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(RowOf(*r, "failover.detect_ms.max")->verdict, GateVerdict::kNew);
  EXPECT_TRUE(r->passed());
}

TEST_F(GateTest, MetricPatternsSelectOnlyMatchingCatalogueNames) {
  json run = *baseline_;
  ScaleOpLatency(run, "confirm", 3.0);
  GateOptions options;
  options.patterns = {"latency.poll.*"};
  StatusOr<GateResult> r = CompareToBaseline(run, *baseline_, options);
  ASSERT_TRUE(r.ok());
  ASSERT_FALSE(r->rows.empty());
  for (const GateRow& row : r->rows) EXPECT_EQ(row.metric.rfind("latency.poll.", 0), 0u);
  EXPECT_NE(RowOf(*r, "latency.poll.mysql.outage.p99"), nullptr);
  EXPECT_TRUE(r->passed()) << "confirm is not compared";

  options.patterns = {"latency.nosuchop.*"};
  r = CompareToBaseline(run, *baseline_, options);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("latency.nosuchop.*"), std::string::npos);
}

TEST_F(GateTest, MaxRegressionParsesPercentagesAndFractions) {
  EXPECT_DOUBLE_EQ(ParseMaxRegression("10%").value(), 0.10);
  EXPECT_DOUBLE_EQ(ParseMaxRegression("0.25").value(), 0.25);
  EXPECT_DOUBLE_EQ(ParseMaxRegression("150%").value(), 1.5);
  EXPECT_DOUBLE_EQ(ParseMaxRegression("0").value(), 0);
  for (const char* bad : {"", "%", "ten", "10 %", "-5%", "10", "0.1x", "nan"}) {
    EXPECT_FALSE(ParseMaxRegression(bad).ok()) << bad;
  }
}

TEST_F(GateTest, BinaryExitsZeroWhenNothingRegressed) {
  const std::string base = Write("base", *baseline_);
  const CommandResult r = RunSlotsim({"gate", base, "--baseline", base});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("latency.poll.p99"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("gate: PASS"), std::string::npos) << r.output;
}

TEST_F(GateTest, BinaryExits99AndNamesTheRegressedMetric) {
  json run = *baseline_;
  ScaleOpLatency(run, "confirm", 3.0);
  const CommandResult r = RunSlotsim({"gate", Write("run", run), "--baseline",
                                      Write("base", *baseline_), "--max-regression", "20%"});
  EXPECT_EQ(r.exit_code, 99) << r.output;
  EXPECT_NE(r.output.find("REGRESSED"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("regressed beyond 20%: latency.confirm"), std::string::npos) << r.output;
}

TEST_F(GateTest, BinaryExits2OnAMissingFile) {
  const std::string missing = dir_ + "/nope/summary.json";
  const CommandResult r = RunSlotsim({"gate", missing, "--baseline", Write("base", *baseline_)});
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("cannot read " + missing), std::string::npos) << r.output;
}

TEST_F(GateTest, BinaryExits2OnASummaryOfAnotherSchemaVersion) {
  json old = *baseline_;
  old["schema"] = "slotsim.summary/0";
  const CommandResult r =
      RunSlotsim({"gate", Write("run", *baseline_), "--baseline", Write("old", old)});
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("slotsim.summary/0"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find(std::string(kSummarySchema)), std::string::npos) << r.output;
}

TEST_F(GateTest, BinaryExits2OnABadMaxRegression) {
  const std::string base = Write("base", *baseline_);
  const CommandResult r =
      RunSlotsim({"gate", base, "--baseline", base, "--max-regression", "lots"});
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("--max-regression \"lots\""), std::string::npos) << r.output;
}

TEST_F(GateTest, BinaryExits2WithoutABaseline) {
  const CommandResult r = RunSlotsim({"gate", Write("run", *baseline_)});
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("missing --baseline"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace slotsim
