// Duration parsing: a small hand-written scanner so errors can say exactly what was wrong.
#include "common/duration.h"

#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>

namespace slotsim {
namespace {

constexpr std::string_view kAllowed =
    "a duration like 250ms, 5s, 5 s, 1.5s, 10m, 1h30m (units us, ms, s, m, h, d; one space "
    "allowed between a number and its unit)";

// Returns the unit length in microseconds, or 0 if `unit` is not a unit.
int64_t UnitMicros(std::string_view unit) {
  if (unit == "us") return 1;
  if (unit == "ms") return 1000;
  if (unit == "s") return 1000000;
  if (unit == "m") return 60LL * 1000000;
  if (unit == "h") return 3600LL * 1000000;
  if (unit == "d") return 86400LL * 1000000;
  return 0;
}

Status Bad(std::string_view text, std::string_view why) {
  return Status::InvalidArgument("bad duration \"" + std::string(text) + "\": " + std::string(why) +
                                 "; expected " + std::string(kAllowed));
}

}  // namespace

StatusOr<Micros> ParseDuration(std::string_view text) {
  if (text == "0") return Micros(0);
  if (text.empty()) return Bad(text, "empty");
  double total_us = 0;
  size_t i = 0;
  while (i < text.size()) {
    const size_t num_start = i;
    bool seen_dot = false;
    while (i < text.size() &&
           (std::isdigit(static_cast<unsigned char>(text[i])) || (text[i] == '.' && !seen_dot))) {
      seen_dot |= text[i] == '.';
      ++i;
    }
    if (i == num_start)
      return Bad(text, "expected a number at \"" + std::string(text.substr(i)) + "\"");
    const std::string number(text.substr(num_start, i - num_start));
    // "5 s" reads as "5s", as thresholds read "< 30 ms": one space before the unit, no more.
    if (i + 1 < text.size() && text[i] == ' ' &&
        std::isalpha(static_cast<unsigned char>(text[i + 1]))) {
      ++i;
    }
    const size_t unit_start = i;
    while (i < text.size() && std::isalpha(static_cast<unsigned char>(text[i]))) ++i;
    const std::string_view unit = text.substr(unit_start, i - unit_start);
    if (unit.empty()) return Bad(text, "missing unit after " + number);
    const int64_t unit_us = UnitMicros(unit);
    if (unit_us == 0) return Bad(text, "unknown unit \"" + std::string(unit) + "\"");
    // from_chars, unlike stod, neither throws (".", 400 digits) nor depends on the locale.
    double value = 0;
    const auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), value);
    if (ec == std::errc::result_out_of_range) return Bad(text, "too large");
    if (ec != std::errc() || end != number.data() + number.size()) {
      return Bad(text, "bad number \"" + number + "\"");
    }
    total_us += value * static_cast<double>(unit_us);
  }
  if (total_us > 1e17) return Bad(text, "too large");
  return Micros(static_cast<int64_t>(std::llround(total_us)));
}

std::string FormatDuration(Micros d) {
  const int64_t count = d.count();
  if (count == 0) return "0s";
  const std::string sign = count < 0 ? "-" : "";
  // Unsigned so that the most negative count has a magnitude too.
  const uint64_t us = count < 0 ? 0 - static_cast<uint64_t>(count) : static_cast<uint64_t>(count);
  if (us % 1000 != 0) return sign + std::to_string(us) + "us";
  if (us < 1000000) return sign + std::to_string(us / 1000) + "ms";
  // Whole milliseconds from 1 s up: compound h/m/s with an exact millisecond fraction, e.g.
  // "1h30m", "1.5s", "2m0.25s", so that ParseDuration(FormatDuration(d)) == d.
  const uint64_t s = us / 1000000, frac_ms = (us % 1000000) / 1000;
  const uint64_t h = s / 3600, m = (s % 3600) / 60, sec = s % 60;
  std::string out = sign;
  if (h) out += std::to_string(h) + "h";
  if (m) out += std::to_string(m) + "m";
  if (sec || frac_ms) {
    out += std::to_string(sec);
    if (frac_ms) {
      char buf[16];
      std::snprintf(buf, sizeof buf, ".%03u", static_cast<unsigned>(frac_ms));
      std::string frac = buf;
      while (frac.back() == '0') frac.pop_back();
      out += frac;
    }
    out += "s";
  }
  return out;
}

}  // namespace slotsim
