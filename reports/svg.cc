// Scales, ticks and the SVG builder.
#include "reports/svg.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "reports/report_format.h"

namespace slotsim {
namespace {

constexpr double kEpsilon = 1e-9;
constexpr const char* kGridColor = "#e6e6e6";
constexpr const char* kAxisColor = "#888";

std::string Attr(std::string_view name, std::string_view value) {
  if (value.empty()) return "";
  return " " + std::string(name) + "=\"" + XmlEscape(value) + "\"";
}

std::string StrokeAttrs(const Stroke& s) {
  return Attr("stroke", s.color) + Attr("stroke-width", Coord(s.width)) +
         Attr("stroke-dasharray", s.dash);
}

// Closes a shape: self-closing, or with a <title> child for the tooltip.
std::string Close(std::string_view element, std::string_view tooltip) {
  if (tooltip.empty()) return "/>";
  return "><title>" + XmlEscape(tooltip) + "</title></" + std::string(element) + ">";
}

// The smallest of 1, 2, 5 x 10^k that is >= v (v > 0).
double NiceStep(double v) {
  const double magnitude = std::pow(10.0, std::floor(std::log10(v)));
  for (double m : {1.0, 2.0, 5.0, 10.0}) {
    if (m * magnitude >= v * (1 - kEpsilon)) return m * magnitude;
  }
  return 10 * magnitude;
}

}  // namespace

Scale::Scale(double lo, double hi, double pixel_lo, double pixel_hi, bool log)
    : lo_(lo), hi_(hi), pixel_lo_(pixel_lo), pixel_hi_(pixel_hi), log_(log) {}

Scale Scale::Linear(double lo, double hi, double pixel_lo, double pixel_hi) {
  if (!(hi > lo)) hi = lo + 1;
  return Scale(lo, hi, pixel_lo, pixel_hi, false);
}

Scale Scale::Log(double lo, double hi, double pixel_lo, double pixel_hi) {
  if (!(lo > 0) || !std::isfinite(lo)) lo = 1;
  if (!(hi > lo) || !std::isfinite(hi)) hi = lo * 10;
  return Scale(lo, hi, pixel_lo, pixel_hi, true);
}

double Scale::operator()(double v) const {
  if (std::isnan(v)) return v;
  v = std::clamp(v, lo_, hi_);
  const double t = log_ ? (std::log10(v) - std::log10(lo_)) / (std::log10(hi_) - std::log10(lo_))
                        : (v - lo_) / (hi_ - lo_);
  return pixel_lo_ + t * (pixel_hi_ - pixel_lo_);
}

std::vector<double> LinearTicks(double lo, double hi, int max_ticks) {
  std::vector<double> ticks;
  if (!std::isfinite(lo) || !std::isfinite(hi) || lo > hi) return ticks;
  if (hi == lo) return {lo};
  const int limit = std::max(1, max_ticks);
  const double step = NiceStep((hi - lo) / limit);
  const double first = std::ceil(lo / step - kEpsilon);
  // Bounded by the count, not the values: huge magnitudes lose the precision to step at all.
  for (int i = 0; i <= limit && (first + i) * step <= hi + step * kEpsilon; ++i) {
    const double k = first + i;
    ticks.push_back(std::fabs(k) < kEpsilon ? 0.0 : k * step);
  }
  return ticks;
}

double NiceCeil(double v) {
  if (!(v > 0) || !std::isfinite(v)) return 1;
  const double magnitude = std::pow(10.0, std::floor(std::log10(v)));
  for (double m : {1.0, 2.0, 5.0, 10.0}) {
    if (m * magnitude >= v * (1 - kEpsilon)) return m * magnitude;
  }
  return 10 * magnitude;
}

std::vector<double> LogTicks(double lo, double hi) {
  std::vector<double> out;
  if (!(lo > 0) || !(hi >= lo) || !std::isfinite(hi)) return out;
  const int first = static_cast<int>(std::floor(std::log10(lo))) - 1;
  const int last = std::min(first + 40, static_cast<int>(std::ceil(std::log10(hi))) + 1);
  auto collect = [&](std::initializer_list<double> multiples) {
    out.clear();
    for (int k = first; k <= last; ++k) {
      for (double m : multiples) {
        const double v = m * std::pow(10.0, k);
        if (v >= lo * (1 - kEpsilon) && v <= hi * (1 + kEpsilon)) out.push_back(v);
      }
    }
  };
  collect({1.0});
  if (out.size() < 3) collect({1.0, 2.0, 5.0});
  return out;
}

std::pair<double, double> LogDomain(double lo, double hi) {
  if (!(lo > 0) || !std::isfinite(lo) || !std::isfinite(hi)) return {1, 10};
  const double a = std::pow(10.0, std::floor(std::log10(lo) + kEpsilon));
  double b = std::pow(10.0, std::ceil(std::log10(std::max(hi, lo)) - kEpsilon));
  if (b <= a) b = a * 10;
  return {a, b};
}

std::string Coord(double v) {
  if (!std::isfinite(v)) return "0";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  std::string s = buf;
  if (s.size() > 2 && s.compare(s.size() - 2, 2, ".0") == 0) s.resize(s.size() - 2);
  return s == "-0" ? "0" : s;
}

SvgDocument::SvgDocument(int width, int height, std::string_view label)
    : width_(width), height_(height), label_(label) {}

void SvgDocument::Rect(double x, double y, double w, double h, std::string_view fill,
                       double opacity, std::string_view css_class, std::string_view tooltip) {
  body_ += "<rect" + Attr("class", css_class) + Attr("x", Coord(x)) + Attr("y", Coord(y)) +
           Attr("width", Coord(std::max(0.0, w))) + Attr("height", Coord(std::max(0.0, h))) +
           Attr("fill", fill) + Attr("fill-opacity", FixedText(opacity, 2)) +
           Close("rect", tooltip) + "\n";
}

void SvgDocument::Line(Point a, Point b, const Stroke& stroke, std::string_view css_class,
                       std::string_view tooltip) {
  body_ += "<line" + Attr("class", css_class) + Attr("x1", Coord(a.x)) + Attr("y1", Coord(a.y)) +
           Attr("x2", Coord(b.x)) + Attr("y2", Coord(b.y)) + StrokeAttrs(stroke) +
           Close("line", tooltip) + "\n";
}

void SvgDocument::Polyline(const std::vector<Point>& points, const Stroke& stroke,
                           std::string_view css_class) {
  std::string coords;
  size_t n = 0;
  for (const Point& p : points) {
    if (!std::isfinite(p.x) || !std::isfinite(p.y)) continue;
    coords += (n++ == 0 ? "" : " ") + Coord(p.x) + "," + Coord(p.y);
  }
  if (n < 2) return;
  body_ += "<polyline" + Attr("class", css_class) + " fill=\"none\"" + StrokeAttrs(stroke) +
           " stroke-linejoin=\"round\"" + Attr("points", coords) + "/>\n";
}

void SvgDocument::Circle(Point center, double r, std::string_view fill, std::string_view tooltip) {
  body_ += "<circle" + Attr("cx", Coord(center.x)) + Attr("cy", Coord(center.y)) +
           Attr("r", Coord(r)) + Attr("fill", fill) + Close("circle", tooltip) + "\n";
}

void SvgDocument::Text(Point at, std::string_view text, std::string_view anchor, int size,
                       std::string_view fill, double rotate_deg) {
  std::string transform;
  if (rotate_deg != 0) {
    transform = "rotate(" + Coord(rotate_deg) + " " + Coord(at.x) + " " + Coord(at.y) + ")";
  }
  body_ += "<text" + Attr("x", Coord(at.x)) + Attr("y", Coord(at.y)) + Attr("text-anchor", anchor) +
           Attr("font-size", std::to_string(size)) + Attr("fill", fill) +
           Attr("transform", transform) + ">" + XmlEscape(text) + "</text>\n";
}

std::string SvgDocument::Finish() const {
  const std::string w = std::to_string(width_), h = std::to_string(height_);
  return "<svg class=\"chart\" width=\"" + w + "\" height=\"" + h + "\" viewBox=\"0 0 " + w + " " +
         h + "\" role=\"img\"" + Attr("aria-label", label_) + ">\n" + body_ + "</svg>";
}

void DrawXAxis(SvgDocument& svg, const PlotArea& area, const Scale& x,
               const std::vector<double>& ticks, const TickLabel& label, std::string_view title) {
  const Stroke grid{kGridColor, 1, ""}, axis{kAxisColor, 1, ""};
  for (double t : ticks) {
    const double px = x(t);
    svg.Line({px, area.top}, {px, area.bottom()}, grid);
    svg.Line({px, area.bottom()}, {px, area.bottom() + 4}, axis);
    svg.Text({px, area.bottom() + 16}, label(t), "middle", 10);
  }
  svg.Line({area.left, area.bottom()}, {area.right(), area.bottom()}, axis);
  svg.Text({area.left + area.width / 2, area.bottom() + 32}, title, "middle", 11);
}

void DrawYAxis(SvgDocument& svg, const PlotArea& area, const Scale& y,
               const std::vector<double>& ticks, const TickLabel& label, std::string_view title) {
  const Stroke grid{kGridColor, 1, ""}, axis{kAxisColor, 1, ""};
  for (double t : ticks) {
    const double py = y(t);
    svg.Line({area.left, py}, {area.right(), py}, grid);
    svg.Line({area.left - 4, py}, {area.left, py}, axis);
    svg.Text({area.left - 6, py + 3.5}, label(t), "end", 10);
  }
  svg.Line({area.left, area.top}, {area.left, area.bottom()}, axis);
  svg.Text({14, area.top + area.height / 2}, title, "middle", 11, "#333", -90);
}

void DrawLegend(SvgDocument& svg, Point at,
                const std::vector<std::pair<std::string, std::string>>& entries) {
  double x = at.x;
  for (const auto& [label, color] : entries) {
    svg.Line({x, at.y}, {x + 16, at.y}, Stroke{color, 3, ""});
    svg.Text({x + 20, at.y + 4}, label, "start", 11);
    x += 20 + 6.5 * static_cast<double>(label.size()) + 16;
  }
}

}  // namespace slotsim
