// junit.xml: the thresholds as JUnit test results, for CI systems that show test reports
// (GitHub Actions test reporters, GitLab's artifacts:reports:junit, Jenkins). Layout:
//   <testsuite name="<scenario>" tests="<thresholds>" failures="<failed>" errors="0"
//              skipped="0" time="<run.wall_s>">
//     <properties> seed, target, profile, git_commit, duration_s, replay </properties>
//     <testcase classname="slotsim.<scenario>" name="<metric> <condition>" time="0">
//       <failure type="threshold" message="<metric> = <value> (<unit text>), expected
//         <condition>[; <note>]">metric, condition, value, note on their own lines</failure>
//     </testcase>  ... one per threshold, in the scenario's order
//   </testsuite>
// A threshold without data fails with value "no data". Every text is XML-escaped.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace slotsim {

// The whole document, UTF-8, '\n'-terminated. Tolerates missing or mistyped keys; never throws.
std::string JunitReport(const nlohmann::json& summary);

}  // namespace slotsim
