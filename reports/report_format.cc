// Number and text formatting for the reports.
#include "reports/report_format.h"

#include <cmath>
#include <cstdio>

#include "common/duration.h"
#include "simulator/scenario/threshold.h"

namespace slotsim {
namespace {

std::string Printf(const char* format, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, format, v);
  return buf;
}

}  // namespace

std::string GroupedText(uint64_t n) {
  std::string digits = std::to_string(n), out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

std::string FixedText(double v, int decimals) {
  if (!std::isfinite(v)) return "-";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

std::string MsText(double us) {
  if (!std::isfinite(us)) return "-";
  const double ms = us / 1000.0;
  return Printf(ms < 1 ? "%.3f" : ms < 10 ? "%.2f" : ms < 1000 ? "%.1f" : "%.0f", ms);
}

std::string SinceStartText(double seconds) {
  if (!std::isfinite(seconds) || std::fabs(seconds) > 1e12) return "-";
  return FormatDuration(Millis(std::llround(seconds * 1e3)));
}

std::string ThresholdValueText(const std::string& metric, double v) {
  if (!std::isfinite(v)) return "-";
  StatusOr<MetricUnit> unit = MetricUnitOf(metric);
  if (!unit.ok()) return Printf("%g", v);
  switch (*unit) {
    case MetricUnit::kMicros:
      return MsText(v) + " ms";
    case MetricUnit::kMillis:
      return Printf("%.4g", v) + " ms";
    case MetricUnit::kSeconds:
      return Printf("%.4g", v) + " s";
    case MetricUnit::kFraction:
      return Printf("%.4g", v * 100) + "%";
    case MetricUnit::kNumber:
      return Printf("%.10g", v);
  }
  return Printf("%g", v);
}

std::string XmlEscape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      case '\t':
      case '\n':
      case '\r':
        out += c;
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
          out += "\xEF\xBF\xBD";  // U+FFFD
        } else {
          out += c;
        }
    }
  }
  return out;
}

}  // namespace slotsim
