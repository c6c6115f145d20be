// The console table and the progress line.
#include "reports/console.h"

#include <gtest/gtest.h>

namespace slotsim {
namespace {

using nlohmann::json;

json Lat(int64_t p50, int64_t p99) {
  return {{"p50", p50}, {"p90", p99}, {"p99", p99}, {"p999", p99}, {"max", p99 * 3}};
}

json MakeSummary() {
  json poll = {{"count", 1234}, {"errors", 3}, {"latency_us", Lat(412, 2'100)}};
  poll["by_mode"] = {{"redis", {{"count", 1000}, {"errors", 0}, {"latency_us", Lat(300, 900)}}},
                     {"mysql", {{"count", 234}, {"errors", 3}, {"latency_us", Lat(900, 48'300)}}}};
  json select = {{"count", 0}, {"errors", 0}, {"latency_us", Lat(0, 0)}};
  return {{"schema", "slotsim.summary/1"},
          {"scenario", "redis-outage"},
          {"target", "sim"},
          {"profile", "reference"},
          {"seed", 42},
          {"git_commit", "abc123"},
          {"duration_s", 600.0},
          {"ops", {{"poll", poll}, {"select", select}}},
          {"consistency",
           {{"double_bookings", 1},
            {"lost_bookings", 0},
            {"hold_conflicts", 2},
            {"hold_conflicts_outside_failover", 0},
            {"visibility_lag_ms", {{"p50", 1.0}, {"p99", 4.0}, {"max", 9.0}}}}},
          {"failover",
           {{"mode_switches", 2},
            {"outages",
             {{{"kind", "redis_down"},
               {"start_s", 180.0},
               {"end_s", 240.0},
               {"detect_ms", 212},
               {"recover_ms", nullptr},
               {"errors", 0}}}}}},
          {"thresholds",
           {{{"metric", "latency.poll.p99"},
             {"condition", "< 20ms"},
             {"value", 2100.0},
             {"ok", true},
             {"note", ""}},
            {{"metric", "consistency.double_bookings"},
             {"condition", "== 0"},
             {"value", 1.0},
             {"ok", false},
             {"note", ""}},
            {{"metric", "latency.confirm.mysql.p99"},
             {"condition", "< 50ms"},
             {"value", nullptr},
             {"ok", false},
             {"note", "no data"}}}},
          {"run",
           {{"wall_s", 3.21},
            {"events", 1234567},
            {"events_per_s", 384600.0},
            {"peak_rss_mb", 512.0},
            {"bytes_per_client", 2048.0}}}};
}

bool Has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

class ConsoleTest : public ::testing::Test {
 protected:
  json summary_ = MakeSummary();
};

TEST_F(ConsoleTest, HeaderNamesTheRun) {
  const std::string out = ConsoleSummary(summary_, false);
  const std::string header = out.substr(0, out.find('\n'));
  for (const char* part : {"redis-outage", "sim", "reference", "42", "abc123", "10m"}) {
    EXPECT_TRUE(Has(header, part)) << part << " in " << header;
  }
}

TEST_F(ConsoleTest, ShowsOpRowsWithModeRowsInMilliseconds) {
  const std::string out = ConsoleSummary(summary_, false);
  EXPECT_TRUE(Has(out, "poll")) << out;
  EXPECT_TRUE(Has(out, "1,234")) << out;
  EXPECT_TRUE(Has(out, "0.412")) << out;  // p50 412 µs
  EXPECT_TRUE(Has(out, "2.10")) << out;   // p99 2100 µs
  EXPECT_TRUE(Has(out, "  redis")) << out;
  EXPECT_TRUE(Has(out, "  mysql")) << out;
  EXPECT_TRUE(Has(out, "48.3")) << out;
  EXPECT_FALSE(Has(out, "select")) << "ops that never ran are left out:\n" << out;
  EXPECT_LT(out.find("  redis"), out.find("  mysql"));
}

TEST_F(ConsoleTest, ShowsConsistencyFailoverAndRun) {
  const std::string out = ConsoleSummary(summary_, false);
  EXPECT_TRUE(Has(out, "double bookings 1")) << out;
  EXPECT_TRUE(Has(out, "hold conflicts 2")) << out;
  EXPECT_TRUE(Has(out, "redis_down")) << out;
  EXPECT_TRUE(Has(out, "3m -> 4m")) << out;
  EXPECT_TRUE(Has(out, "detect 212 ms")) << out;
  EXPECT_TRUE(Has(out, "recover -")) << out;
  EXPECT_TRUE(Has(out, "2 mode switches")) << out;
  EXPECT_TRUE(Has(out, "1,234,567 events")) << out;
  EXPECT_TRUE(Has(out, "512.0 MB")) << out;
}

TEST_F(ConsoleTest, ShowsErrorsByKindLargestFirstOnlyWhenThereAreAny) {
  EXPECT_FALSE(Has(ConsoleSummary(summary_, false), "errors by kind")) << "no errors.by_kind";
  summary_["errors"] = {{"count", 3}, {"by_kind", {{"timeout", 1}, {"malformed_answer", 2}}}};
  const std::string out = ConsoleSummary(summary_, false);
  EXPECT_TRUE(Has(out, "errors by kind   malformed_answer 2, timeout 1")) << out;
}

TEST_F(ConsoleTest, HarnessLinesSayWhoHeldTheScheduleBack) {
  json& run = summary_["run"];
  run["cpu_s"] = 12.0;
  run["scheduler_lateness_us"] = Lat(80, 400);
  run["scheduler_lateness_us"]["count"] = 1000;
  run["worker_wait_us"] = Lat(1'000, 812'000);
  run["client_busy_us"] = Lat(0, 2'021'000);
  run["schedule"] = {
      {"ops", 1000}, {"late_ops", 120}, {"harness_late_ops", 0}, {"harness_fell_behind", false}};
  run["schedule"]["delay_s"] = {{"harness", 0.1}, {"worker_wait", 40.5}, {"client_busy", 96.0}};
  std::string out = ConsoleSummary(summary_, false);
  EXPECT_TRUE(Has(out, "scheduler lateness p50 0.080  p99 0.400")) << out;
  EXPECT_TRUE(Has(out, "sent late  120 of 1,000 ops")) << out;
  EXPECT_TRUE(Has(out, "waiting for a worker p99 812.0 / max 2436 ms (40.5 s)")) << out;
  EXPECT_TRUE(Has(out, "client's previous request p99 2021 / max 6063 ms (96.0 s)")) << out;
  EXPECT_FALSE(Has(out, "could not send its schedule")) << out;
  run["schedule"]["harness_late_ops"] = 30;
  run["schedule"]["harness_fell_behind"] = true;
  out = ConsoleSummary(summary_, false);
  EXPECT_TRUE(Has(out,
                  "the harness could not send its schedule: 30 ops left its loop more than "
                  "10 ms late"))
      << out;
}

TEST_F(ConsoleTest, MarksThresholdsWithChecksAndCrosses) {
  const std::string out = ConsoleSummary(summary_, false);
  EXPECT_TRUE(Has(out, "✓ latency.poll.p99 < 20ms")) << out;
  EXPECT_TRUE(Has(out, "✗ consistency.double_bookings == 0")) << out;
  EXPECT_TRUE(Has(out, "✗ latency.confirm.mysql.p99 < 50ms")) << out;
  EXPECT_TRUE(Has(out, "2.10 ms")) << out;
  EXPECT_TRUE(Has(out, "no data")) << out;
}

TEST_F(ConsoleTest, ColorAddsEscapesOnlyWhenAsked) {
  const std::string plain = ConsoleSummary(summary_, false);
  const std::string colored = ConsoleSummary(summary_, true);
  EXPECT_FALSE(Has(plain, "\x1b[")) << plain;
  EXPECT_TRUE(Has(colored, "\x1b[32m✓\x1b[0m"));
  EXPECT_TRUE(Has(colored, "\x1b[31m✗\x1b[0m"));
}

TEST_F(ConsoleTest, ToleratesAnEmptyDocument) {
  const std::string out = ConsoleSummary(json::object(), false);
  EXPECT_FALSE(out.empty());
  EXPECT_EQ(out.back(), '\n');
}

ThresholdResult Judged(const char* metric, bool ok, bool skipped = false) {
  ThresholdResult t;
  t.metric = metric;
  t.ok = ok;
  t.skipped = skipped;
  t.measured = !skipped;
  return t;
}

TEST_F(ConsoleTest, VerdictLineSaysPassOrFailAndNamesTheFailures) {
  const std::vector<ThresholdResult> pass = {Judged("errors.count", true),
                                             Judged("latency.poll.p99", true)};
  EXPECT_EQ(VerdictLine(pass, "", false), "PASS  2 of 2 thresholds passed\n");
  const std::vector<ThresholdResult> fail = {Judged("errors.count", false),
                                             Judged("latency.poll.p99", true),
                                             Judged("consistency.lost_bookings", false)};
  EXPECT_EQ(VerdictLine(fail, "", false),
            "FAIL  2 of 3 thresholds failed: errors.count, consistency.lost_bookings\n");
  const std::vector<ThresholdResult> skipped = {Judged("errors.count", true),
                                                Judged("consistency.lost_bookings", true, true)};
  EXPECT_EQ(VerdictLine(skipped, "", false),
            "PASS  2 of 2 thresholds passed, 1 skipped: not measured\n");
  EXPECT_EQ(VerdictLine({}, "", false), "DONE  no thresholds: nothing was judged\n");
}

TEST_F(ConsoleTest, AnEarlyStopFailsTheVerdictEvenWithEveryThresholdPassing) {
  const std::vector<ThresholdResult> pass = {Judged("errors.count", true)};
  EXPECT_EQ(VerdictLine(pass, "threshold x failed at 3 s", false),
            "FAIL  1 of 1 thresholds passed; stopped early: threshold x failed at 3 s\n");
  const std::string colored = VerdictLine(pass, "", true);
  EXPECT_NE(colored.find("\x1b["), std::string::npos) << "colour on a terminal";
}

TEST_F(ConsoleTest, TheBodyLeavesOutOnlyTheHeader) {
  const std::string whole = ConsoleSummary(summary_, false);
  const std::string body = ConsoleBody(summary_, false);
  EXPECT_FALSE(Has(body, "slotsim redis-outage")) << body;
  EXPECT_EQ(whole.substr(whole.find('\n') + 1), body);
}

TEST_F(ConsoleTest, ProgressLineShowsTheLiveFigures) {
  Progress p;
  p.elapsed = Micros(83'400'000);
  p.duration = Micros(600'000'000);
  p.live_clients = 1234;
  p.ops_per_s = 5677.6;
  p.errors = 3;
  p.mode = StorageMode::kMySql;
  EXPECT_EQ(ProgressLine(p), "1m23s / 10m  clients 1,234  ops/s 5,678  errors 3  storage mysql");
}

}  // namespace
}  // namespace slotsim
