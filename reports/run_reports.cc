// Choosing, checking and writing the human reports.
#include "reports/run_reports.h"

#include <cerrno>
#include <cstring>
#include <fstream>

#include "reports/html_report.h"
#include "reports/junit_report.h"
#include "reports/markdown_report.h"
#include "reports/summary.h"

namespace slotsim {
namespace {

using nlohmann::json;

Status Bad(const std::string& what) { return Status::InvalidArgument("summary: " + what); }

// Every element of `list` is an object; names the first that is not.
Status ArrayOfObjects(const json& list, const std::string& key) {
  if (!list.is_array()) return Bad("\"" + key + "\" is not an array");
  for (size_t i = 0; i < list.size(); ++i) {
    if (!list[i].is_object()) {
      return Bad("\"" + key + "\"[" + std::to_string(i) + "] is not an object");
    }
  }
  return Status::Ok();
}

Status CheckOps(const json& ops) {
  if (!ops.is_object()) return Bad("\"ops\" is not an object");
  for (const auto& [name, entry] : ops.items()) {
    if (!entry.is_object()) return Bad("\"ops\".\"" + name + "\" is not an object");
  }
  return Status::Ok();
}

Status CheckThresholds(const json& list) {
  SLOTSIM_RETURN_IF_ERROR(ArrayOfObjects(list, "thresholds"));
  for (size_t i = 0; i < list.size(); ++i) {
    const json& t = list[i];
    const bool ok =
        t.contains("metric") && t["metric"].is_string() && t.contains("ok") && t["ok"].is_boolean();
    if (!ok) {
      return Bad("\"thresholds\"[" + std::to_string(i) +
                 "] needs a string \"metric\" and a boolean \"ok\"");
    }
  }
  return Status::Ok();
}

Status CheckFailover(const json& f) {
  if (!f.is_object()) return Bad("\"failover\" is not an object");
  for (const char* key : {"outages", "switches"}) {
    if (f.contains(key))
      SLOTSIM_RETURN_IF_ERROR(ArrayOfObjects(f[key], std::string("failover.") + key));
  }
  return Status::Ok();
}

Status WriteText(const std::string& text, const std::string& path) {
  std::ofstream file(path, std::ios::out | std::ios::trunc | std::ios::binary);
  if (!file) return Status::Unavailable("cannot write " + path + ": " + std::strerror(errno));
  file << text;
  file.close();
  if (!file) return Status::Unavailable("cannot write " + path + ": " + std::strerror(errno));
  return Status::Ok();
}

}  // namespace

std::optional<ReportFormat> ReportFormatFromName(std::string_view name) {
  if (name == "html") return ReportFormat::kHtml;
  if (name == "md") return ReportFormat::kMarkdown;
  if (name == "junit") return ReportFormat::kJunit;
  return std::nullopt;
}

std::string_view ReportFileName(ReportFormat format) {
  switch (format) {
    case ReportFormat::kHtml:
      return "report.html";
    case ReportFormat::kMarkdown:
      return "report.md";
    case ReportFormat::kJunit:
      return "junit.xml";
  }
  return "report";
}

Status CheckReportable(const json& summary) {
  if (!summary.is_object()) return Bad("not a JSON object");
  auto schema = summary.find("schema");
  if (schema == summary.end() || !schema->is_string() || *schema != kSummarySchema) {
    return Bad("\"schema\" is not \"" + std::string(kSummarySchema) + "\"");
  }
  auto scenario = summary.find("scenario");
  if (scenario == summary.end() || !scenario->is_string()) return Bad("no string \"scenario\"");
  if (summary.contains("ops")) SLOTSIM_RETURN_IF_ERROR(CheckOps(summary["ops"]));
  if (summary.contains("thresholds")) {
    SLOTSIM_RETURN_IF_ERROR(CheckThresholds(summary["thresholds"]));
  }
  if (summary.contains("failover")) SLOTSIM_RETURN_IF_ERROR(CheckFailover(summary["failover"]));
  for (const char* key : {"timeseries", "histograms"}) {
    if (summary.contains(key) && !summary[key].is_object()) {
      return Bad("\"" + std::string(key) + "\" is not an object");
    }
  }
  return Status::Ok();
}

std::string RenderReport(ReportFormat format, const json& summary) {
  switch (format) {
    case ReportFormat::kHtml:
      return HtmlReport(summary);
    case ReportFormat::kMarkdown:
      return MarkdownReport(summary);
    case ReportFormat::kJunit:
      return JunitReport(summary);
  }
  return "";
}

Status WriteReport(ReportFormat format, const json& summary, const std::string& path) {
  SLOTSIM_RETURN_IF_ERROR(CheckReportable(summary));
  std::string text;
  try {
    text = RenderReport(format, summary);
  } catch (const std::exception& e) {  // the renderers do not throw; this is the module's edge
    return Status::Internal("rendering " + path + ": " + e.what());
  }
  return WriteText(text, path);
}

Status WriteRunReports(const json& summary, const std::string& dir) {
  for (ReportFormat format : {ReportFormat::kHtml, ReportFormat::kMarkdown, ReportFormat::kJunit}) {
    SLOTSIM_RETURN_IF_ERROR(
        WriteReport(format, summary, dir + "/" + std::string(ReportFileName(format))));
  }
  return Status::Ok();
}

}  // namespace slotsim
