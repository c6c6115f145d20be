// End-to-end runs of shipped scenarios on the sim target: determinism by seed, the reference
// profile's consistency, the legacy profile's anomalies (the checker must find real ones), and
// every shipped scenario passing its own thresholds.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "reports/abort_check.h"
#include "reports/summary.h"
#include "reports/thresholds.h"
#include "simulator/run/run.h"
#include "tests/support/scenarios.h"

namespace slotsim {
namespace {

using testing::ShippedScenarioPath;

class SimRunTest : public ::testing::Test {
 protected:
  // Runs a shipped scenario with overrides; returns its summary.json.
  nlohmann::json Run(const std::string& name, std::vector<std::string> overrides = {}) {
    StatusOr<Scenario> scenario = LoadScenario(ShippedScenarioPath(name), overrides);
    EXPECT_TRUE(scenario.ok()) << scenario.status().ToString();
    if (!scenario.ok()) return {};
    RunOptions options;
    options.wall_clock = &wall_;
    StatusOr<RunResult> result = RunScenario(*scenario, options);
    EXPECT_TRUE(result.ok()) << result.status().ToString();
    if (!result.ok()) return {};
    return SummaryJson(*result, SummaryOptions{ShippedScenarioPath(name), overrides});
  }

  static uint64_t Consistency(const nlohmann::json& s, const char* key) {
    return s["consistency"][key].get<uint64_t>();
  }

  SystemClock wall_;
};

TEST_F(SimRunTest, SameSeedGivesByteIdenticalSummaryApartFromRun) {
  nlohmann::json a = Run("redis-outage", {"duration=5m", "faults.0.at=2m"});
  nlohmann::json b = Run("redis-outage", {"duration=5m", "faults.0.at=2m"});
  ASSERT_FALSE(a.is_null());
  a.erase("run");
  b.erase("run");
  EXPECT_EQ(a.dump(2), b.dump(2));
  EXPECT_GT(a["ops"]["poll"]["count"].get<uint64_t>(), 1000u);
}

TEST_F(SimRunTest, DifferentSeedsGiveDifferentRuns) {
  nlohmann::json a = Run("steady", {"duration=2m", "seed=1"});
  nlohmann::json b = Run("steady", {"duration=2m", "seed=2"});
  ASSERT_FALSE(a.is_null());
  EXPECT_NE(a["ops"]["poll"]["count"], b["ops"]["poll"]["count"]);
}

TEST_F(SimRunTest, ReferenceProfileKeepsFlashSaleConsistent) {
  nlohmann::json s = Run("flash-sale");
  ASSERT_FALSE(s.is_null());
  EXPECT_GT(s["ops"]["confirm"]["count"].get<uint64_t>(), 10u);
  EXPECT_GT(s["ops"]["select"]["codes"].value("SlotHeld", 0), 0) << "no race happened";
  for (const char* k :
       {"double_bookings", "lost_bookings", "phantom_bookings", "hold_conflicts", "lost_holds"}) {
    EXPECT_EQ(Consistency(s, k), 0u) << k;
  }
}

TEST_F(SimRunTest, ReferenceProfileSurvivesRedisOutageWithoutAnomalies) {
  nlohmann::json s = Run("redis-outage");
  ASSERT_FALSE(s.is_null());
  for (const char* k : {"double_bookings", "lost_bookings", "phantom_bookings",
                        "hold_conflicts_outside_failover"}) {
    EXPECT_EQ(Consistency(s, k), 0u) << k;
  }
  ASSERT_EQ(s["failover"]["outages"].size(), 1u);
  EXPECT_LT(s["failover"]["outages"][0]["detect_ms"].get<int64_t>(), 500);
  EXPECT_EQ(s["errors"]["count"].get<uint64_t>(), 0u);
  EXPECT_GT(s["ops"]["poll"]["by_mode"]["mysql"]["count"].get<uint64_t>(), 0u);
}

TEST_F(SimRunTest, CheckerFindsLegacyConflictsOnFlashSale) {
  nlohmann::json s = Run("flash-sale", {"engine.profile=legacy"});
  ASSERT_FALSE(s.is_null());
  EXPECT_GT(Consistency(s, "hold_conflicts"), 0u);
  EXPECT_GT(Consistency(s, "lost_holds"), 0u);
}

TEST_F(SimRunTest, CheckerFindsLegacyConflictsOnRedisOutage) {
  nlohmann::json s = Run("redis-outage", {"engine.profile=legacy"});
  ASSERT_FALSE(s.is_null());
  EXPECT_GT(Consistency(s, "hold_conflicts"), 0u);
  EXPECT_GT(Consistency(s, "lost_holds"), 0u);
}

TEST_F(SimRunTest, EveryShippedScenarioPassesItsThresholds) {
  for (const auto& entry :
       std::filesystem::directory_iterator(std::string(SLOTSIM_SOURCE_DIR) + "/scenarios")) {
    const std::string name = entry.path().stem().string();
    if (name == "million") continue;  // a performance run (docs/performance.md), minutes long
    SCOPED_TRACE(name);
    nlohmann::json s = Run(name);
    ASSERT_FALSE(s.is_null());
    ASSERT_FALSE(s["thresholds"].empty());
    for (const auto& t : s["thresholds"]) {
      EXPECT_TRUE(t["ok"].get<bool>()) << t.dump();
    }
  }
}

TEST_F(SimRunTest, MillionScenarioLoadsAndRunsScaledDown) {
  nlohmann::json s =
      Run("million", {"load.stages=[{for=\"10s\",to=2000},{for=\"50s\",to=2000}]", "duration=1m"});
  ASSERT_FALSE(s.is_null());
  EXPECT_EQ(s["clients"]["peak"].get<uint64_t>(), 2000u);
  EXPECT_EQ(Consistency(s, "double_bookings"), 0u);
}

TEST_F(SimRunTest, AbortOnFailThresholdStopsAHopelessRunAfterItsGrace) {
  // A poll p99 under 50 µs is hopeless on the sim's ~40 µs Redis model plus engine overhead.
  StatusOr<Scenario> scenario = LoadScenario(
      ShippedScenarioPath("redis-outage"),
      {"thresholds={ \"latency.poll.p99\" = { condition = \"< 50us\", abort_on_fail = true, "
       "grace = \"40s\" } }"});
  ASSERT_TRUE(scenario.ok()) << scenario.status().ToString();
  RunOptions options;
  options.wall_clock = &wall_;
  options.abort_check = MakeAbortCheck();
  StatusOr<RunResult> result = RunScenario(*scenario, options);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_NE(result->aborted.find("latency.poll.p99"), std::string::npos) << result->aborted;
  EXPECT_GE(result->aborted_at, Micros(40'000'000));  // not before the grace
  EXPECT_LT(result->aborted_at, Micros(42'000'000));  // checked once per second after it
  EXPECT_EQ(result->metrics.duration, result->aborted_at);
  const nlohmann::json s = SummaryJson(*result);
  EXPECT_NEAR(s["run"]["aborted_at_s"].get<double>(), 41.0, 1.0);
  // Without the check (or with a condition that holds) the same run goes its full 10 minutes.
  scenario = LoadScenario(
      ShippedScenarioPath("redis-outage"),
      {"thresholds={ \"latency.poll.p99\" = { condition = \"< 1s\", abort_on_fail = true } }"});
  ASSERT_TRUE(scenario.ok());
  result = RunScenario(*scenario, options);
  ASSERT_TRUE(result.ok());
  EXPECT_TRUE(result->aborted.empty()) << result->aborted;
  EXPECT_EQ(result->metrics.duration, Micros(600'000'000));
}

TEST_F(SimRunTest, ShardsSplitTheLoadIntoDisjointSlicesOfTheSameScenario) {
  StatusOr<Scenario> scenario = LoadScenario(ShippedScenarioPath("steady"), {"duration=\"3m\""});
  ASSERT_TRUE(scenario.ok()) << scenario.status().ToString();
  RunOptions options;
  options.wall_clock = &wall_;
  StatusOr<RunResult> whole = RunScenario(*scenario, options);
  ASSERT_TRUE(whole.ok());
  uint64_t clients = 0;
  const std::string dir = ::testing::TempDir();
  for (int i = 0; i < 3; ++i) {
    options.shard_index = i;
    options.shard_count = 3;
    options.history_path = dir + "/shard" + std::to_string(i) + ".jsonl";
    StatusOr<RunResult> part = RunScenario(*scenario, options);
    ASSERT_TRUE(part.ok()) << part.status().ToString();
    EXPECT_EQ(part->shard_index, i);
    EXPECT_EQ(part->shard_count, 3);
    clients += part->metrics.clients_total;
    // Every client id of shard i carries its prefix, so shards never share a client.
    std::ifstream in(options.history_path);
    std::string line;
    int ops = 0;
    const std::string mine = "\"client_id\":\"s" + std::to_string(i) + "c";
    while (std::getline(in, line) && ops < 200) {
      if (line.find("\"op_id\":") == std::string::npos) continue;
      EXPECT_NE(line.find(mine), std::string::npos) << line;
      ++ops;
    }
    EXPECT_EQ(ops, 200);
  }
  // The open model's arrivals are split three ways (fractions carried per shard).
  EXPECT_NEAR(static_cast<double>(clients), static_cast<double>(whole->metrics.clients_total), 3);
  options.shard_index = 3;
  EXPECT_EQ(RunScenario(*scenario, options).status().code(), Code::kInvalidArgument);
}

}  // namespace
}  // namespace slotsim
