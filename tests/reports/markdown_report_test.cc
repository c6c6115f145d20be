// report.md on real sim runs: the verdict line, one thresholds row per threshold with ✅/❌,
// a latency row per operation that ran, consistency and failover, and escaping that keeps the
// tables intact.
#include "reports/markdown_report.h"

#include <gtest/gtest.h>

#include <sstream>

#include "tests/reports/report_fixture.h"

namespace slotsim {
namespace {

using nlohmann::json;
using testing_reports::CountOf;
using testing_reports::RunSimSummary;
using testing_reports::ShortOutage;

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

// The lines of the table under the heading that starts with `heading`, header rows included.
std::vector<std::string> TableAfter(const std::string& md, const std::string& heading) {
  std::vector<std::string> rows;
  bool in_section = false;
  for (const std::string& line : Lines(md)) {
    if (line.rfind("###", 0) == 0) in_section = line.rfind(heading, 0) == 0;
    if (in_section && line.rfind("|", 0) == 0) rows.push_back(line);
  }
  return rows;
}

// Cells of a table row, split on unescaped '|'.
size_t CellCount(const std::string& row) {
  size_t n = 0;
  for (size_t i = 1; i < row.size(); ++i) {
    if (row[i] == '|' && row[i - 1] != '\\') ++n;
  }
  return n;
}

class MarkdownReportTest : public ::testing::Test {
 protected:
  json Summary(std::vector<std::string> extra = {}) {
    std::vector<std::string> overrides = ShortOutage();
    overrides.insert(overrides.end(), extra.begin(), extra.end());
    return RunSimSummary("redis-outage", overrides);
  }
};

TEST_F(MarkdownReportTest, ThresholdsTableHasOneRowPerThreshold) {
  const json s = Summary();
  ASSERT_FALSE(s.is_null());
  const std::string md = MarkdownReport(s);
  const size_t n = s["thresholds"].size();
  EXPECT_EQ(md.rfind("## \u2705 slotsim redis-outage \u2014 all " + std::to_string(n), 0), 0u)
      << md.substr(0, 80);
  const std::vector<std::string> table = TableAfter(md, "### Thresholds");
  ASSERT_EQ(table.size(), 2 + n);  // header, alignment row, one per threshold
  for (size_t i = 0; i < n; ++i) {
    const std::string& row = table[2 + i];
    EXPECT_EQ(row.rfind("| \u2705 |", 0), 0u) << row;
    EXPECT_NE(row.find("`" + s["thresholds"][i]["metric"].get<std::string>() + "`"),
              std::string::npos)
        << row;
    EXPECT_EQ(CellCount(row), 5u) << row;
  }
}

TEST_F(MarkdownReportTest, FailedThresholdIsMarkedAndNamedInTheVerdict) {
  const json s = Summary({"thresholds.latency.poll.p99=< 1us"});
  ASSERT_FALSE(s.is_null());
  const std::string md = MarkdownReport(s);
  EXPECT_EQ(md.rfind("## \u274c slotsim redis-outage \u2014 1 of ", 0), 0u) << md.substr(0, 80);
  EXPECT_EQ(CountOf(md, "| \u274c |"), 1u);
  EXPECT_NE(md.find("| \u274c | `latency.poll.p99` | `< 1us` |"), std::string::npos);
}

TEST_F(MarkdownReportTest, LatencyTableHasARowPerOperationThatRanAndItsModes) {
  const json s = Summary();
  ASSERT_FALSE(s.is_null());
  const std::vector<std::string> table = TableAfter(MarkdownReport(s), "### Latency");
  size_t expected = 2;
  for (const auto& [name, op] : s["ops"].items()) {
    if (op["count"].get<uint64_t>() == 0) continue;
    ++expected;
    for (const auto& [mode, m] : op["by_mode"].items()) expected += m["count"] > 0 ? 1 : 0;
  }
  EXPECT_EQ(table.size(), expected);
  for (const std::string& row : table) EXPECT_EQ(CellCount(row), 9u) << row;
}

TEST_F(MarkdownReportTest, ShowsConsistencyFailoverAndReplay) {
  const json s = Summary();
  ASSERT_FALSE(s.is_null());
  const std::string md = MarkdownReport(s);
  EXPECT_EQ(TableAfter(md, "### Consistency").size(), 3u);
  const std::vector<std::string> failover = TableAfter(md, "### Failover");
  ASSERT_EQ(failover.size(), 3u);
  EXPECT_EQ(failover[2].rfind("| redis_down | 20s | 35s |", 0), 0u) << failover[2];
  EXPECT_NE(md.find("```sh\n" + s["replay"].get<std::string>() + "\n```"), std::string::npos);
}

TEST_F(MarkdownReportTest, ErrorsAreShownByKind) {
  json s = Summary();
  ASSERT_FALSE(s.is_null());
  EXPECT_EQ(MarkdownReport(s).find("malformed_answer"), std::string::npos);
  s["errors"]["count"] = 7;
  s["errors"]["by_kind"]["malformed_answer"] = 7;
  EXPECT_NE(MarkdownReport(s).find("errors 7 (malformed_answer 7)"), std::string::npos)
      << s["errors"].dump();
}

TEST_F(MarkdownReportTest, PipesAndMarkupInTextCannotBreakTheTables) {
  json s = Summary();
  ASSERT_FALSE(s.is_null());
  s["thresholds"][0]["note"] = "a | b <img>\nnext";
  s["thresholds"][0]["condition"] = "== `0` | 1";
  const std::vector<std::string> table = TableAfter(MarkdownReport(s), "### Thresholds");
  ASSERT_EQ(table.size(), 2 + s["thresholds"].size());
  EXPECT_EQ(CellCount(table[2]), 5u) << table[2];
  EXPECT_NE(table[2].find("a \\| b &lt;img> next"), std::string::npos) << table[2];
  EXPECT_NE(table[2].find("`` == `0` \\| 1 ``"), std::string::npos) << table[2];
}

TEST_F(MarkdownReportTest, HandEditedSummaryRendersWithoutThrowing) {
  const json odd = {{"scenario", "x"}, {"thresholds", {{{"ok", 3}}, 4}}, {"ops", "none"}};
  std::string md;
  ASSERT_NO_THROW(md = MarkdownReport(odd));
  EXPECT_EQ(md.rfind("## \u274c slotsim x \u2014 2 of 2", 0), 0u) << md;
}

}  // namespace
}  // namespace slotsim
