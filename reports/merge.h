// Merging the summary.json documents of shards of one run (`slotsim report merge`,
// docs/reports.md "Merging shards") into one summary of the whole load, the same layout
// (reports/summary.h). Shards are runs of one scenario on disjoint slices of the clients under
// the same fault schedule.
//
// What is exact and what is not:
//   histograms        merged exactly (Histogram::Deserialize + Merge); every percentile in
//                     ops (op, by_mode, by_phase, by_mode.by_phase), visibility_lag_ms and
//                     run.scheduler_lateness_us, worker_wait_us, client_busy_us is recomputed
//                     from them, so a merged p99 is the p99 of one histogram over the union of
//                     the shards' samples. run.schedule's counts and delays are summed.
//   counters          summed: ops counts, errors, codes, per-mode errors, every number in
//                     clients and consistency (clients.peak is therefore the sum of the
//                     shards' peaks, an upper bound when they peaked at different times).
//   errors, throughput  recomputed from the summed counts (errors.by_kind summed); ops_per_s
//                     over the longest duration_s (the shards ran side by side).
//   timeseries        rows summed per interval (ops, errors, live_clients) when every shard
//                     has the same interval_s and the same t_s for the rows it has; the mode is
//                     the first shard's. p99_us per interval cannot be merged exactly from the
//                     series: it is the MAX of the shards' p99s (an upper bound). A series that
//                     does not align is left out and said so in merge.notes.
//   failover          outages and switches are the first shard's (same fault schedule), with
//                     outages[].errors summed over the shards' outage of the same index and
//                     kind, and detect_ms / recover_ms the smallest any shard measured (the
//                     earliest observation of the transition, which is what one run over all
//                     the clients records); null only when no shard measured it.
//   run               wall_s, peak_rss_mb, bytes_per_client: the largest; events, cpu_s,
//                     events_per_s: summed.
//   thresholds        re-parsed from the summaries' thresholds[].metric/condition and
//                     evaluated on the merged document.
// Everything else (scenario, description, seed, target, profile, git_commit,
// scenario_resolved, replay) is the first shard's, and a `merge` object is added:
// {shards, seeds[], replays[], notes[]}.
#pragma once

#include <nlohmann/json.hpp>
#include <vector>

#include "common/status.h"

namespace slotsim {

// Merges `summaries` (at least one) in order. InvalidArgument, naming the shard (by its index)
// and what differs, when one is not an object of schema kSummarySchema, names another scenario
// or target, carries other thresholds than the first, holds a histogram that does not decode,
// or histograms with different parameters under one key. Merging one summary reproduces its
// percentiles and counts.
StatusOr<nlohmann::json> MergeSummaries(const std::vector<nlohmann::json>& summaries);

}  // namespace slotsim
