// Warnings a run's own figures call for (reports/run_warnings.h).
#include "reports/run_warnings.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

namespace slotsim {
namespace {

using nlohmann::json;

double NumberIn(const json& array, size_t i) {
  return array.is_array() && i < array.size() && array[i].is_number() ? array[i].get<double>() : 0;
}

const json& Member(const json& j, const char* key) {
  static const json kNull;
  if (!j.is_object()) return kNull;
  auto it = j.find(key);
  return it == j.end() ? kNull : *it;
}

struct Window {
  double start_s = 0, end_s = 0;
  double gave_up = 0, selects = 0;
  double share() const { return gave_up + selects > 0 ? gave_up / (gave_up + selects) : 0; }
  bool saturated() const {
    return gave_up >= static_cast<double>(kSaturationMinGaveUp) && share() >= kSaturationShare;
  }
};

std::vector<Window> WindowsOf(const json& ts) {
  std::vector<Window> windows;
  const json& t_s = Member(ts, "t_s");
  const json& sold = Member(ts, "sold_out");
  const json& selects = Member(Member(ts, "ops"), "select");
  const double interval =
      Member(ts, "interval_s").is_number() ? Member(ts, "interval_s").get<double>() : 1;
  if (!t_s.is_array() || !sold.is_array() || interval <= 0) return windows;
  const size_t per =
      std::max<size_t>(1, static_cast<size_t>(std::llround(kSaturationWindowS / interval)));
  for (size_t i = 0; i < t_s.size(); ++i) {
    if (i % per == 0) windows.push_back({NumberIn(t_s, i), NumberIn(t_s, i) + interval, 0, 0});
    Window& w = windows.back();
    w.end_s = NumberIn(t_s, i) + interval;
    w.gave_up += NumberIn(sold, i);
    w.selects += NumberIn(selects, i);
  }
  return windows;
}

std::string Fixed(const char* format, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, format, v);
  return buf;
}

json Saturation(const json& summary) {
  const std::vector<Window> windows = WindowsOf(Member(summary, "timeseries"));
  Window total;
  const Window* first = nullptr;
  double peak = 0;
  for (const Window& w : windows) {
    total.gave_up += w.gave_up;
    total.selects += w.selects;
    if (!w.saturated()) continue;
    if (first == nullptr) first = &w;
    peak = std::max(peak, w.share());
  }
  if (first == nullptr) return nullptr;
  json faults = json::array();
  std::string during;
  for (const json& o : Member(Member(summary, "failover"), "outages")) {
    const double start = NumberIn(json::array({Member(o, "start_s")}), 0);
    const double end = NumberIn(json::array({Member(o, "end_s")}), 0);
    const bool overlaps = std::any_of(windows.begin(), windows.end(), [&](const Window& w) {
      return w.saturated() && w.start_s < end && start < w.end_s;
    });
    if (!overlaps) continue;
    const std::string kind =
        Member(o, "kind").is_string() ? Member(o, "kind").get<std::string>() : "?";
    faults.push_back({{"kind", kind}, {"start_s", start}, {"end_s", end}});
    during += (during.empty() ? "; during " : ", ") + kind + " " + Fixed("%.0f", start) + "-" +
              Fixed("%.0f", end) + " s";
  }
  const std::string message =
      "calendar saturated from " + Fixed("%.0f", first->start_s) +
      " s: " + Fixed("%.0f", total.gave_up) + " clients gave up on a full day (" +
      Fixed("%.1f", 100 * total.share()) + "% of select attempts, up to " +
      Fixed("%.0f", 100 * peak) + "% in a " + Fixed("%.0f", kSaturationWindowS) + " s window)" +
      during + "; figures describe a nearly full calendar: enlarge it (engine.employees, " +
      "engine.days_ahead, clients.days) or lower the load";
  return {{"kind", "calendar_saturated"},
          {"from_s", first->start_s},
          {"gave_up", static_cast<uint64_t>(total.gave_up)},
          {"share", total.share()},
          {"peak_share", peak},
          {"during_faults", std::move(faults)},
          {"message", message}};
}

}  // namespace

json RunWarnings(const json& summary) {
  json warnings = json::array();
  if (json s = Saturation(summary); !s.is_null()) warnings.push_back(std::move(s));
  return warnings;
}

}  // namespace slotsim
