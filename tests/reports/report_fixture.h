// Shared by the report tests: a real summary.json from a short sim run, and a structural
// checker for XML and HTML (every element closed in order, attributes quoted, '&' only as an
// entity) — enough to catch a report that a browser or a CI's JUnit parser would misread.
#pragma once

#include <gtest/gtest.h>

#include <cctype>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "common/clock.h"
#include "reports/summary.h"
#include "simulator/run/run.h"
#include "tests/support/scenarios.h"

namespace slotsim::testing_reports {

using testing::ShippedScenarioPath;

// redis-outage shrunk to one simulated minute: a 15 s Redis outage from 20 s, 20 arrivals/s.
inline std::vector<std::string> ShortOutage() {
  return {"duration=1m", "load.stages=[{for=\"10s\",to=20},{for=\"50s\",to=20}]", "faults.0.at=20s",
          "faults.0.for=15s"};
}

// summary.json of one sim run of a shipped scenario with overrides; null (and a test failure)
// when the scenario does not load or the run fails.
inline nlohmann::json RunSimSummary(const std::string& name,
                                    const std::vector<std::string>& overrides) {
  StatusOr<Scenario> scenario = LoadScenario(ShippedScenarioPath(name), overrides);
  EXPECT_TRUE(scenario.ok()) << scenario.status().ToString();
  if (!scenario.ok()) return nullptr;
  SystemClock wall;
  RunOptions options;
  options.wall_clock = &wall;
  StatusOr<RunResult> result = RunScenario(*scenario, options);
  EXPECT_TRUE(result.ok()) << result.status().ToString();
  if (!result.ok()) return nullptr;
  return SummaryJson(*result, SummaryOptions{ShippedScenarioPath(name), overrides});
}

inline size_t CountOf(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) {
    ++n;
  }
  return n;
}

// Checks the element structure of XML, or of HTML when `html` (void elements such as <meta>
// need no end tag; <style> and <script> hold raw text). Returns "" when well-formed, else what
// is wrong and where.
class MarkupChecker {
 public:
  static std::string Check(const std::string& text, bool html) {
    return MarkupChecker(text, html).Run();
  }

 private:
  MarkupChecker(const std::string& text, bool html) : t_(text), html_(html) {}

  std::string Run() {
    while (i_ < t_.size()) {
      std::string error = t_[i_] == '<' ? Markup() : Text();
      if (!error.empty()) return error + " at offset " + std::to_string(i_);
    }
    if (!open_.empty()) return "<" + open_.back() + "> never closed";
    return roots_ == 1 ? "" : std::to_string(roots_) + " root elements";
  }

  std::string Text() {
    if (t_[i_] == '&') return Entity();
    if (t_[i_] == '>') return "bare '>' in text";
    ++i_;
    return "";
  }

  std::string Entity() {
    const size_t semi = t_.find(';', i_);
    if (semi == std::string::npos || semi - i_ > 10) return "bare '&'";
    const std::string name = t_.substr(i_ + 1, semi - i_ - 1);
    static const std::set<std::string> kNamed = {"amp", "lt", "gt", "quot", "apos"};
    const bool numeric = name.size() > 1 && name[0] == '#' &&
                         name.find_first_not_of("0123456789", 1) == std::string::npos;
    if (!numeric && !kNamed.count(name)) return "unknown entity &" + name + ";";
    i_ = semi + 1;
    return "";
  }

  std::string Skip(const std::string& end) {
    const size_t at = t_.find(end, i_);
    if (at == std::string::npos) return "unterminated markup";
    i_ = at + end.size();
    return "";
  }

  std::string Markup() {
    if (t_.compare(i_, 4, "<!--") == 0) return Skip("-->");
    if (t_.compare(i_, 2, "<?") == 0) return Skip("?>");
    if (t_.compare(i_, 2, "<!") == 0) return Skip(">");
    if (t_.compare(i_, 2, "</") == 0) return EndTag();
    return StartTag();
  }

  std::string Name() {
    const size_t start = i_;
    while (i_ < t_.size() && (std::isalnum(static_cast<unsigned char>(t_[i_])) || t_[i_] == '-' ||
                              t_[i_] == ':' || t_[i_] == '_')) {
      ++i_;
    }
    return t_.substr(start, i_ - start);
  }

  void Spaces() {
    while (i_ < t_.size() && std::isspace(static_cast<unsigned char>(t_[i_]))) ++i_;
  }

  std::string EndTag() {
    i_ += 2;
    const std::string name = Name();
    Spaces();
    if (i_ >= t_.size() || t_[i_] != '>') return "bad end tag </" + name;
    ++i_;
    if (open_.empty() || open_.back() != name) {
      return "</" + name + "> closes <" + (open_.empty() ? "nothing" : open_.back()) + ">";
    }
    open_.pop_back();
    return "";
  }

  std::string Attribute() {
    const std::string name = Name();
    if (name.empty()) return "bad attribute";
    Spaces();
    if (i_ >= t_.size() || t_[i_] != '=') return html_ ? "" : "attribute " + name + " has no value";
    ++i_;
    Spaces();
    if (i_ >= t_.size() || (t_[i_] != '"' && t_[i_] != '\'')) return "unquoted " + name;
    const char quote = t_[i_++];
    while (i_ < t_.size() && t_[i_] != quote) {
      if (t_[i_] == '<') return "'<' in attribute " + name;
      if (t_[i_] == '&') {
        if (std::string e = Entity(); !e.empty()) return e + " in attribute " + name;
        continue;
      }
      ++i_;
    }
    if (i_ >= t_.size()) return "unterminated attribute " + name;
    ++i_;
    return "";
  }

  std::string StartTag() {
    ++i_;
    const std::string name = Name();
    if (name.empty()) return "bare '<'";
    while (true) {
      Spaces();
      if (i_ >= t_.size()) return "unterminated <" + name;
      if (t_.compare(i_, 2, "/>") == 0) {
        i_ += 2;
        return Opened(name, true);
      }
      if (t_[i_] == '>') {
        ++i_;
        return Opened(name, false);
      }
      if (std::string e = Attribute(); !e.empty()) return e;
    }
  }

  std::string Opened(const std::string& name, bool closed) {
    if (open_.empty()) ++roots_;
    static const std::set<std::string> kVoid = {"meta", "br", "hr", "img", "link", "input"};
    if (closed || (html_ && kVoid.count(name))) return "";
    if (html_ && (name == "style" || name == "script")) return Skip("</" + name + ">");
    open_.push_back(name);
    return "";
  }

  const std::string& t_;
  bool html_;
  size_t i_ = 0;
  int roots_ = 0;
  std::vector<std::string> open_;
};

}  // namespace slotsim::testing_reports
