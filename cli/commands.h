// The subcommands of the slotsim binary, one function each, and the exit codes they share.
#pragma once

namespace slotsim::cli {

// Exit codes (docs/architecture.md, "Command line"). Users' CI scripts depend on them.
constexpr int kExitOk = 0;
constexpr int kExitRuntime = 1;
constexpr int kExitBadInput = 2;
constexpr int kExitThresholds = 99;

// `slotsim version`: prints "slotsim <version> (<git commit>)".
int RunVersion(int argc, char** argv);
// `slotsim run SCENARIO ...`
int RunRun(int argc, char** argv);
// `slotsim validate SCENARIO ...`: the resolved scenario and its timeline; runs nothing.
int RunValidate(int argc, char** argv);
// `slotsim swarm SCENARIO --seeds N ...`
int RunSwarm(int argc, char** argv);
// `slotsim check HISTORY.jsonl`
int RunCheck(int argc, char** argv);
// `slotsim proxy --upstream HOST:PORT ...`: a TCP fault proxy (docs/proxy.md).
int RunProxy(int argc, char** argv);
// `slotsim serve [--store ...]`: the reference engine over HTTP (docs/serve.md).
int RunServe(int argc, char** argv);
// `slotsim report html|md|junit SUMMARY.json [-o OUT]`: redraws a report from a summary;
// `slotsim report merge A/summary.json B/summary.json ... -o DIR`: merges shards' summaries.
int RunReport(int argc, char** argv);
// `slotsim gate RUN/summary.json --baseline BASE/summary.json`: regression gate (docs/ci.md).
int RunGate(int argc, char** argv);
// `slotsim capacity SCENARIO --slo ...`: the largest load within the SLOs (docs/capacity.md).
int RunCapacity(int argc, char** argv);

}  // namespace slotsim::cli
