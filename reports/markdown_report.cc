// Writing report.md.
#include "reports/markdown_report.h"

#include <algorithm>
#include <vector>

#include "reports/report_format.h"
#include "reports/summary_fields.h"

namespace slotsim {
namespace {

using nlohmann::json;

// Plain text for a table cell: no line breaks, no table pipes, no HTML.
std::string Cell(std::string_view text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '|':
        out += "\\|";
        break;
      case '<':
        out += "&lt;";
        break;
      case '&':
        out += "&amp;";
        break;
      case '\n':
      case '\r':
        out += ' ';
        break;
      default:
        out += c;
    }
  }
  return out;
}

// An inline code span that survives backticks inside and sits in a table cell.
std::string Code(std::string_view text) {
  std::string body;
  for (char c : text) {
    if (c == '|') {
      body += "\\|";
    } else {
      body += (c == '\n' || c == '\r') ? ' ' : c;
    }
  }
  if (body.empty()) return "";
  const bool ticks = body.find('`') != std::string::npos;
  return ticks ? "`` " + body + " ``" : "`" + body + "`";
}

std::string Row(const std::vector<std::string>& cells) {
  std::string out = "|";
  for (const std::string& c : cells) out += " " + c + " |";
  return out + "\n";
}

std::string Verdict(const json& s) {
  const std::string aborted = TextAt(ObjectAt(s, "run"), "aborted", "");
  if (!aborted.empty()) {
    return "## \u274c " + TextAt(s, "scenario", "?") + " \u2014 stopped early: " + aborted + "\n";
  }
  size_t failed = 0, total = 0, skipped = 0;
  for (const json& t : ArrayAt(s, "thresholds")) {
    ++total;
    if (!BoolAt(t, "ok", false)) ++failed;
    if (BoolAt(t, "skipped", false)) ++skipped;
  }
  const std::string name = "slotsim " + Cell(TextAt(s, "scenario"));
  if (total == 0) return "## " + name + " \u2014 no thresholds\n";
  if (failed == 0 && skipped > 0) {
    return "## \u2705 " + name + " \u2014 " + std::to_string(total - skipped) + " of " +
           std::to_string(total) + " thresholds passed, " + std::to_string(skipped) +
           " skipped (not measured)\n";
  }
  if (failed == 0) {
    return "## \u2705 " + name + " \u2014 all " + std::to_string(total) + " thresholds passed\n";
  }
  return "## \u274c " + name + " \u2014 " + std::to_string(failed) + " of " +
         std::to_string(total) + " thresholds failed\n";
}

std::string Identity(const json& s) {
  const json& clients = ObjectAt(s, "clients");
  const json& errors = ObjectAt(s, "errors");
  const std::string kinds = ErrorKindsText(s);
  return "\ntarget " + Code(TextAt(s, "target")) + " \u00b7 profile " + Code(TextAt(s, "profile")) +
         " \u00b7 seed " + Code(TextAt(s, "seed")) + " \u00b7 " +
         SinceStartText(NumberOr(s, "duration_s")) + " \u00b7 commit " +
         Code(TextAt(s, "git_commit")) + " \u00b7 clients peak " +
         GroupedText(CountAt(clients, "peak")) + ", total " +
         GroupedText(CountAt(clients, "total")) + " \u00b7 " +
         FixedText(NumberOr(ObjectAt(s, "throughput"), "ops_per_s"), 1) + " ops/s \u00b7 errors " +
         GroupedText(CountAt(errors, "count")) + (kinds.empty() ? "" : " (" + kinds + ")") + "\n";
}

std::string Thresholds(const json& s) {
  const json& list = ArrayAt(s, "thresholds");
  if (list.empty()) return "";
  std::string out =
      "\n### Thresholds\n\n| | metric | condition | measured | note |\n"
      "|:-:|---|---|--:|---|\n";
  for (const json& t : list) {
    const std::string metric = TextAt(t, "metric");
    const std::optional<double> value = NumberAt(t, "value");
    const char* mark = BoolAt(t, "skipped", false) ? "\u23ed\ufe0f skipped"
                       : BoolAt(t, "ok", false)    ? "\u2705"
                                                   : "\u274c";
    out += Row({mark, Code(metric), Code(TextAt(t, "condition")),
                value ? Cell(ThresholdValueText(metric, *value)) : "\u2014",
                Cell(TextAt(t, "note", ""))});
  }
  return out;
}

std::string LatencyRow(const std::string& op, const std::string& mode, const json& entry) {
  const json& lat = ObjectAt(entry, "latency_us");
  std::vector<std::string> cells = {Cell(op), Cell(mode), GroupedText(CountAt(entry, "count")),
                                    GroupedText(CountAt(entry, "errors"))};
  for (const char* stat : {"p50", "p90", "p99", "p999", "max"}) {
    cells.push_back(MsText(NumberOr(lat, stat)));
  }
  return Row(cells);
}

std::string Latency(const json& s) {
  std::string rows;
  const json& ops = ObjectAt(s, "ops");
  for (const std::string& op : OpNamesOf(ops)) {
    const json& entry = ObjectAt(ops, op);
    if (CountAt(entry, "count") == 0) continue;
    rows += LatencyRow(op, "all", entry);
    for (const auto& [mode, by_mode] : ObjectAt(entry, "by_mode").items()) {
      if (CountAt(by_mode, "count") > 0) rows += LatencyRow("", mode, by_mode);
    }
  }
  if (rows.empty()) return "";
  return "\n### Latency (ms from the intended start)\n\n"
         "| operation | served by | count | errors | p50 | p90 | p99 | p99.9 | max |\n"
         "|---|---|--:|--:|--:|--:|--:|--:|--:|\n" +
         rows;
}

// A consistency count, "not measured" or "N (partial)" as its measurement says.
std::string CountCell(const json& s, const char* key) {
  const std::string status = FigureStatus(s, key);
  if (status == "not_measured") return "not measured";
  const std::string n = GroupedText(CountAt(ObjectAt(s, "consistency"), key));
  return status == "partial" ? n + " (partial)" : n;
}

// What the run's adversaries got away with (only when it had some).
std::string Guarantees(const json& s) {
  const json& c = ObjectAt(s, "consistency");
  if (!c.contains("foreign_releases")) return "";
  return "\nGuarantees, probed by " + GroupedText(CountAt(ObjectAt(s, "clients"), "adversaries")) +
         " adversarial clients:\n\n| foreign releases | foreign cancels |\n|--:|--:|\n" +
         Row({GroupedText(CountAt(c, "foreign_releases")),
              GroupedText(CountAt(c, "foreign_cancels"))});
}

std::string Consistency(const json& s) {
  const json& c = ObjectAt(s, "consistency");
  const json& lag = ObjectAt(c, "visibility_lag_ms");
  const std::optional<double> p99 = NumberAt(lag, "p99");
  std::string notes;
  for (const std::string& line : UnmeasuredFigureLines(s)) notes += "\n> " + Cell(line) + "\n";
  return "\n### Consistency\n\n"
         "| double bookings | lost bookings | phantom bookings | hold conflicts (outside "
         "failover) | lost holds | visibility lag p99 |\n"
         "|--:|--:|--:|--:|--:|--:|\n" +
         Row({CountCell(s, "double_bookings"), CountCell(s, "lost_bookings"),
              CountCell(s, "phantom_bookings"),
              GroupedText(CountAt(c, "hold_conflicts")) + " (" +
                  GroupedText(CountAt(c, "hold_conflicts_outside_failover")) + ")",
              GroupedText(CountAt(c, "lost_holds")),
              p99 ? FixedText(*p99, 1) + " ms" : "not measured"}) +
         notes + Guarantees(s);
}

std::string OptionalMs(const json& o, const char* key) {
  const std::optional<double> v = NumberAt(o, key);
  return v ? GroupedText(static_cast<uint64_t>(std::max(0.0, *v))) + " ms" : "\u2014";
}

std::string Failover(const json& s) {
  const json& f = ObjectAt(s, "failover");
  std::string out =
      "\n### Failover\n\n" + GroupedText(CountAt(f, "mode_switches")) + " storage-mode switches.\n";
  const json& outages = ArrayAt(f, "outages");
  if (outages.empty()) return out + "No faults were injected.\n";
  out += "\n| fault | start | end | detect | recover | errors |\n|---|--:|--:|--:|--:|--:|\n";
  for (const json& o : outages) {
    out += Row({Cell(TextAt(o, "kind")), SinceStartText(NumberOr(o, "start_s")),
                SinceStartText(NumberOr(o, "end_s")), OptionalMs(o, "detect_ms"),
                OptionalMs(o, "recover_ms"), GroupedText(CountAt(o, "errors"))});
  }
  return out;
}

// The replay command in a fenced block longer than any backtick run inside it.
std::string Replay(const json& s) {
  const std::string replay = TextAt(s, "replay", "");
  if (replay.empty()) return "";
  size_t run = 0, longest = 0;
  for (char c : replay) {
    run = c == '`' ? run + 1 : 0;
    longest = std::max(longest, run);
  }
  const std::string fence(std::max<size_t>(3, longest + 1), '`');
  return "\n<details><summary>Replay this run</summary>\n\n" + fence + "sh\n" + replay + "\n" +
         fence + "\n\n</details>\n";
}

// summary.json "warnings" (reports/run_warnings.h) as a quote block; "" when none.
std::string Warnings(const json& s) {
  std::string out;
  for (const json& w : ArrayAt(s, "warnings")) {
    out += "\n> \u26a0\ufe0f **warning:** " + Cell(TextAt(w, "message")) + "\n";
  }
  return out;
}

}  // namespace

std::string MarkdownReport(const json& summary) {
  return Verdict(summary) + Warnings(summary) + Identity(summary) + Thresholds(summary) + Latency(summary) +
         Consistency(summary) + Failover(summary) + Replay(summary);
}

}  // namespace slotsim
