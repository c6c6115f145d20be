// Merging shards' summaries: percentiles of the merge are those of the histograms merged
// directly, counters add up, one summary merges into itself, and mismatched shards are refused.
// The shards are two short sim runs of one scenario under different seeds.
#include "reports/merge.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>

#include "common/histogram.h"
#include "reports/summary.h"
#include "simulator/observe/history_io.h"
#include "simulator/observe/recorder.h"
#include "simulator/run/run.h"
#include "tests/reports/report_fixture.h"

namespace slotsim {
namespace {

using nlohmann::json;
using testing_reports::RunSimSummary;
using testing_reports::ShortOutage;

std::vector<std::string> WithSeed(uint64_t seed) {
  std::vector<std::string> overrides = ShortOutage();
  overrides.push_back("seed=" + std::to_string(seed));
  return overrides;
}

// Every corrected histogram of `summary` whose key starts with `prefix`, merged into `into`.
void MergeInto(Histogram& into, const json& summary, const std::string& prefix) {
  for (const auto& item : summary["histograms"].items()) {
    const std::string& key = item.key();
    if (key.rfind(prefix, 0) != 0 || key.size() < 10 ||
        key.compare(key.size() - 10, 10, ".corrected") != 0) {
      continue;
    }
    StatusOr<Histogram> h = Histogram::Deserialize(item.value().get<std::string>());
    ASSERT_TRUE(h.ok()) << key;
    ASSERT_TRUE(into.Merge(*h).ok()) << key;
  }
}

int64_t Int(const json& j) { return j.get<int64_t>(); }

int RunSlotsim(const std::vector<std::string>& args, std::string& output) {
  std::string command = std::string("'") + SLOTSIM_BINARY + "'";
  for (const std::string& a : args) command += " '" + a + "'";
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return -1;
  char buf[4096];
  for (size_t n; (n = fread(buf, 1, sizeof buf, pipe)) > 0;) output.append(buf, n);
  const int status = pclose(pipe);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

class MergeTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    a_ = new json(RunSimSummary("redis-outage", WithSeed(1)));
    b_ = new json(RunSimSummary("redis-outage", WithSeed(2)));
  }
  static void TearDownTestSuite() {
    delete a_;
    delete b_;
    a_ = b_ = nullptr;
  }

  void SetUp() override {
    ASSERT_TRUE(a_->is_object());
    ASSERT_TRUE(b_->is_object());
    ASSERT_NE(*a_, *b_) << "different seeds should give different runs";
    StatusOr<json> merged = MergeSummaries({*a_, *b_});
    ASSERT_TRUE(merged.ok()) << merged.status().ToString();
    merged_ = *merged;
  }

  std::string TempDir() {
    char pattern[] = "/tmp/slotsim-merge-test-XXXXXX";
    EXPECT_NE(mkdtemp(pattern), nullptr);
    dirs_.emplace_back(pattern);
    return pattern;
  }
  void TearDown() override {
    for (const std::string& d : dirs_) std::filesystem::remove_all(d);
  }

  static json* a_;
  static json* b_;
  json merged_;
  std::vector<std::string> dirs_;
};

json* MergeTest::a_ = nullptr;
json* MergeTest::b_ = nullptr;

TEST_F(MergeTest, MergedPercentilesEqualThoseOfTheHistogramsMergedDirectly) {
  struct Case {
    std::string prefix;  // histogram keys
    json::json_pointer latency;
  };
  const std::vector<Case> cases = {
      {"poll.", json::json_pointer("/ops/poll/latency_us")},
      {"poll.mysql.", json::json_pointer("/ops/poll/by_mode/mysql/latency_us")},
      {"confirm.redis.steady.",
       json::json_pointer("/ops/confirm/by_mode/redis/by_phase/steady/latency_us")},
      {"select.", json::json_pointer("/ops/select/latency_us")},
  };
  for (const Case& c : cases) {
    Histogram direct;
    MergeInto(direct, *a_, c.prefix);
    MergeInto(direct, *b_, c.prefix);
    ASSERT_GT(direct.TotalCount(), 0) << c.prefix;
    const json& stats = merged_[c.latency];
    EXPECT_EQ(Int(stats["p50"]), direct.ValueAtPercentile(50)) << c.prefix;
    EXPECT_EQ(Int(stats["p99"]), direct.ValueAtPercentile(99)) << c.prefix;
    EXPECT_EQ(Int(stats["p999"]), direct.ValueAtPercentile(99.9)) << c.prefix;
    EXPECT_EQ(Int(stats["max"]), direct.Max()) << c.prefix;
  }
}

TEST_F(MergeTest, CountersAddUp) {
  for (const auto& [op, entry] : merged_["ops"].items()) {
    const json& a = (*a_)["ops"][op];
    const json& b = (*b_)["ops"][op];
    EXPECT_EQ(Int(entry["count"]), Int(a["count"]) + Int(b["count"])) << op;
    EXPECT_EQ(Int(entry["errors"]), Int(a["errors"]) + Int(b["errors"])) << op;
    for (const auto& [code, n] : entry["codes"].items()) {
      EXPECT_EQ(Int(n), Int(a["codes"].value(code, json(0))) + Int(b["codes"].value(code, json(0))))
          << op << " " << code;
    }
    EXPECT_EQ(Int(entry["by_mode"]["mysql"]["count"]),
              Int(a["by_mode"]["mysql"]["count"]) + Int(b["by_mode"]["mysql"]["count"]))
        << op;
  }
  EXPECT_EQ(Int(merged_["throughput"]["ops"]),
            Int((*a_)["throughput"]["ops"]) + Int((*b_)["throughput"]["ops"]));
  EXPECT_EQ(Int(merged_["clients"]["total"]),
            Int((*a_)["clients"]["total"]) + Int((*b_)["clients"]["total"]));
  for (const char* key :
       {"double_bookings", "hold_conflicts", "lost_holds", "visibility_samples"}) {
    EXPECT_EQ(Int(merged_["consistency"][key]),
              Int((*a_)["consistency"][key]) + Int((*b_)["consistency"][key]))
        << key;
  }
  EXPECT_EQ(merged_["merge"]["shards"], 2);
  EXPECT_EQ(merged_["merge"]["seeds"], json::array({1, 2}));
}

TEST_F(MergeTest, MergedReplayNamesEveryShardsReplay) {
  const std::string a = (*a_)["replay"], b = (*b_)["replay"];
  ASSERT_NE(a, b);
  EXPECT_EQ(merged_["replay"], a + "\n" + b);
  EXPECT_EQ(merged_["merge"]["replays"], json::array({a, b}));
}

TEST_F(MergeTest, ErrorKindsAndTheSendScheduleOfTheShardsAreSummed) {
  json a = *a_, b = *b_;
  a["errors"]["by_kind"]["malformed_answer"] = 3;
  b["errors"]["by_kind"]["malformed_answer"] = 4;
  b["errors"]["by_kind"]["timeout"] = 1;
  // Each shard on its own kept the schedule (1 of 100 late by the harness: not more than 1 %);
  // together still not. A third shard that fell behind tips the union over.
  for (json* s : {&a, &b}) {
    (*s)["run"]["schedule"] = {
        {"ops", 100}, {"late_ops", 10}, {"harness_late_ops", 1}, {"harness_fell_behind", false}};
    (*s)["run"]["schedule"]["delay_s"] = {
        {"harness", 0.5}, {"worker_wait", 2.0}, {"client_busy", 3.0}};
  }
  StatusOr<json> merged = MergeSummaries({a, b});
  ASSERT_TRUE(merged.ok()) << merged.status().ToString();
  EXPECT_EQ(Int((*merged)["errors"]["by_kind"]["malformed_answer"]), 7);
  EXPECT_EQ(Int((*merged)["errors"]["by_kind"]["timeout"]), 1);
  const json& schedule = (*merged)["run"]["schedule"];
  EXPECT_EQ(Int(schedule["ops"]), 200);
  EXPECT_EQ(Int(schedule["late_ops"]), 20);
  EXPECT_DOUBLE_EQ(schedule["delay_s"]["client_busy"].get<double>(), 6.0);
  EXPECT_EQ(schedule["harness_fell_behind"], false);
  json c = a;
  c["run"]["schedule"]["harness_late_ops"] = 5;
  c["run"]["schedule"]["harness_fell_behind"] = true;
  merged = MergeSummaries({a, b, c});
  ASSERT_TRUE(merged.ok()) << merged.status().ToString();
  EXPECT_EQ(Int((*merged)["run"]["schedule"]["harness_late_ops"]), 7);
  EXPECT_EQ((*merged)["run"]["schedule"]["harness_fell_behind"], true);  // 7 of 300
  // Shards without errors have no by_kind, and neither has their merge.
  EXPECT_FALSE(merged_["errors"].contains("by_kind"));
}

// Row i of a time-series column, 0 past its end (a shard may have one row fewer).
int64_t RowOr0(const json& column, size_t i) { return i < column.size() ? Int(column[i]) : 0; }

TEST_F(MergeTest, TimeseriesRowsAreSummedAndP99IsTheLargest) {
  const json& ts = merged_["timeseries"];
  const json& a = (*a_)["timeseries"];
  const json& b = (*b_)["timeseries"];
  ASSERT_EQ(ts["t_s"].size(), std::max(a["t_s"].size(), b["t_s"].size()));
  ASSERT_GT(ts["t_s"].size(), 10u);
  for (size_t i = 0; i < ts["t_s"].size(); ++i) {
    EXPECT_EQ(Int(ts["ops"]["poll"][i]), RowOr0(a["ops"]["poll"], i) + RowOr0(b["ops"]["poll"], i));
    EXPECT_EQ(Int(ts["p99_us"]["poll"][i]),
              std::max(RowOr0(a["p99_us"]["poll"], i), RowOr0(b["p99_us"]["poll"], i)));
    EXPECT_EQ(Int(ts["live_clients"][i]),
              RowOr0(a["live_clients"], i) + RowOr0(b["live_clients"], i));
  }
}

TEST_F(MergeTest, FailoverKeepsTheScheduleSumsErrorsAndTakesTheEarliestDetection) {
  const json& outages = merged_["failover"]["outages"];
  ASSERT_EQ(outages.size(), (*a_)["failover"]["outages"].size());
  ASSERT_FALSE(outages.empty());
  const json& a = (*a_)["failover"]["outages"][0];
  const json& b = (*b_)["failover"]["outages"][0];
  EXPECT_EQ(outages[0]["start_s"], a["start_s"]);
  EXPECT_EQ(Int(outages[0]["errors"]), Int(a["errors"]) + Int(b["errors"]));
  EXPECT_EQ(Int(outages[0]["detect_ms"]), std::min(Int(a["detect_ms"]), Int(b["detect_ms"])));
}

TEST_F(MergeTest, MergingOneSummaryReproducesIt) {
  StatusOr<json> one = MergeSummaries({*a_});
  ASSERT_TRUE(one.ok()) << one.status().ToString();
  json merged = *one;
  EXPECT_EQ(merged["merge"]["shards"], 1);
  merged.erase("merge");
  EXPECT_EQ(merged["ops"], (*a_)["ops"]);
  EXPECT_EQ(merged["histograms"], (*a_)["histograms"]);
  EXPECT_EQ(merged, *a_) << "every part of a single shard survives the merge";
}

TEST_F(MergeTest, ThresholdsAreEvaluatedOnTheMergedResult) {
  // A limit each shard meets on its own but the whole does not.
  const int64_t limit =
      std::max(Int((*a_)["ops"]["poll"]["count"]), Int((*b_)["ops"]["poll"]["count"])) + 1;
  json a = *a_, b = *b_;
  for (json* s : {&a, &b}) {
    (*s)["thresholds"].push_back(
        {{"metric", "ops.poll.count"}, {"condition", "< " + std::to_string(limit)}, {"ok", true}});
  }
  StatusOr<json> merged = MergeSummaries({a, b});
  ASSERT_TRUE(merged.ok()) << merged.status().ToString();
  const json& last = (*merged)["thresholds"].back();
  EXPECT_EQ(last["metric"], "ops.poll.count");
  EXPECT_EQ(last["ok"], false);
  EXPECT_EQ(Int((*merged)["thresholds"].back()["value"]), Int((*merged)["ops"]["poll"]["count"]));
}

TEST_F(MergeTest, RefusesShardsOfDifferentScenariosOrSchemas) {
  json other = *b_;
  other["scenario"] = "steady";
  StatusOr<json> r = MergeSummaries({*a_, other});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
  EXPECT_NE(r.status().message().find("shard 2"), std::string::npos) << r.status().message();
  EXPECT_NE(r.status().message().find("steady"), std::string::npos) << r.status().message();

  json old = *b_;
  old["schema"] = "slotsim.summary/0";
  r = MergeSummaries({*a_, old});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("slotsim.summary/0"), std::string::npos);

  EXPECT_FALSE(MergeSummaries({}).ok());
}

TEST_F(MergeTest, RefusesAHistogramThatDoesNotDecode) {
  json broken = *b_;
  broken["histograms"]["poll.redis.steady.corrected"] = "HDR1 nonsense";
  StatusOr<json> r = MergeSummaries({*a_, broken});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("histograms.poll.redis.steady.corrected"), std::string::npos)
      << r.status().message();
}

TEST_F(MergeTest, BinaryWritesTheMergedRunAndExitsZero) {
  const std::string dir = TempDir();
  ASSERT_TRUE(WriteSummary(*a_, dir + "/a.json").ok());
  ASSERT_TRUE(WriteSummary(*b_, dir + "/b.json").ok());
  std::string output;
  const int code = RunSlotsim(
      {"report", "merge", dir + "/a.json", dir + "/b.json", "-o", dir + "/merged"}, output);
  EXPECT_EQ(code, 0) << output;
  for (const char* file : {"summary.json", "report.html", "report.md", "junit.xml"}) {
    EXPECT_TRUE(std::filesystem::exists(dir + "/merged/" + file)) << file;
  }
  StatusOr<json> back = ReadSummary(dir + "/merged/summary.json");
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  // The merged run records the merge's own command line; the rest is MergeSummaries' output.
  EXPECT_EQ((*back)["command"], json({SLOTSIM_BINARY, "report", "merge", dir + "/a.json",
                                      dir + "/b.json", "-o", dir + "/merged"}));
  back->erase("command");
  json expected = merged_;
  expected.erase("command");
  EXPECT_EQ(*back, expected);
}

TEST_F(MergeTest, BinaryExits99WhenAThresholdFailsOnTheMergedResult) {
  const std::string dir = TempDir();
  json a = *a_;
  a["thresholds"].push_back({{"metric", "ops.poll.count"}, {"condition", "< 1"}, {"ok", false}});
  ASSERT_TRUE(WriteSummary(a, dir + "/a.json").ok());
  std::string output;
  const int code = RunSlotsim({"report", "merge", dir + "/a.json", "-o", dir + "/m"}, output);
  EXPECT_EQ(code, 99) << output;
  EXPECT_NE(output.find("threshold failed: ops.poll.count < 1"), std::string::npos) << output;
}

TEST_F(MergeTest, BinaryExits2NamingTheFileOfAMismatchedShard) {
  const std::string dir = TempDir();
  json other = *b_;
  other["scenario"] = "steady";
  ASSERT_TRUE(WriteSummary(*a_, dir + "/a.json").ok());
  ASSERT_TRUE(WriteSummary(other, dir + "/b.json").ok());
  std::string output;
  const int code =
      RunSlotsim({"report", "merge", dir + "/a.json", dir + "/b.json", "-o", dir + "/m"}, output);
  EXPECT_EQ(code, 2) << output;
  EXPECT_NE(output.find(dir + "/b.json (shard 2)"), std::string::npos) << output;
  EXPECT_FALSE(std::filesystem::exists(dir + "/m")) << "nothing is written on bad input";
}

// The exactness the merge promises, against real shards: run a scenario as 2 shards (each with
// its history), merge their summaries, and record every operation of both histories into ONE
// recorder — a single run over the union of the shards' operations. Every percentile and count
// of the merge equals that single recording's.
TEST(MergeShardsTest, MergedShardsEqualOneRecordingOfTheUnionOfTheirOperations) {
  StatusOr<Scenario> scenario =
      LoadScenario(testing::ShippedScenarioPath("steady"), {"duration=\"2m\""});
  ASSERT_TRUE(scenario.ok()) << scenario.status().ToString();
  SystemClock wall;
  std::vector<json> shards;
  std::vector<std::string> histories;
  Timestamp start;
  for (int i = 0; i < 2; ++i) {
    RunOptions options;
    options.wall_clock = &wall;
    options.shard_index = i;
    options.shard_count = 2;
    options.history_path = ::testing::TempDir() + "/merge-shard" + std::to_string(i) + ".jsonl";
    StatusOr<RunResult> r = RunScenario(*scenario, options);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    start = r->metrics.start;
    shards.push_back(SummaryJson(*r));
    histories.push_back(options.history_path);
  }
  StatusOr<json> merged = MergeSummaries(shards);
  ASSERT_TRUE(merged.ok()) << merged.status().ToString();

  Recorder union_recorder(RecorderOptions{start, scenario->output.timeseries_interval, 3});
  for (const std::string& path : histories) {
    ASSERT_TRUE(ReadHistory(path, union_recorder).ok()) << path;
  }
  const RunMetrics m = union_recorder.Finish(start + scenario->duration);
  for (OpKind kind : {OpKind::kPoll, OpKind::kSelect, OpKind::kConfirm}) {
    const std::string op(OpKindName(kind));
    const OpMetrics& one = m.ops[static_cast<int>(kind)];
    const json& got = (*merged)["ops"][op];
    EXPECT_EQ(got["count"].get<uint64_t>(), one.count) << op;
    Histogram all;
    for (const auto& by_phase : one.latency) {
      for (const LatencyPair& pair : by_phase) ASSERT_TRUE(all.Merge(pair.corrected).ok());
    }
    ASSERT_GT(all.TotalCount(), 100) << op;
    EXPECT_EQ(got["latency_us"]["p50"].get<int64_t>(), all.ValueAtPercentile(50)) << op;
    EXPECT_EQ(got["latency_us"]["p99"].get<int64_t>(), all.ValueAtPercentile(99)) << op;
    EXPECT_EQ(got["latency_us"]["p999"].get<int64_t>(), all.ValueAtPercentile(99.9)) << op;
    EXPECT_EQ(got["latency_us"]["max"].get<int64_t>(), all.Max()) << op;
  }
}

}  // namespace
}  // namespace slotsim
