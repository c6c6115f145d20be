// Writing junit.xml.
#include "reports/junit_report.h"

#include <cstdio>

#include "reports/report_format.h"
#include "reports/summary_fields.h"

namespace slotsim {
namespace {

using nlohmann::json;

std::string Attr(std::string_view name, std::string_view value) {
  return " " + std::string(name) + "=\"" + XmlEscape(value) + "\"";
}

// The measured value as a JSON number and, when it has a unit, for people: "25100 (25.1 ms)".
std::string ValueText(const std::string& metric, const json& t) {
  const std::optional<double> value = NumberAt(t, "value");
  if (!value) return "no data";
  char raw[48];
  std::snprintf(raw, sizeof raw, "%.10g", *value);
  const std::string human = ThresholdValueText(metric, *value);
  return human == raw ? std::string(raw) : std::string(raw) + " (" + human + ")";
}

std::string Testcase(const std::string& classname, const json& t) {
  const std::string metric = TextAt(t, "metric");
  const std::string condition = TextAt(t, "condition");
  std::string out = "  <testcase" + Attr("classname", classname) +
                    Attr("name", metric + " " + condition) + " time=\"0\"";
  const std::string note = TextAt(t, "note", "");
  if (BoolAt(t, "skipped", false)) {
    return out + ">\n    <skipped" + Attr("message", note) + "/>\n  </testcase>\n";
  }
  if (BoolAt(t, "ok", false)) return out + "/>\n";
  const std::string value = ValueText(metric, t);
  const std::string message =
      metric + " = " + value + ", expected " + condition + (note.empty() ? "" : "; " + note);
  const std::string detail = "metric: " + metric + "\ncondition: " + condition +
                             "\nvalue: " + value + (note.empty() ? "" : "\nnote: " + note);
  return out + ">\n    <failure type=\"threshold\"" + Attr("message", message) + ">" +
         XmlEscape(detail) + "</failure>\n  </testcase>\n";
}

std::string Properties(const json& s) {
  std::string out = "  <properties>\n";
  for (const char* key : {"seed", "target", "profile", "git_commit", "duration_s", "replay"}) {
    out += "    <property" + Attr("name", key) + Attr("value", TextAt(s, key, "")) + "/>\n";
  }
  return out + "  </properties>\n";
}

}  // namespace

std::string JunitReport(const json& summary) {
  const std::string scenario = TextAt(summary, "scenario", "slotsim");
  const json& thresholds = ArrayAt(summary, "thresholds");
  size_t failed = 0, skipped = 0;
  std::string cases;
  for (const json& t : thresholds) {
    if (!BoolAt(t, "ok", false)) ++failed;
    if (BoolAt(t, "skipped", false)) ++skipped;
    cases += Testcase("slotsim." + scenario, t);
  }
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuite" + Attr("name", scenario) +
         Attr("tests", std::to_string(thresholds.size())) +
         Attr("failures", std::to_string(failed)) + " errors=\"0\"" +
         Attr("skipped", std::to_string(skipped)) +
         Attr("time", FixedText(NumberOr(ObjectAt(summary, "run"), "wall_s"), 3)) + ">\n" +
         Properties(summary) + cases + "</testsuite>\n";
}

}  // namespace slotsim
