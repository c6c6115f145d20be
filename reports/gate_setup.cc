// What differs between how a run and its baseline were made.
#include "reports/gate_setup.h"

#include <sstream>
#include <utility>

namespace slotsim {
namespace {

using nlohmann::json;

std::string TextOf(const json& s, const char* key) {
  auto it = s.find(key);
  if (it == s.end() || it->is_null()) return "(absent)";
  return it->is_string() ? it->get<std::string>() : it->dump();
}

// The resolved scenario as ordered ("section.key", "value") pairs, leaving out what does not
// change a run's figures.
std::vector<std::pair<std::string, std::string>> ScenarioKeys(const json& s) {
  std::vector<std::pair<std::string, std::string>> keys;
  auto it = s.find("scenario_resolved");
  if (it == s.end() || !it->is_string()) return keys;
  std::istringstream in(it->get<std::string>());
  std::string section;
  int faults = -1;
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#') continue;
    if (line == "[[faults]]") {
      section = "faults." + std::to_string(++faults);
      continue;
    }
    if (line.front() == '[') {
      section = line.substr(1, line.find(']') - 1);
      continue;
    }
    const size_t eq = line.find(" = ");
    if (eq == std::string::npos) continue;
    const std::string key = line.substr(0, eq);
    if (section == "thresholds" || section == "output") continue;
    if (section.empty() && (key == "name" || key == "description" || key == "seed")) continue;
    keys.emplace_back(section.empty() ? key : section + "." + key, line.substr(eq + 3));
  }
  return keys;
}

const std::string* Find(const std::vector<std::pair<std::string, std::string>>& keys,
                        const std::string& key) {
  for (const auto& [k, v] : keys) {
    if (k == key) return &v;
  }
  return nullptr;
}

}  // namespace

std::vector<SetupDifference> SetupDifferences(const json& run, const json& baseline) {
  std::vector<SetupDifference> out;
  for (const char* key : {"scenario", "target", "seed", "profile", "time_scale", "shard"}) {
    const std::string b = TextOf(baseline, key), r = TextOf(run, key);
    if (b != r) out.push_back({key, b, r, true});
  }
  const auto run_keys = ScenarioKeys(run), base_keys = ScenarioKeys(baseline);
  for (const auto& [key, value] : run_keys) {
    const std::string* b = Find(base_keys, key);
    if (b == nullptr || *b != value) out.push_back({key, b ? *b : "(absent)", value, true});
  }
  for (const auto& [key, value] : base_keys) {
    if (Find(run_keys, key) == nullptr) out.push_back({key, value, "(absent)", true});
  }
  const std::string b = TextOf(baseline, "git_commit"), r = TextOf(run, "git_commit");
  if (b != r) out.push_back({"git_commit", b, r, false});
  return out;
}

StatusOr<SetupPolicy> ParseSetupPolicy(std::string_view text) {
  if (text == "warn") return SetupPolicy::kWarn;
  if (text == "refuse") return SetupPolicy::kRefuse;
  if (text == "ignore") return SetupPolicy::kIgnore;
  return Status::InvalidArgument("--setup \"" + std::string(text) +
                                 "\": allowed: warn, refuse, ignore");
}

std::string SetupDifferencesText(const std::vector<SetupDifference>& differences) {
  if (differences.empty()) return "";
  size_t affecting = 0;
  for (const SetupDifference& d : differences) affecting += d.affects_figures ? 1 : 0;
  std::string text = "setup differences (" + std::to_string(affecting) + " affect the figures):\n";
  for (const SetupDifference& d : differences) {
    text += "  " + d.what + "  " + d.baseline + " -> " + d.run +
            (d.affects_figures ? "" : "  (what the gate compares)") + "\n";
  }
  return text;
}

}  // namespace slotsim
