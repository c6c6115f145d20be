// Run warnings from a summary alone: calendar saturation, when it began, and the faults it
// overlapped; and the same from real sim runs with a calendar too small and one big enough.
#include "reports/run_warnings.h"

#include <gtest/gtest.h>

#include "common/clock.h"
#include "reports/summary.h"
#include "simulator/run/run.h"
#include "simulator/scenario/scenario.h"

namespace slotsim {
namespace {

using nlohmann::json;

// A time series of 1 s rows: `selects` and `sold_out` per row.
json Summary(const std::vector<int>& selects, const std::vector<int>& sold_out,
             json outages = json::array()) {
  json t_s = json::array();
  for (size_t i = 0; i < selects.size(); ++i) t_s.push_back(static_cast<double>(i));
  return {
      {"timeseries",
       {{"interval_s", 1.0}, {"t_s", t_s}, {"sold_out", sold_out}, {"ops", {{"select", selects}}}}},
      {"failover", {{"outages", std::move(outages)}}}};
}

std::vector<int> Repeat(int value, size_t n) { return std::vector<int>(n, value); }

TEST(RunWarningsTest, NoGiveUpsNoWarning) {
  EXPECT_EQ(RunWarnings(Summary(Repeat(10, 30), Repeat(0, 30))), json::array());
  EXPECT_EQ(RunWarnings(json::object()), json::array()) << "a summary without a time series";
}

TEST(RunWarningsTest, AFewGiveUpsBelowTheRuleDoNotWarn) {
  // 4 give-ups in a window (below 5), and 5 that are under 10 % of 100 select attempts.
  std::vector<int> sold = Repeat(0, 30);
  sold[2] = 4;
  sold[12] = 5;
  EXPECT_EQ(RunWarnings(Summary(Repeat(10, 30), sold)), json::array());
}

TEST(RunWarningsTest, SaysWhenTheCalendarFilledAndWhichFaultItOverlapped) {
  // Windows [0,10) and [10,20) are fine; from 20 s half the attempts find the day full.
  std::vector<int> selects = Repeat(10, 40), sold = Repeat(0, 40);
  for (size_t i = 20; i < 40; ++i) sold[i] = 10;
  const json outages = {{{"kind", "redis_down"}, {"start_s", 25.0}, {"end_s", 30.0}},
                        {{"kind", "redis_hang"}, {"start_s", 2.0}, {"end_s", 5.0}}};
  const json w = RunWarnings(Summary(selects, sold, outages));
  ASSERT_EQ(w.size(), 1u) << w.dump();
  EXPECT_EQ(w[0]["kind"], "calendar_saturated");
  EXPECT_EQ(w[0]["from_s"], 20.0);
  EXPECT_EQ(w[0]["gave_up"], 200u);
  EXPECT_DOUBLE_EQ(w[0]["share"].get<double>(), 200.0 / 600.0);
  EXPECT_DOUBLE_EQ(w[0]["peak_share"].get<double>(), 0.5);
  ASSERT_EQ(w[0]["during_faults"].size(), 1u) << "only the outage inside saturated windows";
  EXPECT_EQ(w[0]["during_faults"][0]["kind"], "redis_down");
  EXPECT_NE(w[0]["message"].get<std::string>().find("from 20 s"), std::string::npos);
  EXPECT_NE(w[0]["message"].get<std::string>().find("during redis_down 25-30 s"),
            std::string::npos);
}

// A sim run: 5 arrivals/s for 2 min on `employees` x `days` days of 16 slots.
json SimSummary(int employees, int days) {
  std::vector<std::string> sets = {"load.stages=[{for=\"2m\",to=5}]",
                                   "engine.employees=" + std::to_string(employees),
                                   "clients.days=" + std::to_string(days)};
  StatusOr<Scenario> sc = ParseScenario("name = \"cal\"\nduration = \"2m\"\n", "cal.toml", sets);
  EXPECT_TRUE(sc.ok()) << sc.status().ToString();
  SystemClock wall;
  RunOptions options;
  options.wall_clock = &wall;
  StatusOr<RunResult> r = RunScenario(*sc, options);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return SummaryJson(*r, SummaryOptions{});
}

TEST(RunWarningsTest, ASimRunOnATinyCalendarWarnsAndOnABigOneDoesNot) {
  const json tiny = SimSummary(1, 1);
  EXPECT_GT(tiny["clients"]["sold_out"].get<uint64_t>(), 0u);
  ASSERT_EQ(tiny["warnings"].size(), 1u) << tiny["warnings"].dump();
  EXPECT_EQ(tiny["warnings"][0]["kind"], "calendar_saturated");
  const json big = SimSummary(50, 14);
  EXPECT_EQ(big["clients"]["sold_out"], 0u);
  EXPECT_EQ(big["warnings"], json::array());
}

}  // namespace
}  // namespace slotsim

namespace slotsim {
namespace {

// Live clients are stamped exactly at each operation (they used to be sampled every 65,536
// events, so a small run showed 0 while operations flowed), and the peak is the pool's own.
TEST(RunWarningsTest, LiveClientsAreExactInEveryRowWithOperations) {
  const json s = SimSummary(50, 14);
  const json& ts = s["timeseries"];
  uint64_t rows_with_ops = 0, most = 0;
  for (size_t i = 0; i < ts["t_s"].size(); ++i) {
    uint64_t ops = 0;
    for (const auto& [op, column] : ts["ops"].items()) ops += column[i].get<uint64_t>();
    const uint64_t live = ts["live_clients"][i].get<uint64_t>();
    most = std::max(most, live);
    if (ops == 0) continue;
    ++rows_with_ops;
    EXPECT_GT(live, 0u) << "row " << i << " has " << ops << " operations";
  }
  EXPECT_GT(rows_with_ops, 100u);
  EXPECT_GE(s["clients"]["peak"].get<uint64_t>(), most);
}

}  // namespace
}  // namespace slotsim
