// The usual RunOptions::abort_check: judges a scenario's abort_on_fail thresholds on a live
// result (summary.json built from the measurements so far). A threshold past its grace whose
// metric has a value that fails the condition stops the run; one with no data yet does not
// (unlike the final judgement, where no data fails).
#pragma once

#include <functional>
#include <string>

#include "simulator/run/run.h"

namespace slotsim {

// "" to go on, else e.g. `threshold "latency.poll.p99" < 20ms failed at 42 s: 35.2 ms`
// (the measured value in its metric's unit, reports/report_format.h ThresholdValueText).
std::string AbortReason(const RunResult& live, Micros elapsed);

// AbortReason as a RunOptions::abort_check.
inline std::function<std::string(const RunResult&, Micros)> MakeAbortCheck() {
  return [](const RunResult& live, Micros elapsed) { return AbortReason(live, elapsed); };
}

}  // namespace slotsim
