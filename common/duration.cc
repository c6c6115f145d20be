// Duration parsing: a small hand-written scanner so errors can say exactly what was wrong.
#include "common/duration.h"

#include <cctype>
#include <cmath>
#include <cstdio>

namespace slotsim {
namespace {

constexpr std::string_view kAllowed =
    "a duration like 250ms, 5s, 1.5s, 10m, 1h30m (units us, ms, s, m, h, d)";

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
    while (i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) ||
                               (text[i] == '.' && !seen_dot))) {
      seen_dot |= text[i] == '.';
      ++i;
    }
    if (i == num_start) return Bad(text, "expected a number at \"" + std::string(text.substr(i)) + "\"");
    const std::string number(text.substr(num_start, i - num_start));
    const size_t unit_start = i;
    while (i < text.size() && std::isalpha(static_cast<unsigned char>(text[i]))) ++i;
    const std::string_view unit = text.substr(unit_start, i - unit_start);
    if (unit.empty()) return Bad(text, "missing unit after " + number);
    const int64_t unit_us = UnitMicros(unit);
    if (unit_us == 0) return Bad(text, "unknown unit \"" + std::string(unit) + "\"");
    total_us += std::stod(number) * static_cast<double>(unit_us);
  }
  if (total_us > 1e17) return Bad(text, "too large");
  return Micros(static_cast<int64_t>(std::llround(total_us)));
}

std::string FormatDuration(Micros d) {
  int64_t us = d.count();
  if (us == 0) return "0s";
  std::string sign = us < 0 ? "-" : "";
  if (us < 0) us = -us;
  char buf[64];
  if (us % 1000 != 0 || us < 1000) {
    std::snprintf(buf, sizeof buf, "%lldus", static_cast<long long>(us));
  } else if (us < 1000000) {
    std::snprintf(buf, sizeof buf, "%lldms", static_cast<long long>(us / 1000));
  } else if (us < 60LL * 1000000 || us % 1000000 != 0) {
    if (us % 1000000 == 0) {
      std::snprintf(buf, sizeof buf, "%llds", static_cast<long long>(us / 1000000));
    } else {
      std::snprintf(buf, sizeof buf, "%gs", static_cast<double>(us) / 1e6);
    }
  } else {
    const int64_t s = us / 1000000;
    const int64_t h = s / 3600, m = (s % 3600) / 60, sec = s % 60;
    std::string out;
    if (h) out += std::to_string(h) + "h";
    if (m) out += std::to_string(m) + "m";
    if (sec) out += std::to_string(sec) + "s";
    return sign + out;
  }
  return sign + buf;
}

}  // namespace slotsim
