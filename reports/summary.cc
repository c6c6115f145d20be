// Building, writing and reading summary.json.
#include "reports/summary.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/check.h"
#include "reports/run_warnings.h"
#include "reports/thresholds.h"

namespace slotsim {
namespace {

using nlohmann::json;

constexpr StorageMode kModeOrder[kModes] = {StorageMode::kMemory, StorageMode::kRedis,
                                            StorageMode::kMySql};

double Seconds(Micros d) { return static_cast<double>(d.count()) / 1e6; }
int64_t WholeMillis(Micros d) { return std::chrono::duration_cast<Millis>(d).count(); }

// Corrected and raw latency of a selection of an op's [mode][phase] cells, merged.
struct Selection {
  Histogram corrected;
  Histogram raw;
};

template <typename Pred>
Selection Select(const OpMetrics& op, Pred&& want) {
  const LatencyPair& first = op.latency[0][0];
  Selection s{
      Histogram(first.corrected.highest_trackable_value(), first.corrected.significant_digits()),
      Histogram(first.raw.highest_trackable_value(), first.raw.significant_digits())};
  for (int m = 0; m < kModes; ++m) {
    for (int p = 0; p < kPhases; ++p) {
      if (!want(m, p)) continue;
      // Every cell of one recorder shares the parameters, so Merge cannot fail.
      const Status corrected = s.corrected.Merge(op.latency[m][p].corrected);
      const Status raw = s.raw.Merge(op.latency[m][p].raw);
      SLOTSIM_CHECK(corrected.ok() && raw.ok())
          << "latency cells of one recorder: " << corrected.ToString() << "; " << raw.ToString();
    }
  }
  return s;
}

// {count, latency_us, raw_latency_us} of a selection.
json LatencyJson(const Selection& s) {
  return {{"count", s.corrected.TotalCount()},
          {"latency_us", StatsJson(s.corrected)},
          {"raw_latency_us", StatsJson(s.raw)}};
}

json ByPhaseJson(const OpMetrics& op, int mode /* -1 = every mode */) {
  json out = json::object();
  for (int p = 0; p < kPhases; ++p) {
    const Selection s = Select(op, [&](int m, int q) { return q == p && (mode < 0 || m == mode); });
    out[std::string(PhaseName(static_cast<Phase>(p)))] = LatencyJson(s);
  }
  return out;
}

json OpJson(std::string_view name, const OpMetrics& op) {
  json out = LatencyJson(Select(op, [](int, int) { return true; }));
  out["count"] = op.count;
  out["errors"] = op.errors;
  out["not_sent"] = op.not_sent;
  out["measurement"] = MeasurementJson(LatencyMeasurementOf(name, op.count, op.not_sent));
  out["error_rate"] = op.count > 0 ? static_cast<double>(op.errors) / op.count : 0.0;
  out["codes"] = json::object();
  for (const auto& [code, n] : op.codes) out["codes"][code] = n;
  out["by_phase"] = ByPhaseJson(op, -1);
  out["by_mode"] = json::object();
  for (StorageMode mode : kModeOrder) {
    const int m = static_cast<int>(mode);
    json entry = LatencyJson(Select(op, [&](int n, int) { return n == m; }));
    if (mode == StorageMode::kMemory && entry["count"].get<int64_t>() == 0) continue;
    entry["errors"] = op.mode_errors[m];
    entry["by_phase"] = ByPhaseJson(op, m);
    out["by_mode"][std::string(StorageModeName(mode))] = std::move(entry);
  }
  return out;
}

json ConsistencyJson(const ConsistencyReport& c) {
  const bool lag = c.visibility_lag_us.TotalCount() > 0;
  auto lag_value = [&](double v) { return lag ? json(v) : json(nullptr); };
  return {{"double_bookings", c.double_bookings},
          {"lost_bookings", c.lost_bookings},
          {"phantom_bookings", c.phantom_bookings},
          {"hold_conflicts", c.hold_conflicts},
          {"hold_conflicts_outside_failover", c.hold_conflicts_outside_failover},
          {"hold_conflict_total_ms", c.hold_conflict_total_ms},
          {"lost_holds", c.lost_holds},
          {"late_records", c.late_records},
          {"visibility_lag_ms",
           {{"p50", lag_value(c.visibility_lag_ms.p50)},
            {"p99", lag_value(c.visibility_lag_ms.p99)},
            {"max", lag_value(c.visibility_lag_ms.max)}}},
          {"visibility_samples", c.visibility_lag_us.TotalCount()},
          {"visibility_unseen", c.visibility_unseen},
          {"read_back", ReadBackName(c.read_back)},
          {"measurement",
           {{"double_bookings", MeasurementJson(c.measurement.double_bookings)},
            {"lost_bookings", MeasurementJson(c.measurement.lost_bookings)},
            {"phantom_bookings", MeasurementJson(c.measurement.phantom_bookings)},
            {"hold_conflicts", MeasurementJson(c.measurement.hold_conflicts)},
            {"lost_holds", MeasurementJson(c.measurement.lost_holds)},
            {"visibility_lag", MeasurementJson(c.measurement.visibility_lag)}}}};
}

json OptionalMs(const std::optional<int64_t>& v) { return v ? json(*v) : json(nullptr); }

// clients.poll_fairness: per-client poll rates over expected (simulator/fairness.h); the ratios
// and the share are null when no client was measured (sim runs).
json FairnessJson(const FairnessReport& f) {
  const bool any = f.clients > 0;
  auto v = [any](double x) { return any ? json(x) : json(nullptr); };
  return {{"clients", f.clients},
          {"excluded", f.excluded},
          {"expected_polls_per_s", f.expected_polls_per_s},
          {"rate_ratio",
           {{"min", v(f.ratio_min)},
            {"p1", v(f.ratio_p1)},
            {"p10", v(f.ratio_p10)},
            {"p50", v(f.ratio_p50)},
            {"p90", v(f.ratio_p90)},
            {"max", v(f.ratio_max)}}},
          {"below_half_share", v(f.below_half_share)}};
}

json FailoverJson(const RunMetrics& m) {
  json outages = json::array();
  for (const OutageMetrics& o : m.outages) {
    outages.push_back({{"kind", o.kind},
                       {"start_s", Seconds(o.start)},
                       {"end_s", Seconds(o.end)},
                       {"detect_ms", OptionalMs(o.detect_ms)},
                       {"recover_ms", OptionalMs(o.recover_ms)},
                       {"errors", o.errors}});
  }
  json switches = json::array();
  for (const ModeSwitch& sw : m.switches) {
    switches.push_back({{"at_s", Seconds(sw.at - m.start)},
                        {"from", StorageModeName(sw.from)},
                        {"to", StorageModeName(sw.to)},
                        {"cause", sw.cause},
                        {"previous_mode_ms", WholeMillis(sw.previous_mode_duration)},
                        {"holds_migrated", sw.holds_migrated}});
  }
  return {{"outages", std::move(outages)},
          {"mode_switches", m.switches.size()},
          {"switches", std::move(switches)}};
}

json HistogramsJson(const RunMetrics& m, const ConsistencyReport& c, const RunInfo& run) {
  json out = json::object();
  for (int k = 0; k < kOpKinds; ++k) {
    for (int mode = 0; mode < kModes; ++mode) {
      for (int p = 0; p < kPhases; ++p) {
        const LatencyPair& pair = m.ops[k].latency[mode][p];
        if (pair.corrected.TotalCount() == 0) continue;
        const std::string key = std::string(OpKindName(static_cast<OpKind>(k))) + "." +
                                std::string(StorageModeName(static_cast<StorageMode>(mode))) + "." +
                                std::string(PhaseName(static_cast<Phase>(p)));
        out[key + ".corrected"] = pair.corrected.Serialize();
        out[key + ".raw"] = pair.raw.Serialize();
      }
    }
  }
  if (c.visibility_lag_us.TotalCount() > 0) {
    out["consistency.visibility_lag_us"] = c.visibility_lag_us.Serialize();
  }
  const SendDelays& d = run.send;
  for (const auto& [key, h] : {std::pair{"run.scheduler_lateness_us", &d.harness_lateness},
                               std::pair{"run.worker_wait_us", &d.worker_wait},
                               std::pair{"run.client_busy_us", &d.client_busy}}) {
    if (h->TotalCount() > 0) out[key] = h->Serialize();
  }
  return out;
}

json CountedStats(const Histogram& h) {
  json out = StatsJson(h);
  out["count"] = h.TotalCount();
  return out;
}

// run.schedule: how far the operations fell behind their clients' schedules, and whose doing.
json ScheduleJson(const SendDelays& d) {
  const auto s = [](int64_t us) { return static_cast<double>(us) / 1e6; };
  return {{"ops", d.ops},
          {"late_ops", d.late_ops},
          {"harness_late_ops", d.harness_late_ops},
          {"harness_fell_behind", d.HarnessFellBehind()},
          {"delay_s",
           {{"harness", s(d.harness_us)},
            {"worker_wait", s(d.worker_wait_us)},
            {"client_busy", s(d.client_busy_us)}}}};
}

json RunJson(const RunInfo& r) {
  return {{"wall_s", r.wall_s},
          {"events", r.events},
          {"events_per_s", r.events_per_s},
          {"peak_rss_mb", r.peak_rss_mb},
          {"bytes_per_client", r.bytes_per_client},
          {"cpu_s", r.cpu_s},
          {"scheduler_lateness_us", CountedStats(r.send.harness_lateness)},
          {"worker_wait_us", CountedStats(r.send.worker_wait)},
          {"client_busy_us", CountedStats(r.send.client_busy)},
          {"schedule", ScheduleJson(r.send)}};
}

// Column arrays, one entry per TimeRow: compact, and enough to redraw every time chart.
json TimeseriesJson(const RunMetrics& m) {
  json t_s = json::array(), live = json::array(), mode = json::array(), sold = json::array();
  json ops = json::object(), errors = json::object(), p99 = json::object();
  for (int k = 0; k < kOpKinds; ++k) {
    const std::string op(OpKindName(static_cast<OpKind>(k)));
    ops[op] = errors[op] = p99[op] = json::array();
  }
  for (const TimeRow& row : m.timeseries) {
    t_s.push_back(Seconds(row.start));
    live.push_back(row.live_clients);
    sold.push_back(row.sold_out);
    mode.push_back(StorageModeName(row.mode));
    for (int k = 0; k < kOpKinds; ++k) {
      const std::string op(OpKindName(static_cast<OpKind>(k)));
      ops[op].push_back(row.ops[k]);
      errors[op].push_back(row.errors[k]);
      p99[op].push_back(row.p99_us[k]);
    }
  }
  const Micros interval =
      m.timeseries_interval > Micros(0) ? m.timeseries_interval : Micros(1'000'000);
  return {{"interval_s", Seconds(interval)}, {"t_s", std::move(t_s)},
          {"live_clients", std::move(live)}, {"mode", std::move(mode)},
          {"ops", std::move(ops)},           {"errors", std::move(errors)},
          {"p99_us", std::move(p99)},        {"sold_out", std::move(sold)}};
}

// Arrays of scalars go on one line (the time series would otherwise take a line per number);
// everything else is indented by 2 like json::dump(2). Invalid UTF-8 is replaced, never thrown.
void AppendText(const json& j, int indent, std::string& out) {
  const auto scalar = [](const json& e) { return !e.is_structured(); };
  const auto dump = [](const json& e) {
    return e.dump(-1, ' ', false, json::error_handler_t::replace);
  };
  if (!j.is_structured()) {
    out += dump(j);
    return;
  }
  const bool object = j.is_object();
  if (j.empty()) {
    out += object ? "{}" : "[]";
    return;
  }
  if (!object && std::all_of(j.begin(), j.end(), scalar)) {
    out += '[';
    for (auto it = j.begin(); it != j.end(); ++it) out += (it == j.begin() ? "" : ", ") + dump(*it);
    out += ']';
    return;
  }
  const std::string pad(indent + 2, ' ');
  out += object ? "{\n" : "[\n";
  for (auto it = j.begin(); it != j.end(); ++it) {
    out += (it == j.begin() ? "" : ",\n") + pad;
    if (object) out += dump(json(it.key())) + ": ";
    AppendText(*it, indent + 2, out);
  }
  out += "\n" + std::string(indent, ' ') + (object ? "}" : "]");
}

// Single-quotes `arg` for a POSIX shell unless it is made only of safe characters.
std::string ShellQuote(const std::string& arg) {
  const bool safe = !arg.empty() && arg.find_first_not_of(
                                        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                        "0123456789_-+=.,/:@%") == std::string::npos;
  if (safe) return arg;
  std::string out = "'";
  for (char c : arg) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// Totals over every op: errors{count, rate, by_kind (only when there are errors)} and
// throughput{ops, ops_per_s}.
void AddTotals(const RunMetrics& m, double duration_s, json& out) {
  uint64_t ops = 0, errors = 0;
  for (const OpMetrics& op : m.ops) {
    ops += op.count;
    errors += op.errors;
  }
  out["errors"] = {{"count", errors}, {"rate", ops > 0 ? static_cast<double>(errors) / ops : 0.0}};
  if (!m.errors_by_kind.empty()) {
    json& by_kind = out["errors"]["by_kind"] = json::object();
    for (const auto& [kind, n] : m.errors_by_kind) by_kind[kind] = n;
  }
  if (!m.errors_by_class.empty()) {
    json& by_class = out["errors"]["by_class"] = json::object();
    for (const auto& [answer, n] : m.errors_by_class) by_class[answer] = n;
  }
  out["throughput"] = {{"ops", ops},
                       {"ops_per_s", duration_s > 0 ? static_cast<double>(ops) / duration_s : 0.0}};
}

}  // namespace

Measurement LatencyMeasurementOf(std::string_view op, uint64_t count, uint64_t not_sent) {
  if (not_sent == 0) return {};
  return {MeasureStatus::kPartial,
          std::to_string(not_sent) + " of " + std::to_string(count) + " " + std::string(op) +
              " operations were not sent (connection refused, or the harness at its in-flight "
              "limit)",
          "the latency of the " + std::to_string(not_sent) + " unsent operations"};
}

nlohmann::json MeasurementJson(const Measurement& m) {
  json out = {{"status", MeasureStatusName(m.status)}};
  if (!m.reason.empty()) out["reason"] = m.reason;
  if (!m.missing.empty()) out["missing"] = m.missing;
  return out;
}

Measurement MeasurementFromJson(const nlohmann::json& j) {
  Measurement m;
  if (!j.is_object()) return m;
  const auto text = [&](const char* key) {
    auto it = j.find(key);
    return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  m.status = MeasureStatusFromName(text("status")).value_or(MeasureStatus::kMeasured);
  m.reason = text("reason");
  m.missing = text("missing");
  return m;
}

void MergeMeasurements(const std::vector<nlohmann::json>& shards, nlohmann::json& consistency) {
  std::optional<ReadBack> read_back;
  json measurement = json::object();
  for (const json& s : shards) {
    auto c = s.find("consistency");
    if (c == s.end() || !c->is_object()) continue;
    auto rb = c->find("read_back");
    if (auto r = rb != c->end() && rb->is_string() ? ReadBackFromName(rb->get<std::string>())
                                                   : std::nullopt) {
      read_back = std::max(read_back.value_or(*r), *r);
    }
    auto m = c->find("measurement");
    if (m == c->end() || !m->is_object()) continue;
    for (const auto& item : m->items()) {
      const Measurement now = MeasurementFromJson(item.value());
      const Measurement was =
          measurement.contains(item.key()) ? MeasurementFromJson(measurement[item.key()]) : now;
      measurement[item.key()] = MeasurementJson(LessMeasured(was, now));
    }
  }
  if (read_back) consistency["read_back"] = ReadBackName(*read_back);
  if (!measurement.empty()) consistency["measurement"] = std::move(measurement);
}

nlohmann::json StatsJson(const Histogram& h) {
  return {{"p50", h.ValueAtPercentile(50)},
          {"p90", h.ValueAtPercentile(90)},
          {"p99", h.ValueAtPercentile(99)},
          {"p999", h.ValueAtPercentile(99.9)},
          {"max", h.Max()}};
}

std::string ReplayCommand(const RunResult& result, const SummaryOptions& options) {
  const std::string path =
      options.scenario_path.empty() ? result.scenario.source : options.scenario_path;
  std::string out = "slotsim run " + ShellQuote(path.empty() ? result.scenario.name : path) +
                    " --seed " + std::to_string(result.scenario.seed);
  const std::string& target = result.target.empty() ? result.scenario.target.kind : result.target;
  out += " --target " + ShellQuote(target);
  for (const std::string& flag : options.replay_flags) out += " " + ShellQuote(flag);
  for (const std::string& o : options.overrides) out += " --set " + ShellQuote(o);
  if (result.shard_count > 1) {
    out +=
        " --shard " + std::to_string(result.shard_index) + "/" + std::to_string(result.shard_count);
  }
  return out;
}

nlohmann::json SummaryJson(const RunResult& result, const SummaryOptions& options) {
  const Scenario& sc = result.scenario;
  const RunMetrics& m = result.metrics;
  const double duration_s = Seconds(m.duration > Micros(0) ? m.duration : sc.duration);
  json out = {{"schema", kSummarySchema},      {"scenario", sc.name},
              {"description", sc.description}, {"seed", sc.seed},
              {"target", result.target},       {"profile", sc.engine.profile},
              {"duration_s", duration_s},      {"git_commit", result.git_commit}};
  out["clients"] = {
      {"peak", m.clients_peak},
      {"total", m.clients_total},
      {"rejected", result.rejected_arrivals},
      {"sold_out", m.clients_sold_out}};
  out["clients"]["poll_fairness"] = FairnessJson(result.fairness);
  out["shard"] = {{"index", result.shard_index}, {"count", result.shard_count}};
  out["ops"] = json::object();
  for (int k = 0; k < kOpKinds; ++k) {
    const std::string name(OpKindName(static_cast<OpKind>(k)));
    out["ops"][name] = OpJson(name, m.ops[k]);
  }
  AddTotals(m, duration_s, out);
  out["consistency"] = ConsistencyJson(result.consistency);
  if (result.adversaries > 0) {
    // Guarantees are measured only by adversaries: without them the keys are absent, and a
    // threshold on them has no data (fails).
    out["clients"]["adversaries"] = result.adversaries;
    out["consistency"]["foreign_releases"] = result.consistency.foreign_releases;
    out["consistency"]["foreign_cancels"] = result.consistency.foreign_cancels;
  }
  out["failover"] = FailoverJson(m);
  out["run"] = RunJson(result.run);
  // An abort_on_fail threshold stopped the run: why and when (null when it ran its course).
  out["run"]["aborted"] = result.aborted.empty() ? json(nullptr) : json(result.aborted);
  out["run"]["aborted_at_s"] =
      result.aborted.empty() ? json(nullptr) : json(Seconds(result.aborted_at));
  out["histograms"] = HistogramsJson(m, result.consistency, result.run);
  out["timeseries"] = TimeseriesJson(m);
  out["scenario_resolved"] = sc.ToToml();
  out["replay"] = ReplayCommand(result, options);
  out["command"] = options.command;
  out["time_scale"] = options.time_scale;
  out["warnings"] = RunWarnings(out);
  out["thresholds"] = ThresholdsJson(EvaluateThresholds(out, sc.thresholds));
  return out;
}

std::string SummaryText(const nlohmann::json& summary) {
  std::string out;
  AppendText(summary, 0, out);
  return out + "\n";
}

Status WriteSummary(const nlohmann::json& summary, const std::string& path) {
  std::ofstream file(path, std::ios::out | std::ios::trunc);
  if (!file) return Status::Unavailable("cannot write " + path + ": " + std::strerror(errno));
  file << SummaryText(summary);
  file.close();
  if (!file) return Status::Unavailable("cannot write " + path + ": " + std::strerror(errno));
  return Status::Ok();
}

Status WriteSummary(const RunResult& result, const std::string& path,
                    const SummaryOptions& options) {
  return WriteSummary(SummaryJson(result, options), path);
}

StatusOr<nlohmann::json> ReadSummary(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::exists(path, ec) && !std::filesystem::is_regular_file(path, ec)) {
    return Status::InvalidArgument(path + ": not a regular file; allowed: a summary.json file");
  }
  std::ifstream file(path);
  if (!file) return Status::InvalidArgument("cannot read " + path + ": " + std::strerror(errno));
  std::stringstream text;
  text << file.rdbuf();
  json doc = json::parse(text.str(), nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) {
    return Status::InvalidArgument(path + ": not a JSON object");
  }
  auto schema = doc.find("schema");
  if (schema == doc.end() || !schema->is_string()) {
    return Status::InvalidArgument(path + ": no \"schema\"; expected \"" +
                                   std::string(kSummarySchema) + "\"");
  }
  if (schema->get<std::string>() != kSummarySchema) {
    return Status::InvalidArgument(path + ": schema \"" + schema->get<std::string>() +
                                   "\" is not the supported \"" + std::string(kSummarySchema) +
                                   "\"");
  }
  return doc;
}

}  // namespace slotsim
