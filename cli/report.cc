// `slotsim report html|md|junit SUMMARY.json`: regenerates one of the reports a run writes,
// from its summary.json alone.
#include <filesystem>
#include <iostream>

#include "cli/cli_util.h"
#include "cli/commands.h"
#include "reports/run_reports.h"
#include "reports/summary.h"

namespace slotsim::cli {
namespace {

constexpr const char* kReportUsage =
    "usage: slotsim report html|md|junit SUMMARY.json [-o OUT]\n"
    "\n"
    "Draws report.html, report.md or junit.xml from a summary.json written by `slotsim run`\n"
    "(docs/reports.md), the same file the run wrote. Writes it next to SUMMARY.json unless -o\n"
    "names the output file (- for stdout), and prints the path written.\n"
    "\n"
    "exit codes: 0 written, 1 cannot write, 2 bad input (usage, unreadable summary, another\n"
    "            schema version)\n"
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

}  // namespace

int RunReport(int argc, char** argv) {
  po::options_description desc(kReportUsage);
  desc.add_options()("help,h", "this text")("format", po::value<std::string>(),
                                            "html | md | junit (positional)")(
      "summary", po::value<std::string>(), "the summary.json to draw from (positional)")(
      "out,o", po::value<std::string>(),
      "output file, - for stdout (default: beside SUMMARY.json)");
  po::positional_options_description pos;
  pos.add("format", 1).add("summary", 1);
  po::variables_map vm;
  if (!ParseOptions("report", argc, argv, desc, pos, vm)) return kExitBadInput;
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
