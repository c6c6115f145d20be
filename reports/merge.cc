// Merging shards' summaries. Percentiles are never averaged: they are recomputed from the
// merged histograms, which is what makes the merge exact.
#include "reports/merge.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>
#include <set>
#include <string>

#include "common/check.h"
#include "common/histogram.h"
#include "reports/run_warnings.h"
#include "reports/summary.h"
#include "reports/summary_fields.h"
#include "reports/thresholds.h"
#include "simulator/observe/recorder.h"
#include "simulator/scenario/threshold.h"

namespace slotsim {
namespace {

using nlohmann::json;
using HistogramMap = std::map<std::string, Histogram>;
using Path = std::vector<std::string>;

constexpr const char* kVisibilityKey = "consistency.visibility_lag_us";

std::string ShardName(size_t i) { return "shard " + std::to_string(i + 1); }

const json& At(const json& j, const Path& path) {
  const json* node = &j;
  for (const std::string& key : path) node = &FieldAt(*node, key);
  return *node;
}

Path Join(Path path, const std::string& key) {
  path.push_back(key);
  return path;
}

// The sum of the numbers at `path` in every summary (missing = 0): an integer when each one is.
json Sum(const std::vector<json>& ss, const Path& path) {
  bool integral = true;
  int64_t whole = 0;
  double total = 0;
  for (const json& s : ss) {
    const json& v = At(s, path);
    if (!v.is_number()) continue;
    if (v.is_number_integer()) {
      whole += v.get<int64_t>();
    } else {
      integral = false;
    }
    total += v.get<double>();
  }
  return integral ? json(whole) : json(total);
}

// The largest number at `path` (its JSON value, so integers stay integers), or null.
json MaxOf(const std::vector<json>& ss, const Path& path) {
  json best;
  for (const json& s : ss) {
    const json& v = At(s, path);
    if (v.is_number() && (best.is_null() || v.get<double>() > best.get<double>())) best = v;
  }
  return best;
}

// Every member of the objects at `path`: numbers summed, anything else the first shard's.
json SumMembers(const std::vector<json>& ss, const Path& path) {
  std::set<std::string> keys;
  for (const json& s : ss) {
    const json& node = At(s, path);
    if (!node.is_object()) continue;
    for (const auto& item : node.items()) keys.insert(item.key());
  }
  json out = json::object();
  for (const std::string& key : keys) {
    const Path at = Join(path, key);
    const bool numeric =
        std::any_of(ss.begin(), ss.end(), [&](const json& s) { return At(s, at).is_number(); });
    if (numeric) {
      out[key] = Sum(ss, at);
      continue;
    }
    for (const json& s : ss) {
      if (!At(s, at).is_null()) {
        out[key] = At(s, at);
        break;
      }
    }
  }
  return out;
}

json ThresholdSpec(const json& s) {
  json out = json::array();
  for (const json& t : ArrayAt(s, "thresholds")) {
    out.push_back({TextAt(t, "metric", ""), TextAt(t, "condition", "")});
  }
  return out;
}

Status CheckShard(const json& s, const json& first, size_t i) {
  const std::string shard = ShardName(i);
  if (!s.is_object()) return Status::InvalidArgument(shard + ": not a JSON object");
  const std::string schema = TextAt(s, "schema", "");
  if (schema != kSummarySchema) {
    return Status::InvalidArgument(shard + ": schema \"" + schema + "\" is not the supported \"" +
                                   std::string(kSummarySchema) + "\"");
  }
  for (const char* key : {"scenario", "target"}) {
    if (TextAt(s, key) == TextAt(first, key)) continue;
    return Status::InvalidArgument(shard + ": " + key + " \"" + TextAt(s, key) +
                                   "\" is not shard 1's \"" + TextAt(first, key) +
                                   "\"; only shards of one run can be merged");
  }
  if (ThresholdSpec(s) != ThresholdSpec(first)) {
    return Status::InvalidArgument(shard + ": thresholds differ from shard 1's " +
                                   ThresholdSpec(first).dump());
  }
  return Status::Ok();
}

StatusOr<std::vector<Threshold>> ThresholdsOf(const json& s) {
  std::vector<Threshold> out;
  for (const json& t : ArrayAt(s, "thresholds")) {
    StatusOr<Threshold> parsed =
        ParseThreshold(TextAt(t, "metric", ""), TextAt(t, "condition", ""));
    if (!parsed.ok()) return Status::InvalidArgument("thresholds: " + parsed.status().message());
    parsed->allow_unmeasured = BoolAt(t, "allow_unmeasured", false);
    out.push_back(*parsed);
  }
  return out;
}

// "<op>.<mode>.<phase>.<corrected|raw>" split in four, or empty for any other key.
std::vector<std::string> LatencyKeyParts(const std::string& key) {
  std::vector<std::string> parts;
  size_t start = 0;
  for (size_t dot = key.find('.'); parts.size() < 4; dot = key.find('.', start)) {
    parts.push_back(key.substr(start, dot - start));
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  const bool ok = parts.size() == 4 && key.find('.', start) == std::string::npos &&
                  (parts[3] == "corrected" || parts[3] == "raw");
  return ok ? parts : std::vector<std::string>{};
}

// Latency histograms are selected and merged across keys: they must share parameters.
Status CheckLatencyParameters(const HistogramMap& h) {
  const Histogram* first = nullptr;
  for (const auto& [key, hist] : h) {
    if (LatencyKeyParts(key).empty()) continue;
    if (first == nullptr) first = &hist;
    if (hist.highest_trackable_value() != first->highest_trackable_value() ||
        hist.significant_digits() != first->significant_digits()) {
      return Status::InvalidArgument("histograms." + key + ": parameters differ from the others");
    }
  }
  return Status::Ok();
}

StatusOr<HistogramMap> MergeHistograms(const std::vector<json>& ss) {
  HistogramMap out;
  for (size_t i = 0; i < ss.size(); ++i) {
    for (const auto& item : ObjectAt(ss[i], "histograms").items()) {
      const std::string where = ShardName(i) + ": histograms." + item.key();
      if (!item.value().is_string()) return Status::InvalidArgument(where + ": not a string");
      StatusOr<Histogram> h = Histogram::Deserialize(item.value().get<std::string>());
      if (!h.ok()) return Status::InvalidArgument(where + ": " + h.status().message());
      auto [it, inserted] = out.try_emplace(item.key(), *h);
      if (inserted) continue;
      if (Status s = it->second.Merge(*h); !s.ok()) {
        return Status::InvalidArgument(where + ": " + s.message());
      }
    }
  }
  SLOTSIM_RETURN_IF_ERROR(CheckLatencyParameters(out));
  return out;
}

json HistogramsJson(const HistogramMap& h) {
  json out = json::object();
  for (const auto& [key, hist] : h) out[key] = hist.Serialize();
  return out;
}

// An empty histogram with the latency histograms' parameters.
Histogram EmptyLatency(const HistogramMap& h) {
  for (const auto& [key, hist] : h) {
    if (!LatencyKeyParts(key).empty()) {
      return Histogram(hist.highest_trackable_value(), hist.significant_digits());
    }
  }
  return Histogram();
}

// The op's cells of `kind` (corrected | raw) in `mode` and `phase` ("" = any), merged.
Histogram Select(const HistogramMap& h, const std::string& op, const std::string& mode,
                 const std::string& phase, const std::string& kind) {
  Histogram out = EmptyLatency(h);
  for (const auto& [key, hist] : h) {
    const std::vector<std::string> p = LatencyKeyParts(key);
    if (p.empty() || p[0] != op || p[3] != kind) continue;
    if ((!mode.empty() && p[1] != mode) || (!phase.empty() && p[2] != phase)) continue;
    // CheckLatencyParameters gave every latency cell the same parameters.
    const Status merged = out.Merge(hist);
    SLOTSIM_CHECK(merged.ok()) << key << ": " << merged.ToString();
  }
  return out;
}

json LatencyJson(const HistogramMap& h, const std::string& op, const std::string& mode,
                 const std::string& phase) {
  const Histogram corrected = Select(h, op, mode, phase, "corrected");
  return {{"count", corrected.TotalCount()},
          {"latency_us", StatsJson(corrected)},
          {"raw_latency_us", StatsJson(Select(h, op, mode, phase, "raw"))}};
}

json ByPhaseJson(const HistogramMap& h, const std::string& op, const std::string& mode) {
  json out = json::object();
  for (int p = 0; p < kPhases; ++p) {
    const std::string phase(PhaseName(static_cast<Phase>(p)));
    out[phase] = LatencyJson(h, op, mode, phase);
  }
  return out;
}

// redis and mysql always (as summary.cc writes them), and any other mode a shard reports.
std::vector<std::string> ModesOf(const std::vector<json>& ss, const HistogramMap& h,
                                 const std::string& op) {
  std::set<std::string> modes = {"redis", "mysql"};
  for (const json& s : ss) {
    for (const auto& item : ObjectAt(At(s, {"ops", op}), "by_mode").items()) {
      modes.insert(item.key());
    }
  }
  for (const auto& [key, hist] : h) {
    const std::vector<std::string> p = LatencyKeyParts(key);
    if (!p.empty() && p[0] == op) modes.insert(p[1]);
  }
  return {modes.begin(), modes.end()};
}

json MergedOp(const std::vector<json>& ss, const HistogramMap& h, const std::string& op) {
  json out = LatencyJson(h, op, "", "");
  out["count"] = Sum(ss, {"ops", op, "count"});
  out["errors"] = Sum(ss, {"ops", op, "errors"});
  out["not_sent"] = Sum(ss, {"ops", op, "not_sent"});
  out["measurement"] = MeasurementJson(LatencyMeasurementOf(
      op, static_cast<uint64_t>(CountAt(out, "count")), CountAt(out, "not_sent")));
  const double count = out["count"].get<double>();
  out["error_rate"] = count > 0 ? out["errors"].get<double>() / count : 0.0;
  out["codes"] = SumMembers(ss, {"ops", op, "codes"});
  out["by_phase"] = ByPhaseJson(h, op, "");
  out["by_mode"] = json::object();
  for (const std::string& mode : ModesOf(ss, h, op)) {
    json entry = LatencyJson(h, op, mode, "");
    // summary.cc writes memory (and so any other mode) only when it served something.
    if (mode != "redis" && mode != "mysql" && entry["count"].get<int64_t>() == 0) continue;
    entry["errors"] = Sum(ss, {"ops", op, "by_mode", mode, "errors"});
    entry["by_phase"] = ByPhaseJson(h, op, mode);
    out["by_mode"][mode] = std::move(entry);
  }
  return out;
}

json MergedOps(const std::vector<json>& ss, const HistogramMap& h) {
  std::set<std::string> names;
  for (const json& s : ss) {
    for (const std::string& op : OpNamesOf(ObjectAt(s, "ops"))) names.insert(op);
  }
  json out = json::object();
  for (const std::string& op : names) out[op] = MergedOp(ss, h, op);
  return out;
}

// errors{count, rate} and throughput{ops, ops_per_s} from the merged ops, as summary.cc does;
// errors.by_kind summed over the shards (present when any shard had errors).
void AddTotals(const std::vector<json>& ss, json& out) {
  int64_t ops = 0, errors = 0;
  for (const auto& item : ObjectAt(out, "ops").items()) {
    ops += static_cast<int64_t>(CountAt(item.value(), "count"));
    errors += static_cast<int64_t>(CountAt(item.value(), "errors"));
  }
  const double duration_s = NumberOr(out, "duration_s", 0);
  out["errors"] = {{"count", errors}, {"rate", ops > 0 ? static_cast<double>(errors) / ops : 0.0}};
  for (const char* key : {"by_kind", "by_class"}) {
    if (json counts = SumMembers(ss, {"errors", key}); !counts.empty()) out["errors"][key] = counts;
  }
  out["throughput"] = {{"ops", ops},
                       {"ops_per_s", duration_s > 0 ? static_cast<double>(ops) / duration_s : 0.0}};
}

json MergedConsistency(const std::vector<json>& ss, const HistogramMap& h) {
  json out = SumMembers(ss, {"consistency"});
  MergeMeasurements(ss, out);
  auto lag = h.find(kVisibilityKey);
  const bool measured = lag != h.end() && lag->second.TotalCount() > 0;
  auto ms = [&](double us) { return measured ? json(us / 1000.0) : json(nullptr); };
  const Histogram empty;
  const Histogram& v = measured ? lag->second : empty;
  out["visibility_lag_ms"] = {{"p50", ms(static_cast<double>(v.ValueAtPercentile(50)))},
                              {"p99", ms(static_cast<double>(v.ValueAtPercentile(99)))},
                              {"max", ms(static_cast<double>(v.Max()))}};
  return out;
}

// The smaller of two optional JSON numbers; null only when both are.
json MinOf(const json& a, const json& b) {
  if (!a.is_number()) return b.is_number() ? b : json(nullptr);
  if (!b.is_number()) return a;
  return b.get<double>() < a.get<double>() ? b : a;
}

json MergedFailover(const std::vector<json>& ss) {
  json out = ObjectAt(ss[0], "failover");
  if (!out.contains("outages") || !out["outages"].is_array()) return out;
  json& outages = out["outages"];
  for (size_t i = 0; i < outages.size(); ++i) {
    json& merged = outages[i];
    const std::string kind = TextAt(merged, "kind");
    int64_t errors = 0;
    json detect, recover;
    for (const json& s : ss) {
      const json& list = ArrayAt(ObjectAt(s, "failover"), "outages");
      if (i >= list.size() || TextAt(list[i], "kind") != kind) continue;
      errors += static_cast<int64_t>(CountAt(list[i], "errors"));
      detect = MinOf(detect, FieldAt(list[i], "detect_ms"));
      recover = MinOf(recover, FieldAt(list[i], "recover_ms"));
    }
    if (merged.is_object()) {
      merged["errors"] = errors;
      merged["detect_ms"] = detect;
      merged["recover_ms"] = recover;
    }
  }
  return out;
}

json MergedRun(const std::vector<json>& ss, const HistogramMap& h) {
  json out = ObjectAt(ss[0], "run");
  for (const char* key : {"wall_s", "peak_rss_mb", "bytes_per_client"}) {
    out[key] = MaxOf(ss, {"run", key});
  }
  for (const char* key : {"events", "events_per_s", "cpu_s"}) out[key] = Sum(ss, {"run", key});
  // The send delays (simulator/observe/send_delays.h) from their merged histograms.
  for (const char* key : {"scheduler_lateness_us", "worker_wait_us", "client_busy_us"}) {
    auto it = h.find(std::string("run.") + key);
    const Histogram merged = it != h.end() ? it->second : Histogram();
    json stats = StatsJson(merged);
    stats["count"] = merged.TotalCount();
    out[key] = std::move(stats);
  }
  if (json schedule = SumMembers(ss, {"run", "schedule"}); !schedule.empty()) {
    schedule["delay_s"] = SumMembers(ss, {"run", "schedule", "delay_s"});
    schedule["harness_fell_behind"] =
        CountAt(schedule, "harness_late_ops") * 100 > CountAt(schedule, "ops");
    out["schedule"] = std::move(schedule);
  }
  return out;
}

// "" when the shards' series line up row by row (same interval, same t_s), else why not.
std::string Misalignment(const std::vector<const json*>& series, size_t longest) {
  const json& reference = ArrayAt(*series[longest], "t_s");
  for (const json* ts : series) {
    if (NumberOr(*ts, "interval_s", -1) != NumberOr(*series[0], "interval_s", -1)) {
      return "the shards have different timeseries.interval_s";
    }
    const json& t_s = ArrayAt(*ts, "t_s");
    for (size_t i = 0; i < t_s.size(); ++i) {
      if (std::fabs(NumberOf(t_s[i]) - NumberOf(reference[i])) > 1e-6) {
        return "the shards' timeseries.t_s differ at row " + std::to_string(i);
      }
    }
  }
  return "";
}

// One column (`path` inside each series) over `rows` rows: summed, or the max when `max`.
json MergedColumn(const std::vector<const json*>& series, const Path& path, size_t rows, bool max) {
  json out = json::array();
  for (size_t i = 0; i < rows; ++i) {
    int64_t value = 0;
    for (const json* ts : series) {
      const json& column = At(*ts, path);
      if (!column.is_array() || i >= column.size()) continue;
      const auto v = static_cast<int64_t>(NumberOf(column[i]));
      value = max ? std::max(value, v) : value + v;
    }
    out.push_back(value);
  }
  return out;
}

// The merged timeseries, or null (with a note) when the shards' series do not line up.
json MergedTimeseries(const std::vector<json>& ss, std::vector<std::string>& notes) {
  std::vector<const json*> series;
  size_t longest = 0;
  for (size_t i = 0; i < ss.size(); ++i) {
    const json& s = ss[i];
    if (!FieldAt(s, "timeseries").is_object()) {
      notes.push_back(ShardName(i) + " has no timeseries: the merged rows leave it out");
      continue;
    }
    series.push_back(&FieldAt(s, "timeseries"));
    const size_t rows = ArrayAt(*series.back(), "t_s").size();
    if (rows > ArrayAt(*series[longest], "t_s").size()) longest = series.size() - 1;
  }
  if (series.empty()) return nullptr;
  if (std::string why = Misalignment(series, longest); !why.empty()) {
    notes.push_back("timeseries left out: " + why);
    return nullptr;
  }
  const json& base = *series[longest];
  const size_t rows = ArrayAt(base, "t_s").size();
  json out = {{"interval_s", FieldAt(base, "interval_s")}, {"t_s", ArrayAt(base, "t_s")}};
  for (const char* c : {"live_clients", "sold_out"}) out[c] = MergedColumn(series, {c}, rows, false);
  // The mode of a row is the first shard's that has the row.
  out["mode"] = ArrayAt(base, "mode");
  for (auto it = series.rbegin(); it != series.rend(); ++it) {
    const json& mode = ArrayAt(**it, "mode");
    for (size_t i = 0; i < mode.size() && i < out["mode"].size(); ++i) out["mode"][i] = mode[i];
  }
  for (const char* column : {"ops", "errors", "p99_us"}) {
    std::set<std::string> ops;
    for (const json* ts : series) {
      for (const auto& item : ObjectAt(*ts, column).items()) ops.insert(item.key());
    }
    out[column] = json::object();
    for (const std::string& op : ops) {
      out[column][op] = MergedColumn(series, {column, op}, rows, std::string(column) == "p99_us");
    }
  }
  return out;
}

// The replay of the whole: every shard's replay (each carries its --shard I/N), one per line,
// in shard order; a single shard's line alone would not reproduce the merged run.
std::string MergedReplay(const json& replays) {
  std::string out;
  for (const json& r : replays) {
    if (r.is_string() && !r.get<std::string>().empty())
      out += (out.empty() ? "" : "\n") + r.get<std::string>();
  }
  return out;
}

json MergeInfo(const std::vector<json>& ss, std::vector<std::string> notes) {
  json seeds = json::array(), replays = json::array();
  for (const json& s : ss) {
    seeds.push_back(FieldAt(s, "seed"));
    replays.push_back(TextAt(s, "replay", ""));
    if (TextAt(s, "git_commit") != TextAt(ss[0], "git_commit")) {
      notes.push_back("the shards ran different commits; git_commit is shard 1's");
    }
  }
  std::sort(notes.begin(), notes.end());
  notes.erase(std::unique(notes.begin(), notes.end()), notes.end());
  return {{"shards", ss.size()}, {"seeds", seeds}, {"replays", replays}, {"notes", notes}};
}

}  // namespace

StatusOr<nlohmann::json> MergeSummaries(const std::vector<nlohmann::json>& summaries) {
  if (summaries.empty()) return Status::InvalidArgument("no summaries to merge");
  for (size_t i = 0; i < summaries.size(); ++i) {
    SLOTSIM_RETURN_IF_ERROR(CheckShard(summaries[i], summaries[0], i));
  }
  SLOTSIM_ASSIGN_OR_RETURN(const std::vector<Threshold> thresholds, ThresholdsOf(summaries[0]));
  SLOTSIM_ASSIGN_OR_RETURN(const HistogramMap h, MergeHistograms(summaries));
  std::vector<std::string> notes;
  json out = summaries[0];
  out["duration_s"] = MaxOf(summaries, {"duration_s"});
  out["histograms"] = HistogramsJson(h);
  out["ops"] = MergedOps(summaries, h);
  out["clients"] = SumMembers(summaries, {"clients"});
  AddTotals(summaries, out);
  out["consistency"] = MergedConsistency(summaries, h);
  out["failover"] = MergedFailover(summaries);
  out["run"] = MergedRun(summaries, h);
  if (json ts = MergedTimeseries(summaries, notes); !ts.is_null()) {
    out["timeseries"] = std::move(ts);
  } else {
    out.erase("timeseries");
  }
  out["merge"] = MergeInfo(summaries, std::move(notes));
  out["replay"] = MergedReplay(out["merge"]["replays"]);
  out["warnings"] = RunWarnings(out);
  out["thresholds"] = ThresholdsJson(EvaluateThresholds(out, thresholds));
  return out;
}

}  // namespace slotsim
