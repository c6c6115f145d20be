// Writing the three reports beside summary.json, choosing a format by name, and rejecting
// summaries no report can be drawn from with a message that names the key.
#include "reports/run_reports.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "reports/html_report.h"
#include "reports/junit_report.h"
#include "reports/markdown_report.h"
#include "tests/reports/report_fixture.h"

namespace slotsim {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

std::string ReadFile(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

class RunReportsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("slotsim_run_reports_test_" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  // A minimal summary every check accepts.
  static json Minimal() { return {{"schema", "slotsim.summary/1"}, {"scenario", "x"}}; }
  static std::string Problem(const json& s) { return CheckReportable(s).message(); }

  fs::path dir_;
};

TEST_F(RunReportsTest, WritesTheThreeReportsIntoTheDirectory) {
  const json s = testing_reports::RunSimSummary("redis-outage", testing_reports::ShortOutage());
  ASSERT_FALSE(s.is_null());
  ASSERT_TRUE(CheckReportable(s).ok()) << CheckReportable(s).ToString();
  const Status written = WriteRunReports(s, dir_.string());
  ASSERT_TRUE(written.ok()) << written.ToString();
  EXPECT_EQ(ReadFile(dir_ / "report.html"), HtmlReport(s));
  EXPECT_EQ(ReadFile(dir_ / "report.md"), MarkdownReport(s));
  EXPECT_EQ(ReadFile(dir_ / "junit.xml"), JunitReport(s));
}

TEST_F(RunReportsTest, FormatsByNameAndTheirFileNames) {
  EXPECT_EQ(ReportFormatFromName("html"), ReportFormat::kHtml);
  EXPECT_EQ(ReportFormatFromName("md"), ReportFormat::kMarkdown);
  EXPECT_EQ(ReportFormatFromName("junit"), ReportFormat::kJunit);
  EXPECT_FALSE(ReportFormatFromName("merge").has_value());
  EXPECT_EQ(ReportFileName(ReportFormat::kHtml), "report.html");
  EXPECT_EQ(ReportFileName(ReportFormat::kMarkdown), "report.md");
  EXPECT_EQ(ReportFileName(ReportFormat::kJunit), "junit.xml");
}

TEST_F(RunReportsTest, UnwritableDirectoryIsUnavailableNamingTheFile) {
  const Status s = WriteRunReports(Minimal(), (dir_ / "missing" / "deeper").string());
  EXPECT_EQ(s.code(), Code::kUnavailable);
  EXPECT_NE(s.message().find("report.html"), std::string::npos) << s.message();
}

TEST_F(RunReportsTest, CheckReportableAcceptsAMinimalSummary) {
  EXPECT_TRUE(CheckReportable(Minimal()).ok());
}

TEST_F(RunReportsTest, CheckReportableNamesTheKeyWithTheWrongShape) {
  EXPECT_NE(Problem(json::array()).find("not a JSON object"), std::string::npos);
  json s = Minimal();
  s["schema"] = "slotsim.summary/2";
  EXPECT_NE(Problem(s).find("\"schema\""), std::string::npos);
  s = Minimal();
  s.erase("scenario");
  EXPECT_NE(Problem(s).find("\"scenario\""), std::string::npos);
  s = Minimal();
  s["ops"] = {{"poll", 3}};
  EXPECT_NE(Problem(s).find("\"ops\".\"poll\""), std::string::npos);
  s = Minimal();
  s["thresholds"] = {{{"metric", "errors.count"}, {"ok", true}}, {{"metric", "x"}}};
  EXPECT_NE(Problem(s).find("\"thresholds\"[1]"), std::string::npos);
  s = Minimal();
  s["failover"] = {{"outages", {1}}};
  EXPECT_NE(Problem(s).find("failover.outages"), std::string::npos);
  s = Minimal();
  s["timeseries"] = json::array();
  EXPECT_NE(Problem(s).find("\"timeseries\""), std::string::npos);
  EXPECT_EQ(CheckReportable(s).code(), Code::kInvalidArgument);
}

TEST_F(RunReportsTest, WriteReportChecksBeforeWriting) {
  const fs::path out = dir_ / "r.md";
  EXPECT_EQ(WriteReport(ReportFormat::kMarkdown, json::object(), out.string()).code(),
            Code::kInvalidArgument);
  EXPECT_FALSE(fs::exists(out));
  ASSERT_TRUE(WriteReport(ReportFormat::kMarkdown, Minimal(), out.string()).ok());
  EXPECT_EQ(ReadFile(out), MarkdownReport(Minimal()));
}

}  // namespace
}  // namespace slotsim
