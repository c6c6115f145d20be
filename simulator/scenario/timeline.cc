// ScenarioTimeline and ScaleTimeline.
#include "simulator/scenario/timeline.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

#include "common/duration.h"

namespace slotsim {
namespace {

// "%g" without exponents for the loads people write: 50, 12.5, 2000000.
std::string Number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, v == std::floor(v) && std::fabs(v) < 1e15 ? "%.0f" : "%.6g", v);
  return buf;
}

// `text` padded with spaces to `width` characters on screen (UTF-8: the "–" is one).
std::string Padded(const std::string& text, size_t width) {
  size_t shown = 0;
  for (unsigned char c : text) shown += (c & 0xC0) != 0x80;
  return text + std::string(shown < width ? width - shown : 0, ' ');
}

// A line: kind, the window, what happens, in columns.
std::string Line(const std::string& kind, const std::string& window, const std::string& what) {
  return "  " + Padded(kind, 9) + " " + Padded(window, 19) + " " + what + "\n";
}

std::string Window(Micros from, Micros to) {
  return FormatDuration(from) + " – " + FormatDuration(to);
}

// What a fault does beyond its kind: "restart empty", "latency 20ms jitter 5ms", ...
std::string FaultDetail(const FaultSpec& f) {
  std::string out;
  for (std::string_view key : FaultParamKeys(f.kind)) {
    std::string value;
    if (key == "restart") value = f.restart;
    if (key == "latency") value = FormatDuration(f.latency);
    if (key == "jitter") value = FormatDuration(f.jitter);
    if (key == "down") value = FormatDuration(f.down);
    if (key == "up") value = FormatDuration(f.up);
    if (key == "bytes_per_s") value = std::to_string(f.bytes_per_s);
    if (key == "upstream") value = f.upstream;
    out += (out.empty() ? "" : ", ") + std::string(key) + " " + value;
  }
  return out.empty() ? f.kind : f.kind + " (" + out + ")";
}

void LoadLines(const Scenario& s, std::ostringstream& o) {
  const std::string unit = s.load.model == "closed" ? " clients" : " arrivals/s";
  Micros start{0};
  double from = 0;
  for (const LoadStage& stage : s.load.stages) {
    if (start >= s.duration) {
      o << Line("load", Window(start, start + stage.duration),
                "cut off: starts at or after the end of the run");
      start += stage.duration;
      continue;
    }
    const Micros end = std::min(start + stage.duration, s.duration);
    std::string what = stage.target == from
                           ? "hold " + Number(from) + unit
                           : "ramp " + Number(from) + " → " + Number(stage.target) + unit;
    if (start + stage.duration > s.duration) what += " (cut off at the end of the run)";
    o << Line("load", Window(start, end), what);
    from = stage.target;
    start += stage.duration;
  }
  if (start < s.duration) {
    o << Line("load", Window(start, s.duration), "hold " + Number(from) + unit);
  }
}

// Micros times `factor`, rounded down.
Micros Scaled(Micros d, double factor) {
  return Micros(static_cast<int64_t>(std::floor(static_cast<double>(d.count()) * factor)));
}

}  // namespace

std::string ScenarioTimeline(const Scenario& s) {
  std::ostringstream o;
  o << "timeline:\n"
    << Line("run", Window(Micros(0), s.duration),
            s.load.model == "closed" ? "closed model (concurrent clients)"
                                     : "open model (arrivals per second)");
  LoadLines(s, o);
  std::vector<const FaultSpec*> faults;
  for (const FaultSpec& f : s.faults) faults.push_back(&f);
  std::stable_sort(faults.begin(), faults.end(),
                   [](const FaultSpec* a, const FaultSpec* b) { return a->at < b->at; });
  for (const FaultSpec* f : faults) {
    const std::string window =
        IsInstantFault(f->kind) ? "at " + FormatDuration(f->at) : Window(f->at, f->end());
    o << Line("fault", window, FaultDetail(*f));
  }
  if (faults.empty()) o << Line("fault", "-", "none");
  for (const Threshold& t : s.thresholds) {
    if (!t.abort_on_fail) continue;
    o << Line("abort", "from " + FormatDuration(t.grace),
              "\"" + t.metric + "\" " + t.condition + " stops the run when it fails");
  }
  return o.str();
}

StatusOr<Scenario> ScaleTimeline(const Scenario& scenario, double factor) {
  if (!(factor > 0 && factor <= 1)) {
    return Status::InvalidArgument("--time-scale " + Number(factor) +
                                   ": allowed: a factor above 0, at most 1, e.g. 0.1");
  }
  Scenario s = scenario;
  s.duration = Scaled(s.duration, factor);
  for (LoadStage& stage : s.load.stages) stage.duration = Scaled(stage.duration, factor);
  for (FaultSpec& f : s.faults) {
    f.at = Scaled(f.at, factor);
    f.duration = Scaled(f.duration, factor);
    f.down = Scaled(f.down, factor);
    f.up = Scaled(f.up, factor);
  }
  for (Threshold& t : s.thresholds) t.grace = Scaled(t.grace, factor);
  StatusOr<Scenario> checked = ParseScenario(s.ToToml(), scenario.source);
  if (!checked.ok()) {
    return Status::InvalidArgument("--time-scale " + Number(factor) + ": the scaled scenario " +
                                   "is not valid: " + checked.status().message());
  }
  checked->source = scenario.source;
  return checked;
}

}  // namespace slotsim
