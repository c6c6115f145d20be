// Inline SVG drawing for the HTML report: scales (linear and log), tick choice, and a small
// document builder with axes, polylines and shaded bands. No JavaScript, fonts or external
// references: the output is one <svg> element, valid inside an HTML page, that renders
// offline. Text is XML-escaped here; callers pass plain text.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace slotsim {

// Maps the data interval [lo, hi] onto the pixel interval [pixel_lo, pixel_hi] (which may run
// backwards, as a y axis does). Values outside [lo, hi] are clamped to it first.
class Scale {
 public:
  // lo < hi; an empty or reversed interval becomes [lo, lo + 1].
  static Scale Linear(double lo, double hi, double pixel_lo, double pixel_hi);
  // Base-10 logarithmic; lo > 0 (a non-positive lo becomes 1, hi <= lo becomes lo * 10).
  // Values <= 0 map to lo.
  static Scale Log(double lo, double hi, double pixel_lo, double pixel_hi);

  double operator()(double v) const;
  double lo() const { return lo_; }
  double hi() const { return hi_; }
  bool is_log() const { return log_; }

 private:
  Scale(double lo, double hi, double pixel_lo, double pixel_hi, bool log);

  double lo_, hi_, pixel_lo_, pixel_hi_;
  bool log_;
};

// Round tick values (steps of 1, 2 or 5 × 10^k) inside [lo, hi], at most max_ticks + 1 of them,
// ascending. Empty when lo > hi or either is not finite.
std::vector<double> LinearTicks(double lo, double hi, int max_ticks);
// The smallest round value (1, 2 or 5 × 10^k) >= v, for the top of a linear axis; 1 for v <= 0.
double NiceCeil(double v);
// The powers of ten inside [lo, hi] (lo > 0), ascending; when that gives fewer than three, the
// 2× and 5× multiples too. Empty when lo <= 0 or lo > hi.
std::vector<double> LogTicks(double lo, double hi);
// [lo, hi] (both > 0) widened to whole powers of ten; {1, 10} when lo <= 0 or not finite.
std::pair<double, double> LogDomain(double lo, double hi);

// A pixel coordinate with at most one decimal and no trailing ".0": "12", "12.5".
std::string Coord(double v);

struct Point {
  double x = 0;
  double y = 0;
};

// The rectangle charts draw data into, in pixels from the SVG's top-left corner.
struct PlotArea {
  double left = 0, top = 0, width = 0, height = 0;
  double right() const { return left + width; }
  double bottom() const { return top + height; }
};

// Drawing attributes; empty strings leave the attribute out.
struct Stroke {
  std::string color = "#333";
  double width = 1;
  std::string dash;  // stroke-dasharray, e.g. "4 3"
};

// One <svg> element under construction. Shapes are appended in drawing order (later on top).
// `css_class` sets class="..." so tests and stylesheets can find a shape; `tooltip` adds a
// <title> child, which browsers show on hover.
class SvgDocument {
 public:
  // width x height pixels, role="img" with `label` as its accessible name.
  SvgDocument(int width, int height, std::string_view label);

  void Rect(double x, double y, double w, double h, std::string_view fill, double opacity,
            std::string_view css_class = "", std::string_view tooltip = "");
  void Line(Point a, Point b, const Stroke& stroke, std::string_view css_class = "",
            std::string_view tooltip = "");
  // Points with a non-finite coordinate are dropped; fewer than two points draw nothing.
  void Polyline(const std::vector<Point>& points, const Stroke& stroke,
                std::string_view css_class = "");
  void Circle(Point center, double r, std::string_view fill, std::string_view tooltip = "");
  // `anchor`: "start" | "middle" | "end". `rotate_deg` turns the text about its anchor point.
  void Text(Point at, std::string_view text, std::string_view anchor = "start", int size = 11,
            std::string_view fill = "#333", double rotate_deg = 0);

  // The complete element, "<svg ...>...</svg>". The document can still be appended to.
  std::string Finish() const;

 private:
  int width_, height_;
  std::string label_;
  std::string body_;
};

using TickLabel = std::function<std::string(double)>;

// A bottom axis along `area` with a tick mark, label and faint vertical grid line per tick, and
// `title` centred below.
void DrawXAxis(SvgDocument& svg, const PlotArea& area, const Scale& x,
               const std::vector<double>& ticks, const TickLabel& label, std::string_view title);
// A left axis along `area`, likewise with horizontal grid lines and a rotated `title`.
void DrawYAxis(SvgDocument& svg, const PlotArea& area, const Scale& y,
               const std::vector<double>& ticks, const TickLabel& label, std::string_view title);
// A one-row legend starting at `at`: a short coloured line and the label per {label, colour}.
void DrawLegend(SvgDocument& svg, Point at,
                const std::vector<std::pair<std::string, std::string>>& entries);

}  // namespace slotsim
