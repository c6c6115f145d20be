// /live.json and /metrics from the measurements so far (reports/live_view.h).
#include "reports/live_view.h"

#include <cstdio>

#include "reports/summary_fields.h"

namespace slotsim {
namespace {

using nlohmann::json;

constexpr const char* kFigures[] = {"double_bookings",
                                    "lost_bookings",
                                    "phantom_bookings",
                                    "hold_conflicts",
                                    "hold_conflicts_outside_failover",
                                    "lost_holds"};

// The last interval that is complete: the one before the last when there are two or more
// (the last is still filling).
size_t LastComplete(const json& ts) {
  const size_t n = ArrayAt(ts, "t_s").size();
  return n >= 2 ? n - 2 : 0;
}

double At(const json& array, size_t i) {
  return i < array.size() && array[i].is_number() ? array[i].get<double>() : 0;
}

json OpsJson(const json& summary, double* ops_per_s, double* errors_per_s) {
  const json& ts = ObjectAt(summary, "timeseries");
  const size_t row = LastComplete(ts);
  const double interval = NumberOr(ts, "interval_s", 1) > 0 ? NumberOr(ts, "interval_s", 1) : 1;
  json out = json::object();
  double ops = 0, errors = 0;
  const json& ops_json = ObjectAt(summary, "ops");
  for (const std::string& name : OpNamesOf(ops_json)) {
    const json& op = ObjectAt(ops_json, name);
    const double n = At(ArrayAt(ObjectAt(ts, "ops"), name), row);
    const double e = At(ArrayAt(ObjectAt(ts, "errors"), name), row);
    ops += n;
    errors += e;
    if (CountAt(op, "count") == 0) continue;
    out[name] = {{"count", CountAt(op, "count")},
                 {"errors", CountAt(op, "errors")},
                 {"ops_per_s", n / interval},
                 {"p99_ms", At(ArrayAt(ObjectAt(ts, "p99_us"), name), row) / 1000},
                 {"p99_ms_run", NumberOr(ObjectAt(op, "latency_us"), "p99") / 1000}};
  }
  *ops_per_s = ops / interval;
  *errors_per_s = errors / interval;
  return out;
}

json FaultsJson(const json& summary, double elapsed_s) {
  json out = json::array();
  for (const json& o : ArrayAt(ObjectAt(summary, "failover"), "outages")) {
    const double start = NumberOr(o, "start_s"), end = NumberOr(o, "end_s", start);
    out.push_back({{"kind", TextAt(o, "kind", "fault")},
                   {"start_s", start},
                   {"end_s", end},
                   {"active", start <= elapsed_s && elapsed_s < end}});
  }
  return out;
}

json ThresholdsJson(const json& summary, size_t* failed) {
  json out = json::array();
  *failed = 0;
  for (const json& t : ArrayAt(summary, "thresholds")) {
    const bool ok = BoolAt(t, "ok", false);
    if (!ok) ++*failed;
    out.push_back({{"metric", TextAt(t, "metric")},
                   {"condition", TextAt(t, "condition")},
                   {"value", FieldAt(t, "value")},
                   {"ok", ok}});
  }
  return out;
}

std::string Escape(const std::string& label) {  // a label value: \ " and newline escaped
  std::string out;
  for (char c : label) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

std::string Number(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.15g", v);
  return buf;
}

// Appends one metric family: HELP, TYPE, then its samples.
class Families {
 public:
  void Begin(const std::string& name, const char* type, const char* help) {
    out_ += "# HELP " + name + " " + help + "\n# TYPE " + name + " " + type + "\n";
  }
  void Sample(const std::string& name, double v, const std::string& labels = "") {
    out_ += name + (labels.empty() ? "" : "{" + labels + "}") + " " + Number(v) + "\n";
  }
  void One(const std::string& name, const char* type, const char* help, double v) {
    Begin(name, type, help);
    Sample(name, v);
  }
  std::string out_;
};

std::string Label(const char* key, const std::string& value) {
  return std::string(key) + "=\"" + Escape(value) + "\"";
}

void OpFamilies(Families& f, const json& ops) {
  f.Begin("slotsim_ops_total", "counter", "Operations completed, per operation.");
  for (const auto& [op, o] : ops.items())
    f.Sample("slotsim_ops_total", NumberOr(o, "count"), Label("op", op));
  f.Begin("slotsim_op_errors_total", "counter", "Operations that failed, per operation.");
  for (const auto& [op, o] : ops.items()) {
    f.Sample("slotsim_op_errors_total", NumberOr(o, "errors"), Label("op", op));
  }
  f.Begin("slotsim_op_p99_seconds", "gauge",
          "Corrected p99 latency of the last complete interval, per operation.");
  for (const auto& [op, o] : ops.items()) {
    f.Sample("slotsim_op_p99_seconds", NumberOr(o, "p99_ms") / 1000, Label("op", op));
  }
}

void StateFamilies(Families& f, const json& live) {
  f.Begin("slotsim_storage_mode", "gauge", "1 for the storage mode the engine is in, else 0.");
  for (const char* mode : {"redis", "mysql", "memory"}) {
    f.Sample("slotsim_storage_mode", TextAt(live, "mode", "") == mode ? 1 : 0, Label("mode", mode));
  }
  f.One("slotsim_mode_switches_total", "counter", "Storage-mode switches so far.",
        NumberOr(live, "mode_switches"));
  double active = 0;
  for (const json& fault : ArrayAt(live, "faults")) active += BoolAt(fault, "active", false);
  f.One("slotsim_faults_active", "gauge", "Fault windows open now.", active);
  f.One("slotsim_faults_total", "counter", "Fault windows started so far.",
        static_cast<double>(ArrayAt(live, "faults").size()));
  f.Begin("slotsim_threshold_ok", "gauge",
          "1 while a threshold holds on the figures so far, 0 when it fails.");
  for (const json& t : ArrayAt(live, "thresholds")) {
    f.Sample(
        "slotsim_threshold_ok", BoolAt(t, "ok", false) ? 1 : 0,
        Label("metric", TextAt(t, "metric")) + "," + Label("condition", TextAt(t, "condition")));
  }
  f.One("slotsim_thresholds_failed", "gauge", "Thresholds failing on the figures so far.",
        NumberOr(live, "thresholds_failed"));
  f.Begin("slotsim_consistency_anomalies", "gauge",
          "Consistency anomalies the checker has found so far, per figure.");
  const json& c = ObjectAt(live, "consistency");
  for (const char* figure : kFigures) {
    f.Sample("slotsim_consistency_anomalies", NumberOr(c, figure), Label("figure", figure));
  }
}

}  // namespace

json LiveJson(const json& summary, double elapsed_s, bool done, uint64_t sequence) {
  double ops_per_s = 0, errors_per_s = 0;
  json ops = OpsJson(summary, &ops_per_s, &errors_per_s);
  const json& ts = ObjectAt(summary, "timeseries");
  const json& clients = ObjectAt(summary, "clients");
  const json& modes = ArrayAt(ts, "mode");
  const json& live_clients = ArrayAt(ts, "live_clients");
  size_t failed = 0;
  json thresholds = ThresholdsJson(summary, &failed);
  json consistency = json::object();
  for (const char* figure : kFigures) {
    consistency[figure] = CountAt(ObjectAt(summary, "consistency"), figure);
  }
  return {{"schema", kLiveSchema},
          {"sequence", sequence},
          {"scenario", TextAt(summary, "scenario")},
          {"target", TextAt(summary, "target")},
          {"elapsed_s", elapsed_s},
          {"duration_s", NumberOr(summary, "duration_s")},
          {"done", done},
          {"clients",
           {{"live", live_clients.empty() ? 0.0 : NumberOf(live_clients.back())},
            {"peak", CountAt(clients, "peak")},
            {"total", CountAt(clients, "total")},
            {"rejected", CountAt(clients, "rejected")}}},
          {"ops_total", CountAt(ObjectAt(summary, "throughput"), "ops")},
          {"errors_total", CountAt(ObjectAt(summary, "errors"), "count")},
          {"ops_per_s", ops_per_s},
          {"errors_per_s", errors_per_s},
          {"ops", std::move(ops)},
          {"mode", !modes.empty() && modes.back().is_string() ? modes.back().get<std::string>()
                                                              : std::string("redis")},
          {"mode_switches", CountAt(ObjectAt(summary, "failover"), "mode_switches")},
          {"faults", FaultsJson(summary, elapsed_s)},
          {"thresholds", std::move(thresholds)},
          {"thresholds_failed", failed},
          {"consistency", std::move(consistency)}};
}

std::string PrometheusText(const json& live) {
  Families f;
  f.One("slotsim_up", "gauge", "1 while slotsim serves these figures.", 1);
  f.One("slotsim_snapshots_total", "counter", "Live snapshots the run has published.",
        NumberOr(live, "sequence"));
  if (!live.is_object() || live.empty()) return f.out_;
  f.One("slotsim_run_elapsed_seconds", "gauge", "Run time elapsed (virtual on sim).",
        NumberOr(live, "elapsed_s"));
  f.One("slotsim_run_duration_seconds", "gauge", "The scenario's duration.",
        NumberOr(live, "duration_s"));
  f.One("slotsim_run_done", "gauge", "1 once the run has ended.", BoolAt(live, "done", false));
  const json& clients = ObjectAt(live, "clients");
  f.One("slotsim_clients_live", "gauge", "Clients active now.", NumberOr(clients, "live"));
  f.One("slotsim_clients_peak", "gauge", "Most clients active at once so far.",
        NumberOr(clients, "peak"));
  f.One("slotsim_clients_started_total", "counter", "Clients started so far.",
        NumberOr(clients, "total"));
  f.One("slotsim_clients_rejected_total", "counter", "Arrivals refused at load.max_clients.",
        NumberOr(clients, "rejected"));
  f.One("slotsim_throughput_ops_per_second", "gauge",
        "Operations per second (run time) in the last complete interval.",
        NumberOr(live, "ops_per_s"));
  f.One("slotsim_errors_per_second", "gauge", "Errors per second in the last complete interval.",
        NumberOr(live, "errors_per_s"));
  OpFamilies(f, ObjectAt(live, "ops"));
  StateFamilies(f, live);
  return f.out_;
}

}  // namespace slotsim
