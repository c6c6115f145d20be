// Every command checks every argument before it does anything: a path that is not a regular
// file, counts that must be positive, ranges — exit 2, a message saying what is allowed, and
// nothing created. Numbers in messages are printed plainly, with their unit.
#include <gtest/gtest.h>

#include <filesystem>

#include "tests/cli/cli_fixture.h"

namespace slotsim {
namespace {

using testing_cli::CliTest;
using testing_cli::Invocation;
using testing_cli::kTinyScenario;

class ArgumentsTest : public CliTest {
 protected:
  // Runs ARGS, expects exit 2 with `message` in the output and no runs/ directory made.
  void ExpectBadInput(const std::vector<std::string>& args, const std::string& message) {
    std::string joined;
    for (const std::string& a : args) joined += a + " ";
    const Invocation inv = Slotsim(args);
    EXPECT_EQ(inv.exit_code, 2) << joined << "\n" << inv.output;
    EXPECT_NE(inv.output.find(message), std::string::npos) << joined << "\n" << inv.output;
    EXPECT_FALSE(std::filesystem::exists(dir_ + "/runs")) << joined;
  }
};

TEST_F(ArgumentsTest, ADirectoryIsNotAScenario) {
  std::filesystem::create_directories(dir_ + "/scenarios");
  ExpectBadInput({"run", "."}, "not a regular file");
  ExpectBadInput({"run", "scenarios"}, "not a regular file");
  ExpectBadInput({"run", dir_}, "not a regular file");
  ExpectBadInput({"swarm", ".", "--seeds", "2"}, "not a regular file");
  ExpectBadInput({"capacity", ".", "--slo", "errors.rate<1%"}, "not a regular file");
  ExpectBadInput({"report", "html", "."}, "not a regular file");
}

TEST_F(ArgumentsTest, SwarmNeedsAtLeastOneSeed) {
  const std::string scenario = WriteFile("tiny.toml", kTinyScenario);
  ExpectBadInput({"swarm", scenario, "--seeds", "0"}, "--seeds 0: allowed: a whole number from 1");
  // A uint64_t option would have wrapped this to 2^64 - 3 seeds and never ended.
  ExpectBadInput({"swarm", scenario, "--seeds", "-3"},
                 "--seeds -3: allowed: a whole number from 1");
  ExpectBadInput({"swarm", scenario, "--seeds", "2", "--first-seed", "-1"}, "--first-seed -1");
  ExpectBadInput({"swarm", scenario, "--seeds", "3", "--first-seed", "9223372036854775806"},
                 "the last seed would pass");
}

TEST_F(ArgumentsTest, RunChecksSeedAndShardBeforeCreatingAnything) {
  const std::string scenario = WriteFile("tiny.toml", kTinyScenario);
  ExpectBadInput({"run", scenario, "--seed", "-1"}, "--seed -1: allowed: a whole number from 0");
  ExpectBadInput({"run", scenario, "--shard", "4/4"}, "--shard 4/4: allowed: I/N");
  ExpectBadInput({"run", scenario, "--shard", "0/0"}, "--shard 0/0: allowed: I/N");
  ExpectBadInput({"run", scenario, "--target", "cloud"}, "cloud");
  ExpectBadInput({"capacity", scenario, "--seed", "-2", "--slo", "errors.rate<1%"}, "--seed -2");
}

TEST_F(ArgumentsTest, ProxyChecksItsNumbers) {
  ExpectBadInput({"proxy", "--buffer-bytes", "-5"}, "--buffer-bytes -5: allowed");
  ExpectBadInput({"proxy", "--max-connections", "0"}, "--max-connections 0: allowed");
  ExpectBadInput({"proxy", "--seed", "-1"}, "--seed -1: allowed");
  ExpectBadInput({"proxy", "--connect-timeout", "0"}, "--connect-timeout 0: allowed");
  ExpectBadInput({"proxy", "--listen", "127.0.0.1:70000"}, "0..65535");
}

TEST_F(ArgumentsTest, SetWithoutAKeySaysTheKeyIsMissing) {
  const std::string scenario = WriteFile("tiny.toml", kTinyScenario);
  ExpectBadInput({"run", scenario, "--set", "=5"}, "--set =5: missing the key before \"=\"");
  ExpectBadInput({"run", scenario, "--set", "duration"}, "--set duration: missing \"=\"");
}

TEST_F(ArgumentsTest, SwarmPrintsAFailedValuePlainlyInItsUnit) {
  const std::string scenario =
      WriteFile("fails.toml",
                std::string(kTinyScenario) +
                    "[thresholds]\n\"latency.poll.p99\" = \"< 1us\"\n\"errors.count\" = \"> 5\"\n");
  const Invocation inv = Slotsim({"swarm", scenario, "--seeds", "1"});
  EXPECT_EQ(inv.exit_code, 99) << inv.output;
  EXPECT_NE(inv.output.find("errors.count > 5 (got 0)"), std::string::npos) << inv.output;
  EXPECT_NE(inv.output.find(" ms)"), std::string::npos) << inv.output;
  EXPECT_EQ(inv.output.find(".000000"), std::string::npos) << inv.output;
}

TEST_F(ArgumentsTest, AnEarlyAbortSaysTheValueWithItsUnit) {
  const std::string scenario =
      WriteFile("abort.toml", std::string(kTinyScenario) +
                                  "[thresholds]\n\"latency.poll.p99\" = { condition = \"< 1us\", "
                                  "abort_on_fail = true, grace = \"2s\" }\n");
  const Invocation inv = Slotsim({"run", scenario, "--out", "abort", "--no-progress"});
  EXPECT_EQ(inv.exit_code, 99) << inv.output;
  const size_t at =
      inv.output.find("stopped early: threshold \"latency.poll.p99\" < 1us failed at ");
  ASSERT_NE(at, std::string::npos) << inv.output;
  const std::string line = inv.output.substr(at, inv.output.find('\n', at) - at);
  EXPECT_EQ(line.substr(line.size() - 3), " ms") << line;
}

}  // namespace
}  // namespace slotsim
