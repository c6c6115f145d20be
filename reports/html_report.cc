// Assembling report.html: page frame, identity, tables; the charts come from html_charts.
#include "reports/html_report.h"

#include <vector>

#include "reports/console.h"
#include "reports/html_charts.h"
#include "reports/html_timeline.h"
#include "reports/report_format.h"
#include "reports/summary_fields.h"
#include "simulator/observe/history.h"

namespace slotsim {
namespace {

using nlohmann::json;

constexpr size_t kMaxSwitchRows = 200;  // a flapping Redis can switch thousands of times

constexpr const char* kStyle = R"css(
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #222;
       margin: 24px auto; max-width: 960px; padding: 0 12px; line-height: 1.4; }
h1 { font-size: 22px; margin-bottom: 4px; } h2 { font-size: 17px; margin-top: 32px;
     border-bottom: 1px solid #ddd; padding-bottom: 4px; } h3 { font-size: 14px; }
table { border-collapse: collapse; margin: 8px 0; font-size: 13px; }
th, td { border: 1px solid #ddd; padding: 3px 8px; text-align: left; vertical-align: top; }
th { background: #f4f4f4; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
td.pass { background: #dff3e0; color: #1b5e20; font-weight: 600; }
td.fail { background: #fbe0e0; color: #b71c1c; font-weight: 600; }
td.warn { background: #fff3d6; } tr.sub td { color: #555; }
p.note.warn { background: #fff3d6; padding: 4px 8px; }
.verdict { font-size: 18px; font-weight: 700; padding: 8px 12px; border-radius: 4px; }
.verdict.pass { background: #dff3e0; color: #1b5e20; }
.verdict.fail { background: #fbe0e0; color: #b71c1c; }
.verdict.none { background: #eee; color: #444; }
.warning { background: #fff4d6; color: #6d4c00; padding: 6px 12px; border-radius: 4px; }
pre { background: #f6f6f6; padding: 8px; font-size: 12px; white-space: pre-wrap;
      word-break: break-all; }
figure { margin: 12px 0; } figcaption { font-size: 12px; color: #555; }
svg.chart { font-family: inherit; background: #fff; max-width: 100%; height: auto; }
.key-fault { background: rgba(228,87,86,.25); padding: 0 6px; }
.key-recovery { background: rgba(242,177,52,.3); padding: 0 6px; }
.problems { color: #b71c1c; font-size: 12px; }
pre.verdict-line { font-size: 13px; background: #f6f6f6; margin: 4px 0; }
.toggles { font-size: 12px; } .toggles label { margin-right: 10px; }
.toggles input { vertical-align: middle; }
.anomalies { font-size: 13px; }
)css";

// A table cell: plain text (escaped on output) and an optional class.
struct Cell {
  Cell(std::string t, std::string c = "") : text(std::move(t)), css_class(std::move(c)) {}
  Cell(const char* t) : text(t) {}  // NOLINT: implicit, so rows read as {{"a"}, {"b"}}
  std::string text;
  std::string css_class;
};
using Row = std::vector<Cell>;

Cell Num(std::string text) { return {std::move(text), "num"}; }

std::string Tag(std::string_view tag, std::string_view text, std::string_view css_class = "") {
  const std::string cls = css_class.empty() ? "" : " class=\"" + XmlEscape(css_class) + "\"";
  return "<" + std::string(tag) + cls + ">" + XmlEscape(text) + "</" + std::string(tag) + ">";
}

std::string Table(const std::vector<std::string>& header, const std::vector<Row>& rows,
                  const std::vector<std::string>& row_classes = {}) {
  std::string out = "<table>\n<thead><tr>";
  for (const std::string& h : header) out += Tag("th", h);
  out += "</tr></thead>\n<tbody>\n";
  for (size_t r = 0; r < rows.size(); ++r) {
    const std::string cls = r < row_classes.size() ? row_classes[r] : "";
    out += cls.empty() ? "<tr>" : "<tr class=\"" + XmlEscape(cls) + "\">";
    for (const Cell& c : rows[r]) out += Tag("td", c.text, c.css_class);
    out += "</tr>\n";
  }
  return out + "</tbody>\n</table>\n";
}

std::string Section(std::string_view id, std::string_view title, const std::string& body) {
  return "<section id=\"" + std::string(id) + "\">\n" + Tag("h2", title) + "\n" + body +
         "</section>\n";
}

std::string Figure(const std::string& svg, std::string_view caption) {
  return "<figure>\n" + svg + "\n" + Tag("figcaption", caption) + "\n</figure>\n";
}

// {failed, total} over summary "thresholds".
std::pair<size_t, size_t> ThresholdCounts(const json& summary) {
  size_t failed = 0, total = 0;
  for (const json& t : ArrayAt(summary, "thresholds")) {
    ++total;
    if (!BoolAt(t, "ok", false)) ++failed;
  }
  return {failed, total};
}

size_t SkippedThresholds(const json& summary) {
  size_t n = 0;
  for (const json& t : ArrayAt(summary, "thresholds")) n += BoolAt(t, "skipped", false) ? 1 : 0;
  return n;
}

std::string Verdict(const json& summary) {
  const std::string aborted = TextAt(ObjectAt(summary, "run"), "aborted", "");
  if (!aborted.empty()) {
    return Tag("p", "\u2718 FAIL \u2014 stopped early: " + aborted, "verdict fail");
  }
  const auto [failed, total] = ThresholdCounts(summary);
  if (total == 0) return Tag("p", "No thresholds in this scenario", "verdict none");
  const size_t skipped = SkippedThresholds(summary);
  if (failed == 0 && skipped > 0) {
    return Tag("p",
               "\u2714 PASS \u2014 " + std::to_string(total - skipped) + " of " +
                   std::to_string(total) + " thresholds met, " + std::to_string(skipped) +
                   " skipped (not measured)",
               "verdict pass");
  }
  if (failed == 0) {
    return Tag("p", "\u2714 PASS \u2014 all " + std::to_string(total) + " thresholds met",
               "verdict pass");
  }
  return Tag("p",
             "\u2718 FAIL \u2014 " + std::to_string(failed) + " of " + std::to_string(total) +
                 " thresholds failed",
             "verdict fail");
}

// The console's last line (reports/console.h VerdictLine), from summary "thresholds".
std::string ConsoleVerdict(const json& s) {
  std::vector<ThresholdResult> results;
  for (const json& t : ArrayAt(s, "thresholds")) {
    ThresholdResult r;
    r.metric = TextAt(t, "metric");
    r.condition = TextAt(t, "condition");
    r.ok = BoolAt(t, "ok", false);
    r.skipped = BoolAt(t, "skipped", false);
    results.push_back(std::move(r));
  }
  const std::string line =
      VerdictLine(results, TextAt(ObjectAt(s, "run"), "aborted", ""), /*color=*/false);
  return "<pre class=\"verdict-line\"><code>" + XmlEscape(line) + "</code></pre>\n";
}

std::string Identity(const json& s) {
  const json& clients = ObjectAt(s, "clients");
  const json& errors = ObjectAt(s, "errors");
  const std::vector<Row> rows = {
      {{"scenario"}, {TextAt(s, "scenario")}},
      {{"target"}, {TextAt(s, "target")}},
      {{"profile"}, {TextAt(s, "profile")}},
      {{"seed"}, {TextAt(s, "seed")}},
      {{"duration"}, {SinceStartText(NumberOr(s, "duration_s", 0))}},
      {{"commit"}, {TextAt(s, "git_commit")}},
      {{"clients"},
       {"peak " + GroupedText(CountAt(clients, "peak")) + ", total " +
        GroupedText(CountAt(clients, "total")) + ", rejected " +
        GroupedText(CountAt(clients, "rejected"))}},
      {{"throughput"},
       {FixedText(NumberOr(ObjectAt(s, "throughput"), "ops_per_s", 0), 1) + " ops/s"}},
      {{"errors"},
       {GroupedText(CountAt(errors, "count")) + " (" +
        FixedText(NumberOr(errors, "rate", 0) * 100, 3) + "%)" +
        (ErrorKindsText(s).empty() ? "" : "; by kind: " + ErrorKindsText(s))}}};
  return Table({"run", ""}, rows) + Tag("h3", "Replay") + "\n<pre class=\"replay\"><code>" +
         XmlEscape(TextAt(s, "replay", "(no replay command in this summary)")) + "</code></pre>\n";
}

std::string ThresholdsSection(const json& s) {
  std::vector<Row> rows;
  for (const json& t : ArrayAt(s, "thresholds")) {
    const bool ok = BoolAt(t, "ok", false);
    const bool skipped = BoolAt(t, "skipped", false);
    const std::string metric = TextAt(t, "metric");
    const std::optional<double> value = NumberAt(t, "value");
    rows.push_back({skipped ? Cell{"\u23ed skipped", "warn"}
                    : ok    ? Cell{"\u2714 pass", "pass"}
                            : Cell{"\u2718 fail", "fail"},
                    {metric},
                    {TextAt(t, "condition")},
                    Num(value ? ThresholdValueText(metric, *value) : "-"),
                    {TextAt(t, "note", "")}});
  }
  if (rows.empty()) return Section("thresholds", "Thresholds", "<p>None.</p>\n");
  return Section("thresholds", "Thresholds",
                 Table({"", "metric", "condition", "measured", "note"}, rows));
}

std::string FailoverKey() {
  return " <span class=\"key-fault\">shaded red</span>: fault window; <span "
         "class=\"key-recovery\">amber</span>: recovery until back on Redis; dashed line: "
         "storage-mode switch.";
}

// The consistency anomalies found, for the timeline's caption: the checker counts them but does
// not record when each happened, so they are listed, not placed in time.
std::string AnomalyNote(const json& s) {
  const json& c = ObjectAt(s, "consistency");
  std::string found;
  for (const char* key : {"double_bookings", "lost_bookings", "phantom_bookings", "hold_conflicts",
                          "hold_conflicts_outside_failover", "lost_holds"}) {
    const uint64_t n = CountAt(c, key);
    if (n > 0) found += (found.empty() ? "" : ", ") + GroupedText(n) + " " + key;
  }
  if (found.empty()) return Tag("p", "No consistency anomaly was found.", "anomalies");
  return Tag("p",
             "Anomalies: " + found +
                 " (the checker counts them but does not record when each happened, so they "
                 "are not marked on the timeline; see Consistency).",
             "anomalies");
}

// A figure whose caption ends with the (HTML) failover key.
std::string KeyedFigure(const std::string& svg, std::string_view caption) {
  return "<figure>\n" + svg + "\n<figcaption>" + XmlEscape(caption) + FailoverKey() +
         "</figcaption>\n</figure>\n";
}

std::string TimelineSection(const json& s) {
  return Section("timeline", "What happened when",
                 KeyedFigure(TimelineChart(s),
                             "Active clients (top); completed operations and errors per second, "
                             "every operation (bottom).") +
                     AnomalyNote(s));
}

// The operations drawn in the latency-over-time chart: those with a time series.
std::vector<std::string> LatencyOps(const json& s) {
  std::vector<std::string> out;
  const json& p99 = ObjectAt(ObjectAt(s, "timeseries"), "p99_us");
  for (const std::string& op : OpNamesOf(ObjectAt(s, "ops"))) {
    for (const json& v : ArrayAt(p99, op)) {
      if (NumberOf(v) > 0) {
        out.push_back(op);
        break;
      }
    }
  }
  return out;
}

// CSS-only toggles (the page runs no script): a checkbox per operation before the figure;
// unchecking it hides that operation's series and threshold lines (see ToggleStyle).
std::string LatencySection(const json& s) {
  // The checkboxes, then the figure, as siblings, so `:checked ~ figure` reaches it.
  std::string body = "<div class=\"toggles\">show: ";
  for (const std::string& op : LatencyOps(s)) {
    body += "<input type=\"checkbox\" id=\"show-" + XmlEscape(op) + "\" checked>" +
            "<label for=\"show-" + XmlEscape(op) + "\">" + XmlEscape(op) + "</label>";
  }
  body += "\n" +
          KeyedFigure(LatencyOverTimeChart(s),
                      "Corrected p99 (from each request's intended start) per interval of " +
                          FixedText(NumberOr(ObjectAt(s, "timeseries"), "interval_s", 0), 3) +
                          " s, one line per operation (untick one to hide it); a dashed horizontal "
                          "line is a threshold on latency.<op>.pXX.") +
          "</div>\n";
  return Section("latency", "Latency over time, per operation", body);
}

std::string ToggleStyle(const json& s) {
  std::string css;
  for (const std::string& op : LatencyOps(s)) {
    css += "#show-" + op + ":not(:checked) ~ figure .op-" + op + " { display: none; }\n";
  }
  return css;
}

std::string SpectrumSection(const json& s) {
  std::vector<std::string> problems;
  std::string spectra;
  for (const SpectrumChart& c : SpectrumCharts(s, &problems)) {
    spectra += Tag("h3", c.op) + "\n" +
               Figure(c.svg, "Corrected latency at each percentile, " + c.op +
                                 ", one line per storage mode that served it (phases merged).");
  }
  if (spectra.empty()) spectra = "<p>No latency histograms in this summary.</p>\n";
  if (!problems.empty()) {
    spectra += "<ul class=\"problems\">\n";
    for (const std::string& p : problems) spectra += Tag("li", p) + "\n";
    spectra += "</ul>\n";
  }
  return Section("spectrum", "Percentile spectrum", spectra);
}

Row OpRow(const std::string& label, const std::string& mode, const json& entry) {
  const json& lat = ObjectAt(entry, "latency_us");
  const uint64_t count = CountAt(entry, "count"), errors = CountAt(entry, "errors");
  const double rate = count > 0 ? static_cast<double>(errors) / static_cast<double>(count) : 0;
  return {{label},
          {mode},
          Num(GroupedText(count)),
          {GroupedText(errors), errors > 0 ? "num fail" : "num"},
          Num(FixedText(rate * 100, 3) + "%"),
          Num(MsText(NumberOr(lat, "p50"))),
          Num(MsText(NumberOr(lat, "p90"))),
          Num(MsText(NumberOr(lat, "p99"))),
          Num(MsText(NumberOr(lat, "p999"))),
          Num(MsText(NumberOr(lat, "max")))};
}

std::string OperationsSection(const json& s) {
  std::vector<Row> rows;
  std::vector<std::string> classes;
  const json& ops = ObjectAt(s, "ops");
  for (const std::string& name : OpNamesOf(ops)) {
    const json& entry = ObjectAt(ops, name);
    if (CountAt(entry, "count") == 0) continue;
    rows.push_back(OpRow(name, "all", entry));
    classes.emplace_back();
    for (const auto& [mode, by_mode] : ObjectAt(entry, "by_mode").items()) {
      if (CountAt(by_mode, "count") == 0) continue;
      rows.push_back(OpRow("", mode, by_mode));
      classes.emplace_back("sub");
    }
  }
  if (rows.empty()) return Section("operations", "Operations", "<p>No operation ran.</p>\n");
  return Section("operations", "Operations (latency in ms from the intended start)",
                 Table({"operation", "served by", "count", "errors", "error rate", "p50", "p90",
                        "p99", "p99.9", "max"},
                       rows, classes));
}

// A consistency figure; `severity` is the class when it is non-zero ("fail" or "warn"). A
// figure not measured says so instead of a 0 (consistency.measurement).
Row Figure(const json& s, const char* key, const char* meaning, const char* severity) {
  const uint64_t n = CountAt(ObjectAt(s, "consistency"), key);
  const std::string status = FigureStatus(s, key);
  if (status == "not_measured") return {{key}, {"not measured", "num warn"}, {meaning}};
  const std::string text = GroupedText(n) + (status == "partial" ? " (partial)" : "");
  const std::string cls = n > 0                 ? std::string("num ") + severity
                          : status == "partial" ? std::string("num warn")
                                                : std::string("num");
  return {{key}, {text, cls}, {meaning}};
}

std::string ConsistencySection(const json& s) {
  const json& c = ObjectAt(s, "consistency");
  std::vector<Row> rows = {
      Figure(s, "double_bookings", "two active bookings on one slot", "fail"),
      Figure(s, "lost_bookings", "an acknowledged booking missing at the end", "fail"),
      Figure(s, "phantom_bookings", "a stored booking nobody was told about", "fail"),
      Figure(s, "hold_conflicts", "two clients told they hold one slot at once", "warn"),
      Figure(s, "hold_conflicts_outside_failover", "the same, outside any failover window", "fail"),
      Figure(s, "lost_holds", "a hold that vanished before its TTL", "warn")};
  if (c.contains("foreign_releases")) {
    rows.push_back(
        Figure(s, "foreign_releases", "an adversary released another client's hold", "fail"));
    rows.push_back(
        Figure(s, "foreign_cancels", "an adversary cancelled another client's booking", "fail"));
  }
  const json& lag = ObjectAt(c, "visibility_lag_ms");
  const std::optional<double> p99 = NumberAt(lag, "p99");
  rows.push_back(
      {{"visibility_lag_ms"},
       Num(p99 ? "p50 " + FixedText(NumberOr(lag, "p50"), 1) + " ms, p99 " + FixedText(*p99, 1) +
                     " ms, max " + FixedText(NumberOr(lag, "max"), 1) + " ms"
               : "not measured"),
       {"from a hold's acknowledgement until other pollers see it"}});
  std::string notes;
  for (const std::string& line : UnmeasuredFigureLines(s)) notes += Tag("p", line, "note warn");
  return Section("consistency", "Consistency", Table({"figure", "value", "meaning"}, rows) + notes);
}

std::string OptionalMs(const json& j, const char* key) {
  const std::optional<double> v = NumberAt(j, key);
  return v ? GroupedText(static_cast<uint64_t>(*v > 0 ? *v : 0)) + " ms" : "-";
}

std::string OutagesTable(const json& f) {
  std::vector<Row> rows;
  for (const json& o : ArrayAt(f, "outages")) {
    const double start = NumberOr(o, "start_s"), end = NumberOr(o, "end_s", start);
    const uint64_t errors = CountAt(o, "errors");
    rows.push_back({{TextAt(o, "kind")},
                    Num(SinceStartText(start)),
                    Num(SinceStartText(end)),
                    Num(SinceStartText(end - start)),
                    Num(OptionalMs(o, "detect_ms")),
                    Num(OptionalMs(o, "recover_ms")),
                    {GroupedText(errors), errors > 0 ? "num fail" : "num"}});
  }
  if (rows.empty()) return "<p>No faults were injected.</p>\n";
  return Table({"fault", "start", "end", "lasted", "detect", "recover", "errors"}, rows);
}

std::string SwitchesTable(const json& f) {
  const json& switches = ArrayAt(f, "switches");
  std::vector<Row> rows;
  for (const json& sw : switches) {
    if (rows.size() == kMaxSwitchRows) break;
    rows.push_back({Num(SinceStartText(NumberOr(sw, "at_s"))),
                    {TextAt(sw, "from") + " \u2192 " + TextAt(sw, "to")},
                    {TextAt(sw, "cause", "")},
                    Num(OptionalMs(sw, "previous_mode_ms")),
                    Num(GroupedText(CountAt(sw, "holds_migrated")))});
  }
  if (rows.empty()) return "";
  std::string out =
      Tag("h3", "Storage-mode switches") + "\n" +
      Table({"at", "switch", "cause", "previous mode lasted", "holds migrated"}, rows);
  if (switches.size() > rows.size()) {
    out += Tag("p", "\u2026 and " + GroupedText(switches.size() - rows.size()) + " more.");
  }
  return out;
}

std::string FailoverSection(const json& s) {
  const json& f = ObjectAt(s, "failover");
  return Section("failover", "Failover",
                 Tag("p", GroupedText(CountAt(f, "mode_switches")) + " storage-mode switches.") +
                     "\n" + OutagesTable(f) + SwitchesTable(f));
}

// A send delay of `run` (simulator/observe/send_delays.h) as "p50 / p99 / max" in ms.
std::string Delay(const json& r, const char* key) {
  const json& d = ObjectAt(r, key);
  if (CountAt(d, "count") == 0) return "not measured";
  return "p50 " + MsText(NumberOr(d, "p50")) + " ms, p99 " + MsText(NumberOr(d, "p99")) +
         " ms, max " + MsText(NumberOr(d, "max")) + " ms";
}

std::string HarnessSection(const json& s) {
  const json& r = ObjectAt(s, "run");
  const json& schedule = ObjectAt(r, "schedule");
  const json& late = ObjectAt(r, "scheduler_lateness_us");
  const std::string lateness = CountAt(late, "count") == 0
                                   ? "not measured (virtual time)"
                                   : "p50 " + MsText(NumberOr(late, "p50")) + " ms, p99 " +
                                         MsText(NumberOr(late, "p99")) + " ms, max " +
                                         MsText(NumberOr(late, "max")) + " ms";
  const std::vector<Row> rows = {
      {{"wall time"}, Num(FixedText(NumberOr(r, "wall_s"), 2) + " s")},
      {{"events"},
       Num(GroupedText(CountAt(r, "events")) + " (" +
           GroupedText(static_cast<uint64_t>(NumberOr(r, "events_per_s"))) + "/s)")},
      {{"CPU"}, Num(FixedText(NumberOr(r, "cpu_s"), 2) + " s")},
      {{"peak RSS"}, Num(FixedText(NumberOr(r, "peak_rss_mb"), 1) + " MB")},
      {{"bytes per client"}, Num(GroupedText(CountAt(r, "bytes_per_client")))},
      {{"scheduler lateness (the harness was late)"}, Num(lateness)},
      {{"waited for a worker (the target held them)"}, Num(Delay(r, "worker_wait_us"))},
      {{"client's previous request in flight (the target was slow)"},
       Num(Delay(r, "client_busy_us"))},
      {{"sent late (more than 10 ms after the schedule)"},
       Num(GroupedText(CountAt(schedule, "late_ops")) + " of " +
           GroupedText(CountAt(schedule, "ops")) +
           (BoolAt(schedule, "harness_fell_behind", false)
                ? "; the harness could not send its schedule"
                : ""))}};
  return Section("harness", "The harness itself", Table({"figure", "value"}, rows));
}

std::string Head(const json& s) {
  const auto [failed, total] = ThresholdCounts(s);
  const std::string verdict = total == 0 ? "" : failed == 0 ? " \u00b7 PASS" : " \u00b7 FAIL";
  return "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
         "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
         "style-src 'unsafe-inline'; img-src data:\">\n"
         "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n" +
         Tag("title", "slotsim \u00b7 " + TextAt(s, "scenario") + verdict) + "\n<style>" + kStyle +
         ToggleStyle(s) + "</style>\n</head>\n";
}

// summary.json "warnings" (reports/run_warnings.h), one paragraph each; "" when none.
std::string Warnings(const json& s) {
  auto it = s.find("warnings");
  if (it == s.end() || !it->is_array()) return "";
  std::string out;
  for (const json& w : *it) out += Tag("p", "\u26a0 " + TextAt(w, "message"), "warning") + "\n";
  return out;
}

}  // namespace

std::string HtmlReport(const json& summary) {
  const json& s = summary;
  std::string body = "<body>\n<header>\n" + Tag("h1", "slotsim: " + TextAt(s, "scenario")) + "\n";
  const std::string description = TextAt(s, "description", "");
  if (!description.empty()) body += Tag("p", description) + "\n";
  // In the order a reader asks: did it pass, what happened when, how did failover go, was
  // anything lost or doubled, how slow was each operation over time, then the detail.
  body += Verdict(s) + "\n" + ConsoleVerdict(s) + Warnings(s) + "</header>\n";
  body += ThresholdsSection(s) + TimelineSection(s) + FailoverSection(s) + ConsistencySection(s) +
          LatencySection(s) + OperationsSection(s) + SpectrumSection(s) +
          Section("run", "The run and its replay", Identity(s)) + HarnessSection(s);
  body += "<footer>" +
          Tag("p", "Drawn from summary.json (" + TextAt(s, "schema") +
                       ") by slotsim; regenerate with `slotsim report html "
                       "SUMMARY.json`.") +
          "</footer>\n</body>\n</html>\n";
  return Head(s) + body;
}

}  // namespace slotsim
