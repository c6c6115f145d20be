// report.html on real sim runs: well-formed, one <svg> per chart, fault windows shaded and mode
// switches marked, nothing loaded from elsewhere, summary text escaped, failures visible, and
// the same page from summary.json read back as from the run.
#include "reports/html_report.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>

#include "reports/html_charts.h"
#include "tests/reports/report_fixture.h"

namespace slotsim {
namespace {

using nlohmann::json;
using testing_reports::CountOf;
using testing_reports::MarkupChecker;
using testing_reports::RunSimSummary;
using testing_reports::ShortOutage;

// Operations that ran: each gets a percentile-spectrum chart.
size_t OpsThatRan(const json& s) {
  size_t n = 0;
  for (const auto& [name, op] : s["ops"].items()) n += op["count"].get<uint64_t>() > 0 ? 1 : 0;
  return n;
}

class HtmlReportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    summary_ = RunSimSummary("redis-outage", ShortOutage());
    ASSERT_FALSE(summary_.is_null());
    ASSERT_EQ(summary_["failover"]["outages"].size(), 1u);
    html_ = HtmlReport(summary_);
  }

  json summary_;
  std::string html_;
};

TEST_F(HtmlReportTest, IsWellFormedWithEveryElementClosed) {
  EXPECT_EQ(MarkupChecker::Check(html_, /*html=*/true), "");
  EXPECT_EQ(html_.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_EQ(CountOf(html_, "<table"), CountOf(html_, "</table>"));
  EXPECT_EQ(CountOf(html_, "<svg"), CountOf(html_, "</svg>"));
}

TEST_F(HtmlReportTest, HasOneSvgPerChart) {
  const size_t ops = OpsThatRan(summary_);
  ASSERT_GE(ops, 5u);
  // the timeline, latency over time, then one spectrum per operation.
  EXPECT_EQ(CountOf(html_, "<svg"), 2 + ops);
  EXPECT_EQ(SpectrumCharts(summary_, nullptr).size(), ops);
  EXPECT_GE(CountOf(html_, "<polyline"), 2 + ops);
}

TEST_F(HtmlReportTest, ShadesTheFaultWindowAndMarksModeSwitchesOnBothTimeCharts) {
  EXPECT_EQ(CountOf(html_, "class=\"fault\""), 2u);
  const size_t switches = summary_["failover"]["switches"].size();
  ASSERT_GE(switches, 2u);
  EXPECT_EQ(CountOf(html_, "class=\"mode-switch\""), 2 * switches);
  EXPECT_NE(html_.find("<title>redis_down 20s - 35s</title>"), std::string::npos);
}

TEST_F(HtmlReportTest, RunWithoutFaultsHasNoShading) {
  const json steady = RunSimSummary("steady", {"duration=30s"});
  ASSERT_FALSE(steady.is_null());
  const std::string html = HtmlReport(steady);
  EXPECT_EQ(CountOf(html, "class=\"fault\""), 0u);
  EXPECT_EQ(CountOf(html, "class=\"mode-switch\""), 0u);
  EXPECT_NE(html.find("No faults were injected."), std::string::npos);
  EXPECT_EQ(MarkupChecker::Check(html, true), "");
}

TEST_F(HtmlReportTest, LoadsNothingFromOutsideThePage) {
  EXPECT_EQ(html_.find("http://"), std::string::npos);
  EXPECT_EQ(html_.find("https://"), std::string::npos);
  EXPECT_EQ(html_.find(" src="), std::string::npos);
  EXPECT_EQ(html_.find(" href="), std::string::npos);
  EXPECT_EQ(html_.find("<script"), std::string::npos);
  EXPECT_EQ(html_.find("<link"), std::string::npos);
  EXPECT_EQ(html_.find("@import"), std::string::npos);
  EXPECT_NE(html_.find("Content-Security-Policy\" content=\"default-src 'none'"),
            std::string::npos);
}

TEST_F(HtmlReportTest, ShowsIdentityAndEscapedReplayCommand) {
  EXPECT_NE(html_.find("<td>42</td>"), std::string::npos);  // the seed
  EXPECT_NE(html_.find(summary_["git_commit"].get<std::string>()), std::string::npos);
  EXPECT_NE(html_.find("slotsim run "), std::string::npos);
  // The replay quotes the stages override: its quotes arrive escaped.
  EXPECT_NE(html_.find("--set &#39;load.stages=[{for=&quot;10s&quot;"), std::string::npos);
}

TEST_F(HtmlReportTest, EscapesTextTakenFromTheSummary) {
  summary_["scenario"] = "<script>alert(1)</script>";
  summary_["description"] = "a & b \"quoted\"";
  summary_["thresholds"][0]["note"] = "<b>bold</b>";
  const std::string html = HtmlReport(summary_);
  EXPECT_EQ(html.find("<script>"), std::string::npos);
  EXPECT_NE(html.find("&lt;script&gt;alert(1)&lt;/script&gt;"), std::string::npos);
  EXPECT_NE(html.find("a &amp; b &quot;quoted&quot;"), std::string::npos);
  EXPECT_EQ(html.find("<b>"), std::string::npos);
  EXPECT_EQ(MarkupChecker::Check(html, true), "");
}

TEST_F(HtmlReportTest, PassingRunShowsEveryThresholdGreen) {
  const size_t n = summary_["thresholds"].size();
  ASSERT_GT(n, 0u);
  EXPECT_EQ(CountOf(html_, "<td class=\"pass\">"), n);
  EXPECT_EQ(CountOf(html_, "<td class=\"fail\">"), 0u);
  EXPECT_NE(html_.find("class=\"verdict pass\""), std::string::npos);
}

TEST_F(HtmlReportTest, FailedThresholdIsRedAndTurnsTheVerdict) {
  std::vector<std::string> overrides = ShortOutage();
  overrides.push_back("thresholds.latency.poll.p99=< 1us");
  const json failing = RunSimSummary("redis-outage", overrides);
  ASSERT_FALSE(failing.is_null());
  const std::string html = HtmlReport(failing);
  EXPECT_EQ(CountOf(html, "<td class=\"fail\">"), 1u);
  EXPECT_NE(html.find("class=\"verdict fail\""), std::string::npos);
  EXPECT_NE(html.find("1 of " + std::to_string(failing["thresholds"].size())), std::string::npos);
}

TEST_F(HtmlReportTest, SummaryReadBackGivesTheSamePage) {
  const std::string path = (std::filesystem::temp_directory_path() /
                            ("slotsim_html_report_test_" + std::to_string(::getpid()) + ".json"))
                               .string();
  ASSERT_TRUE(WriteSummary(summary_, path).ok());
  StatusOr<json> back = ReadSummary(path);
  std::filesystem::remove(path);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(HtmlReport(*back), html_);
}

TEST_F(HtmlReportTest, HandEditedSummaryRendersWithoutThrowing) {
  const json odd = {{"schema", "slotsim.summary/1"},
                    {"scenario", 7},
                    {"ops", {{"poll", {{"count", "many"}, {"latency_us", 3}}}}},
                    {"thresholds", {{{"metric", 1}, {"ok", "yes"}, {"value", "x"}}}},
                    {"failover", {{"outages", {{{"start_s", "soon"}}, 5}}}},
                    {"timeseries", {{"t_s", {0, "one", 2}}, {"p99_us", {{"poll", {1, -1}}}}}},
                    {"histograms", {{"poll.redis.steady.corrected", "HDR1 garbage"}}}};
  std::string html;
  ASSERT_NO_THROW(html = HtmlReport(odd));
  EXPECT_EQ(MarkupChecker::Check(html, true), "");
  EXPECT_NE(html.find("histogram poll.redis.steady.corrected"), std::string::npos);
  ASSERT_NO_THROW(html = HtmlReport(json::array()));
  EXPECT_EQ(MarkupChecker::Check(html, true), "");
}

}  // namespace
}  // namespace slotsim

namespace slotsim {
namespace {

// The page answers in the order a reader asks (issue 13): verdict and thresholds, then one
// timeline, failover, consistency, latency over time, and the spectra last.
TEST(HtmlReportLayout, SectionsComeInTheReadersOrderWithTogglesAndThresholdLines) {
  const nlohmann::json summary =
      testing_reports::RunSimSummary("redis-outage", testing_reports::ShortOutage());
  ASSERT_FALSE(summary.is_null());
  const std::string html = HtmlReport(summary);
  std::vector<size_t> at;
  for (const char* id :
       {"class=\"verdict", "class=\"verdict-line\"", "id=\"thresholds\"", "id=\"timeline\"",
        "id=\"failover\"", "id=\"consistency\"", "id=\"latency\"", "id=\"spectrum\""}) {
    at.push_back(html.find(id));
    EXPECT_NE(at.back(), std::string::npos) << id;
  }
  EXPECT_TRUE(std::is_sorted(at.begin(), at.end()));
  // The console's verdict line, word for word.
  EXPECT_NE(html.find("PASS  "), std::string::npos);
  // The timeline draws active clients, and the recovery band is visible (at least 3 px).
  const size_t timeline = html.find("id=\"timeline\""), failover = html.find("id=\"failover\"");
  const std::string part = html.substr(timeline, failover - timeline);
  EXPECT_EQ(testing_reports::CountOf(part, "class=\"series clients\""), 1u);
  EXPECT_EQ(testing_reports::CountOf(part, "class=\"fault\""), 1u);
  EXPECT_EQ(testing_reports::CountOf(part, "class=\"recovery\""), 1u);
  // Latency over time: a threshold line per latency.<op>.pXX (poll and confirm; the per-mode
  // one is not drawn), a checkbox per drawn operation and a CSS rule that hides it.
  EXPECT_EQ(testing_reports::CountOf(html, "class=\"threshold op-poll\""), 1u);
  EXPECT_EQ(testing_reports::CountOf(html, "class=\"threshold op-confirm\""), 1u);
  EXPECT_NE(html.find("<input type=\"checkbox\" id=\"show-poll\" checked>"), std::string::npos);
  EXPECT_NE(html.find("#show-poll:not(:checked) ~ figure .op-poll { display: none; }"),
            std::string::npos);
  EXPECT_NE(html.find("class=\"series op-poll\""), std::string::npos);
  EXPECT_EQ(html.find("<script"), std::string::npos);
}

}  // namespace
}  // namespace slotsim
