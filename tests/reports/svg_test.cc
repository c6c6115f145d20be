// SVG helpers: scales (linear, log, clamping), tick choice, coordinates, and the document
// builder's output (one closed <svg>, escaped text, dropped non-finite points).
#include "reports/svg.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "tests/reports/report_fixture.h"

namespace slotsim {
namespace {

using testing_reports::CountOf;
using testing_reports::MarkupChecker;

TEST(SvgTest, LinearScaleMapsEndsAndClampsOutside) {
  const Scale y = Scale::Linear(0, 100, 200, 0);  // a y axis: bottom pixel first
  EXPECT_DOUBLE_EQ(y(0), 200);
  EXPECT_DOUBLE_EQ(y(100), 0);
  EXPECT_DOUBLE_EQ(y(25), 150);
  EXPECT_DOUBLE_EQ(y(-5), 200);
  EXPECT_DOUBLE_EQ(y(1e9), 0);
  EXPECT_FALSE(y.is_log());
}

TEST(SvgTest, EmptyLinearDomainIsWidenedNotDividedByZero) {
  const Scale x = Scale::Linear(5, 5, 0, 10);
  EXPECT_DOUBLE_EQ(x.hi(), 6);
  EXPECT_TRUE(std::isfinite(x(5)));
}

TEST(SvgTest, LogScaleSpacesDecadesEvenlyAndClampsNonPositive) {
  const Scale y = Scale::Log(10, 10'000, 300, 0);
  EXPECT_DOUBLE_EQ(y(10), 300);
  EXPECT_DOUBLE_EQ(y(100), 200);
  EXPECT_DOUBLE_EQ(y(1000), 100);
  EXPECT_DOUBLE_EQ(y(10'000), 0);
  EXPECT_DOUBLE_EQ(y(0), 300);
  EXPECT_DOUBLE_EQ(y(-3), 300);
  EXPECT_TRUE(y.is_log());
  const Scale bad = Scale::Log(0, 0, 0, 1);
  EXPECT_DOUBLE_EQ(bad.lo(), 1);
  EXPECT_DOUBLE_EQ(bad.hi(), 10);
}

TEST(SvgTest, LinearTicksAreRoundStepsInsideTheRange) {
  EXPECT_EQ(LinearTicks(0, 100, 5), (std::vector<double>{0, 20, 40, 60, 80, 100}));
  EXPECT_EQ(LinearTicks(0, 1, 4), (std::vector<double>{0, 0.5, 1}));
  EXPECT_EQ(LinearTicks(3, 97, 10), (std::vector<double>{10, 20, 30, 40, 50, 60, 70, 80, 90}));
  EXPECT_EQ(LinearTicks(7, 7, 5), (std::vector<double>{7}));
  EXPECT_TRUE(LinearTicks(5, 1, 5).empty());
  EXPECT_TRUE(LinearTicks(0, std::numeric_limits<double>::infinity(), 5).empty());
  EXPECT_LE(LinearTicks(1e20, 1e20 + 1e5, 5).size(), 6u);
}

TEST(SvgTest, NiceCeilRoundsUpToOneTwoOrFive) {
  EXPECT_DOUBLE_EQ(NiceCeil(87), 100);
  EXPECT_DOUBLE_EQ(NiceCeil(120), 200);
  EXPECT_DOUBLE_EQ(NiceCeil(300), 500);
  EXPECT_DOUBLE_EQ(NiceCeil(500), 500);
  EXPECT_DOUBLE_EQ(NiceCeil(0), 1);
}

TEST(SvgTest, LogTicksArePowersOfTenOrMultiplesForNarrowRanges) {
  EXPECT_EQ(LogTicks(10, 100'000), (std::vector<double>{10, 100, 1000, 10'000, 100'000}));
  EXPECT_EQ(LogTicks(10, 100), (std::vector<double>{10, 20, 50, 100}));
  EXPECT_TRUE(LogTicks(0, 10).empty());
}

TEST(SvgTest, LogDomainWidensToWholeDecades) {
  EXPECT_EQ(LogDomain(37, 4200), (std::pair<double, double>{10, 10'000}));
  EXPECT_EQ(LogDomain(100, 100), (std::pair<double, double>{100, 1000}));
  EXPECT_EQ(LogDomain(0, 5), (std::pair<double, double>{1, 10}));
}

TEST(SvgTest, CoordHasAtMostOneDecimal) {
  EXPECT_EQ(Coord(12), "12");
  EXPECT_EQ(Coord(12.5), "12.5");
  EXPECT_EQ(Coord(12.04), "12");
  EXPECT_EQ(Coord(-0.01), "0");
  EXPECT_EQ(Coord(std::nan("")), "0");
}

TEST(SvgTest, DocumentIsOneClosedSvgWithEscapedText) {
  SvgDocument svg(300, 200, "a \"chart\" <1>");
  svg.Rect(10, 10, 50, 100, "#e45756", 0.2, "fault", "redis <down>");
  svg.Line({0, 0}, {10, 10}, Stroke{"#555", 1, "4 3"}, "mode-switch");
  svg.Text({5, 5}, "p99 < 5 & fast");
  const std::string out = svg.Finish();
  EXPECT_EQ(MarkupChecker::Check(out, false), "");
  EXPECT_EQ(
      out.rfind("<svg class=\"chart\" width=\"300\" height=\"200\" viewBox=\"0 0 300 200\"", 0),
      0u);
  EXPECT_NE(out.find("aria-label=\"a &quot;chart&quot; &lt;1&gt;\""), std::string::npos);
  EXPECT_NE(out.find("<title>redis &lt;down&gt;</title></rect>"), std::string::npos);
  EXPECT_NE(out.find("stroke-dasharray=\"4 3\""), std::string::npos);
  EXPECT_NE(out.find(">p99 &lt; 5 &amp; fast</text>"), std::string::npos);
}

TEST(SvgTest, PolylineDropsNonFinitePointsAndNeedsTwo) {
  const double nan = std::nan("");
  SvgDocument svg(100, 100, "x");
  svg.Polyline({{1, 2}, {nan, 3}, {4, 5.25}}, Stroke{});
  svg.Polyline({{1, 2}, {nan, nan}}, Stroke{});
  const std::string out = svg.Finish();
  EXPECT_EQ(CountOf(out, "<polyline"), 1u);
  EXPECT_NE(out.find("points=\"1,2 4,5.2\""), std::string::npos) << out;
}

TEST(SvgTest, AxesDrawALabelPerTickAndTheTitle) {
  SvgDocument svg(400, 300, "axes");
  const PlotArea area{50, 20, 300, 200};
  const Scale x = Scale::Linear(0, 60, area.left, area.right());
  const Scale y = Scale::Log(1, 1000, area.bottom(), area.top);
  DrawXAxis(
      svg, area, x, {0, 30, 60}, [](double v) { return std::to_string(int(v)) + "s"; }, "time");
  DrawYAxis(
      svg, area, y, LogTicks(1, 1000), [](double v) { return std::to_string(int(v)); }, "latency");
  DrawLegend(svg, {50, 10}, {{"poll", "#54a24b"}, {"select", "#4c78a8"}});
  const std::string out = svg.Finish();
  EXPECT_EQ(MarkupChecker::Check(out, false), "");
  for (const char* label : {">0s<", ">30s<", ">60s<", ">1<", ">10<", ">100<", ">1000<", ">time<",
                            ">latency<", ">poll<", ">select<"}) {
    EXPECT_NE(out.find(label), std::string::npos) << label;
  }
  EXPECT_NE(out.find("transform=\"rotate(-90"), std::string::npos);
}

}  // namespace
}  // namespace slotsim
