// Threshold evaluation: every metric family resolves against summary.json, conditions pass and
// fail, and metrics without data fail with a note instead of passing.
#include "reports/thresholds.h"

#include <gtest/gtest.h>

#include "reports/summary.h"

namespace slotsim {
namespace {

using nlohmann::json;

json Lat(int64_t p50, int64_t p99, int64_t max) {
  return {{"p50", p50}, {"p90", p50}, {"p99", p99}, {"p999", max}, {"max", max}};
}

json Sel(int64_t count, int64_t p99) {
  return {{"count", count},
          {"latency_us", Lat(p99 / 2, p99, p99 * 2)},
          {"raw_latency_us", Lat(p99 / 4, p99 / 2, p99)}};
}

// A hand-made summary in the layout of reports/summary.h.
json MakeSummary() {
  json poll = Sel(100, 8'000);
  poll["errors"] = 5;
  poll["error_rate"] = 0.05;
  poll["by_phase"] = {
      {"steady", Sel(90, 4'000)}, {"outage", Sel(10, 40'000)}, {"recovery", Sel(0, 0)}};
  json redis = Sel(90, 4'000), mysql = Sel(10, 40'000);
  redis["by_phase"] = {{"steady", Sel(90, 4'000)}, {"outage", Sel(0, 0)}, {"recovery", Sel(0, 0)}};
  mysql["by_phase"] = {{"steady", Sel(0, 0)}, {"outage", Sel(10, 30'000)}, {"recovery", Sel(0, 0)}};
  poll["by_mode"] = {{"redis", redis}, {"mysql", mysql}};
  json confirm = Sel(20, 2'000);
  confirm["errors"] = 0;
  confirm["by_mode"] = {{"redis", Sel(20, 2'000)}, {"mysql", Sel(0, 0)}};
  return {
      {"schema", "slotsim.summary/1"},
      {"ops", {{"poll", poll}, {"confirm", confirm}}},
      {"errors", {{"count", 5}, {"rate", 0.04}}},
      {"throughput", {{"ops", 120}, {"ops_per_s", 12.0}}},
      {"clients", {{"peak", 30}, {"total", 45}}},
      {"consistency",
       {{"double_bookings", 2},
        {"lost_bookings", 0},
        {"hold_conflicts", 3},
        {"hold_conflicts_outside_failover", 1},
        {"visibility_lag_ms", {{"p50", 1.5}, {"p99", 12.5}, {"max", 20.0}}}}},
      {"failover",
       {{"mode_switches", 4},
        {"outages",
         {{{"kind", "redis_down"}, {"detect_ms", 120}, {"recover_ms", 900}, {"errors", 2}},
          {{"kind", "mysql_slow"}, {"detect_ms", nullptr}, {"recover_ms", nullptr}, {"errors", 1}},
          {{"kind", "redis_hang"}, {"detect_ms", 450}, {"recover_ms", 300}, {"errors", 0}}}}}},
      {"run", {{"wall_s", 3.5}, {"events_per_s", 1e6}, {"peak_rss_mb", 80.0}}}};
}

std::vector<Threshold> Parse(const std::vector<std::pair<std::string, std::string>>& list) {
  std::vector<Threshold> out;
  for (const auto& [metric, condition] : list) {
    StatusOr<Threshold> t = ParseThreshold(metric, condition);
    EXPECT_TRUE(t.ok()) << metric << " " << t.status().ToString();
    if (t.ok()) out.push_back(*t);
  }
  return out;
}

class ThresholdsTest : public ::testing::Test {
 protected:
  std::optional<double> V(std::string_view metric) { return MetricValue(summary_, metric); }
  json summary_ = MakeSummary();
};

TEST_F(ThresholdsTest, LatencyFamiliesResolveByModeAndPhase) {
  EXPECT_EQ(V("latency.poll.p99"), 8'000);
  EXPECT_EQ(V("latency.poll.max"), 16'000);
  EXPECT_EQ(V("latency.poll.redis.p99"), 4'000);
  EXPECT_EQ(V("latency.poll.outage.p99"), 40'000);
  EXPECT_EQ(V("latency.poll.mysql.outage.p99"), 30'000);
  EXPECT_EQ(V("latency.poll.mysql.outage.p50"), 15'000);
  EXPECT_EQ(V("latency_raw.poll.p99"), 4'000);
  EXPECT_EQ(V("latency_raw.poll.mysql.outage.max"), 30'000);
}

TEST_F(ThresholdsTest, LatencyWithoutSamplesHasNoValue) {
  EXPECT_FALSE(V("latency.confirm.mysql.p99").has_value());  // count 0
  EXPECT_FALSE(V("latency.poll.recovery.p99").has_value());  // count 0
  EXPECT_FALSE(V("latency.select.p99").has_value());         // op absent
  EXPECT_FALSE(V("latency.poll.redis.outage.max").has_value());
}

TEST_F(ThresholdsTest, CountsAndRatesResolveAndAbsentCountsAreZero) {
  EXPECT_EQ(V("ops.poll.count"), 100);
  EXPECT_EQ(V("ops.poll.errors"), 5);
  EXPECT_EQ(V("ops.poll.error_rate"), 0.05);
  EXPECT_EQ(V("ops.confirm.error_rate"), 0.0);  // derived from errors / count
  EXPECT_EQ(V("ops.cancel.count"), 0.0);
  EXPECT_EQ(V("ops.cancel.error_rate"), 0.0);
  EXPECT_EQ(V("errors.count"), 5);
  EXPECT_EQ(V("errors.rate"), 0.04);
  EXPECT_EQ(V("throughput.ops_per_s"), 12.0);
  EXPECT_EQ(V("clients.peak"), 30);
  EXPECT_EQ(V("clients.total"), 45);
  EXPECT_EQ(V("run.wall_s"), 3.5);
  EXPECT_EQ(V("run.peak_rss_mb"), 80.0);
}

TEST_F(ThresholdsTest, ErrorKindsClassesAndHarnessFiguresResolveAndAbsentOnesAreZero) {
  summary_["errors"]["by_kind"] = {{"unavailable", 4}, {"timeout", 1}};
  summary_["errors"]["by_class"] = {{"server_error", 3}};
  summary_["run"]["cpu_s"] = 2.5;
  summary_["run"]["schedule"] = {{"late_ops", 7}, {"harness_late_ops", 2}};
  summary_["run"]["scheduler_lateness_us"] = {{"p99", 1500}};
  summary_["clients"]["sold_out"] = 9;
  EXPECT_EQ(V("errors.by_kind.unavailable"), 4);
  EXPECT_EQ(V("errors.by_kind.malformed_answer"), 0.0) << "absent: nothing happened";
  EXPECT_EQ(V("errors.by_class.server_error"), 3);
  EXPECT_EQ(V("errors.by_class.reset"), 0.0);
  EXPECT_EQ(V("run.cpu_s"), 2.5);
  EXPECT_EQ(V("run.schedule.harness_late_ops"), 2);
  EXPECT_EQ(V("run.scheduler_lateness_us.p99"), 1500);
  EXPECT_EQ(V("clients.sold_out"), 9);
  const auto r = EvaluateThresholds(summary_, {*ParseThreshold("errors.by_kind.unavailable", "== 0"),
                                               *ParseThreshold("run.scheduler_lateness_us.p99",
                                                               "< 2ms")});
  ASSERT_EQ(r.size(), 2u);
  EXPECT_FALSE(r[0].ok);
  EXPECT_TRUE(r[1].ok);
}

TEST_F(ThresholdsTest, ConsistencyResolvesAndUnmeasuredLagHasNoValue) {
  EXPECT_EQ(V("consistency.double_bookings"), 2);
  EXPECT_EQ(V("consistency.hold_conflicts_outside_failover"), 1);
  EXPECT_EQ(V("consistency.phantom_bookings"), 0.0);  // absent count
  EXPECT_EQ(V("consistency.visibility_lag_ms.p99"), 12.5);
  summary_["consistency"]["visibility_lag_ms"]["p99"] = nullptr;
  EXPECT_FALSE(V("consistency.visibility_lag_ms.p99").has_value());
}

TEST_F(ThresholdsTest, FailoverAggregatesOverOutages) {
  EXPECT_EQ(V("failover.detect_ms.max"), 450);
  EXPECT_EQ(V("failover.recover_ms.max"), 900);
  EXPECT_EQ(V("failover.errors"), 3);
  EXPECT_EQ(V("failover.mode_switches"), 4);
  EXPECT_EQ(V("failover.outages"), 3);
  summary_["failover"]["outages"] = json::array();
  EXPECT_FALSE(V("failover.detect_ms.max").has_value());
  EXPECT_FALSE(V("failover.recover_ms.max").has_value());
  EXPECT_EQ(V("failover.errors"), 0.0);
  EXPECT_EQ(V("failover.outages"), 0.0);
}

TEST_F(ThresholdsTest, ConditionsPassAndFail) {
  const auto results = EvaluateThresholds(summary_, Parse({{"latency.poll.p99", "< 20ms"},
                                                           {"latency.poll.outage.p99", "< 20ms"},
                                                           {"consistency.double_bookings", "== 0"},
                                                           {"ops.poll.error_rate", "<= 5%"},
                                                           {"failover.detect_ms.max", "< 500"}}));
  ASSERT_EQ(results.size(), 5u);
  EXPECT_TRUE(results[0].ok);
  EXPECT_FALSE(results[1].ok);
  EXPECT_EQ(results[1].value, 40'000);
  EXPECT_FALSE(results[2].ok);
  EXPECT_EQ(results[2].value, 2);
  EXPECT_TRUE(results[3].ok);
  EXPECT_TRUE(results[4].ok);
  for (const ThresholdResult& r : results) EXPECT_EQ(r.note, "") << r.metric;
  EXPECT_EQ(results[0].condition, "< 20ms");
  EXPECT_FALSE(AllThresholdsPassed(results));
  EXPECT_TRUE(AllThresholdsPassed({results[0], results[3]}));
}

TEST_F(ThresholdsTest, MetricWithoutDataFailsWithANote) {
  summary_["failover"]["outages"] = json::array();
  const auto results = EvaluateThresholds(summary_, Parse({{"latency.confirm.mysql.p99", "< 1s"},
                                                           {"failover.detect_ms.max", "< 500"}}));
  ASSERT_EQ(results.size(), 2u);
  for (const ThresholdResult& r : results) {
    EXPECT_FALSE(r.ok) << r.metric;
    EXPECT_FALSE(r.value.has_value()) << r.metric;
    EXPECT_EQ(r.note, "no data") << r.metric;
  }
  const json j = ThresholdsJson(results);
  ASSERT_EQ(j.size(), 2u);
  EXPECT_TRUE(j[0]["value"].is_null());
  EXPECT_EQ(j[0]["ok"], false);
  EXPECT_EQ(j[0]["metric"], "latency.confirm.mysql.p99");
  EXPECT_EQ(j[0]["condition"], "< 1s");
  EXPECT_EQ(j[0]["note"], "no data");
}

TEST_F(ThresholdsTest, UnknownMetricFailsNamingIt) {
  Threshold t;
  t.metric = "latency.poll.p77";
  t.condition = "< 1ms";
  const auto results = EvaluateThresholds(summary_, {t});
  ASSERT_EQ(results.size(), 1u);
  EXPECT_FALSE(results[0].ok);
  EXPECT_NE(results[0].note.find("p77"), std::string::npos);
  EXPECT_FALSE(MetricValue(summary_, "latency.poll.p77").has_value());
}

// The resolver and the summary builder agree on the layout.
TEST_F(ThresholdsTest, ResolvesAgainstABuiltSummary) {
  Recorder r(RecorderOptions{FromUnixMillis(1'000), Micros(1'000'000), 3});
  OpRecord op;
  op.kind = OpKind::kSelect;
  op.served_by = StorageMode::kRedis;
  op.intended = op.invoked = FromUnixMillis(1'100);
  op.completed = FromUnixMillis(1'112);
  r.Record(op);
  RunResult result;
  result.metrics = r.Finish(FromUnixMillis(2'000));
  const json s = SummaryJson(result);
  EXPECT_EQ(MetricValue(s, "latency.select.max"), 12'000);
  EXPECT_EQ(MetricValue(s, "latency.select.redis.steady.max"), 12'000);
  EXPECT_FALSE(MetricValue(s, "latency.select.mysql.max").has_value());
  EXPECT_EQ(MetricValue(s, "ops.select.count"), 1);
  EXPECT_EQ(MetricValue(s, "throughput.ops_per_s"), 1);
  EXPECT_FALSE(MetricValue(s, "consistency.visibility_lag_ms.p99").has_value());
  EXPECT_EQ(MetricValue(s, "failover.outages"), 0);
}

}  // namespace
}  // namespace slotsim
