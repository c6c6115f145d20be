// `slotsim check`: recomputes the consistency figures offline from a history.jsonl.
#include <iostream>

#include "cli/cli_util.h"
#include "cli/commands.h"
#include "simulator/observe/history_io.h"

namespace slotsim::cli {

namespace {

// "3", or "not measured (<reason>)" / "3 (partial: <reason>)" as the read-back left it.
std::string FigureText(uint64_t n, const Measurement& m) {
  switch (m.status) {
    case MeasureStatus::kMeasured:
      return std::to_string(n);
    case MeasureStatus::kPartial:
      return std::to_string(n) + " (partial: " + m.reason + "; missing " + m.missing + ")";
    case MeasureStatus::kNotMeasured:
      return "not measured (" + m.reason + ")";
  }
  return "?";
}

}  // namespace

int RunCheck(int argc, char** argv) {
  po::options_description desc(
      "usage: slotsim check HISTORY.jsonl [--allow-unmeasured]\n"
      "\n"
      "Reads a history written by `slotsim run --history` and recomputes the consistency\n"
      "figures (docs/consistency.md) from it, as the online checker did during the run. A\n"
      "figure the history's final-state read-back could not measure (read_back by_id or none)\n"
      "is not a clean 0: it fails the check unless --allow-unmeasured.\n"
      "\n"
      "exit codes: 0 no anomaly, 1 runtime failure, 2 bad input, 99 an anomaly was found (or a\n"
      "            figure was not measured)\n"
      "\n"
      "options");
  desc.add_options()("help,h", "this text")("history", po::value<std::string>(),
                                            "the history file (positional)")(
      "allow-unmeasured", "do not fail on figures the read-back could not measure");
  po::positional_options_description pos;
  pos.add("history", 1);
  po::variables_map vm;
  if (!ParseOptions("check", argc, argv, desc, pos, vm)) return kExitBadInput;
  if (vm.count("help")) {
    std::cout << desc << "\n";
    return kExitOk;
  }
  if (!vm.count("history")) {
    std::cerr << "slotsim check: missing HISTORY.jsonl\n\n" << desc << "\n";
    return kExitBadInput;
  }
  StatusOr<ConsistencyReport> r =
      CheckHistoryFile(vm["history"].as<std::string>(), CheckerOptions{});
  if (!r.ok()) {
    std::cerr << "slotsim check: " << r.status().message() << "\n";
    return r.status().code() == Code::kNotFound || r.status().code() == Code::kInvalidArgument
               ? kExitBadInput
               : kExitRuntime;
  }
  const ConsistencyMeasurement& m = r->measurement;
  std::cout << "records             " << r->records << "\n"
            << "read_back           " << ReadBackName(r->read_back) << "\n"
            << "double_bookings     " << FigureText(r->double_bookings, m.double_bookings) << "\n"
            << "lost_bookings       " << FigureText(r->lost_bookings, m.lost_bookings) << "\n"
            << "phantom_bookings    " << FigureText(r->phantom_bookings, m.phantom_bookings) << "\n"
            << "hold_conflicts      " << r->hold_conflicts << " (outside failover "
            << r->hold_conflicts_outside_failover << ", total " << r->hold_conflict_total_ms
            << " ms)\n"
            << "lost_holds          " << r->lost_holds << "\n"
            << "foreign_releases    " << r->foreign_releases << "\n"
            << "foreign_cancels     " << r->foreign_cancels << "\n"
            << "visibility_lag_ms   p50 " << r->visibility_lag_ms.p50 << "  p99 "
            << r->visibility_lag_ms.p99 << "  max " << r->visibility_lag_ms.max << "\n";
  const bool clean = r->double_bookings == 0 && r->lost_bookings == 0 && r->phantom_bookings == 0 &&
                     r->hold_conflicts == 0 && r->lost_holds == 0 && r->foreign_releases == 0 &&
                     r->foreign_cancels == 0;
  const bool measured = m.double_bookings.measured() && m.lost_bookings.measured() &&
                        m.phantom_bookings.measured() && m.hold_conflicts.measured() &&
                        m.lost_holds.measured();
  if (!measured) {
    std::cout << (vm.count("allow-unmeasured") ? "not every figure was measured (allowed)\n"
                                               : "not every figure was measured: failing\n");
  }
  return clean && (measured || vm.count("allow-unmeasured")) ? kExitOk : kExitThresholds;
}

}  // namespace slotsim::cli
