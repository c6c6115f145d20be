// Where `slotsim run` writes: never into another run's directory. The default
// runs/<scenario>-<time>/ gets -2, -3, ... when it exists (one mkdir each, so concurrent runs
// never share one), an explicit --out that holds a summary.json is refused without --force,
// and summary.json records the exact command line.
#include <gtest/gtest.h>

#include <chrono>
#include <ctime>
#include <set>
#include <thread>

#include "cli/cli_util.h"
#include "tests/cli/cli_fixture.h"

namespace slotsim {
namespace {

using testing_cli::CliTest;
using testing_cli::kTinyScenario;

class RunDirTest : public CliTest {};

TEST_F(RunDirTest, CreateUniqueDirSuffixesAnExistingDirectory) {
  const std::string base = dir_ + "/runs/x-20250101-120000";
  EXPECT_EQ(cli::CreateUniqueDir(base).value(), base);
  EXPECT_EQ(cli::CreateUniqueDir(base).value(), base + "-2");
  EXPECT_EQ(cli::CreateUniqueDir(base).value(), base + "-3");
  EXPECT_TRUE(std::filesystem::is_directory(base + "-3"));
}

TEST_F(RunDirTest, ConcurrentCreateUniqueDirNeverHandsOutOneDirectoryTwice) {
  const std::string base = dir_ + "/runs/same-second";
  constexpr int kThreads = 8, kEach = 10;
  std::vector<std::vector<std::string>> got(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) got[t].push_back(cli::CreateUniqueDir(base).value());
    });
  }
  for (std::thread& t : threads) t.join();
  std::set<std::string> all;
  for (const auto& g : got) all.insert(g.begin(), g.end());
  EXPECT_EQ(all.size(), static_cast<size_t>(kThreads * kEach));
  EXPECT_TRUE(all.count(base + "-80"));
}

TEST_F(RunDirTest, ClaimOutputDirRefusesAnEarlierSummaryUnlessForced) {
  const std::string out = dir_ + "/out";
  ASSERT_TRUE(cli::ClaimOutputDir(out, "summary.json", false).ok());
  const Status again = cli::ClaimOutputDir(out, "summary.json", false);
  EXPECT_EQ(again.code(), Code::kInvalidArgument);
  EXPECT_NE(again.message().find("--force"), std::string::npos) << again.message();
  EXPECT_TRUE(cli::ClaimOutputDir(out, "summary.json", true).ok());
}

// "runs/tiny-<UTC time>" of `t`, as the run names its default directory.
std::string RunDirAt(std::chrono::system_clock::time_point t) {
  const std::time_t tt = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%d-%H%M%S", &tm);
  return std::string("runs/tiny-") + buf;
}

TEST_F(RunDirTest, ARunStartedInTheSameSecondAsAnotherGetsItsOwnDirectory) {
  const std::string scenario = WriteFile("tiny.toml", kTinyScenario);
  // An earlier run's directory for every second the run below can start in.
  const auto now = std::chrono::system_clock::now();
  for (int s = -1; s <= 120; ++s) {
    WriteFile(RunDirAt(now + std::chrono::seconds(s)) + "/summary.json", "earlier\n");
  }
  const testing_cli::Invocation inv = Slotsim({"run", scenario, "--no-progress"});
  ASSERT_EQ(inv.exit_code, 0) << inv.output;
  const std::string path = SummaryPathIn(inv.output);
  ASSERT_GE(path.size(), 15u) << inv.output;
  EXPECT_EQ(path.substr(path.size() - 15), "-2/summary.json") << path;
  const std::string earlier = path.substr(0, path.size() - 15) + "/summary.json";
  EXPECT_EQ(ReadFile(dir_ + "/" + earlier), "earlier\n");
  EXPECT_EQ(Summary(path)["scenario"], "tiny");
}

TEST_F(RunDirTest, OutHoldingASummaryIsRefusedUnlessForced) {
  const std::string scenario = WriteFile("tiny.toml", kTinyScenario);
  ASSERT_EQ(Slotsim({"run", scenario, "--out", "mine", "--no-progress"}).exit_code, 0);
  const std::string first = ReadFile(dir_ + "/mine/summary.json");
  ASSERT_FALSE(first.empty());
  const testing_cli::Invocation refused =
      Slotsim({"run", scenario, "--out", "mine", "--seed", "7", "--no-progress"});
  EXPECT_EQ(refused.exit_code, 2) << refused.output;
  EXPECT_NE(refused.output.find("already holds summary.json"), std::string::npos) << refused.output;
  EXPECT_EQ(ReadFile(dir_ + "/mine/summary.json"), first);
  const testing_cli::Invocation forced =
      Slotsim({"run", scenario, "--out", "mine", "--seed", "7", "--force", "--no-progress"});
  EXPECT_EQ(forced.exit_code, 0) << forced.output;
  EXPECT_EQ(Summary("mine/summary.json")["seed"], 7);
}

TEST_F(RunDirTest, ARunThatFailsGivesItsClaimOnOutBack) {
  // A run that stops before writing (an http target nobody listens on) leaves no empty
  // summary.json behind, so the same --out can be used again without --force.
  const std::string scenario = WriteFile("tiny.toml", kTinyScenario);
  const testing_cli::Invocation failed =
      Slotsim({"run", scenario, "--out", "mine", "--target", "http", "--set",
               "target.url=\"http://127.0.0.1:1\"", "--no-progress"});
  EXPECT_NE(failed.exit_code, 0) << failed.output;
  EXPECT_FALSE(std::filesystem::exists(dir_ + "/mine/summary.json")) << failed.output;
}

TEST_F(RunDirTest, SummaryRecordsTheExactCommandLine) {
  const std::string scenario = WriteFile("tiny.toml", kTinyScenario);
  const std::vector<std::string> args = {"run",   scenario, "--out",        "cmd",
                                         "--set", "seed=3", "--no-progress"};
  ASSERT_EQ(Slotsim(args).exit_code, 0);
  std::vector<std::string> expected = {SLOTSIM_BINARY};
  expected.insert(expected.end(), args.begin(), args.end());
  EXPECT_EQ(Summary("cmd/summary.json")["command"], nlohmann::json(expected));
}

}  // namespace
}  // namespace slotsim
