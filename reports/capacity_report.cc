// capacity.json, the progress and answer lines, and the summary-reading probe runner.
#include "reports/capacity_report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>

#include "common/git_commit.h"
#include "reports/report_format.h"
#include "reports/run_reports.h"
#include "reports/summary.h"
#include "reports/thresholds.h"

namespace slotsim {
namespace {

using json = nlohmann::json;

std::string Printf(const char* format, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, format, v);
  return buf;
}

std::string ValueText(const std::string& metric, const std::optional<double>& v) {
  return v ? ThresholdValueText(metric, *v) : "no data";
}

json Optional(const std::optional<double>& v) { return v ? json(*v) : json(nullptr); }

std::string SloText(const Threshold& t) { return t.metric + " " + t.condition; }

// Each probe's own directory under keep_dir, numbered from 1 as the progress lines are:
// "probe-03-480".
std::string ProbeDir(const std::string& keep_dir, size_t index, double level) {
  char buf[96];
  std::snprintf(buf, sizeof buf, "/probe-%02zu-%g", index, level);
  return keep_dir + buf;
}

Status KeepProbe(const json& summary, const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Status::Unavailable(dir + ": cannot create: " + ec.message());
  SLOTSIM_RETURN_IF_ERROR(WriteSummary(summary, dir + "/summary.json"));
  return WriteRunReports(summary, dir);
}

json SearchJson(const CapacityOptions& o) {
  return {{"vary", VaryName(o.vary)},
          {"unit", o.vary == CapacityVary::kClients ? "clients" : "arrivals/s"},
          {"min", o.min},
          {"max", o.max},
          {"growth", o.step > 0 ? 0.0 : o.growth},
          {"step", o.step},
          {"resolution", o.resolution},
          {"step_duration_s", static_cast<double>(o.step_duration.count()) / 1e6},
          {"warmup", o.warmup}};
}

json ProbeJson(const CapacityOptions& o, const CapacityProbe& p) {
  json slos = json::array();
  for (size_t i = 0; i < o.slos.size() && i < p.slos.size(); ++i) {
    slos.push_back({{"metric", o.slos[i].metric},
                    {"condition", o.slos[i].condition},
                    {"value", Optional(p.slos[i].value)},
                    {"ok", p.slos[i].ok},
                    {"headroom", Optional(p.slos[i].headroom)}});
  }
  json metrics = json::object();
  for (const auto& [name, value] : p.metrics) metrics[name] = Optional(value);
  return {{"level", p.level},
          {"stage", p.bisect ? "bisect" : "ramp"},
          {"ok", p.ok},
          {"slos", std::move(slos)},
          {"metrics", std::move(metrics)}};
}

std::string_view OutcomeName(CapacityOutcome outcome) {
  switch (outcome) {
    case CapacityOutcome::kFound:
      return "found";
    case CapacityOutcome::kNotBound:
      return "not_bound";
    case CapacityOutcome::kMinFails:
      return "min_fails";
  }
  return "found";
}

// The probe at the first failing level, or null.
const CapacityProbe* FailProbe(const CapacityResult& r) {
  if (!r.first_fail) return nullptr;
  for (const CapacityProbe& p : r.probes) {
    if (!p.ok && p.level == *r.first_fail) return &p;
  }
  return nullptr;
}

json AnswerJson(const CapacityOptions& o, const CapacityResult& r) {
  json binding = nullptr;
  const CapacityProbe* fail = FailProbe(r);
  if (r.binding >= 0 && fail) {
    const Threshold& t = o.slos[static_cast<size_t>(r.binding)];
    binding = {{"metric", t.metric},
               {"condition", t.condition},
               {"value", Optional(fail->slos[static_cast<size_t>(r.binding)].value)}};
  }
  json failing = json::array();
  for (int i : r.failing) failing.push_back(o.slos[static_cast<size_t>(i)].metric);
  return {{"outcome", OutcomeName(r.outcome)},
          {"capacity", r.capacity},
          {"first_fail", Optional(r.first_fail)},
          {"binding", std::move(binding)},
          {"failing", std::move(failing)},
          {"resolution", r.resolution},
          {"text", AnswerText(o, r)}};
}

}  // namespace

ProbeRunner SummaryProbeRunner(SummaryProbeOptions options) {
  auto probes = std::make_shared<size_t>(0);
  return [options = std::move(options), probes](
             const Scenario& probe,
             const std::vector<std::string>& metrics) -> StatusOr<ProbeMetrics> {
    StatusOr<RunResult> result = RunScenario(probe, options.run);
    if (!result.ok()) return result.status();
    const json summary = SummaryJson(*result);
    if (!options.keep_dir.empty()) {
      const double level = probe.load.stages.empty() ? 0 : probe.load.stages.back().target;
      SLOTSIM_RETURN_IF_ERROR(KeepProbe(summary, ProbeDir(options.keep_dir, *probes + 1, level)));
    }
    ++*probes;
    ProbeMetrics out;
    for (const std::string& name : metrics) out[name] = MetricValue(summary, name);
    return out;
  };
}

std::string LevelText(CapacityVary vary, double level) {
  if (vary == CapacityVary::kClients) return Printf("%.0f", level) + " clients";
  return Printf("%.4g", level) + " arrivals/s";
}

std::string ProbeLine(const CapacityOptions& o, const CapacityProbe& p, size_t index) {
  char head[32];
  std::snprintf(head, sizeof head, "probe %2zu  %-6s  ", index + 1, p.bisect ? "bisect" : "ramp");
  std::string line = head + LevelText(o.vary, p.level) + (p.ok ? "  ok  " : "  FAIL");
  for (size_t i = 0; i < o.slos.size() && i < p.slos.size(); ++i) {
    line += "  " + o.slos[i].metric + " " + ValueText(o.slos[i].metric, p.slos[i].value) +
            (p.slos[i].ok ? "" : " (over " + o.slos[i].condition + ")");
  }
  return line;
}

std::string AnswerText(const CapacityOptions& o, const CapacityResult& r) {
  if (r.outcome == CapacityOutcome::kNotBound) {
    return "capacity: at least " + LevelText(o.vary, r.capacity) +
           " (not bound: every SLO held at --max; raise --max to find the knee).";
  }
  const CapacityProbe* fail = FailProbe(r);
  // "<slo> (got <value>)" for each failing SLO, the binding one first.
  std::vector<int> order = r.failing;
  std::stable_partition(order.begin(), order.end(), [&r](int i) { return i == r.binding; });
  std::string why;
  for (int i : order) {
    const Threshold& t = o.slos[static_cast<size_t>(i)];
    const std::string value = fail ? ValueText(t.metric, fail->slos[static_cast<size_t>(i)].value)
                                   : std::string("no data");
    why += (why.empty() ? "" : "; ") + SloText(t) + " (got " + value + ")";
  }
  const std::string at = r.first_fail ? LevelText(o.vary, *r.first_fail) : "";
  if (r.outcome == CapacityOutcome::kMinFails) {
    return "no capacity: even --min (" + at + ") fails: " + why + ".";
  }
  return "capacity: " + LevelText(o.vary, r.capacity) + " (" + at + " failed; resolution " +
         Printf("%g", r.resolution) + "). Binding SLO at " + at + ": " + why + ".";
}

std::string NotBoundHint(const Scenario& base, const CapacityResult& r) {
  if (r.outcome != CapacityOutcome::kNotBound || base.target.kind != "sim") return "";
  if (base.sim.redis_servers > 0 && base.sim.mysql_servers > 0) return "";
  return "hint: on sim, sim.redis_servers = " + std::to_string(base.sim.redis_servers) +
         " and sim.mysql_servers = " + std::to_string(base.sim.mysql_servers) +
         " (0 = a backend with no capacity limit), so no load saturates the backends; model "
         "yours, e.g. --set sim.redis_servers=1 --set sim.mysql_servers=4 (docs/capacity.md)";
}

json CapacityJson(const Scenario& base, const CapacityOptions& o, const CapacityResult& r) {
  json slos = json::array();
  for (const Threshold& t : o.slos) {
    slos.push_back({{"slo", SloText(t)}, {"metric", t.metric}, {"condition", t.condition}});
  }
  json probes = json::array();
  for (const CapacityProbe& p : r.probes) probes.push_back(ProbeJson(o, p));
  return {{"schema", kCapacitySchema},       {"scenario", base.name},
          {"description", base.description}, {"seed", base.seed},
          {"target", base.target.kind},      {"profile", base.engine.profile},
          {"git_commit", GitCommit()},       {"search", SearchJson(o)},
          {"slos", std::move(slos)},         {"probes", std::move(probes)},
          {"answer", AnswerJson(o, r)},      {"hint", NotBoundHint(base, r)}};
}

Status WriteCapacityReports(const json& capacity, const std::string& dir) {
  const std::pair<std::string, std::string> files[] = {
      {dir + "/capacity.json", capacity.dump(2) + "\n"},
      {dir + "/capacity.html", CapacityHtml(capacity)}};
  for (const auto& [path, text] : files) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << text;
    out.flush();
    if (!out) return Status::Unavailable(path + ": cannot write");
  }
  return Status::Ok();
}

}  // namespace slotsim
