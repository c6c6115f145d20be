// Gate setup check: what differs between how a run and its baseline were made, so that
// `slotsim gate` never compares a seed-7 run with a seed-42 baseline, or runs with different
// engine settings, without a word (docs/ci.md, "Setup differences").
//
// Compared, from the two summary.json documents:
//   scenario, target, seed, profile, time_scale, shard (index/count)   top-level keys
//   every key of scenario_resolved (the resolved scenario TOML, one `key = value` per line
//   under its [section]), as "section.key" — except name, description, seed (compared above),
//   the [thresholds] and [output] sections (they judge and write, they do not change figures)
//   git_commit                                                          informational only
// A difference is `affects_figures` unless it is the commit: the commit is what a gate is for.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace slotsim {

struct SetupDifference {
  std::string what;      // "seed", "engine.profile", "git_commit", ...
  std::string baseline;  // the value as text; "(absent)" when one side lacks it
  std::string run;
  bool affects_figures = true;  // false only for git_commit
};

// Every difference, in a stable order (top-level keys first, then the scenario's keys in the
// run's order, then keys only the baseline has).
std::vector<SetupDifference> SetupDifferences(const nlohmann::json& run,
                                              const nlohmann::json& baseline);

// What `slotsim gate --setup` does about differences that affect figures.
enum class SetupPolicy { kWarn, kRefuse, kIgnore };
// "warn" | "refuse" | "ignore"; InvalidArgument naming the text otherwise.
StatusOr<SetupPolicy> ParseSetupPolicy(std::string_view text);

// "setup differences (N affect the figures):\n  seed  42 -> 7\n..." or "" when none.
std::string SetupDifferencesText(const std::vector<SetupDifference>& differences);

}  // namespace slotsim
