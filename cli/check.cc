// `slotsim check`: recomputes the consistency figures offline from a history.jsonl.
#include <iostream>

#include "cli/cli_util.h"
#include "cli/commands.h"
#include "simulator/observe/history_io.h"

namespace slotsim::cli {

int RunCheck(int argc, char** argv) {
  po::options_description desc(
      "usage: slotsim check HISTORY.jsonl\n"
      "\n"
      "Reads a history written by `slotsim run --history` and recomputes the consistency\n"
      "figures (docs/consistency.md) from it, as the online checker did during the run.\n"
      "\n"
      "exit codes: 0 no anomaly, 1 runtime failure, 2 bad input, 99 an anomaly was found\n"
      "\n"
      "options");
  desc.add_options()("help,h", "this text")("history", po::value<std::string>(),
                                            "the history file (positional)");
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
  std::cout << "records             " << r->records << "\n"
            << "double_bookings     " << r->double_bookings << "\n"
            << "lost_bookings       " << r->lost_bookings << "\n"
            << "phantom_bookings    " << r->phantom_bookings << "\n"
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
  return clean ? kExitOk : kExitThresholds;
}

}  // namespace slotsim::cli
