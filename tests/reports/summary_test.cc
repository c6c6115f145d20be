// summary.json: the contract's keys and types, exact histogram round trips, deterministic
// output, the replay command, reading back with a schema check; and timeseries.csv.
#include "reports/summary.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "reports/timeseries_csv.h"

namespace slotsim {
namespace {

using nlohmann::json;

const Timestamp kStart = FromUnixMillis(1'800'000'000'000);
Timestamp At(int64_t ms) { return kStart + Millis(ms); }

void Op(Recorder& r, OpKind kind, int64_t completed_ms, StorageMode mode,
        Outcome outcome = Outcome::kOk, Code code = Code::kOk, int64_t latency_ms = 3) {
  OpRecord op;
  op.kind = kind;
  op.completed = At(completed_ms);
  op.invoked = op.completed - Millis(latency_ms);
  op.intended = op.invoked - Millis(1);
  op.outcome = outcome;
  op.code = code;
  op.served_by = mode;
  r.Record(op);
}

ModeSwitch Switch(int64_t at_ms, StorageMode from, StorageMode to) {
  ModeSwitch sw;
  sw.at = At(at_ms);
  sw.from = from;
  sw.to = to;
  sw.cause = "breaker";
  sw.previous_mode_duration = Millis(at_ms);
  return sw;
}

// A small run: polls on Redis, a Redis outage served by MySQL, one double booking.
RunResult MakeResult() {
  Recorder r(RecorderOptions{kStart, Micros(1'000'000), 3});
  r.ClientsChanged(4, 6);
  Op(r, OpKind::kPoll, 100, StorageMode::kRedis, Outcome::kOk, Code::kOk, 2);
  Op(r, OpKind::kSelect, 200, StorageMode::kRedis, Outcome::kFail, Code::kSlotHeld);
  r.FaultStarted("redis_down", At(1'000));
  r.ModeSwitched(Switch(1'050, StorageMode::kRedis, StorageMode::kMySql));
  Op(r, OpKind::kPoll, 1'100, StorageMode::kMySql, Outcome::kOk, Code::kOk, 9);
  Op(r, OpKind::kConfirm, 1'200, StorageMode::kMySql, Outcome::kUnknown, Code::kTimeout, 50);
  r.FaultEnded(At(2'000));
  Op(r, OpKind::kPoll, 2'100, StorageMode::kMySql);
  r.ModeSwitched(Switch(2'300, StorageMode::kMySql, StorageMode::kRedis));
  Op(r, OpKind::kPoll, 2'500, StorageMode::kRedis);

  RunResult result;
  result.metrics = r.Finish(At(3'000));
  result.scenario.name = "unit";
  result.scenario.source = "scenarios/unit.toml";
  result.scenario.seed = 7;
  result.scenario.thresholds.push_back(*ParseThreshold("consistency.double_bookings", "== 0"));
  result.scenario.thresholds.push_back(*ParseThreshold("latency.poll.p99", "< 20ms"));
  result.target = "sim";
  result.git_commit = "abc123";
  result.consistency.double_bookings = 1;
  result.consistency.visibility_lag_us.Record(1500);
  result.consistency.visibility_lag_ms = {1.5, 1.5, 1.5};
  result.run.wall_s = 2.5;
  result.run.events = 6;
  result.run.events_per_s = 2.4;
  result.run.peak_rss_mb = 30.5;
  result.run.bytes_per_client = 1024;
  return result;
}

void ExpectLatency(const json& j, const std::string& where) {
  ASSERT_TRUE(j.is_object()) << where;
  for (const char* stat : {"p50", "p90", "p99", "p999", "max"}) {
    EXPECT_TRUE(j.contains(stat) && j[stat].is_number_integer()) << where << "." << stat;
  }
}

void ExpectSelection(const json& j, const std::string& where) {
  ASSERT_TRUE(j.is_object()) << where;
  EXPECT_TRUE(j["count"].is_number_integer()) << where;
  ExpectLatency(j["latency_us"], where + ".latency_us");
  ExpectLatency(j["raw_latency_us"], where + ".raw_latency_us");
  for (const char* phase : {"steady", "outage", "recovery"}) {
    if (j.contains("by_phase")) ExpectSelection(j["by_phase"][phase], where + "." + phase);
  }
}

class SummaryTest : public ::testing::Test {
 protected:
  std::string TempPath(const std::string& name) {
    const auto dir = std::filesystem::temp_directory_path();
    return (dir / ("slotsim_summary_test_" + std::to_string(::getpid()) + "_" + name)).string();
  }
  void TearDown() override {
    for (const std::string& p : paths_) std::remove(p.c_str());
  }
  std::string Track(std::string p) {
    paths_.push_back(p);
    return p;
  }

  RunResult result_ = MakeResult();
  std::vector<std::string> paths_;
};

TEST_F(SummaryTest, HasEveryContractKeyWithTheRightType) {
  const json s = SummaryJson(result_);
  EXPECT_EQ(s["schema"], "slotsim.summary/1");
  EXPECT_EQ(s["scenario"], "unit");
  EXPECT_EQ(s["seed"], 7);
  EXPECT_EQ(s["target"], "sim");
  EXPECT_EQ(s["profile"], "reference");
  EXPECT_DOUBLE_EQ(s["duration_s"].get<double>(), 3.0);
  EXPECT_EQ(s["git_commit"], "abc123");
  EXPECT_EQ(s["clients"]["peak"], 4);
  EXPECT_EQ(s["clients"]["total"], 6);

  ASSERT_EQ(s["ops"].size(), 7u);
  for (const auto& [name, op] : s["ops"].items()) {
    EXPECT_TRUE(op["errors"].is_number_integer()) << name;
    EXPECT_TRUE(op["codes"].is_object()) << name;
    ExpectSelection(op, name);
    ExpectSelection(op["by_mode"]["redis"], name + ".redis");
    ExpectSelection(op["by_mode"]["mysql"], name + ".mysql");
    EXPECT_FALSE(op["by_mode"].contains("memory")) << name;
  }
  const json& poll = s["ops"]["poll"];
  EXPECT_EQ(poll["count"], 4);
  EXPECT_EQ(poll["by_mode"]["redis"]["count"], 2);
  EXPECT_EQ(poll["by_mode"]["mysql"]["by_phase"]["outage"]["count"], 1);
  EXPECT_EQ(poll["by_mode"]["mysql"]["by_phase"]["recovery"]["count"], 1);
  EXPECT_EQ(poll["latency_us"]["max"], 10'000);  // 9 ms service + 1 ms late start
  EXPECT_EQ(poll["raw_latency_us"]["max"], 9'000);
  EXPECT_EQ(s["ops"]["select"]["codes"]["SlotHeld"], 1);
  EXPECT_EQ(s["ops"]["select"]["errors"], 0);
  EXPECT_EQ(s["ops"]["confirm"]["errors"], 1);
  EXPECT_EQ(s["errors"]["count"], 1);
  EXPECT_EQ(s["throughput"]["ops"], 6);

  const json& c = s["consistency"];
  for (const char* key : {"double_bookings", "lost_bookings", "phantom_bookings", "hold_conflicts",
                          "hold_conflicts_outside_failover", "lost_holds"}) {
    EXPECT_TRUE(c[key].is_number_integer()) << key;
  }
  EXPECT_EQ(c["double_bookings"], 1);
  for (const char* key : {"p50", "p99", "max"}) {
    EXPECT_TRUE(c["visibility_lag_ms"][key].is_number()) << key;
  }

  const json& f = s["failover"];
  ASSERT_EQ(f["outages"].size(), 1u);
  const json& o = f["outages"][0];
  EXPECT_EQ(o["kind"], "redis_down");
  EXPECT_DOUBLE_EQ(o["start_s"].get<double>(), 1.0);
  EXPECT_DOUBLE_EQ(o["end_s"].get<double>(), 2.0);
  EXPECT_EQ(o["detect_ms"], 100);
  EXPECT_EQ(o["recover_ms"], 300);
  EXPECT_EQ(o["errors"], 1);
  EXPECT_EQ(f["mode_switches"], 2);
  ASSERT_EQ(f["switches"].size(), 2u);
  EXPECT_DOUBLE_EQ(f["switches"][0]["at_s"].get<double>(), 1.05);
  EXPECT_EQ(f["switches"][0]["from"], "redis");
  EXPECT_EQ(f["switches"][0]["to"], "mysql");
  EXPECT_EQ(f["switches"][0]["cause"], "breaker");
  EXPECT_EQ(f["switches"][0]["previous_mode_ms"], 1'050);

  ASSERT_EQ(s["thresholds"].size(), 2u);
  for (const json& t : s["thresholds"]) {
    EXPECT_TRUE(t["metric"].is_string());
    EXPECT_TRUE(t["condition"].is_string());
    EXPECT_TRUE(t["value"].is_number());
    EXPECT_TRUE(t["ok"].is_boolean());
  }
  EXPECT_EQ(s["thresholds"][0]["ok"], false);
  EXPECT_EQ(s["thresholds"][1]["ok"], true);

  for (const char* key : {"wall_s", "events", "events_per_s", "peak_rss_mb", "bytes_per_client"}) {
    EXPECT_TRUE(s["run"][key].is_number()) << key;
  }
  EXPECT_TRUE(s["histograms"].is_object());
  EXPECT_TRUE(s["scenario_resolved"].is_string());
  EXPECT_EQ(s["replay"], "slotsim run scenarios/unit.toml --seed 7 --target sim");
  EXPECT_EQ(s["command"], json::array());
}

TEST_F(SummaryTest, HistogramsRoundTripExactly) {
  const json s = SummaryJson(result_);
  const json& h = s["histograms"];
  const LatencyPair& outage =
      result_.metrics.ops[static_cast<int>(OpKind::kPoll)]
          .latency[static_cast<int>(StorageMode::kMySql)][static_cast<int>(Phase::kOutage)];
  ASSERT_TRUE(h.contains("poll.mysql.outage.corrected"));
  StatusOr<Histogram> corrected =
      Histogram::Deserialize(h["poll.mysql.outage.corrected"].get<std::string>());
  StatusOr<Histogram> raw = Histogram::Deserialize(h["poll.mysql.outage.raw"].get<std::string>());
  ASSERT_TRUE(corrected.ok()) << corrected.status().ToString();
  ASSERT_TRUE(raw.ok()) << raw.status().ToString();
  EXPECT_EQ(*corrected, outage.corrected);
  EXPECT_EQ(*raw, outage.raw);
  EXPECT_FALSE(h.contains("poll.mysql.steady.corrected"));  // empty cells are left out
  // Every cell with data is there, so merging them gives the op's whole distribution.
  Histogram merged;
  for (const auto& [key, text] : h.items()) {
    if (key.rfind("poll.", 0) != 0 || key.find(".corrected") == std::string::npos) continue;
    ASSERT_TRUE(merged.Merge(*Histogram::Deserialize(text.get<std::string>())).ok());
  }
  EXPECT_EQ(merged.TotalCount(), 4);
  EXPECT_EQ(merged.ValueAtPercentile(99), s["ops"]["poll"]["latency_us"]["p99"].get<int64_t>());
  ASSERT_TRUE(h.contains("consistency.visibility_lag_us"));
}

TEST_F(SummaryTest, SameResultDumpsIdenticallyApartFromRun) {
  const std::string first = SummaryJson(result_).dump(2);
  EXPECT_EQ(first, SummaryJson(result_).dump(2));
  RunResult other = MakeResult();
  other.run.wall_s = 99;
  other.run.peak_rss_mb = 1;
  json a = SummaryJson(result_), b = SummaryJson(other);
  EXPECT_NE(a.dump(), b.dump());
  a.erase("run");
  b.erase("run");
  EXPECT_EQ(a.dump(), b.dump());
}

TEST_F(SummaryTest, ReplayCommandCarriesSeedTargetAndQuotedOverrides) {
  result_.target = "local";
  SummaryOptions options;
  options.overrides = {"engine.profile=legacy", "load.stages=[{for=\"1m\",to=5}]"};
  EXPECT_EQ(ReplayCommand(result_, options),
            "slotsim run scenarios/unit.toml --seed 7 --target local --set engine.profile=legacy "
            "--set 'load.stages=[{for=\"1m\",to=5}]'");
  options.scenario_path = "my dir/x.toml";
  EXPECT_EQ(ReplayCommand(result_, options).substr(0, 32), "slotsim run 'my dir/x.toml' --se");
}

TEST_F(SummaryTest, ReplayKeepsTheTargetAndTheServersGivenOnTheCommandLine) {
  // The scenario says sim; the run was started with --target local --redis URL: the replay
  // must go to the same place, not back to the scenario's target.
  result_.scenario.target.kind = "local";
  result_.target = "local";
  result_.shard_index = 1;
  result_.shard_count = 4;
  SummaryOptions options;
  options.replay_flags = {"--redis", "redis://127.0.0.1:6380"};
  options.overrides = {"duration=1m"};
  EXPECT_EQ(ReplayCommand(result_, options),
            "slotsim run scenarios/unit.toml --seed 7 --target local --redis "
            "redis://127.0.0.1:6380 --set duration=1m --shard 1/4");
}

TEST_F(SummaryTest, WrittenSummaryReadsBackEqual) {
  const std::string path = Track(TempPath("ok.json"));
  ASSERT_TRUE(WriteSummary(result_, path).ok());
  std::ifstream in(path);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ASSERT_FALSE(text.empty());
  EXPECT_EQ(text.back(), '\n');
  StatusOr<json> back = ReadSummary(path);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, SummaryJson(result_));
}

TEST_F(SummaryTest, ReadSummaryRejectsAnotherSchemaNamingBoth) {
  const std::string path = Track(TempPath("v2.json"));
  json doc = SummaryJson(result_);
  doc["schema"] = "slotsim.summary/2";
  ASSERT_TRUE(WriteSummary(doc, path).ok());
  StatusOr<json> back = ReadSummary(path);
  ASSERT_FALSE(back.ok());
  EXPECT_EQ(back.status().code(), Code::kInvalidArgument);
  EXPECT_NE(back.status().message().find("slotsim.summary/2"), std::string::npos);
  EXPECT_NE(back.status().message().find("slotsim.summary/1"), std::string::npos);
}

TEST_F(SummaryTest, ReadSummaryRejectsNonJsonAndMissingFiles) {
  const std::string path = Track(TempPath("bad.json"));
  std::ofstream(path) << "{not json";
  EXPECT_EQ(ReadSummary(path).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(ReadSummary(TempPath("missing.json")).status().code(), Code::kInvalidArgument);
}

TEST_F(SummaryTest, TimeseriesHasAColumnPerRowFieldAndAnEntryPerInterval) {
  const json t = SummaryJson(result_)["timeseries"];
  EXPECT_DOUBLE_EQ(t["interval_s"].get<double>(), 1.0);
  EXPECT_EQ(t["t_s"], json({0.0, 1.0, 2.0}));
  EXPECT_EQ(t["live_clients"], json({4, 4, 4}));
  EXPECT_EQ(t["mode"], json({"redis", "mysql", "redis"}));
  for (const char* column : {"ops", "errors", "p99_us"}) {
    ASSERT_EQ(t[column].size(), 7u) << column;  // every op, ran or not
    for (const auto& [op, values] : t[column].items()) EXPECT_EQ(values.size(), 3u) << op;
  }
  EXPECT_EQ(t["ops"]["poll"], json({1, 1, 2}));
  EXPECT_EQ(t["ops"]["deselect"], json({0, 0, 0}));
  EXPECT_EQ(t["errors"]["confirm"], json({0, 1, 0}));
  const json p99 = t["p99_us"]["poll"];
  EXPECT_EQ(p99[0], result_.metrics.timeseries[0].p99_us[static_cast<int>(OpKind::kPoll)]);
  EXPECT_GT(p99[1].get<int64_t>(), 9'000);  // the 9 ms poll served by MySQL
}

TEST_F(SummaryTest, ErrorsByKindCountEveryErrorOpUnderItsKindAndOnlyWhenThereAreErrors) {
  EXPECT_EQ(SummaryJson(result_)["errors"]["by_kind"], json({{"timeout", 1}}));
  Recorder r(RecorderOptions{kStart, Micros(1'000'000), 3});
  Op(r, OpKind::kPoll, 100, StorageMode::kRedis, Outcome::kFail, Code::kMalformedAnswer);
  Op(r, OpKind::kPoll, 200, StorageMode::kRedis, Outcome::kFail, Code::kMalformedAnswer);
  Op(r, OpKind::kSelect, 300, StorageMode::kRedis, Outcome::kUnknown, Code::kMalformedAnswer);
  Op(r, OpKind::kSelect, 400, StorageMode::kRedis, Outcome::kFail, Code::kSlotHeld);  // domain
  Op(r, OpKind::kAvailability, 500, StorageMode::kRedis, Outcome::kFail, Code::kUnavailable);
  result_.metrics = r.Finish(At(1'000));
  const json s = SummaryJson(result_);
  EXPECT_EQ(s["errors"]["count"], 4);
  EXPECT_EQ(s["errors"]["by_kind"], json({{"malformed_answer", 3}, {"unavailable", 1}}));
  EXPECT_EQ(s["ops"]["poll"]["codes"]["MalformedAnswer"], 2);
  EXPECT_EQ(s["ops"]["select"]["errors"], 1);
  // No errors, no by_kind: summaries of clean runs keep their shape.
  result_.metrics = Recorder(RecorderOptions{kStart, Micros(1'000'000), 3}).Finish(At(1'000));
  EXPECT_FALSE(SummaryJson(result_)["errors"].contains("by_kind"));
}

TEST_F(SummaryTest, RunOnSimHasZeroCpuAndNoSchedulerLateness) {
  const json s = SummaryJson(result_);
  EXPECT_EQ(s["run"]["cpu_s"], 0.0);
  const json& late = s["run"]["scheduler_lateness_us"];
  for (const char* key : {"p50", "p90", "p99", "p999", "max", "count"}) {
    EXPECT_EQ(late[key], 0) << key;
  }
  EXPECT_FALSE(s["histograms"].contains("run.scheduler_lateness_us"));
}

TEST_F(SummaryTest, RunCarriesCpuAndTheThreeSendDelaysWithTheirHistograms) {
  result_.run.cpu_s = 1.25;
  // Four operations: harness lateness 100..5,000 µs, worker wait 1 ms each, and the last one's
  // client still waiting 2 s for its previous answer.
  const Timestamp t = kStart;
  for (int64_t late_us : {100, 200, 300, 5'000}) {
    const Timestamp sendable = t + Micros(late_us == 5'000 ? 2'000'000 : 0);
    const Timestamp submitted = sendable + Micros(late_us);
    result_.run.send.Record(t, sendable, submitted, submitted + Micros(1'000));
  }
  const json s = SummaryJson(result_);
  EXPECT_DOUBLE_EQ(s["run"]["cpu_s"].get<double>(), 1.25);
  const json& late = s["run"]["scheduler_lateness_us"];
  EXPECT_EQ(late["count"], 4);
  EXPECT_EQ(late["p50"], 200);
  EXPECT_EQ(late["max"], 5'000);
  EXPECT_EQ(s["run"]["worker_wait_us"]["max"], 1'000);
  EXPECT_EQ(s["run"]["client_busy_us"]["max"], 2'000'000);
  const json& schedule = s["run"]["schedule"];
  EXPECT_EQ(schedule["ops"], 4);
  EXPECT_EQ(schedule["late_ops"], 1);
  EXPECT_EQ(schedule["harness_late_ops"], 0);
  EXPECT_EQ(schedule["harness_fell_behind"], false);
  EXPECT_DOUBLE_EQ(schedule["delay_s"]["client_busy"].get<double>(), 2.0);
  EXPECT_DOUBLE_EQ(schedule["delay_s"]["worker_wait"].get<double>(), 0.004);
  EXPECT_DOUBLE_EQ(schedule["delay_s"]["harness"].get<double>(), 0.0056);
  for (const auto& [key, h] :
       {std::pair{"run.scheduler_lateness_us", &result_.run.send.harness_lateness},
        std::pair{"run.worker_wait_us", &result_.run.send.worker_wait},
        std::pair{"run.client_busy_us", &result_.run.send.client_busy}}) {
    ASSERT_TRUE(s["histograms"].contains(key)) << key;
    StatusOr<Histogram> back = Histogram::Deserialize(s["histograms"][key].get<std::string>());
    ASSERT_TRUE(back.ok()) << back.status().ToString();
    EXPECT_EQ(*back, *h) << key;
  }
}

TEST_F(SummaryTest, SummaryTextPutsScalarArraysOnOneLineAndParsesBack) {
  const json s = SummaryJson(result_);
  const std::string text = SummaryText(s);
  EXPECT_EQ(json::parse(text), s);
  EXPECT_EQ(text.back(), '\n');
  EXPECT_NE(text.find("\"t_s\": [0.0, 1.0, 2.0]"), std::string::npos);
  EXPECT_NE(text.find("\"mode\": [\"redis\", \"mysql\", \"redis\"]"), std::string::npos);
  EXPECT_NE(text.find("\n  \"clients\": {\n    \"peak\": 4,"), std::string::npos);
  EXPECT_EQ(SummaryText(json{{"a", json::array()}, {"b", json::object()}}),
            "{\n  \"a\": [],\n  \"b\": {}\n}\n");
}

TEST_F(SummaryTest, TimeseriesCsvHasAHeaderAndARowPerInterval) {
  const std::string csv = TimeseriesCsv(result_.metrics);
  std::vector<std::string> lines;
  size_t start = 0;
  for (size_t nl; (nl = csv.find('\n', start)) != std::string::npos; start = nl + 1) {
    lines.push_back(csv.substr(start, nl - start));
  }
  ASSERT_EQ(lines.size(), 4u);  // header + 3 one-second intervals
  EXPECT_EQ(lines[0].substr(0, 40), "t_s,select_ops,select_errors,select_p99_");
  EXPECT_NE(lines[0].find(",ops,errors,ops_per_s,live_clients,mode,sold_out"), std::string::npos);
  EXPECT_EQ(lines[1].substr(0, 2), "0,");
  EXPECT_EQ(lines[2].substr(0, 2), "1,");
  EXPECT_NE(lines[2].find(",2,1,2.000,4,mysql"), std::string::npos) << lines[2];
  const std::string path = Track(TempPath("ts.csv"));
  ASSERT_TRUE(WriteTimeseriesCsv(result_.metrics, path).ok());
}

}  // namespace
}  // namespace slotsim
