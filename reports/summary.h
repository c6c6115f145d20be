// summary.json: the machine-readable result of one run (docs/architecture.md, "Outputs"). Other
// reports (console, html, md, junit), `slotsim gate` and `report merge` read only this document.
//
// Layout (schema "slotsim.summary/1"); every key below is always present unless marked:
//   schema, scenario (name), description, seed, target, profile, duration_s, git_commit
//   clients{peak, total, rejected, poll_fairness{clients, excluded, expected_polls_per_s,
//     rate_ratio{min, p1, p10, p50, p90, max}, below_half_share}}   (poll_fairness: per-client
//     poll rate over 1/heartbeat, simulator/fairness.h; real-time targets only: clients 0 and
//     the ratios and share null on sim)
//   ops{<op>{...}} for ALL seven ops (count 0 included), each:
//     count, errors, not_sent (operations never sent: answer class not_sent), error_rate,
//     measurement{status, reason, missing} of its latency figures (partial when not_sent > 0;
//     reason and missing only when not measured; simulator/observe/measurement.h),
//     codes{<CodeName>: n} (only codes seen),
//     latency_us{p50,p90,p99,p999,max}, raw_latency_us{...},
//     by_mode{redis{M}, mysql{M}, memory{M} (only when something was served from memory)},
//       M = {count, errors, latency_us, raw_latency_us, by_phase{steady{P}, outage{P},
//           recovery{P}}},  P = {count, latency_us, raw_latency_us}
//     by_phase{steady{P}, outage{P}, recovery{P}}
//   A latency object of a selection with count 0 is all zeros: check `count` before using it.
//   errors{count, rate, by_kind{<kind>: n}, by_class{<class>: n}}, throughput{ops, ops_per_s}
//     (over every op; per simulated s). by_kind and by_class only when count > 0: error ops by
//     kind (recorder.h ErrorKindName: "malformed_answer", "unavailable", "timeout", "internal",
//     "unimplemented", ...) and by answer class (protocol/ops.h AnswerClassName: "rejected",
//     "server_error", "malformed_answer", "timeout", "reset", "not_sent", "store_error")
//   consistency{double_bookings, lost_bookings, phantom_bookings, hold_conflicts,
//     hold_conflicts_outside_failover, hold_conflict_total_ms, lost_holds, late_records,
//     visibility_lag_ms{p50, p99, max} (each null when no lag was measured),
//     visibility_samples, visibility_unseen, foreign_releases, foreign_cancels (these two
//     and clients.adversaries only when the run had adversaries),
//     read_back ("complete" | "by_id" | "none": how the final bookings were read),
//     measurement{double_bookings, lost_bookings, phantom_bookings, hold_conflicts, lost_holds,
//       visibility_lag: {status ("measured" | "partial" | "not_measured"), reason, missing}}}
//     (simulator/observe/measurement.h; a figure not measured reads 0 here and FAILS any
//     threshold on it unless the threshold allows it, reports/thresholds.h)
//   failover{outages[{kind, start_s, end_s, detect_ms, recover_ms, errors}] (detect_ms and
//     recover_ms null when not measured, recorder.h says when), mode_switches,
//     switches[{at_s, from, to, cause, previous_mode_ms, holds_migrated}]}
//   thresholds[{metric, condition, value, ok, note, measured, skipped}]   (reports/thresholds.h)
//   shard{index, count}   (--shard I/N; 0 and 1 for an unsharded run)
//   merge{shards, seeds[], replays[], notes[]}   (only in `slotsim report merge` output;
//     reports/merge.h)
//   run{wall_s, events, events_per_s, peak_rss_mb, bytes_per_client, cpu_s,
//     scheduler_lateness_us{p50, p90, p99, p999, max, count}, worker_wait_us{...},
//     client_busy_us{...}, schedule{ops, late_ops, harness_late_ops, harness_fell_behind,
//     delay_s{harness, worker_wait, client_busy}}}   (cpu_s, the three delays and schedule are
//     real-time targets only: 0, count 0 and false on sim; simulator/observe/send_delays.h
//     says what each delay blames: the harness's loop, the wait for a worker / connection,
//     the client's own previous request still in flight),
//     aborted (why an abort_on_fail threshold stopped the run early, else null),
//     aborted_at_s (when, else null)
//   timeseries{interval_s, t_s[], live_clients[], mode[], ops{<op>[]}, errors{<op>[]},
//     p99_us{<op>[]}} — column arrays with one entry per interval (recorder.h TimeRow), every
//     interval of the run included, all seven ops; t_s is the interval start; p99_us is the
//     corrected p99 within the interval (0 when none). Enough to redraw every time chart.
//   histograms{"<op>.<mode>.<phase>.corrected" | ".raw": Histogram::Serialize(),
//     "consistency.visibility_lag_us", "run.scheduler_lateness_us", "run.worker_wait_us",
//     "run.client_busy_us"} — only non-empty ones;
//     merging them is exact.
//   scenario_resolved (Scenario::ToToml()), replay (the command line that replays the run),
//   command[] (the exact command line that made the summary, argv[0] first; [] when not given),
//   time_scale (the --time-scale factor the timeline was multiplied by; 1 when not scaled)
// Times since the run start are in seconds (`*_s`, fractional), latencies in whole µs,
// detect/recover/previous-mode in whole ms.
//
// Determinism: keys are sorted (nlohmann::json's ordered map), so the same RunResult gives a
// byte-identical dump apart from `run`, histograms["run.*"] (real-time targets only) and
// thresholds on run.* metrics.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "common/status.h"
#include "simulator/run/run.h"

namespace slotsim {

inline constexpr std::string_view kSummarySchema = "slotsim.summary/1";

// What the summary needs that RunResult does not carry.
struct SummaryOptions {
  SummaryOptions() = default;
  // The two a replay needs most; the rest are set by name.
  SummaryOptions(std::string path, std::vector<std::string> set_overrides)
      : scenario_path(std::move(path)), overrides(std::move(set_overrides)) {}

  std::string scenario_path;           // for `replay`; "" = result.scenario.source
  std::vector<std::string> overrides;  // the run's --set key=value arguments, in order
  std::vector<std::string> command;    // argv of the process that ran it, for `command`
  // Flags the replay repeats after --target, as separate words, e.g. {"--redis", "redis://..."}
  // for servers the run was pointed at on the command line.
  std::vector<std::string> replay_flags;
  // `slotsim run --time-scale F`: the factor the scenario's timeline was multiplied by (the
  // scenario in the result is already scaled), for `time_scale`.
  double time_scale = 1.0;
};

// The command line that replays the run on the same target:
//   slotsim run <path> --seed N --target T [replay_flags ...] [--set k=v ...] [--shard I/N]
// --target always (the scenario file may name another), each word shell-quoted where needed.
std::string ReplayCommand(const RunResult& result, const SummaryOptions& options);

// A measurement of summary.json: {status, reason, missing} (reason and missing only when not
// empty), and back (a missing or unknown status reads as measured: an older summary).
nlohmann::json MeasurementJson(const Measurement& m);
// `report merge`: consistency.read_back and .measurement of the merged `consistency`, the least
// measured over the shards per figure (and the weakest read-back).
void MergeMeasurements(const std::vector<nlohmann::json>& shards, nlohmann::json& consistency);
// ops.<op>.measurement: partial when some of its operations were never sent (they are in its
// histograms with the time until the harness gave up on them, not with a server's answer).
Measurement LatencyMeasurementOf(std::string_view op, uint64_t count, uint64_t not_sent);
Measurement MeasurementFromJson(const nlohmann::json& j);

// A latency object of summary.json: {p50, p90, p99, p999, max} of `h`.
nlohmann::json StatsJson(const Histogram& h);

// Builds summary.json, thresholds of result.scenario evaluated and filled in.
nlohmann::json SummaryJson(const RunResult& result, const SummaryOptions& options = {});

// The text summary.json holds: indent 2 like json::dump(2), except that an array of scalars
// (numbers, strings, ...) goes on one line; ends with '\n'. Parses back to `summary`.
std::string SummaryText(const nlohmann::json& summary);

// Writes SummaryText(summary) to `path`. Unavailable when the file cannot be written.
Status WriteSummary(const nlohmann::json& summary, const std::string& path);
// SummaryJson(result, options) written as above.
Status WriteSummary(const RunResult& result, const std::string& path,
                    const SummaryOptions& options = {});

// Reads a summary.json. InvalidArgument naming the path when it cannot be read, is not JSON,
// or its `schema` is missing or another version (the message names both versions).
StatusOr<nlohmann::json> ReadSummary(const std::string& path);

}  // namespace slotsim
