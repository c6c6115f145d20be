// Figures that were not (fully) measured: on sim everything is measured and read back
// completely; a summary whose read-back was "none" makes a threshold on lost bookings FAIL
// ("not measured: ...") and one with allow_unmeasured SKIPPED, and every report says which —
// summary.json's threshold results, the console, report.md, report.html and junit.xml.
#include <gtest/gtest.h>

#include "reports/console.h"
#include "reports/gate.h"
#include "reports/html_report.h"
#include "reports/junit_report.h"
#include "reports/markdown_report.h"
#include "reports/summary_fields.h"
#include "reports/thresholds.h"
#include "tests/reports/report_fixture.h"

namespace slotsim {
namespace {

using nlohmann::json;
using testing_reports::CountOf;
using testing_reports::MarkupChecker;
using testing_reports::RunSimSummary;
using testing_reports::ShortOutage;

Threshold Parsed(const std::string& metric, const std::string& condition, bool allow = false) {
  StatusOr<Threshold> t = ParseThreshold(metric, condition);
  EXPECT_TRUE(t.ok()) << t.status().ToString();
  Threshold out = t.ok() ? *t : Threshold{};
  out.allow_unmeasured = allow;
  return out;
}

class UnmeasuredReportTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { sim_ = new json(RunSimSummary("redis-outage", ShortOutage())); }
  static void TearDownTestSuite() { delete sim_; }

  // The sim summary as if its final state had not been read back, with two thresholds on lost
  // bookings (one failing as unmeasured, one skipped) and one measured, passing.
  static json Unread() {
    json s = *sim_;
    json& c = s["consistency"];
    c["read_back"] = "none";
    const ConsistencyMeasurement m = MeasurementOf(ReadBack::kNone, "no read-back route");
    c["measurement"]["lost_bookings"] = MeasurementJson(m.lost_bookings);
    c["measurement"]["phantom_bookings"] = MeasurementJson(m.phantom_bookings);
    c["measurement"]["double_bookings"] = MeasurementJson(m.double_bookings);
    s["thresholds"] = ThresholdsJson(EvaluateThresholds(
        s, {Parsed("consistency.lost_bookings", "== 0"),
            Parsed("consistency.phantom_bookings", "== 0", /*allow=*/true),
            Parsed("consistency.hold_conflicts_outside_failover", "== 0")}));
    return s;
  }

  static json* sim_;
};
json* UnmeasuredReportTest::sim_ = nullptr;

TEST_F(UnmeasuredReportTest, OnSimEveryFigureIsMeasuredAndReadBackComplete) {
  const json& s = *sim_;
  ASSERT_TRUE(s.is_object());
  EXPECT_EQ(s["consistency"]["read_back"], "complete");
  const json& m = s["consistency"]["measurement"];
  ASSERT_EQ(m.size(), 6u);
  for (const auto& [figure, status] : m.items()) {
    EXPECT_EQ(status, json({{"status", "measured"}})) << figure;
  }
  for (const auto& [op, entry] : s["ops"].items()) {
    EXPECT_EQ(entry["measurement"], json({{"status", "measured"}})) << op;
    EXPECT_EQ(entry["not_sent"], 0) << op;
  }
  for (const json& t : s["thresholds"]) {
    EXPECT_TRUE(t["measured"].get<bool>()) << t.dump();
    EXPECT_FALSE(t["skipped"].get<bool>()) << t.dump();
  }
}

TEST_F(UnmeasuredReportTest, AThresholdOnAnUnmeasuredFigureFailsUnlessAllowedThenIsSkipped) {
  const json s = Unread();
  const json& t = s["thresholds"];
  ASSERT_EQ(t.size(), 3u);
  EXPECT_FALSE(t[0]["ok"].get<bool>());
  EXPECT_FALSE(t[0]["measured"].get<bool>());
  EXPECT_FALSE(t[0]["skipped"].get<bool>());
  EXPECT_EQ(t[0]["value"], 0);  // the count reads 0, and still fails
  EXPECT_EQ(t[0]["note"], "not measured: no read-back route");
  EXPECT_TRUE(t[1]["ok"].get<bool>());
  EXPECT_TRUE(t[1]["skipped"].get<bool>());
  EXPECT_TRUE(t[1]["allow_unmeasured"].get<bool>());
  EXPECT_EQ(t[1]["note"], "skipped (allow_unmeasured): not measured: no read-back route");
  EXPECT_TRUE(t[2]["ok"].get<bool>());
  EXPECT_TRUE(t[2]["measured"].get<bool>());
  EXPECT_FALSE(AllThresholdsPassed(EvaluateThresholds(
      s, {Parsed("consistency.lost_bookings", "== 0"),
          Parsed("consistency.phantom_bookings", "== 0", true)})));
  EXPECT_TRUE(AllThresholdsPassed(EvaluateThresholds(
      s, {Parsed("consistency.lost_bookings", "== 0", true),
          Parsed("consistency.phantom_bookings", "== 0", true)})));
  // Partial counts as not fully measured.
  const std::vector<ThresholdResult> partial =
      EvaluateThresholds(s, {Parsed("consistency.double_bookings", "== 0")});
  EXPECT_FALSE(partial[0].ok);
  EXPECT_EQ(partial[0].note.rfind("partially measured: no read-back route; missing ", 0), 0u)
      << partial[0].note;
}

TEST_F(UnmeasuredReportTest, LatencyWithUnsentOperationsIsPartial) {
  json s = *sim_;
  s["ops"]["poll"]["not_sent"] = 7;
  s["ops"]["poll"]["measurement"] =
      MeasurementJson(LatencyMeasurementOf("poll", CountAt(s["ops"]["poll"], "count"), 7));
  const std::vector<ThresholdResult> r =
      EvaluateThresholds(s, {Parsed("latency.poll.p99", "< 10s"), Parsed("latency.select.p99", "< 10s"),
                             Parsed("latency_raw.poll.redis.p50", "< 10s", true)});
  EXPECT_FALSE(r[0].ok);
  EXPECT_NE(r[0].note.find("7 of "), std::string::npos) << r[0].note;
  EXPECT_TRUE(r[1].ok);
  EXPECT_TRUE(r[2].skipped);
}

TEST_F(UnmeasuredReportTest, ConsoleShowsNotMeasuredFailedAndSkipped) {
  const std::string text = ConsoleSummary(Unread(), /*color=*/false);
  EXPECT_NE(text.find("lost bookings not measured"), std::string::npos) << text;
  EXPECT_NE(text.find("phantom bookings not measured"), std::string::npos) << text;
  EXPECT_NE(text.find("double bookings 0 (partial)"), std::string::npos) << text;
  EXPECT_NE(text.find("final bookings read back: none"), std::string::npos) << text;
  EXPECT_NE(text.find("✗ consistency.lost_bookings == 0"), std::string::npos) << text;
  EXPECT_NE(text.find("- consistency.phantom_bookings == 0"), std::string::npos) << text;
  EXPECT_NE(text.find("skipped (allow_unmeasured): not measured: no read-back route"),
            std::string::npos)
      << text;
}

TEST_F(UnmeasuredReportTest, MarkdownShowsNotMeasuredFailedAndSkipped) {
  const std::string md = MarkdownReport(Unread());
  EXPECT_NE(md.find("1 of 3 thresholds failed"), std::string::npos) << md;
  EXPECT_NE(md.find("| not measured | not measured |"), std::string::npos) << md;
  EXPECT_NE(md.find("skipped | `consistency.phantom_bookings`"), std::string::npos) << md;
  EXPECT_NE(md.find("not measured: no read-back route"), std::string::npos) << md;
  EXPECT_NE(md.find("final bookings read back: none"), std::string::npos) << md;
}

TEST_F(UnmeasuredReportTest, HtmlShowsNotMeasuredFailedAndSkipped) {
  const std::string html = HtmlReport(Unread());
  EXPECT_EQ(MarkupChecker::Check(html, /*html=*/true), "");
  EXPECT_NE(html.find("1 of 3 thresholds failed"), std::string::npos);
  EXPECT_NE(html.find("<td class=\"num warn\">not measured</td>"), std::string::npos);
  EXPECT_NE(html.find("skipped</td>"), std::string::npos);
  EXPECT_NE(html.find("final bookings read back: none"), std::string::npos);
  EXPECT_EQ(CountOf(html, "not measured: no read-back route"), 2u) << "the two threshold notes";
  EXPECT_NE(html.find("lost_bookings not_measured: no read-back route"), std::string::npos);
}

TEST_F(UnmeasuredReportTest, JunitHasAFailureAndASkippedTestcase) {
  const std::string xml = JunitReport(Unread());
  EXPECT_EQ(MarkupChecker::Check(xml, /*html=*/false), "");
  EXPECT_NE(xml.find("failures=\"1\""), std::string::npos) << xml;
  EXPECT_NE(xml.find("skipped=\"1\""), std::string::npos) << xml;
  EXPECT_EQ(CountOf(xml, "<failure "), 1u);
  EXPECT_EQ(CountOf(xml, "<skipped "), 1u);
  EXPECT_NE(xml.find("<skipped message=\"skipped (allow_unmeasured): not measured: no read-back "
                     "route\"/>"),
            std::string::npos)
      << xml;
  EXPECT_NE(xml.find("; not measured: no read-back route\">"), std::string::npos) << xml;
}

TEST_F(UnmeasuredReportTest, GateRegressesOnAnUnmeasuredFigureUnlessAllowed) {
  const json run = Unread();
  GateOptions options;
  options.patterns = {"consistency.lost_bookings"};
  StatusOr<GateResult> strict = CompareToBaseline(run, *sim_, options);
  ASSERT_TRUE(strict.ok());
  ASSERT_EQ(strict->rows.size(), 1u);
  EXPECT_EQ(strict->rows[0].verdict, GateVerdict::kRegressed);
  EXPECT_EQ(strict->rows[0].note, "not measured: no read-back route");
  EXPECT_FALSE(strict->passed());
  options.allow_unmeasured = true;
  StatusOr<GateResult> allowed = CompareToBaseline(run, *sim_, options);
  ASSERT_TRUE(allowed.ok());
  EXPECT_EQ(allowed->rows[0].verdict, GateVerdict::kSkipped);
  EXPECT_TRUE(allowed->passed());
  // A baseline that did not measure it has no baseline for it.
  options.allow_unmeasured = false;
  StatusOr<GateResult> reversed = CompareToBaseline(*sim_, run, options);
  ASSERT_TRUE(reversed.ok());
  EXPECT_EQ(reversed->rows[0].verdict, GateVerdict::kNew);
}

}  // namespace
}  // namespace slotsim
