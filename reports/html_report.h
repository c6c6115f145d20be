// report.html: the page an engineer opens after a run (docs/architecture.md, "Outputs"). One
// self-contained file, drawn from a summary.json document alone: no script, no font, no
// stylesheet or image from anywhere else (a Content-Security-Policy of default-src 'none'
// makes a browser refuse any that slipped in), so it opens offline and from a CI artifact.
//
// Contents, in order: the verdict (thresholds passed or failed) and the run's identity
// (scenario, description, target, profile, seed, duration, commit, clients) with the replay
// command; the thresholds table (pass green, fail red); latency p99 over time per operation and
// throughput / errors over time, with fault windows shaded and storage-mode switches marked;
// the percentile spectrum of each operation per storage mode (log latency axis); tables of
// per-operation latency, consistency, failover (per outage, then every switch) and the
// harness's own figures. Charts are inline SVG (reports/html_charts.h). Every text taken from
// the summary is HTML-escaped.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace slotsim {

// The whole page, UTF-8. Tolerates missing or mistyped keys (they show as "-" or are left
// out); never throws. reports/run_reports.h CheckReportable says whether a summary is worth
// rendering.
std::string HtmlReport(const nlohmann::json& summary);

}  // namespace slotsim
