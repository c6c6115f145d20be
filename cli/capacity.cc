// `slotsim capacity`: the largest load a scenario holds within its SLOs (simulator/capacity.h);
// prints each probe and the answer, writes capacity.json and capacity.html.
#include "simulator/capacity/capacity.h"

#include <cstdio>
#include <iostream>

#include "cli/cli_util.h"
#include "cli/commands.h"
#include "common/duration.h"
#include "procs/child_registry.h"
#include "reports/capacity_report.h"

namespace slotsim::cli {
namespace {

constexpr const char* kCapacityUsage =
    "usage: slotsim capacity SCENARIO --slo 'METRIC<VALUE' [--slo ...] [options]\n"
    "\n"
    "Finds the largest load SCENARIO's deployment holds while every SLO holds: a coarse ramp\n"
    "from --min (x --growth, or + --step) until a probe fails or --max passes, then bisection\n"
    "to --resolution. Each probe runs the scenario (its target, engine, clients and faults) with\n"
    "[load] replaced by one level — concurrent clients (closed model) or arrivals per second\n"
    "(open model) — ramped up over the warm-up share of --step-duration and held for the rest.\n"
    "SLOs are threshold metrics (docs/scenarios.md, \"Metrics\"), e.g. 'latency.poll.p99<50ms',\n"
    "'errors.rate<0.1%'; without --slo the scenario's [thresholds] are the SLOs. Writes\n"
    "capacity.json and capacity.html (the latency-vs-load curve, the knee marked). On the sim\n"
    "target give the backends a capacity ([sim] redis_servers, mysql_servers) or latency never\n"
    "rises with load. See docs/capacity.md.\n"
    "\n"
    "positional arguments:\n"
    "  SCENARIO              the scenario file (a regular file)\n"
    "\n"
    "exit codes: 0 capacity found (or not bound at --max), 1 runtime failure, 2 bad input,\n"
    "            99 even --min fails the SLOs, 130 / 143 interrupted\n"
    "\n"
    "options";

void AddOptions(po::options_description& desc) {
  desc.add_options()("help,h", "this text")(
      "slo", po::value<std::vector<std::string>>()->composing()->value_name("SLO"),
      "an SLO every probe must meet, METRIC<op>VALUE, e.g. 'latency.poll.p99<50ms' (repeatable; "
      "default: the scenario's [thresholds])")(
      "vary", po::value<std::string>()->default_value("clients")->value_name("LOAD"),
      "the load to vary: clients (closed model) | arrival_rate (open model, arrivals/s)")(
      "min", po::value<double>()->default_value(10)->value_name("LOAD"), "the first load probed")(
      "max", po::value<double>()->default_value(1000)->value_name("LOAD"),
      "the highest load probed")("growth", po::value<double>()->default_value(2)->value_name("X"),
                                 "coarse ramp: each load x this")(
      "step", po::value<double>()->default_value(0)->value_name("LOAD"),
      "coarse ramp: each load + this (linear)")(
      "resolution", po::value<double>()->default_value(0)->value_name("LOAD"),
      "bisect until pass and fail are this close (0 = 5% of the load)")(
      "step-duration", po::value<std::string>()->default_value("2m")->value_name("DURATION"),
      "each probe's run time")("warmup",
                               po::value<double>()->default_value(0.25)->value_name("SHARE"),
                               "share of each probe spent ramping up to its load")(
      "target", po::value<std::string>()->value_name("KIND"),
      "override [target] kind: sim | local | http (default: the scenario's)")(
      "seed", po::value<std::string>()->value_name("N"),
      "override the scenario's seed, 0 .. 2^63-1 (default: the scenario's)")(
      "set", po::value<std::vector<std::string>>()->composing()->value_name("KEY=VALUE"),
      "override any scenario key, e.g. --set sim.redis_servers=4 (repeatable; default: none)")(
      "out", po::value<std::string>()->value_name("DIR"),
      "output directory (default runs/<scenario>-capacity-<time>[-N]/, a new one each time)")(
      "keep-probes", po::bool_switch(),
      "also write each probe's summary and reports to OUT/probes/");
}

StatusOr<CapacityOptions> ReadOptions(const po::variables_map& vm, const Scenario& scenario) {
  CapacityOptions o;
  SLOTSIM_ASSIGN_OR_RETURN(o.vary, ParseVary(vm["vary"].as<std::string>()));
  if (vm.count("slo")) {
    for (const std::string& text : vm["slo"].as<std::vector<std::string>>()) {
      SLOTSIM_ASSIGN_OR_RETURN(Threshold t, ParseSlo(text));
      o.slos.push_back(std::move(t));
    }
  } else {
    o.slos = scenario.thresholds;
  }
  o.min = vm["min"].as<double>();
  o.max = vm["max"].as<double>();
  o.growth = vm["growth"].as<double>();
  o.step = vm["step"].as<double>();
  o.resolution = vm["resolution"].as<double>();
  o.warmup = vm["warmup"].as<double>();
  StatusOr<Micros> step = ParseDuration(vm["step-duration"].as<std::string>());
  if (!step.ok()) return Status::InvalidArgument("--step-duration: " + step.status().message());
  o.step_duration = *step;
  SLOTSIM_RETURN_IF_ERROR(CheckCapacityOptions(o));
  return o;
}

int Search(const Scenario& scenario, const CapacityOptions& o, const std::string& out, bool keep) {
  SystemClock wall;
  SummaryProbeOptions po;
  po.run.wall_clock = &wall;
  po.run.self_binary = SelfBinary();
  po.run.note = [](const std::string& line) { std::fprintf(stderr, "%s\n", line.c_str()); };
  if (keep) po.keep_dir = out + "/probes";
  if (scenario.target.kind != "sim") {
    ChildRegistry::InstallTerminationHandlers(ChildRegistry::OnSignal::kFlag);
  }
  StatusOr<CapacityResult> result = FindCapacity(scenario, o, SummaryProbeRunner(std::move(po)),
                                                 [&o](const CapacityProbe& p, size_t i) {
                                                   std::printf("%s\n", ProbeLine(o, p, i).c_str());
                                                   std::fflush(stdout);
                                                 });
  if (!result.ok()) {
    std::cerr << "slotsim capacity: " << result.status().ToString() << "\n";
    if (int sig = ChildRegistry::TerminationSignal()) return ChildRegistry::ExitCodeFor(sig);
    return result.status().code() == Code::kInvalidArgument ? kExitBadInput : kExitRuntime;
  }
  std::printf("%s\n", AnswerText(o, *result).c_str());
  if (std::string hint = NotBoundHint(scenario, *result); !hint.empty()) {
    std::printf("%s\n", hint.c_str());
  }
  if (Status s = WriteCapacityReports(CapacityJson(scenario, o, *result), out); !s.ok()) {
    std::cerr << "slotsim capacity: " << s.ToString() << "\n";
    return kExitRuntime;
  }
  std::printf("capacity: %s/capacity.json\nreport:   %s/capacity.html\n", out.c_str(), out.c_str());
  return result->outcome == CapacityOutcome::kMinFails ? kExitThresholds : kExitOk;
}

}  // namespace

int RunCapacity(int argc, char** argv) {
  po::options_description desc(kCapacityUsage, 100, 50), args;
  AddOptions(desc);
  args.add_options()("scenario", po::value<std::string>(), "SCENARIO");
  po::positional_options_description pos;
  pos.add("scenario", 1);
  po::variables_map vm;
  if (!ParseOptions("capacity", argc, argv, desc, args, pos, vm)) return kExitBadInput;
  if (vm.count("help")) {
    std::cout << desc << "\n";
    return kExitOk;
  }
  if (!vm.count("scenario")) {
    std::cerr << "slotsim capacity: missing SCENARIO\n\n" << desc << "\n";
    return kExitBadInput;
  }
  StatusOr<std::vector<std::string>> overrides = ScenarioOverrides(vm);
  StatusOr<Scenario> scenario = overrides.ok()
                                    ? LoadScenario(vm["scenario"].as<std::string>(), *overrides)
                                    : StatusOr<Scenario>(overrides.status());
  if (!scenario.ok()) {
    std::cerr << "slotsim capacity: " << scenario.status().message() << "\n";
    return kExitBadInput;
  }
  StatusOr<CapacityOptions> options = ReadOptions(vm, *scenario);
  if (!options.ok()) {
    std::cerr << "slotsim capacity: " << options.status().message() << "\n";
    return kExitBadInput;
  }
  SystemClock wall;
  StatusOr<std::string> out_dir =
      vm.count("out") ? StatusOr<std::string>(vm["out"].as<std::string>())
                      : CreateUniqueDir(DefaultRunDir(scenario->name + "-capacity", wall.Now()));
  Status made = out_dir.ok() ? MakeDirs(*out_dir) : out_dir.status();
  if (!made.ok()) {
    std::cerr << "slotsim capacity: " << made.message() << "\n";
    return kExitRuntime;
  }
  const std::string out = *out_dir;
  std::printf("slotsim capacity %s: target %s, varying %s from %g to %g, %s per probe\n",
              scenario->name.c_str(), scenario->target.kind.c_str(),
              std::string(VaryName(options->vary)).c_str(), options->min, options->max,
              FormatDuration(options->step_duration).c_str());
  std::fflush(stdout);
  return Search(*scenario, *options, out, vm["keep-probes"].as<bool>());
}

}  // namespace slotsim::cli
