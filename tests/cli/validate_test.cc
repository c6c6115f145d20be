// `slotsim validate` and `slotsim run --dry-run` print the resolved scenario and its timeline
// and run nothing; `--time-scale` shrinks the whole timeline of a real run; the replay line of
// a run repeats it exactly.
#include <gtest/gtest.h>

#include <filesystem>

#include "tests/cli/cli_fixture.h"
#include "tests/support/scenarios.h"

namespace slotsim {
namespace {

using testing::ShippedScenarioPath;
using testing_cli::CliTest;
using testing_cli::Invocation;
using testing_cli::kTinyScenario;

class ValidateTest : public CliTest {};

TEST_F(ValidateTest, PrintsTheResolvedScenarioAndItsTimelineAndRunsNothing) {
  const Invocation inv = Slotsim(
      {"validate", ShippedScenarioPath("redis-outage"), "--set", "faults.0.at=2m", "--seed", "9"});
  ASSERT_EQ(inv.exit_code, 0) << inv.output;
  EXPECT_NE(inv.output.find("name = \"redis-outage\"\n"), std::string::npos) << inv.output;
  EXPECT_NE(inv.output.find("seed = 9\n"), std::string::npos) << inv.output;
  EXPECT_NE(inv.output.find("at = \"2m\"\n"), std::string::npos) << inv.output;
  for (const char* line : {"  run       0s – 10m            open model (arrivals per second)\n",
                           "  load      0s – 2m             ramp 0 → 50 arrivals/s\n",
                           "  load      2m – 8m             hold 50 arrivals/s\n",
                           "  load      8m – 10m            ramp 50 → 0 arrivals/s\n",
                           "  fault     2m – 3m             redis_down (restart empty)\n"}) {
    EXPECT_NE(inv.output.find(line), std::string::npos) << line << "\n" << inv.output;
  }
  EXPECT_FALSE(std::filesystem::exists(dir_ + "/runs"));
  // The resolved part is itself a scenario file that validates.
  const std::string toml = inv.output.substr(0, inv.output.find("timeline:"));
  const Invocation again = Slotsim({"validate", WriteFile("resolved.toml", toml)});
  EXPECT_EQ(again.exit_code, 0) << again.output;
  EXPECT_EQ(again.output.substr(again.output.find('\n')), inv.output.substr(inv.output.find('\n')));
}

TEST_F(ValidateTest, DryRunPrintsTheSameAsValidate) {
  const std::vector<std::string> rest = {ShippedScenarioPath("redis-flap"), "--set", "duration=5m"};
  std::vector<std::string> validate = {"validate"}, dry = {"run"};
  validate.insert(validate.end(), rest.begin(), rest.end());
  dry.insert(dry.end(), rest.begin(), rest.end());
  dry.push_back("--dry-run");
  const Invocation v = Slotsim(validate), d = Slotsim(dry);
  ASSERT_EQ(v.exit_code, 0) << v.output;
  EXPECT_EQ(d.exit_code, 0) << d.output;
  EXPECT_EQ(d.output, v.output);
  EXPECT_FALSE(std::filesystem::exists(dir_ + "/runs"));
}

TEST_F(ValidateTest, ABadScenarioExitsTwoWithItsFileAndLine) {
  const std::string bad = WriteFile("bad.toml", "name = \"bad\"\nduration = \"soon\"\n");
  const Invocation inv = Slotsim({"validate", bad});
  EXPECT_EQ(inv.exit_code, 2) << inv.output;
  EXPECT_NE(inv.output.find("bad.toml:2:"), std::string::npos) << inv.output;
  EXPECT_EQ(Slotsim({"run", bad, "--dry-run"}).exit_code, 2);
  EXPECT_EQ(Slotsim({"validate", "."}).exit_code, 2);
}

TEST_F(ValidateTest, TimeScaleShrinksDurationStagesAndFaults) {
  const Invocation v =
      Slotsim({"validate", ShippedScenarioPath("redis-outage"), "--time-scale", "0.1"});
  ASSERT_EQ(v.exit_code, 0) << v.output;
  for (const char* line : {"  run       0s – 1m", "  load      0s – 12s", "  load      12s – 48s",
                           "  fault     18s – 24s"}) {
    EXPECT_NE(v.output.find(line), std::string::npos) << line << "\n" << v.output;
  }
  const Invocation run = Slotsim({"run", ShippedScenarioPath("redis-outage"), "--time-scale", "0.1",
                                  "--out", "scaled", "--no-progress"});
  ASSERT_TRUE(run.exit_code == 0 || run.exit_code == 99) << run.output;
  const nlohmann::json s = Summary("scaled/summary.json");
  EXPECT_EQ(s["duration_s"], 60.0);
  EXPECT_EQ(s["time_scale"], 0.1);
  ASSERT_EQ(s["failover"]["outages"].size(), 1u);
  EXPECT_EQ(s["failover"]["outages"][0]["start_s"], 18.0);
  EXPECT_EQ(s["failover"]["outages"][0]["end_s"], 24.0);
  EXPECT_NE(s["replay"].get<std::string>().find(" --time-scale 0.1"), std::string::npos);
  EXPECT_NE(s["scenario_resolved"].get<std::string>().find("duration = \"1m\""), std::string::npos);
}

TEST_F(ValidateTest, TimeScaleOutsideZeroToOneIsRefused) {
  for (const char* f : {"0", "-0.5", "1.5", "nan"}) {
    const Invocation inv = Slotsim({"run", ShippedScenarioPath("steady"), "--time-scale", f});
    EXPECT_EQ(inv.exit_code, 2) << f << "\n" << inv.output;
    EXPECT_NE(inv.output.find("allowed: a factor above 0, at most 1"), std::string::npos)
        << inv.output;
  }
  EXPECT_FALSE(std::filesystem::exists(dir_ + "/runs"));
}

TEST_F(ValidateTest, TheReplayLineRepeatsTheRunExactly) {
  const std::string scenario = WriteFile("tiny.toml", kTinyScenario);
  const Invocation first = Slotsim(
      {"run", scenario, "--seed", "5", "--set", "load.stages=[{for=\"20s\",to=8}]", "--set",
       "duration=20s", "--time-scale", "0.5", "--shard", "1/2", "--out", "a", "--no-progress"});
  ASSERT_EQ(first.exit_code, 0) << first.output;
  nlohmann::json a = Summary("a/summary.json");
  const std::string replay = a["replay"];
  ASSERT_EQ(replay.rfind("slotsim run ", 0), 0u) << replay;
  for (const char* part :
       {" --seed 5", " --target sim", " --time-scale 0.5", " --shard 1/2", " --set duration=20s"}) {
    EXPECT_NE(replay.find(part), std::string::npos) << part << " in " << replay;
  }
  // Run the replay line as a shell would, into another directory.
  const std::string command = "cd '" + dir_ + "' && '" + std::string(SLOTSIM_BINARY) + "'" +
                              replay.substr(7) + " --out b --no-progress >/dev/null 2>&1";
  ASSERT_EQ(std::system(command.c_str()), 0) << command;
  nlohmann::json b = Summary("b/summary.json");
  for (nlohmann::json* s : {&a, &b}) {
    for (const char* key : {"run", "git_commit", "command"}) s->erase(key);
    s->at("histograms").erase("run.scheduler_lateness_us");
  }
  EXPECT_EQ(a.dump(), b.dump());
}

}  // namespace
}  // namespace slotsim
