// timeseries.csv: one row per time-series interval of a run (RunMetrics::timeseries), for
// spreadsheets and plotting. Columns, in order:
//   t_s                       interval start, seconds since the run start
//   <op>_ops, <op>_errors     per op, in OpKind order (select, deselect, poll, ...)
//   <op>_p99_us               corrected latency p99 within the interval (0 when none)
//   ops, errors, ops_per_s    totals over every op; ops_per_s = ops / interval
//   live_clients, mode        as TimeRow documents
// Every interval of the run has a row, empty ones included.
#pragma once

#include <string>

#include "common/status.h"
#include "simulator/observe/recorder.h"

namespace slotsim {

// The CSV text: a header line and one line per row, '\n'-terminated.
std::string TimeseriesCsv(const RunMetrics& metrics);

// Writes TimeseriesCsv(metrics) to `path`; Unavailable when it cannot be written.
Status WriteTimeseriesCsv(const RunMetrics& metrics, const std::string& path);

}  // namespace slotsim
