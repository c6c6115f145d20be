// The live view of a running run (slotsim run --dashboard / --metrics-listen, docs/dashboard.md):
// what the run's thread publishes once a wall second (RunOptions::live), drawn three ways:
//  - LiveJson: /live.json, a small document built from the summary.json the measurements so far
//    make (reports/summary.h), schema "slotsim.live/1";
//  - PrometheusText: /metrics, the same figures in the Prometheus text exposition format 0.0.4;
//  - DashboardPage / DashboardScript: the page at / and its one script, which polls /live.json
//    every second. The page's CSP allows only its own script and its own /live.json.
// Pure functions: the HTTP serving is cli/dashboard.cc's.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace slotsim {

inline constexpr std::string_view kLiveSchema = "slotsim.live/1";

// /live.json from a live summary (thresholds judged on the figures so far) at `elapsed_s` of
// run time; `done` once the run has ended. `sequence` counts the snapshots published (from 1).
// Layout: docs/dashboard.md.
nlohmann::json LiveJson(const nlohmann::json& summary, double elapsed_s, bool done,
                        uint64_t sequence);

// The Prometheus text of a LiveJson document: every series documented in docs/dashboard.md,
// each with # HELP and # TYPE lines. An empty document (no snapshot yet) gives only
// slotsim_up 1 and slotsim_snapshots_total 0.
std::string PrometheusText(const nlohmann::json& live);

// The Content-Security-Policy the dashboard page is served with.
inline constexpr const char* kDashboardCsp =
    "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'unsafe-inline'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

std::string DashboardPage();    // GET /
std::string DashboardScript();  // GET /dashboard.js

}  // namespace slotsim
