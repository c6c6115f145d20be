// Text formatting shared by the reports people read (console aside): numbers for humans,
// threshold values in their metric's unit, and XML/HTML escaping.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace slotsim {

// 1234567 -> "1,234,567".
std::string GroupedText(uint64_t n);
// `v` with `decimals` digits after the point ("%.*f"); "-" for NaN or infinity.
std::string FixedText(double v, int decimals);
// Microseconds as milliseconds, more decimals for smaller values: 0.412, 2.10, 48.3, 1203.
std::string MsText(double us);
// Seconds since the run start as a duration to the millisecond: "3m", "1m30.25s", "0s".
std::string SinceStartText(double seconds);
// A measured threshold value in its metric's unit, for people: "3.20 ms", "0.1%", "12".
// Unknown metrics get "%g".
std::string ThresholdValueText(const std::string& metric, double value);

// Escapes & < > " ' for XML and HTML text and attribute values. Control characters XML 1.0
// forbids (below 0x20 except tab, newline, carriage return) become U+FFFD, so the result is
// always well-formed. Other bytes (UTF-8) pass through.
std::string XmlEscape(std::string_view text);

}  // namespace slotsim
