// Capacity search: probe scenarios, SLO checks, the coarse ramp and the bisection.
#include "simulator/capacity/capacity.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

#include "common/duration.h"

namespace slotsim {
namespace {

constexpr double kMaxLevel = 1e9;  // the largest [load] stage target a scenario accepts
constexpr int kMaxRampProbes = 40;

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

Status BadOption(const std::string& name, double value, const std::string& allowed) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%g", value);
  return Status::InvalidArgument("capacity option " + name + " = " + buf + " is out of range; " +
                                 "allowed: " + allowed);
}

// The coarse ramp's next level after `level`, never past max, always above level when below it.
double NextLevel(const CapacityOptions& o, double level) {
  double next = NormalizeLevel(o, o.step > 0 ? level + o.step : level * o.growth);
  if (o.vary == CapacityVary::kClients && next <= level) next = level + 1;
  return std::min(next, o.max);
}

int RampProbes(const CapacityOptions& o) {
  int n = 1;
  for (double level = o.min; level < o.max && n <= kMaxRampProbes; ++n) {
    level = NextLevel(o, level);
  }
  return n;
}

std::optional<double> Headroom(const Threshold& t, std::optional<double> value) {
  if (!value) return std::nullopt;
  double d = 0;
  switch (t.op) {
    case Comparison::kLess:
    case Comparison::kLessEqual:
      d = t.value - *value;
      break;
    case Comparison::kGreater:
    case Comparison::kGreaterEqual:
      d = *value - t.value;
      break;
    default:
      return std::nullopt;
  }
  return t.value == 0 ? d : d / std::fabs(t.value);
}

// The failing SLOs of `probe` into `failing`; returns the one with the least headroom.
int Binding(const CapacityProbe& probe, std::vector<int>& failing) {
  int best = -1;
  double best_headroom = 0;
  failing.clear();
  for (size_t i = 0; i < probe.slos.size(); ++i) {
    const SloCheck& c = probe.slos[i];
    if (c.ok) continue;
    failing.push_back(static_cast<int>(i));
    const double h = c.headroom.value_or(-std::numeric_limits<double>::infinity());
    if (best < 0 || h < best_headroom) {
      best = static_cast<int>(i);
      best_headroom = h;
    }
  }
  return best;
}

// One search: the ramp, then the bisection, over a shared list of probes.
class Search {
 public:
  Search(const Scenario& base, const CapacityOptions& o, const ProbeRunner& run,
         const ProbeListener& on_probe)
      : base_(base), o_(o), run_(run), on_probe_(on_probe), names_(ProbeMetricNames(o)) {}

  StatusOr<CapacityResult> Run();

 private:
  // Runs the probe at `level` and files it; returns whether every SLO held.
  StatusOr<bool> Probe(double level, bool bisect);
  Status Ramp();
  Status Bisect();
  double Resolution() const;
  void Bound(CapacityOutcome outcome);

  const Scenario& base_;
  const CapacityOptions& o_;
  const ProbeRunner& run_;
  const ProbeListener& on_probe_;
  const std::vector<std::string> names_;
  CapacityResult r_;
  double pass_ = 0;
  std::optional<double> fail_;
  size_t fail_probe_ = 0;  // index of the probe at fail_
};

StatusOr<bool> Search::Probe(double level, bool bisect) {
  StatusOr<ProbeMetrics> metrics = run_(ProbeScenario(base_, o_, level), names_);
  if (!metrics.ok()) return metrics.status();
  CapacityProbe p = EvaluateProbe(o_, level, *metrics);
  p.bisect = bisect;
  r_.probes.push_back(std::move(p));
  const CapacityProbe& filed = r_.probes.back();
  if (on_probe_) on_probe_(filed, r_.probes.size() - 1);
  if (filed.ok) {
    pass_ = level;
  } else {
    fail_ = level;
    fail_probe_ = r_.probes.size() - 1;
  }
  return filed.ok;
}

Status Search::Ramp() {
  double level = pass_;
  while (level < o_.max) {
    level = NextLevel(o_, level);
    StatusOr<bool> ok = Probe(level, false);
    if (!ok.ok()) return ok.status();
    if (!*ok) break;
  }
  return Status::Ok();
}

double Search::Resolution() const {
  if (o_.resolution > 0) return o_.resolution;
  return std::max(o_.vary == CapacityVary::kClients ? 1.0 : 0.1, 0.05 * pass_);
}

Status Search::Bisect() {
  while (*fail_ - pass_ > Resolution() &&
         r_.probes.size() < static_cast<size_t>(CapacityOptions::kMaxProbes)) {
    const double mid = NormalizeLevel(o_, (pass_ + *fail_) / 2);
    if (mid <= pass_ || mid >= *fail_) break;
    StatusOr<bool> ok = Probe(mid, true);
    if (!ok.ok()) return ok.status();
  }
  return Status::Ok();
}

void Search::Bound(CapacityOutcome outcome) {
  r_.outcome = outcome;
  r_.resolution = Resolution();
  if (outcome == CapacityOutcome::kNotBound) {
    r_.capacity = pass_;
    return;
  }
  r_.capacity = outcome == CapacityOutcome::kMinFails ? 0 : pass_;
  r_.first_fail = fail_;
  r_.binding = Binding(r_.probes[fail_probe_], r_.failing);
}

StatusOr<CapacityResult> Search::Run() {
  SLOTSIM_RETURN_IF_ERROR(CheckCapacityOptions(o_));
  StatusOr<bool> min_ok = Probe(NormalizeLevel(o_, o_.min), false);
  if (!min_ok.ok()) return min_ok.status();
  if (!*min_ok) {
    Bound(CapacityOutcome::kMinFails);
    return std::move(r_);
  }
  SLOTSIM_RETURN_IF_ERROR(Ramp());
  if (!fail_) {
    Bound(CapacityOutcome::kNotBound);
    return std::move(r_);
  }
  SLOTSIM_RETURN_IF_ERROR(Bisect());
  Bound(CapacityOutcome::kFound);
  return std::move(r_);
}

}  // namespace

std::string_view VaryName(CapacityVary vary) {
  return vary == CapacityVary::kClients ? "clients" : "arrival_rate";
}

StatusOr<CapacityVary> ParseVary(std::string_view name) {
  if (name == "clients") return CapacityVary::kClients;
  if (name == "arrival_rate") return CapacityVary::kArrivalRate;
  return Status::InvalidArgument("--vary \"" + std::string(name) +
                                 "\" is not a load to vary; allowed: clients (concurrent clients, "
                                 "closed model), arrival_rate (arrivals per second, open model)");
}

StatusOr<Threshold> ParseSlo(std::string_view text) {
  constexpr std::string_view kForm =
      "\"<metric><op><value>\", e.g. \"latency.poll.p99<50ms\" or \"errors.rate<0.1%\"; op one "
      "of < <= > >= == !=; metrics as in docs/scenarios.md, \"Metrics\"";
  const size_t op = text.find_first_of("<>=!");
  const std::string_view metric = Trim(text.substr(0, op));
  if (op == std::string_view::npos || metric.empty()) {
    return Status::InvalidArgument(
        "SLO \"" + std::string(text) +
        "\" has no metric and comparison; allowed: " + std::string(kForm));
  }
  const std::string_view condition = Trim(text.substr(op));
  StatusOr<Threshold> t = ParseThreshold(metric, condition);
  if (!t.ok()) {
    return Status::InvalidArgument("SLO \"" + std::string(text) + "\": " + t.status().message());
  }
  // "<50ms" reads as "< 50ms", as a scenario's [thresholds] are written.
  const std::string_view symbol = ComparisonSymbol(t->op);
  t->condition = std::string(symbol) + " " + std::string(Trim(condition.substr(symbol.size())));
  return t;
}

Status CheckCapacityOptions(const CapacityOptions& o) {
  const bool clients = o.vary == CapacityVary::kClients;
  if (o.slos.empty()) {
    return Status::InvalidArgument(
        "no SLO to search against; allowed: one or more --slo, e.g. --slo 'latency.poll.p99<50ms' "
        "(or [thresholds] in the scenario)");
  }
  if (!(clients ? o.min >= 1 : o.min > 0) || o.min > kMaxLevel) {
    return BadOption("--min", o.min, clients ? "1 to 1e9 clients" : "above 0, up to 1e9 per s");
  }
  if (!(o.max >= o.min) || o.max > kMaxLevel) {
    return BadOption("--max", o.max, "at least --min, up to 1e9");
  }
  if (o.step == 0 && !(o.growth > 1 && o.growth <= 100)) {
    return BadOption("--growth", o.growth, "above 1, up to 100");
  }
  if (!(o.step >= 0) || o.step > kMaxLevel)
    return BadOption("--step", o.step, "0 (geometric) or above");
  if (!(o.resolution >= 0)) return BadOption("--resolution", o.resolution, "0 (5 %) or above");
  if (!(o.warmup >= 0 && o.warmup < 1)) return BadOption("--warmup", o.warmup, "0 <= share < 1");
  if (o.step_duration < std::chrono::seconds(1)) {
    return Status::InvalidArgument("--step-duration " + FormatDuration(o.step_duration) +
                                   " is too short; allowed: 1s or longer, e.g. 2m");
  }
  if (RampProbes(o) > kMaxRampProbes) {
    return Status::InvalidArgument(
        "the coarse ramp from --min to --max takes more than " + std::to_string(kMaxRampProbes) +
        " probes; allowed: a larger --step or --growth, or a narrower --min .. --max");
  }
  return Status::Ok();
}

double NormalizeLevel(const CapacityOptions& options, double level) {
  if (options.vary != CapacityVary::kClients) return level;
  return std::max(1.0, std::round(level));
}

Scenario ProbeScenario(const Scenario& base, const CapacityOptions& options, double level) {
  Scenario p = base;
  p.duration = options.step_duration;
  const Micros warmup(static_cast<int64_t>(
      std::llround(static_cast<double>(options.step_duration.count()) * options.warmup)));
  p.load.model = options.vary == CapacityVary::kClients ? "closed" : "open";
  p.load.stages = {{warmup, level}, {p.duration - warmup, level}};
  if (options.vary == CapacityVary::kClients) {
    p.load.max_clients = std::max(p.load.max_clients, static_cast<int64_t>(std::ceil(level)));
  }
  p.thresholds = options.slos;
  p.faults.clear();
  for (FaultSpec f : base.faults) {
    if (f.at >= p.duration) continue;
    if (f.end() > p.duration) f.duration = p.duration - f.at;
    p.faults.push_back(f);
  }
  return p;
}

std::vector<std::string> ProbeMetricNames(const CapacityOptions& options) {
  std::vector<std::string> names;
  auto add = [&names](std::string_view name) {
    if (std::find(names.begin(), names.end(), name) == names.end()) names.emplace_back(name);
  };
  for (const Threshold& t : options.slos) add(t.metric);
  for (std::string_view name : kCurveMetrics) add(name);
  return names;
}

CapacityProbe EvaluateProbe(const CapacityOptions& options, double level,
                            const ProbeMetrics& metrics) {
  CapacityProbe p;
  p.level = level;
  p.metrics = metrics;
  p.ok = true;
  for (const Threshold& t : options.slos) {
    SloCheck c;
    if (auto it = metrics.find(t.metric); it != metrics.end()) c.value = it->second;
    c.ok = c.value.has_value() && t.Holds(*c.value);
    c.headroom = Headroom(t, c.value);
    p.ok = p.ok && c.ok;
    p.slos.push_back(c);
  }
  return p;
}

StatusOr<CapacityResult> FindCapacity(const Scenario& base, const CapacityOptions& options,
                                      const ProbeRunner& run, const ProbeListener& on_probe) {
  return Search(base, options, run, on_probe).Run();
}

}  // namespace slotsim
