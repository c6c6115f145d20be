// What decided: `slotsim run` prints its header once and ends with a verdict line, `slotsim
// check` names the figures that decided its exit code, and `slotsim gate` lists how the run and
// its baseline were made differently, warning, refusing or ignoring as --setup says.
#include <string>

#include "cli_fixture.h"

namespace slotsim::testing_cli {
namespace {

std::string ShippedScenarioPath(const std::string& name) {
  return std::string(SLOTSIM_SOURCE_DIR) + "/scenarios/" + name + ".toml";
}

size_t Occurrences(const std::string& text, const std::string& part) {
  size_t n = 0;
  for (size_t at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) ++n;
  return n;
}

std::string LastLine(const std::string& text) {
  const size_t end = text.find_last_not_of('\n');
  const size_t start = text.rfind('\n', end);
  return text.substr(start == std::string::npos ? 0 : start + 1, end - start);
}

class VerdictTest : public CliTest {
 protected:
  // The shipped redis-outage scenario in a fifth of its time (lost holds and in-failover hold
  // conflicts by design, every threshold passing), with its history.
  Invocation OutageRun(const std::string& out, std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"run",          ShippedScenarioPath("redis-outage"),
                                     "--out",        out,
                                     "--time-scale", "0.2",
                                     "--history",    "--no-progress"};
    args.insert(args.end(), extra.begin(), extra.end());
    return Slotsim(args);
  }
};

TEST_F(VerdictTest, RunPrintsItsHeaderOnceAndEndsWithTheVerdict) {
  const Invocation inv = OutageRun("outage");
  ASSERT_EQ(inv.exit_code, 0) << inv.output;
  EXPECT_EQ(Occurrences(inv.output, "profile reference"), 1u) << inv.output;
  EXPECT_EQ(LastLine(inv.output), "PASS  10 of 10 thresholds passed") << inv.output;

  const Invocation failing = OutageRun("failing", {"--set", "engine.profile=legacy"});
  ASSERT_EQ(failing.exit_code, 99) << failing.output;
  const std::string verdict = LastLine(failing.output);
  EXPECT_EQ(verdict.rfind("FAIL  ", 0), 0u) << verdict;
  EXPECT_NE(verdict.find("thresholds failed: "), std::string::npos) << verdict;
}

TEST_F(VerdictTest, CheckNamesWhatDecidedAndPassesOnAnOutagesExpectedHoldLosses) {
  ASSERT_EQ(OutageRun("outage").exit_code, 0);
  const std::string history = dir_ + "/outage/history.jsonl";
  const Invocation pass = Slotsim({"check", history});
  EXPECT_EQ(pass.exit_code, 0) << pass.output;
  const std::string pass_line = LastLine(pass.output);
  EXPECT_EQ(pass_line.rfind("PASS  no anomaly among --fail-on; also seen (not failing): ", 0), 0u)
      << pass_line;
  EXPECT_NE(pass_line.find("lost_holds "), std::string::npos) << pass_line;

  const Invocation all = Slotsim({"check", history, "--fail-on", "all"});
  EXPECT_EQ(all.exit_code, 99) << all.output;
  EXPECT_EQ(LastLine(all.output).rfind("FAIL  decided by ", 0), 0u) << all.output;
  EXPECT_NE(LastLine(all.output).find("lost_holds "), std::string::npos) << all.output;

  const Invocation holds = Slotsim({"check", history, "--fail-on", "lost_holds"});
  EXPECT_EQ(holds.exit_code, 99);
  EXPECT_EQ(LastLine(holds.output).find("hold_conflicts"),
            LastLine(holds.output).rfind("hold_conflicts"))
      << "hold conflicts are only 'also seen': " << holds.output;

  const Invocation bad = Slotsim({"check", history, "--fail-on", "lost"});
  EXPECT_EQ(bad.exit_code, 2) << bad.output;
  EXPECT_NE(bad.output.find("unknown figure \"lost\"; allowed: all, double_bookings"),
            std::string::npos)
      << bad.output;
}

TEST_F(VerdictTest, GateListsSetupDifferencesAndRefusesThemWhenAsked) {
  ASSERT_EQ(OutageRun("base").exit_code, 0);
  ASSERT_EQ(OutageRun("other", {"--seed", "7", "--set", "engine.heartbeat=4s"}).exit_code, 0);
  const std::string run = dir_ + "/other/summary.json", base = dir_ + "/base/summary.json";

  const Invocation warn = Slotsim({"gate", run, "--baseline", base});
  EXPECT_NE(warn.output.find("setup differences (2 affect the figures):\n  seed  42 -> 7\n"
                             "  engine.heartbeat  \"5s\" -> \"4s\"\n"),
            std::string::npos)
      << warn.output;
  EXPECT_NE(warn.output.find("warning: the runs were made differently"), std::string::npos);
  EXPECT_NE(warn.output.find("metric "), std::string::npos) << "the table still follows";

  const Invocation refuse = Slotsim({"gate", run, "--baseline", base, "--setup", "refuse"});
  EXPECT_EQ(refuse.exit_code, 2) << refuse.output;
  EXPECT_EQ(refuse.output.find("metric "), std::string::npos) << "no comparison after refusing";

  const Invocation same = Slotsim({"gate", base, "--baseline", base, "--setup", "refuse"});
  EXPECT_EQ(same.exit_code, 0) << same.output;
  EXPECT_EQ(same.output.find("setup differences"), std::string::npos) << same.output;

  const Invocation ignore = Slotsim({"gate", run, "--baseline", base, "--setup", "ignore"});
  EXPECT_EQ(ignore.output.find("setup differences"), std::string::npos) << ignore.output;
  EXPECT_EQ(Slotsim({"gate", run, "--baseline", base, "--setup", "maybe"}).exit_code, 2);
}

}  // namespace
}  // namespace slotsim::testing_cli
