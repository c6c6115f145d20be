// Thresholds: the metric catalogue (what is accepted, what is rejected and how the error reads),
// condition parsing with units per metric, and Holds for every operator.
#include "simulator/scenario/threshold.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "protocol/ops.h"
#include "simulator/observe/recorder.h"

namespace slotsim {
namespace {

class ThresholdTest : public ::testing::Test {
 protected:
  static Threshold Parse(std::string_view metric, std::string_view condition) {
    StatusOr<Threshold> t = ParseThreshold(metric, condition);
    EXPECT_TRUE(t.ok()) << metric << " " << condition << ": " << t.status().ToString();
    return t.ok() ? *t : Threshold{};
  }
  static std::string Error(std::string_view metric, std::string_view condition) {
    StatusOr<Threshold> t = ParseThreshold(metric, condition);
    EXPECT_FALSE(t.ok()) << metric << " " << condition;
    if (t.ok()) return "";
    EXPECT_EQ(t.status().code(), Code::kInvalidArgument);
    return t.status().message();
  }
};

TEST_F(ThresholdTest, AcceptsEveryFamilyOfTheCatalogue) {
  for (const char* m : {"latency.poll.p99",
                        "latency.select.redis.p50",
                        "latency.confirm.outage.max",
                        "latency.reschedule.mysql.recovery.p999",
                        "latency_raw.availability.steady.p90",
                        "latency_raw.cancel.redis.steady.max",
                        "ops.poll.count",
                        "ops.select.errors",
                        "ops.confirm.error_rate",
                        "errors.count",
                        "errors.rate",
                        "throughput.ops_per_s",
                        "consistency.double_bookings",
                        "consistency.lost_bookings",
                        "consistency.phantom_bookings",
                        "consistency.hold_conflicts",
                        "consistency.hold_conflicts_outside_failover",
                        "consistency.lost_holds",
                        "consistency.visibility_lag_ms.p50",
                        "consistency.visibility_lag_ms.p99",
                        "consistency.visibility_lag_ms.max",
                        "failover.detect_ms.max",
                        "failover.recover_ms.max",
                        "failover.errors",
                        "failover.mode_switches",
                        "failover.outages",
                        "clients.peak",
                        "clients.total",
                        "run.events_per_s",
                        "run.peak_rss_mb",
                        "run.wall_s"}) {
    EXPECT_TRUE(CheckMetricName(m).ok()) << m << ": " << CheckMetricName(m).ToString();
  }
}

TEST_F(ThresholdTest, CatalogueListsOnlyAcceptedNamesWithoutDuplicates) {
  const std::vector<std::string> all = MetricCatalogue();
  // 2 families x 7 ops x 12 mode/phase forms x 5 stats + 7 ops x 3 + 32 fixed + 11 error
  // kinds + 7 error classes.
  EXPECT_EQ(all.size(), 2u * 7 * 12 * 5 + 7 * 3 + 32 + 11 + 7);
  EXPECT_EQ(std::set<std::string>(all.begin(), all.end()).size(), all.size());
  for (const std::string& m : all) EXPECT_TRUE(CheckMetricName(m).ok()) << m;
}

TEST_F(ThresholdTest, ErrorKindsAndClassesAreTheRecordersNames) {
  for (int c = 1; c < kCodeCount; ++c) {
    const std::string kind = ErrorKindName(static_cast<Code>(c));
    EXPECT_TRUE(CheckMetricName("errors.by_kind." + kind).ok()) << kind;
  }
  for (int c = 1; c < kAnswerClasses; ++c) {
    const std::string cls(AnswerClassName(static_cast<AnswerClass>(c)));
    EXPECT_TRUE(CheckMetricName("errors.by_class." + cls).ok()) << cls;
  }
  EXPECT_NE(CheckMetricName("errors.by_kind.oops").message().find(
                "unknown kind \"oops\"; allowed: slot_held, slot_booked"),
            std::string::npos)
      << CheckMetricName("errors.by_kind.oops").message();
  EXPECT_FALSE(CheckMetricName("errors.by_class").ok());
}

TEST_F(ThresholdTest, DocsListEveryMetricOutsideTheLatencyAndOpsFamilies) {
  const std::filesystem::path docs =
      std::filesystem::path(__FILE__).parent_path() / "../../docs/scenarios.md";
  std::ifstream in(docs);
  ASSERT_TRUE(in) << docs;
  std::stringstream text;
  text << in.rdbuf();
  for (const std::string& m : MetricCatalogue()) {
    if (m.rfind("latency", 0) == 0 || m.rfind("ops.", 0) == 0) continue;
    if (m.rfind("errors.by_", 0) == 0) {  // a family row: its leaf is listed in the row
      EXPECT_NE(text.str().find("`" + m.substr(m.rfind('.') + 1) + "`"), std::string::npos) << m;
      continue;
    }
    EXPECT_NE(text.str().find("`" + m + "`"), std::string::npos) << m << " is not in " << docs;
  }
  for (const char* family :
       {"`latency.<op>[.<mode>][.<phase>].<stat>`", "`latency_raw.<op>[.<mode>][.<phase>].<stat>`",
        "`ops.<op>.count`", "`ops.<op>.errors`", "`ops.<op>.error_rate`",
        "`errors.by_kind.<kind>`", "`errors.by_class.<class>`"}) {
    EXPECT_NE(text.str().find(family), std::string::npos) << family;
  }
}

TEST_F(ThresholdTest, UnknownMetricsAreErrorsNamingThePartAndTheAllowedValues) {
  const auto message = [](std::string_view m) { return CheckMetricName(m).message(); };
  EXPECT_NE(message("latency.poll.p95")
                .find("unknown stat \"p95\"; allowed: p50, p90, p99, p999, "
                      "max"),
            std::string::npos)
      << message("latency.poll.p95");
  EXPECT_NE(message("latency.book.p99").find("unknown op \"book\"; allowed: select, deselect"),
            std::string::npos);
  EXPECT_NE(message("latency.poll.memory.p99").find("allowed: mode one of redis, mysql"),
            std::string::npos);
  EXPECT_NE(message("latency.poll.outage.redis.p99").find("bad mode or phase"), std::string::npos);
  EXPECT_NE(message("consistency.double_booking").find("consistency.double_bookings"),
            std::string::npos);
  EXPECT_NE(message("ops.poll.latency").find("ops.<op>.count|errors|error_rate"),
            std::string::npos);
  EXPECT_NE(message("p99").find("unknown family \"p99\""), std::string::npos);
  for (const char* m : {"", "latency", "latency.poll", "latency.poll.redis.steady.x.p99",
                        "failover.detect_ms", "clients", "run.wall_ms"}) {
    const Status st = CheckMetricName(m);
    EXPECT_EQ(st.code(), Code::kInvalidArgument) << m;
    EXPECT_NE(st.message().find("unknown metric \"" + std::string(m) + "\""), std::string::npos);
    EXPECT_NE(st.message().find("; allowed: "), std::string::npos) << st.message();
  }
}

TEST_F(ThresholdTest, LatencyConditionsAreStoredInMicroseconds) {
  EXPECT_EQ(Parse("latency.poll.p99", "< 20ms").value, 20000);
  EXPECT_EQ(Parse("latency.poll.p99", "<20ms").value, 20000);
  EXPECT_EQ(Parse("latency.poll.p99", "< 250us").value, 250);
  EXPECT_EQ(Parse("latency.poll.p99", "< 1.5s").value, 1500000);
  EXPECT_EQ(Parse("latency.poll.p99", "< 20").value, 20000);  // a bare number is ms
  EXPECT_EQ(Parse("latency_raw.poll.p99", "<= 0.5 ms").value, 500);
}

TEST_F(ThresholdTest, MillisecondMetricsTakeBareNumbersAndTimeUnits) {
  EXPECT_EQ(Parse("failover.detect_ms.max", "< 500").value, 500);
  EXPECT_EQ(Parse("failover.detect_ms.max", "< 2s").value, 2000);
  EXPECT_EQ(Parse("consistency.visibility_lag_ms.p99", "< 1500us").value, 1.5);
  EXPECT_EQ(Parse("run.wall_s", "< 60").value, 60);
  EXPECT_EQ(Parse("run.wall_s", "< 500ms").value, 0.5);
}

TEST_F(ThresholdTest, RatesTakeFractionsAndPercentages) {
  EXPECT_DOUBLE_EQ(Parse("errors.rate", "< 0.1%").value, 0.001);
  EXPECT_DOUBLE_EQ(Parse("ops.poll.error_rate", "<= 0.01").value, 0.01);
}

TEST_F(ThresholdTest, UnitsAMetricDoesNotTakeAreErrors) {
  EXPECT_NE(Error("consistency.double_bookings", "== 0ms").find("unit \"ms\" not allowed"),
            std::string::npos);
  EXPECT_NE(Error("errors.count", "< 5%").find("allowed: \"<op> <value>\""), std::string::npos);
  EXPECT_NE(Error("latency.poll.p99", "< 20m").find("unit \"m\" not allowed"), std::string::npos);
  EXPECT_NE(Error("errors.rate", "< 1ms").find("a fraction or a percentage"), std::string::npos);
}

TEST_F(ThresholdTest, BadConditionsNameTheThresholdAndTheForm) {
  for (const char* condition :
       {"20ms", "", "=< 20ms", "< ms", "<", "< abc", "< -5ms", "< inf", "=> 3", "< 20 ms ms"}) {
    const std::string m = Error("latency.poll.p99", condition);
    EXPECT_NE(m.find("threshold \"latency.poll.p99\" = \"" + std::string(condition) + "\""),
              std::string::npos)
        << m;
    EXPECT_NE(m.find("allowed: \"<op> <value>\" with op one of < <= > >= == !="), std::string::npos)
        << m;
  }
}

TEST_F(ThresholdTest, UnknownMetricIsAnErrorEvenWithAGoodCondition) {
  EXPECT_NE(Error("latency.pol.p99", "< 20ms").find("unknown metric"), std::string::npos);
}

TEST_F(ThresholdTest, KeepsTheConditionAsWritten) {
  const Threshold t = Parse("latency.poll.p99", " <  20ms ");
  EXPECT_EQ(t.metric, "latency.poll.p99");
  EXPECT_EQ(t.condition, " <  20ms ");
  EXPECT_EQ(t.op, Comparison::kLess);
}

TEST_F(ThresholdTest, HoldsForEveryOperator) {
  struct Case {
    const char* condition;
    double below, equal, above;  // whether 4, 5, 6 hold
  };
  const Case cases[] = {{"< 5", 1, 0, 0},  {"<= 5", 1, 1, 0}, {"> 5", 0, 0, 1},
                        {">= 5", 0, 1, 1}, {"== 5", 0, 1, 0}, {"!= 5", 1, 0, 1}};
  for (const Case& c : cases) {
    const Threshold t = Parse("consistency.double_bookings", c.condition);
    EXPECT_EQ(t.Holds(4), c.below != 0) << c.condition;
    EXPECT_EQ(t.Holds(5), c.equal != 0) << c.condition;
    EXPECT_EQ(t.Holds(6), c.above != 0) << c.condition;
    EXPECT_FALSE(t.Holds(std::nan(""))) << c.condition;
    EXPECT_EQ(ComparisonSymbol(t.op),
              std::string_view(c.condition).substr(0, ComparisonSymbol(t.op).size()));
  }
}

TEST_F(ThresholdTest, HoldsComparesInTheMetricsUnit) {
  const Threshold t = Parse("latency.poll.p99", "< 20ms");
  EXPECT_TRUE(t.Holds(19999));  // us
  EXPECT_FALSE(t.Holds(20000));
  EXPECT_FALSE(t.Holds(25000));
}

TEST_F(ThresholdTest, UnitOfEachFamily) {
  EXPECT_EQ(*MetricUnitOf("latency.poll.p99"), MetricUnit::kMicros);
  EXPECT_EQ(*MetricUnitOf("failover.detect_ms.max"), MetricUnit::kMillis);
  EXPECT_EQ(*MetricUnitOf("run.wall_s"), MetricUnit::kSeconds);
  EXPECT_EQ(*MetricUnitOf("errors.rate"), MetricUnit::kFraction);
  EXPECT_EQ(*MetricUnitOf("ops.poll.error_rate"), MetricUnit::kFraction);
  EXPECT_EQ(*MetricUnitOf("ops.poll.count"), MetricUnit::kNumber);
  EXPECT_FALSE(MetricUnitOf("latency.poll").ok());
}

}  // namespace
}  // namespace slotsim
