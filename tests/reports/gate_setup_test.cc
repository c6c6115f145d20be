// Setup differences between a run and its baseline, from their summaries.
#include "reports/gate_setup.h"

#include <gtest/gtest.h>

namespace slotsim {
namespace {

using nlohmann::json;

json Summary(uint64_t seed, const std::string& resolved, const std::string& commit = "abc") {
  return {{"scenario", "s"},        {"target", "sim"},      {"seed", seed},
          {"profile", "reference"}, {"git_commit", commit}, {"scenario_resolved", resolved}};
}

constexpr const char* kResolved =
    "name = \"s\"\nseed = 42\n[engine]\nheartbeat = \"5s\"\n[thresholds]\n\"errors.count\" = "
    "\"== 0\"\n[[faults]]\nkind = \"redis_down\"\nat = \"1m\"\n";

TEST(GateSetupTest, IdenticalSetupsHaveNoDifference) {
  EXPECT_TRUE(SetupDifferences(Summary(42, kResolved), Summary(42, kResolved)).empty());
}

TEST(GateSetupTest, NamesEachDifferingKeyAndOnlyTheCommitDoesNotCount) {
  std::string other = kResolved;
  other.replace(other.find("\"5s\""), 4, "\"4s\"");
  other.replace(other.find("\"1m\""), 4, "\"2m\"");
  other.replace(other.find("\"== 0\""), 6, "\"< 5\"");  // thresholds judge, they do not count
  const auto d = SetupDifferences(Summary(7, other, "def"), Summary(42, kResolved, "abc"));
  ASSERT_EQ(d.size(), 4u);
  EXPECT_EQ(d[0].what, "seed");
  EXPECT_EQ(d[0].baseline, "42");
  EXPECT_EQ(d[0].run, "7");
  EXPECT_EQ(d[1].what, "engine.heartbeat");
  EXPECT_EQ(d[2].what, "faults.0.at");
  EXPECT_EQ(d[3].what, "git_commit");
  EXPECT_FALSE(d[3].affects_figures);
  EXPECT_TRUE(d[1].affects_figures);
}

TEST(GateSetupTest, AKeyOnlyOneSideHasIsAbsentOnTheOther) {
  const auto d = SetupDifferences(
      Summary(42, std::string(kResolved) + "[sim]\nredis_servers = 2\n"), Summary(42, kResolved));
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].what, "sim.redis_servers");
  EXPECT_EQ(d[0].baseline, "(absent)");
  EXPECT_EQ(d[0].run, "2");
}

TEST(GateSetupTest, ParsesThePolicy) {
  EXPECT_EQ(*ParseSetupPolicy("refuse"), SetupPolicy::kRefuse);
  EXPECT_FALSE(ParseSetupPolicy("no").ok());
}

}  // namespace
}  // namespace slotsim
