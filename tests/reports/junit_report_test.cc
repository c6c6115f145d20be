// junit.xml on real sim runs: well-formed XML, one testsuite named after the scenario, a
// testcase per threshold, a failure with metric, value and condition for each failed one.
#include "reports/junit_report.h"

#include <gtest/gtest.h>

#include "tests/reports/report_fixture.h"

namespace slotsim {
namespace {

using nlohmann::json;
using testing_reports::CountOf;
using testing_reports::MarkupChecker;
using testing_reports::RunSimSummary;
using testing_reports::ShortOutage;

// The value of attribute `name` in the first <tag ...> of `xml`, or "".
std::string AttributeOf(const std::string& xml, const std::string& tag, const std::string& name) {
  const size_t open = xml.find("<" + tag + " ");
  if (open == std::string::npos) return "";
  const size_t end = xml.find('>', open);
  const size_t at = xml.find(" " + name + "=\"", open);
  if (at == std::string::npos || at > end) return "";
  const size_t start = at + name.size() + 3;
  return xml.substr(start, xml.find('"', start) - start);
}

class JunitReportTest : public ::testing::Test {
 protected:
  json Summary(std::vector<std::string> extra = {}) {
    std::vector<std::string> overrides = ShortOutage();
    overrides.insert(overrides.end(), extra.begin(), extra.end());
    return RunSimSummary("redis-outage", overrides);
  }
};

TEST_F(JunitReportTest, PassingRunIsWellFormedWithATestcasePerThreshold) {
  const json s = Summary();
  ASSERT_FALSE(s.is_null());
  const std::string xml = JunitReport(s);
  EXPECT_EQ(MarkupChecker::Check(xml, /*html=*/false), "");
  EXPECT_EQ(xml.rfind("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuite ", 0), 0u);
  const size_t n = s["thresholds"].size();
  ASSERT_GT(n, 0u);
  EXPECT_EQ(AttributeOf(xml, "testsuite", "name"), "redis-outage");
  EXPECT_EQ(AttributeOf(xml, "testsuite", "tests"), std::to_string(n));
  EXPECT_EQ(AttributeOf(xml, "testsuite", "failures"), "0");
  EXPECT_EQ(CountOf(xml, "<testsuite "), 1u);
  EXPECT_EQ(CountOf(xml, "<testcase "), n);
  EXPECT_EQ(CountOf(xml, "<failure"), 0u);
  EXPECT_NE(xml.find("name=\"latency.poll.p99 &lt; 20ms\""), std::string::npos);
}

TEST_F(JunitReportTest, FailedThresholdsAreFailuresWithMetricValueAndCondition) {
  const json s = Summary({"thresholds.latency.poll.p99=< 1us", "thresholds.errors.count=> 5"});
  ASSERT_FALSE(s.is_null());
  const std::string xml = JunitReport(s);
  EXPECT_EQ(MarkupChecker::Check(xml, false), "");
  size_t failed = 0;
  for (const json& t : s["thresholds"]) failed += t["ok"].get<bool>() ? 0 : 1;
  ASSERT_EQ(failed, 2u);
  EXPECT_EQ(AttributeOf(xml, "testsuite", "tests"), std::to_string(s["thresholds"].size()));
  EXPECT_EQ(AttributeOf(xml, "testsuite", "failures"), "2");
  EXPECT_EQ(CountOf(xml, "<testcase "), s["thresholds"].size());
  EXPECT_EQ(CountOf(xml, "<failure "), 2u);
  const std::string message = AttributeOf(xml, "failure", "message");
  EXPECT_EQ(message.rfind("errors.count = 0, expected &gt; 5", 0), 0u) << message;
  EXPECT_NE(xml.find("message=\"latency.poll.p99 = "), std::string::npos);
  EXPECT_NE(xml.find("expected &lt; 1us\""), std::string::npos);
}

TEST_F(JunitReportTest, ThresholdWithoutDataFailsWithItsNote) {
  json s = Summary();
  ASSERT_FALSE(s.is_null());
  s["thresholds"] = json::array({{{"metric", "latency.confirm.memory.p99"},
                                  {"condition", "< 1ms"},
                                  {"value", nullptr},
                                  {"ok", false},
                                  {"note", "no data"}}});
  const std::string xml = JunitReport(s);
  EXPECT_NE(xml.find("message=\"latency.confirm.memory.p99 = no data, expected &lt; 1ms; no "
                     "data\""),
            std::string::npos)
      << xml;
}

TEST_F(JunitReportTest, EscapesMarkupInNames) {
  json s = Summary();
  ASSERT_FALSE(s.is_null());
  s["scenario"] = "a<b>&\"c\"";
  s["thresholds"][0]["ok"] = false;
  s["thresholds"][0]["note"] = std::string("bell\x07 and <tag>");
  const std::string xml = JunitReport(s);
  EXPECT_EQ(MarkupChecker::Check(xml, false), "");
  EXPECT_EQ(AttributeOf(xml, "testsuite", "name"), "a&lt;b&gt;&amp;&quot;c&quot;");
  EXPECT_EQ(xml.find('\x07'), std::string::npos);
}

TEST_F(JunitReportTest, NoThresholdsIsAnEmptyWellFormedSuite) {
  const std::string xml = JunitReport({{"scenario", "none"}});
  EXPECT_EQ(MarkupChecker::Check(xml, false), "");
  EXPECT_EQ(AttributeOf(xml, "testsuite", "tests"), "0");
  EXPECT_EQ(AttributeOf(xml, "testsuite", "failures"), "0");
}

}  // namespace
}  // namespace slotsim
