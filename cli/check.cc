// `slotsim check`: recomputes the consistency figures offline from a history.jsonl, and says
// which figures decided its exit code.
#include <algorithm>
#include <cstdio>
#include <iostream>
#include <sstream>

#include "cli/cli_util.h"
#include "cli/commands.h"
#include "simulator/observe/history_io.h"

namespace slotsim::cli {

namespace {

constexpr const char* kCheckUsage =
    "usage: slotsim check HISTORY.jsonl [--fail-on LIST] [--allow-unmeasured]\n"
    "\n"
    "Reads a history written by `slotsim run --history` and recomputes the consistency\n"
    "figures (docs/consistency.md) from it, as the online checker did during the run, then\n"
    "decides: the check fails when a figure named by --fail-on is above 0, or was not fully\n"
    "measured (the history's final-state read-back was by_id or none) unless\n"
    "--allow-unmeasured. The last line names what decided the exit code. Figures left out of\n"
    "--fail-on are still printed (\"also seen\"): by default lost holds and hold conflicts\n"
    "inside a failover window, which a Redis outage produces by design (the shipped\n"
    "scenarios' thresholds judge hold_conflicts_outside_failover, not hold_conflicts).\n"
    "\n"
    "positional arguments:\n"
    "  HISTORY.jsonl         the history file (a regular file), e.g. runs/<run>/history.jsonl\n"
    "\n"
    "exit codes: 0 no anomaly that fails the check, 1 runtime failure, 2 bad input, 99 an\n"
    "            anomaly was found (or a figure was not measured)\n"
    "\n"
    "options";

constexpr const char* kDefaultFailOn =
    "double_bookings,lost_bookings,phantom_bookings,hold_conflicts_outside_failover,"
    "foreign_releases,foreign_cancels";

// One figure the check can decide on.
struct Figure {
  const char* name;
  uint64_t value;
  const Measurement* measurement;  // null: always measured
};

std::vector<Figure> FiguresOf(const ConsistencyReport& r) {
  const ConsistencyMeasurement& m = r.measurement;
  return {{"double_bookings", r.double_bookings, &m.double_bookings},
          {"lost_bookings", r.lost_bookings, &m.lost_bookings},
          {"phantom_bookings", r.phantom_bookings, &m.phantom_bookings},
          {"hold_conflicts", r.hold_conflicts, &m.hold_conflicts},
          {"hold_conflicts_outside_failover", r.hold_conflicts_outside_failover, &m.hold_conflicts},
          {"lost_holds", r.lost_holds, &m.lost_holds},
          {"foreign_releases", r.foreign_releases, nullptr},
          {"foreign_cancels", r.foreign_cancels, nullptr}};
}

// "3", or "not measured (<reason>)" / "3 (partial: <reason>)" as the read-back left it.
std::string FigureText(uint64_t n, const Measurement* m) {
  if (m == nullptr) return std::to_string(n);
  switch (m->status) {
    case MeasureStatus::kMeasured:
      return std::to_string(n);
    case MeasureStatus::kPartial:
      return std::to_string(n) + " (partial: " + m->reason + "; missing " + m->missing + ")";
    case MeasureStatus::kNotMeasured:
      return "not measured (" + m->reason + ")";
  }
  return "?";
}

// The --fail-on names, checked against the figures; "all" names every one.
StatusOr<std::vector<std::string>> FailOnNames(const std::string& text,
                                               const std::vector<Figure>& figures) {
  std::vector<std::string> names;
  std::stringstream in(text == "all" ? std::string() : text);
  if (text == "all") {
    for (const Figure& f : figures) names.emplace_back(f.name);
    return names;
  }
  std::string allowed = "all";
  for (const Figure& f : figures) allowed += std::string(", ") + f.name;
  for (std::string name; std::getline(in, name, ',');) {
    bool known = false;
    for (const Figure& f : figures) known = known || name == f.name;
    if (!known) {
      return Status::InvalidArgument("--fail-on: unknown figure \"" + name +
                                     "\"; allowed: " + allowed);
    }
    names.push_back(name);
  }
  if (names.empty()) return Status::InvalidArgument("--fail-on: empty; allowed: " + allowed);
  return names;
}

// Prints the figures and the deciding line; returns the exit code.
int Decide(const ConsistencyReport& r, const std::vector<std::string>& fail_on,
           bool allow_unmeasured) {
  const std::vector<Figure> figures = FiguresOf(r);
  std::cout << "records                          " << r.records << "\n"
            << "read_back                        " << ReadBackName(r.read_back) << "\n";
  std::string failed, unmeasured, seen;
  for (const Figure& f : figures) {
    std::printf("%-32s %s\n", f.name, FigureText(f.value, f.measurement).c_str());
    const bool judged = std::find(fail_on.begin(), fail_on.end(), f.name) != fail_on.end();
    const bool measured = f.measurement == nullptr || f.measurement->measured();
    const std::string item = std::string(f.name) + " " + std::to_string(f.value);
    if (judged && f.value > 0) failed += (failed.empty() ? "" : ", ") + item;
    if (judged && !measured) unmeasured += (unmeasured.empty() ? "" : ", ") + std::string(f.name);
    if (!judged && f.value > 0) seen += (seen.empty() ? "" : ", ") + item;
  }
  std::cout << "hold_conflict_total_ms           " << r.hold_conflict_total_ms << "\n"
            << "visibility_lag_ms                p50 " << r.visibility_lag_ms.p50 << "  p99 "
            << r.visibility_lag_ms.p99 << "  max " << r.visibility_lag_ms.max << "\n";
  const bool unmeasured_fails = !unmeasured.empty() && !allow_unmeasured;
  std::string why;
  if (!failed.empty()) why = "decided by " + failed;
  if (!unmeasured.empty()) {
    why += std::string(why.empty() ? "" : "; ") + "not measured: " + unmeasured +
           (allow_unmeasured ? " (allowed by --allow-unmeasured)" : "");
  }
  if (why.empty()) why = "no anomaly among --fail-on";
  if (!seen.empty()) why += "; also seen (not failing): " + seen;
  const bool pass = failed.empty() && !unmeasured_fails;
  std::cout << (pass ? "PASS  " : "FAIL  ") << why << "\n";
  return pass ? kExitOk : kExitThresholds;
}

}  // namespace

int RunCheck(int argc, char** argv) {
  po::options_description desc(kCheckUsage, 100, 50), args;
  desc.add_options()("help,h", "this text")(
      "fail-on", po::value<std::string>()->default_value(kDefaultFailOn)->value_name("LIST"),
      "comma-separated figures that fail the check when above 0, or \"all\" (every figure, "
      "also lost_holds and hold_conflicts)")(
      "allow-unmeasured", po::bool_switch(),
      "do not fail on figures the read-back could not measure");
  args.add_options()("history", po::value<std::string>(), "HISTORY.jsonl");
  po::positional_options_description pos;
  pos.add("history", 1);
  po::variables_map vm;
  if (!ParseOptions("check", argc, argv, desc, args, pos, vm)) return kExitBadInput;
  if (vm.count("help")) {
    std::cout << desc << "\n";
    return kExitOk;
  }
  if (!vm.count("history")) {
    std::cerr << "slotsim check: missing HISTORY.jsonl\n\n" << desc << "\n";
    return kExitBadInput;
  }
  const ConsistencyReport no_figures;
  StatusOr<std::vector<std::string>> fail_on =
      FailOnNames(vm["fail-on"].as<std::string>(), FiguresOf(no_figures));
  if (!fail_on.ok()) {
    std::cerr << "slotsim check: " << fail_on.status().message() << "\n";
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
  return Decide(*r, *fail_on, vm["allow-unmeasured"].as<bool>());
}

}  // namespace slotsim::cli
