// `slotsim report html|md|junit SUMMARY.json`: regenerates one of the reports a run writes,
// from its summary.json alone. `slotsim report merge A/summary.json B/summary.json ... -o DIR`:
// merges the summaries of a run's shards (reports/merge.h) and writes the reports of the whole.
#include <cstdio>
#include <filesystem>
#include <iostream>

#include "cli/cli_util.h"
#include "cli/commands.h"
#include "reports/merge.h"
#include "reports/run_reports.h"
#include "reports/summary.h"
#include "reports/summary_fields.h"

namespace slotsim::cli {
namespace {

constexpr const char* kReportUsage =
    "usage: slotsim report html|md|junit SUMMARY.json [-o OUT]\n"
    "       slotsim report merge A/summary.json B/summary.json ... -o DIR\n"
    "\n"
    "Draws report.html, report.md or junit.xml from a summary.json written by `slotsim run`\n"
    "(docs/reports.md), the same file the run wrote. Writes it next to SUMMARY.json unless -o\n"
    "names the output file (- for stdout), and prints the path written.\n"
    "\n"
    "exit codes: 0 written, 1 cannot write, 2 bad input (usage, unreadable summary, another\n"
    "            schema version)\n"
    "\n"
    "positional arguments:\n"
    "  FORMAT                html | md | junit\n"
    "  SUMMARY.json          the summary.json to draw from (a regular file)\n"
    "\n"
    "`slotsim report merge --help` for merging the summaries of a sharded run.\n"
    "\n"
    "options";

constexpr const char* kMergeUsage =
    "usage: slotsim report merge A/summary.json B/summary.json ... -o DIR\n"
    "\n"
    "Merges the summary.json files of the shards of one run (same scenario, disjoint clients,\n"
    "same fault schedule) into DIR/summary.json, exactly: histograms are merged and every\n"
    "percentile recomputed from them, counters summed (docs/reports.md, \"Merging shards\").\n"
    "The scenario's thresholds are evaluated on the merged result, and report.html,\n"
    "report.md and junit.xml are written beside it.\n"
    "\n"
    "positional arguments:\n"
    "  SUMMARY.json ...      the shards' summary.json files, one or more\n"
    "\n"
    "exit codes: 0 merged, all thresholds met; 1 cannot write; 2 bad input (usage, unreadable\n"
    "            summary, another schema version, shards of different scenarios);\n"
    "            99 a threshold failed on the merged result\n"
    "\n"
    "options";

// OUT, or the run's file name for `format` beside the summary.
std::string OutputPath(const po::variables_map& vm, ReportFormat format,
                       const std::string& summary_path) {
  if (vm.count("out")) return vm["out"].as<std::string>();
  std::filesystem::path dir = std::filesystem::path(summary_path).parent_path();
  if (dir.empty()) dir = ".";
  return (dir / std::string(ReportFileName(format))).string();
}

// MergeSummaries names a shard by position ("shard 2: ..."): put its file name first.
std::string NameShard(const std::string& message, const std::vector<std::string>& paths) {
  size_t k = 0;
  if (std::sscanf(message.c_str(), "shard %zu:", &k) != 1 || k == 0 || k > paths.size()) {
    return message;
  }
  return paths[k - 1] + " (" + message.substr(0, message.find(':')) + ")" +
         message.substr(message.find(':'));
}

// Reads every summary and merges them; prints why and returns nullopt on bad input.
std::optional<nlohmann::json> ReadAndMerge(const std::vector<std::string>& paths) {
  std::vector<nlohmann::json> summaries;
  for (const std::string& path : paths) {
    StatusOr<nlohmann::json> summary = ReadSummary(path);
    if (!summary.ok()) {
      std::cerr << "slotsim report merge: " << summary.status().message() << "\n";
      return std::nullopt;
    }
    summaries.push_back(std::move(summary).value());
  }
  StatusOr<nlohmann::json> merged = MergeSummaries(summaries);
  if (!merged.ok()) {
    std::cerr << "slotsim report merge: " << NameShard(merged.status().message(), paths) << "\n";
    return std::nullopt;
  }
  return std::move(merged).value();
}

// The failed thresholds of a merged summary, one line each.
int PrintThresholdFailures(const nlohmann::json& merged) {
  int failed = 0;
  for (const nlohmann::json& t : ArrayAt(merged, "thresholds")) {
    if (BoolAt(t, "ok", false)) continue;
    ++failed;
    std::cout << "threshold failed: " << TextAt(t, "metric") << " " << TextAt(t, "condition")
              << " (value " << TextAt(t, "value", "no data") << ")\n";
  }
  return failed;
}

int RunMerge(int argc, char** argv) {
  po::options_description desc(kMergeUsage, 100, 50), args;
  args.add_options()("summaries", po::value<std::vector<std::string>>(), "SUMMARY.json ...");
  desc.add_options()("help,h", "this text")(
      "out,o", po::value<std::string>(),
      "the directory to write the merged run to (required; no default)");
  po::positional_options_description pos;
  pos.add("summaries", -1);
  po::variables_map vm;
  if (!ParseOptions("report merge", argc, argv, desc, args, pos, vm)) return kExitBadInput;
  if (vm.count("help")) {
    std::cout << desc << "\n";
    return kExitOk;
  }
  if (!vm.count("summaries") || !vm.count("out")) {
    std::cerr << "slotsim report merge: missing " << (vm.count("out") ? "SUMMARY.json" : "-o DIR")
              << "\n\n"
              << desc << "\n";
    return kExitBadInput;
  }
  std::optional<nlohmann::json> merged =
      ReadAndMerge(vm["summaries"].as<std::vector<std::string>>());
  if (!merged) return kExitBadInput;
  (*merged)["command"] = CommandLine();  // the merge's own command line; shards' in merge.replays
  const std::string dir = vm["out"].as<std::string>();
  if (Status s = MakeDirs(dir); !s.ok()) {
    std::cerr << "slotsim report merge: " << s.message() << "\n";
    return kExitRuntime;
  }
  Status s = WriteSummary(*merged, (std::filesystem::path(dir) / "summary.json").string());
  if (s.ok()) s = WriteRunReports(*merged, dir);
  if (!s.ok()) {
    std::cerr << "slotsim report merge: " << s.message() << "\n";
    return s.code() == Code::kUnavailable ? kExitRuntime : kExitBadInput;
  }
  std::cout << "merged " << CountAt(FieldAt(*merged, "merge"), "shards") << " shards into " << dir
            << "/summary.json (report.html, report.md, junit.xml beside it)\n";
  return PrintThresholdFailures(*merged) == 0 ? kExitOk : kExitThresholds;
}

}  // namespace

int RunReport(int argc, char** argv) {
  if (argc >= 2 && std::string(argv[1]) == "merge") return RunMerge(argc - 1, argv + 1);
  po::options_description desc(kReportUsage, 100, 50), args;
  args.add_options()("format", po::value<std::string>(), "FORMAT")(
      "summary", po::value<std::string>(), "SUMMARY.json");
  desc.add_options()("help,h", "this text")(
      "out,o", po::value<std::string>(),
      "output file, - for stdout (default: beside SUMMARY.json)");
  po::positional_options_description pos;
  pos.add("format", 1).add("summary", 1);
  po::variables_map vm;
  if (!ParseOptions("report", argc, argv, desc, args, pos, vm)) return kExitBadInput;
  if (vm.count("help")) {
    std::cout << desc << "\n";
    return kExitOk;
  }
  if (!vm.count("format") || !vm.count("summary")) {
    std::cerr << "slotsim report: missing " << (vm.count("format") ? "SUMMARY.json" : "FORMAT")
              << "\n\n"
              << desc << "\n";
    return kExitBadInput;
  }
  const std::string name = vm["format"].as<std::string>();
  const std::optional<ReportFormat> format = ReportFormatFromName(name);
  if (!format) {
    std::cerr << "slotsim report: unknown format \"" << name << "\"; allowed: html, md, junit\n";
    return kExitBadInput;
  }
  const std::string summary_path = vm["summary"].as<std::string>();
  StatusOr<nlohmann::json> summary = ReadSummary(summary_path);
  if (!summary.ok()) {
    std::cerr << "slotsim report: " << summary.status().message() << "\n";
    return kExitBadInput;
  }
  if (Status s = CheckReportable(*summary); !s.ok()) {
    std::cerr << "slotsim report: " << summary_path << ": " << s.message() << "\n";
    return kExitBadInput;
  }
  const std::string out = OutputPath(vm, *format, summary_path);
  if (out == "-") {
    std::cout << RenderReport(*format, *summary);
    return kExitOk;
  }
  if (Status s = WriteReport(*format, *summary, out); !s.ok()) {
    std::cerr << "slotsim report: " << s.message() << "\n";
    return kExitRuntime;
  }
  std::cout << out << "\n";
  return kExitOk;
}

}  // namespace slotsim::cli
