// The console table and progress line.
#include "reports/console.h"

#include <cmath>
#include <cstdio>

#include "common/duration.h"
#include "reports/report_format.h"
#include "reports/summary_fields.h"
#include "reports/thresholds.h"
#include "simulator/observe/send_delays.h"

namespace slotsim {
namespace {

using nlohmann::json;

constexpr const char* kBold = "\x1b[1m";
constexpr const char* kRed = "\x1b[31m";
constexpr const char* kGreen = "\x1b[32m";
constexpr const char* kYellow = "\x1b[33m";
constexpr const char* kReset = "\x1b[0m";

class Painter {
 public:
  explicit Painter(bool color) : color_(color) {}
  std::string operator()(const char* code, const std::string& text) const {
    return color_ ? code + text + kReset : text;
  }

 private:
  bool color_;
};

std::string Printf(const char* format, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, format, v);
  return buf;
}

std::string Grouped(uint64_t n) { return GroupedText(n); }
std::string Ms(double us) { return MsText(us); }

std::string Str(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end()) return "?";
  return it->is_string() ? it->get<std::string>() : it->dump();
}

uint64_t Count(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_number() ? it->get<uint64_t>() : 0;
}

double Num(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_number() ? it->get<double>() : 0;
}

const json& Obj(const json& j, const char* key) {
  static const json kEmpty = json::object();
  auto it = j.find(key);
  return it != j.end() && it->is_object() ? *it : kEmpty;
}

std::string Header(const json& s, const Painter& paint) {
  const auto duration = Micros(static_cast<int64_t>(Num(s, "duration_s") * 1e6));
  return paint(kBold, "slotsim " + Str(s, "scenario")) + "  target " + Str(s, "target") +
         "  profile " + Str(s, "profile") + "  seed " + Str(s, "seed") + "  commit " +
         Str(s, "git_commit") + "  duration " + FormatDuration(duration) + "\n";
}

std::string OpRow(const std::string& label, const json& entry, const Painter& paint) {
  const json& lat = Obj(entry, "latency_us");
  const uint64_t errors = Count(entry, "errors");
  char head[64];
  std::snprintf(head, sizeof head, "%-16s %12s ", label.c_str(),
                Grouped(Count(entry, "count")).c_str());
  char err[24];
  std::snprintf(err, sizeof err, "%8s", Grouped(errors).c_str());
  char tail[80];
  std::snprintf(tail, sizeof tail, " %9s %9s %9s %9s", Ms(Num(lat, "p50")).c_str(),
                Ms(Num(lat, "p90")).c_str(), Ms(Num(lat, "p99")).c_str(),
                Ms(Num(lat, "max")).c_str());
  return head + (errors > 0 ? paint(kRed, err) : std::string(err)) + tail + "\n";
}

std::string OpsBlock(const json& s, const Painter& paint) {
  char title[128];
  std::snprintf(title, sizeof title, "%-16s %12s %8s %9s %9s %9s %9s  (ms from intended start)",
                "operation", "count", "errors", "p50", "p90", "p99", "max");
  std::string out = "\n" + paint(kBold, title) + "\n";
  const json& ops = Obj(s, "ops");
  for (int k = 0; k < kOpKinds; ++k) {
    const std::string name(OpKindName(static_cast<OpKind>(k)));
    const json& entry = Obj(ops, name.c_str());
    if (Count(entry, "count") == 0) continue;
    out += OpRow(name, entry, paint);
    for (const char* mode : {"redis", "mysql", "memory"}) {
      const json& by_mode = Obj(Obj(entry, "by_mode"), mode);
      if (Count(by_mode, "count") > 0) out += OpRow(std::string("  ") + mode, by_mode, paint);
    }
  }
  if (const std::string kinds = ErrorKindsText(s); !kinds.empty()) {
    out += paint(kRed, "errors by kind   " + kinds) + "\n";
  }
  if (const std::string classes = ErrorClassesText(s); !classes.empty()) {
    out += paint(kRed, "errors by answer " + classes) + "\n";
  }
  for (int k = 0; k < kOpKinds; ++k) {
    const std::string name(OpKindName(static_cast<OpKind>(k)));
    const json& m = ObjectAt(ObjectAt(ops, name), "measurement");
    if (TextAt(m, "status", "") == "partial") {
      out += paint(kYellow, name + " latency partial: " + TextAt(m, "reason", "")) + "\n";
    }
  }
  return out;
}

// "lost bookings 3"; "lost bookings not measured" / "double bookings 0 (partial)" when the
// figure was not (fully) measured (consistency.measurement).
std::string Figure(const json& c, const char* key, const char* label, const Painter& paint) {
  const uint64_t n = Count(c, key);
  const std::string status = TextAt(ObjectAt(ObjectAt(c, "measurement"), key), "status", "");
  if (status == "not_measured") return paint(kYellow, std::string(label) + " not measured");
  const std::string text =
      std::string(label) + " " + Grouped(n) + (status == "partial" ? " (partial)" : "");
  return n > 0 ? paint(kRed, text) : status == "partial" ? paint(kYellow, text) : text;
}

// Why figures were not measured: the read-back and each figure's reason, once each.
std::string UnmeasuredLines(const json& c, const Painter& paint) {
  std::string out;
  const std::string read_back = TextAt(c, "read_back", "");
  for (const auto& item : ObjectAt(c, "measurement").items()) {
    const std::string status = TextAt(item.value(), "status", "");
    if (status.empty() || status == "measured") continue;
    std::string line = item.key() + " " + status + ": " + TextAt(item.value(), "reason", "");
    const std::string missing = TextAt(item.value(), "missing", "");
    if (!missing.empty()) line += " (missing " + missing + ")";
    out += "  " + paint(kYellow, line) + "\n";
  }
  if (!out.empty() && !read_back.empty()) {
    out = "  " + paint(kYellow, "final bookings read back: " + read_back) + "\n" + out;
  }
  return out;
}

std::string ConsistencyBlock(const json& s, const Painter& paint) {
  const json& c = Obj(s, "consistency");
  std::string out = "\n" + paint(kBold, "consistency") + "\n  " +
                    Figure(c, "double_bookings", "double bookings", paint) + "  " +
                    Figure(c, "lost_bookings", "lost bookings", paint) + "  " +
                    Figure(c, "phantom_bookings", "phantom bookings", paint) + "  " +
                    Figure(c, "lost_holds", "lost holds", paint) + "\n  " +
                    Figure(c, "hold_conflicts", "hold conflicts", paint) + " (" +
                    Grouped(Count(c, "hold_conflicts_outside_failover")) +
                    " outside failover)  visibility lag ";
  const json& lag = Obj(c, "visibility_lag_ms");
  if (lag.contains("p99") && lag["p99"].is_number()) {
    out += "p50 " + Printf("%.1f", Num(lag, "p50")) + " ms  p99 " +
           Printf("%.1f", Num(lag, "p99")) + " ms  max " + Printf("%.1f", Num(lag, "max")) + " ms";
  } else {
    out += "not measured";
  }
  if (c.contains("foreign_releases")) {
    out += "\n  guarantees (" + Grouped(Count(Obj(s, "clients"), "adversaries")) +
           " adversaries)  " + Figure(c, "foreign_releases", "foreign releases", paint) + "  " +
           Figure(c, "foreign_cancels", "foreign cancels", paint);
  }
  return out + "\n" + UnmeasuredLines(c, paint);
}

// Real-time targets only: the spread of per-client poll rates over the expected 1/heartbeat
// (clients.poll_fairness). Empty when no client was measured.
std::string FairnessLine(const json& s, const Painter& paint) {
  const json& f = Obj(Obj(s, "clients"), "poll_fairness");
  if (Count(f, "clients") == 0) return "";
  const json& r = Obj(f, "rate_ratio");
  const double below = Num(f, "below_half_share");
  const std::string share = Printf("%.1f", 100 * below) + "% below 0.5x";
  return "  fairness  " + Grouped(Count(f, "clients")) + " clients, poll rate / expected  min " +
         Printf("%.2f", Num(r, "min")) + "  p1 " + Printf("%.2f", Num(r, "p1")) + "  p10 " +
         Printf("%.2f", Num(r, "p10")) + "  p50 " + Printf("%.2f", Num(r, "p50")) + "  max " +
         Printf("%.2f", Num(r, "max")) + "  " + (below > 0 ? paint(kRed, share) : share) + "\n";
}

std::string OptionalMs(const json& o, const char* key) {
  auto it = o.find(key);
  return it != o.end() && it->is_number() ? Grouped(it->get<uint64_t>()) + " ms" : "-";
}

// Seconds since the run start as a duration to the millisecond: "3m", "1m30.25s".
std::string SinceStart(double s) { return FormatDuration(Millis(std::llround(s * 1e3))); }

std::string FailoverBlock(const json& s, const Painter& paint) {
  const json& f = Obj(s, "failover");
  std::string out = "\n" + paint(kBold, "failover") + "  " + Grouped(Count(f, "mode_switches")) +
                    " mode switches\n";
  auto outages = f.find("outages");
  if (outages == f.end() || !outages->is_array() || outages->empty()) return out + "  no faults\n";
  for (const json& o : *outages) {
    char line[192];
    std::snprintf(line, sizeof line, "  %-20s %s -> %s  detect %s  recover %s  errors ",
                  Str(o, "kind").c_str(), SinceStart(Num(o, "start_s")).c_str(),
                  SinceStart(Num(o, "end_s")).c_str(), OptionalMs(o, "detect_ms").c_str(),
                  OptionalMs(o, "recover_ms").c_str());
    const uint64_t errors = Count(o, "errors");
    out += line + (errors > 0 ? paint(kRed, Grouped(errors)) : Grouped(errors)) + "\n";
  }
  return out;
}

// summary.json "warnings" (reports/run_warnings.h), one line each; "" when none.
std::string WarningsBlock(const json& s, const Painter& paint) {
  auto it = s.find("warnings");
  if (it == s.end() || !it->is_array() || it->empty()) return "";
  std::string out = "\n" + paint(kBold, "warnings") + "\n";
  for (const json& w : *it) out += "  " + paint(kYellow, "! " + Str(w, "message")) + "\n";
  return out;
}

std::string ThresholdsBlock(const json& s, const Painter& paint) {
  auto list = s.find("thresholds");
  if (list == s.end() || !list->is_array() || list->empty()) return "";
  std::string out = "\n" + paint(kBold, "thresholds") + "\n";
  for (const json& t : *list) {
    const bool ok = t.value("ok", false);
    const std::string metric = Str(t, "metric");
    std::string detail;
    auto value = t.find("value");
    if (value != t.end() && value->is_number())
      detail = ThresholdValueText(metric, value->get<double>());
    const std::string note = t.value("note", std::string());
    if (!note.empty()) detail += (detail.empty() ? "" : ", ") + note;
    char rule[128];
    std::snprintf(rule, sizeof rule, "%-44s", (metric + " " + Str(t, "condition")).c_str());
    // A skipped threshold (not measured, allow_unmeasured) is neither passed nor failed.
    const std::string mark = t.value("skipped", false) ? paint(kYellow, "-")
                             : ok                      ? paint(kGreen, "✓")
                                                       : paint(kRed, "✗");
    out += "  " + mark + " " + rule + "  " + detail + "\n";
  }
  return out;
}

// One send delay of run (simulator/observe/send_delays.h): "p99 0.41 / max 7.20 ms (1.2 s)".
std::string DelayText(const json& r, const char* key, const char* total_key) {
  const json& d = Obj(r, key);
  return "p99 " + Ms(Num(d, "p99")) + " / max " + Ms(Num(d, "max")) + " ms (" +
         Printf("%.1f", Num(Obj(Obj(r, "schedule"), "delay_s"), total_key)) + " s)";
}

// Real-time targets only: what the harness itself cost, and why operations went out later than
// their clients' schedules: the harness's own lateness apart from the target holding its
// workers or its clients' previous requests. Empty on sim.
std::string HarnessLine(const json& s, const Painter& paint) {
  const json& r = Obj(s, "run");
  const json& late = Obj(r, "scheduler_lateness_us");
  if (Count(late, "count") == 0) return "";
  const double duration = Num(s, "duration_s");
  const double cpu = Num(r, "cpu_s");
  std::string out = paint(kBold, "harness") + "  CPU " + Printf("%.1f", cpu) + " s (" +
                    Printf("%.0f", duration > 0 ? 100 * cpu / duration : 0.0) +
                    "% of one core)  scheduler lateness p50 " + Ms(Num(late, "p50")) + "  p99 " +
                    Ms(Num(late, "p99")) + "  max " + Ms(Num(late, "max")) + " ms\n";
  const json& schedule = Obj(r, "schedule");
  if (schedule.empty()) return out;
  out += "  sent late  " + Grouped(Count(schedule, "late_ops")) + " of " +
         Grouped(Count(schedule, "ops")) + " ops; delay: harness " +
         DelayText(r, "scheduler_lateness_us", "harness") + ", waiting for a worker " +
         DelayText(r, "worker_wait_us", "worker_wait") + ", client's previous request " +
         DelayText(r, "client_busy_us", "client_busy") + "\n";
  if (schedule.value("harness_fell_behind", false)) {
    out += "  " +
           paint(kRed, "the harness could not send its schedule: " +
                           Grouped(Count(schedule, "harness_late_ops")) +
                           " ops left its loop more than " +
                           std::to_string(SendDelays::kLate.count() / 1000) + " ms late") +
           "\n";
  }
  return out;
}

std::string RunBlock(const json& s, const Painter& paint) {
  const json& r = Obj(s, "run");
  return "\n" + paint(kBold, "run") + "  wall " + Printf("%.2f", Num(r, "wall_s")) + " s  " +
         Grouped(Count(r, "events")) + " events (" +
         Grouped(static_cast<uint64_t>(Num(r, "events_per_s"))) + "/s)  peak RSS " +
         Printf("%.1f", Num(r, "peak_rss_mb")) + " MB  " +
         Grouped(static_cast<uint64_t>(Num(r, "bytes_per_client"))) + " B/client\n" +
         HarnessLine(s, paint);
}

}  // namespace

std::string ConsoleSummary(const nlohmann::json& summary, bool color) {
  const Painter paint(color);
  if (!summary.is_object()) return "(not a summary)\n";
  return Header(summary, paint) + ConsoleBody(summary, color);
}

std::string ConsoleBody(const nlohmann::json& summary, bool color) {
  const Painter paint(color);
  if (!summary.is_object()) return "(not a summary)\n";
  return OpsBlock(summary, paint) + ConsistencyBlock(summary, paint) +
         FairnessLine(summary, paint) + FailoverBlock(summary, paint) +
         WarningsBlock(summary, paint) + ThresholdsBlock(summary, paint) + RunBlock(summary, paint);
}

std::string VerdictLine(const std::vector<ThresholdResult>& thresholds, const std::string& aborted,
                        bool color) {
  const Painter paint(color);
  size_t failed = 0, skipped = 0;
  std::string names;
  for (const ThresholdResult& t : thresholds) {
    if (t.skipped) ++skipped;
    if (t.ok) continue;
    names += (failed++ == 0 ? ": " : ", ") + t.metric;
  }
  const std::string of = std::to_string(thresholds.size());
  std::string line;
  if (failed > 0) {
    line += std::to_string(failed) + " of " + of + " thresholds failed" + names;
  } else if (thresholds.empty()) {
    line += "no thresholds: nothing was judged";
  } else {
    line += of + " of " + of + " thresholds passed";
  }
  if (skipped > 0) line += ", " + std::to_string(skipped) + " skipped: not measured";
  if (!aborted.empty()) line += "; stopped early: " + aborted;
  if (failed > 0 || !aborted.empty()) return paint(kRed, paint(kBold, "FAIL")) + "  " + line + "\n";
  if (thresholds.empty()) return paint(kBold, "DONE") + "  " + line + "\n";
  return paint(kGreen, paint(kBold, "PASS")) + "  " + line + "\n";
}

std::string ProgressLine(const Progress& p) {
  const auto whole_s = [](Micros d) {
    return std::chrono::duration_cast<Micros>(std::chrono::duration_cast<std::chrono::seconds>(d));
  };
  return FormatDuration(whole_s(p.elapsed)) + " / " + FormatDuration(whole_s(p.duration)) +
         "  clients " + Grouped(p.live_clients) + "  ops/s " +
         Grouped(static_cast<uint64_t>(p.ops_per_s + 0.5)) + "  errors " + Grouped(p.errors) +
         "  storage " + std::string(StorageModeName(p.mode));
}

}  // namespace slotsim
