// Scenario files: every default, a full file, each class of error with its file:line and the
// allowed values, --set overrides, load interpolation and the TOML round trip.
#include "simulator/scenario/scenario.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <sstream>

namespace slotsim {
namespace {

constexpr char kFile[] = "scenarios/test.toml";

constexpr char kFull[] = R"(# a scenario using every section
name = "redis-outage"
description = "Redis dies for a minute"
duration = "10m"
seed = 7

[target]
kind = "local"
redis = "redis://127.0.0.1:16379"
mysql = "mysql://slotsim:slotsim@127.0.0.1:13306/slotsim"
spawn = true

[engine]
profile = "legacy"
heartbeat = "2s"
hold_ttl = "120s"
probe_interval = "100ms"
probes_to_close = 5
employees = 8
open = "08:00"
close = 18:00:00
slot = "15m"
days_ahead = 10

[load]
model = "closed"
stages = [{ for = "2m", to = 200 }, { for = "6m", to = 200 }, { for = "2m", to = 0 }]
max_clients = 5000

[clients]
employees_pick = "zipf:0.8"
days = 7
slot_popularity = "uniform"
think = "const:3s"
browse = "uniform:1s:2s"
abandon = 0.5
reschedule = 0
cancel = 0.1
retry_on_held = 1
poll_with_selected_time = false

[[faults]]
kind = "redis_down"
at = "3m"
for = "60s"
restart = "with_data"

[[faults]]
kind = "redis_latency"
at = "5m"
for = "30s"
jitter = "5ms"

[[faults]]
kind = "redis_restart_empty"
at = "9m"

[[faults]]
kind = "proxy_bandwidth"
at = "1m"
for = "1m"
bytes_per_s = 10000
upstream = "mysql"

[thresholds]
"latency.poll.p99" = "< 20ms"
"consistency.double_bookings" = "== 0"
"failover.detect_ms.max" = "< 500"

[sim]
redis_latency = "const:50us"
mysql_read_latency = "exp:70us"
mysql_write_latency = "lognormal:600us:0.2"
engine_overhead = "const:0us"

[output]
history = true
timeseries_interval = "5s"
)";

class ScenarioTest : public ::testing::Test {
 protected:
  static Scenario Parse(std::string_view text, std::vector<std::string> overrides = {}) {
    StatusOr<Scenario> s = ParseScenario(text, kFile, overrides);
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    return s.ok() ? *s : Scenario{};
  }
  static std::string Error(std::string_view text, std::vector<std::string> overrides = {}) {
    StatusOr<Scenario> s = ParseScenario(text, kFile, overrides);
    EXPECT_FALSE(s.ok()) << "parsed without error:\n" << text;
    if (s.ok()) return "";
    EXPECT_EQ(s.status().code(), Code::kInvalidArgument);
    return s.status().message();
  }
  // The 1-based line of the first occurrence of `needle` in `text`.
  static int LineOf(std::string_view text, std::string_view needle) {
    const size_t at = text.find(needle);
    EXPECT_NE(at, std::string_view::npos) << needle;
    return 1 + static_cast<int>(std::count(text.begin(), text.begin() + at, '\n'));
  }
  // Expects an error that starts with "<kFile>:<line of needle>: " and contains every part.
  static void ExpectErrorAt(std::string_view text, std::string_view needle,
                            std::initializer_list<std::string_view> parts) {
    const std::string m = Error(text);
    const std::string where =
        std::string(kFile) + ":" + std::to_string(LineOf(text, needle)) + ": ";
    EXPECT_EQ(m.substr(0, where.size()), where) << m;
    for (std::string_view part : parts)
      EXPECT_NE(m.find(part), std::string::npos) << part << "\n in: " << m;
    EXPECT_NE(m.find("; allowed: "), std::string::npos) << m;
  }
  static void ExpectContains(const std::string& m, std::initializer_list<std::string_view> parts) {
    for (std::string_view part : parts)
      EXPECT_NE(m.find(part), std::string::npos) << part << "\n in: " << m;
  }
};

TEST_F(ScenarioTest, EmptyFileGivesEveryDocumentedDefault) {
  const Scenario s = Parse("");
  EXPECT_EQ(s.name, "test");  // the file's stem
  EXPECT_EQ(s.source, kFile);
  EXPECT_EQ(s.description, "");
  EXPECT_EQ(s.duration, std::chrono::minutes(10));
  EXPECT_EQ(s.seed, 42u);
  EXPECT_EQ(s.target.kind, "sim");
  EXPECT_EQ(s.target.url, "");
  EXPECT_EQ(s.target.redis, "");
  EXPECT_EQ(s.target.mysql, "");
  EXPECT_FALSE(s.target.spawn);
  EXPECT_EQ(s.engine.profile, "reference");
  EXPECT_EQ(s.engine.heartbeat, std::chrono::seconds(5));
  EXPECT_EQ(s.engine.policy.name, "reference");
  EXPECT_EQ(s.engine.policy.hold_ttl, Millis(300000));
  EXPECT_EQ(s.engine.policy.redis_deadline, Millis(50));
  EXPECT_EQ(s.engine.policy.probe_interval, Millis(200));
  EXPECT_EQ(s.engine.policy.probes_to_close, 3);
  EXPECT_TRUE(s.engine.policy.breaker);
  EXPECT_EQ(s.engine.grid.employees, 20);
  EXPECT_EQ(s.engine.grid.open_minute, 9 * 60);
  EXPECT_EQ(s.engine.grid.close_minute, 17 * 60);
  EXPECT_EQ(s.engine.grid.slot_minutes, 30);
  EXPECT_EQ(s.engine.grid.days_ahead, 30);
  EXPECT_EQ(s.load.model, "open");
  EXPECT_EQ(s.load.stages, (std::vector<LoadStage>{{std::chrono::minutes(10), 10}}));
  EXPECT_EQ(s.load.max_clients, 2'000'000);
  EXPECT_EQ(s.clients.employees_pick, Popularity::Uniform());
  EXPECT_EQ(s.clients.days, 14);
  EXPECT_EQ(s.clients.slot_popularity.ToString(), "zipf:1.1");
  EXPECT_EQ(s.clients.think.ToString(), "lognormal:20s:0.5");
  EXPECT_EQ(s.clients.browse.ToString(), "exp:10s");
  EXPECT_EQ(s.clients.abandon, 0.3);
  EXPECT_EQ(s.clients.reschedule, 0.05);
  EXPECT_EQ(s.clients.cancel, 0.05);
  EXPECT_EQ(s.clients.retry_on_held, 3);
  EXPECT_TRUE(s.clients.poll_with_selected_time);
  EXPECT_TRUE(s.faults.empty());
  EXPECT_TRUE(s.thresholds.empty());
  EXPECT_EQ(s.sim.redis_latency.ToString(), "lognormal:40us:0.3");
  EXPECT_EQ(s.sim.mysql_read_latency.ToString(), "lognormal:60us:0.3");
  EXPECT_EQ(s.sim.mysql_write_latency.ToString(), "lognormal:500us:0.4");
  EXPECT_EQ(s.sim.engine_overhead.ToString(), "const:5us");
  EXPECT_FALSE(s.output.history);
  EXPECT_EQ(s.output.timeseries_interval, std::chrono::seconds(1));
}

TEST_F(ScenarioTest, DefaultsAreTheStructsMemberInitialisers) {
  Scenario defaults;
  defaults.name = "test";
  defaults.source = kFile;
  EXPECT_EQ(Parse("").ToToml(), defaults.ToToml());
}

TEST_F(ScenarioTest, DefaultStageRampsToTenOverTheDuration) {
  const Scenario s = Parse("duration = \"30s\"");
  EXPECT_EQ(s.load.stages, (std::vector<LoadStage>{{std::chrono::seconds(30), 10}}));
}

TEST_F(ScenarioTest, FewerBookableDaysThanTheDefaultLimitTheDefault) {
  EXPECT_EQ(Parse("[engine]\ndays_ahead = 3").clients.days, 4);
}

TEST_F(ScenarioTest, LegacyProfileBringsItsPresetAndExplicitKeysApplyOverIt) {
  const Scenario legacy = Parse("[engine]\nprofile = \"legacy\"");
  EXPECT_EQ(legacy.engine.policy.name, "legacy");
  EXPECT_EQ(legacy.engine.policy.redis_deadline, Millis(60000));
  EXPECT_FALSE(legacy.engine.policy.breaker);
  EXPECT_FALSE(legacy.engine.policy.select_conflict_check);
  const Scenario tuned = Parse("[engine]\nprofile = \"legacy\"\nredis_deadline = \"100ms\"");
  EXPECT_EQ(tuned.engine.policy.redis_deadline, Millis(100));
  EXPECT_FALSE(tuned.engine.policy.breaker);
}

TEST_F(ScenarioTest, FullScenarioParsesToTheExpectedStruct) {
  using std::chrono::minutes;
  using std::chrono::seconds;
  const Scenario s = Parse(kFull);
  EXPECT_EQ(s.name, "redis-outage");
  EXPECT_EQ(s.description, "Redis dies for a minute");
  EXPECT_EQ(s.duration, minutes(10));
  EXPECT_EQ(s.seed, 7u);
  EXPECT_EQ(s.target.kind, "local");
  EXPECT_EQ(s.target.redis, "redis://127.0.0.1:16379");
  EXPECT_EQ(s.target.mysql, "mysql://slotsim:slotsim@127.0.0.1:13306/slotsim");
  EXPECT_TRUE(s.target.spawn);
  EXPECT_EQ(s.engine.profile, "legacy");
  EXPECT_EQ(s.engine.heartbeat, seconds(2));
  EXPECT_EQ(s.engine.policy.hold_ttl, Millis(120000));
  EXPECT_EQ(s.engine.policy.redis_deadline, Millis(60000));  // legacy's own
  EXPECT_EQ(s.engine.policy.probe_interval, Millis(100));
  EXPECT_EQ(s.engine.policy.probes_to_close, 5);
  EXPECT_EQ(s.engine.grid.employees, 8);
  EXPECT_EQ(s.engine.grid.open_minute, 8 * 60);
  EXPECT_EQ(s.engine.grid.close_minute, 18 * 60);  // a TOML local time works too
  EXPECT_EQ(s.engine.grid.slot_minutes, 15);
  EXPECT_EQ(s.engine.grid.days_ahead, 10);
  EXPECT_EQ(s.load.model, "closed");
  EXPECT_EQ(s.load.stages,
            (std::vector<LoadStage>{{minutes(2), 200}, {minutes(6), 200}, {minutes(2), 0}}));
  EXPECT_EQ(s.load.max_clients, 5000);
  EXPECT_EQ(s.clients.employees_pick, Popularity::Zipf(0.8));
  EXPECT_EQ(s.clients.days, 7);
  EXPECT_TRUE(s.clients.slot_popularity.is_uniform());
  EXPECT_EQ(s.clients.think, Distribution::Const(seconds(3)));
  EXPECT_EQ(s.clients.browse, Distribution::Uniform(seconds(1), seconds(2)));
  EXPECT_EQ(s.clients.abandon, 0.5);
  EXPECT_EQ(s.clients.reschedule, 0);
  EXPECT_EQ(s.clients.cancel, 0.1);
  EXPECT_EQ(s.clients.retry_on_held, 1);
  EXPECT_FALSE(s.clients.poll_with_selected_time);

  ASSERT_EQ(s.faults.size(), 4u);
  EXPECT_EQ(s.faults[0].kind, "redis_down");
  EXPECT_EQ(s.faults[0].at, minutes(3));
  EXPECT_EQ(s.faults[0].duration, seconds(60));
  EXPECT_EQ(s.faults[0].restart, "with_data");
  EXPECT_EQ(s.faults[1].kind, "redis_latency");
  EXPECT_EQ(s.faults[1].latency, std::chrono::milliseconds(20));  // the kind's default
  EXPECT_EQ(s.faults[1].jitter, std::chrono::milliseconds(5));
  EXPECT_EQ(s.faults[2].kind, "redis_restart_empty");
  EXPECT_EQ(s.faults[2].at, minutes(9));
  EXPECT_EQ(s.faults[2].duration, Micros(0));
  EXPECT_EQ(s.faults[3].bytes_per_s, 10000);
  EXPECT_EQ(s.faults[3].upstream, "mysql");

  ASSERT_EQ(s.thresholds.size(), 3u);  // in file order
  EXPECT_EQ(s.thresholds[0].metric, "latency.poll.p99");
  EXPECT_EQ(s.thresholds[0].value, 20000);
  EXPECT_EQ(s.thresholds[1].metric, "consistency.double_bookings");
  EXPECT_EQ(s.thresholds[2].metric, "failover.detect_ms.max");
  EXPECT_EQ(s.thresholds[2].condition, "< 500");

  EXPECT_EQ(s.sim.redis_latency, Distribution::Const(Micros(50)));
  EXPECT_EQ(s.sim.mysql_read_latency, Distribution::Exponential(Micros(70)));
  EXPECT_EQ(s.sim.mysql_write_latency, Distribution::LogNormal(Micros(600), 0.2));
  EXPECT_EQ(s.sim.engine_overhead, Distribution::Const(Micros(0)));
  EXPECT_TRUE(s.output.history);
  EXPECT_EQ(s.output.timeseries_interval, seconds(5));
}

TEST_F(ScenarioTest, FaultKindsGetTheirOwnDefaults) {
  const Scenario s = Parse(R"(
[[faults]]
kind = "mysql_slow"
at = "1m"
for = "1m"
[[faults]]
kind = "redis_flap"
at = "2m"
for = "1m"
[[faults]]
kind = "proxy_latency"
at = "3m"
for = "1m"
)");
  ASSERT_EQ(s.faults.size(), 3u);
  EXPECT_EQ(s.faults[0].latency, std::chrono::milliseconds(50));
  EXPECT_EQ(s.faults[1].down, std::chrono::seconds(2));
  EXPECT_EQ(s.faults[1].up, std::chrono::seconds(3));
  EXPECT_EQ(s.faults[2].latency, std::chrono::milliseconds(20));
  EXPECT_EQ(s.faults[2].upstream, "redis");
}

// --- errors -----------------------------------------------------------------------------------

TEST_F(ScenarioTest, UnknownTopLevelKeyNamesItsLineAndTheAllowedKeys) {
  const std::string text = "name = \"x\"\n\ndurration = \"1m\"\n";
  ExpectErrorAt(text, "durration",
                {"unknown key \"durration\" in the top level",
                 "allowed: name, description, duration, seed, target, engine, load, clients, "
                 "adversaries, sim, output, faults, thresholds"});
}

TEST_F(ScenarioTest, UnknownKeyInEngine) {
  const std::string text = "[engine]\nprofile = \"legacy\"\nheartbeat_s = 5\n";
  ExpectErrorAt(text, "heartbeat_s",
                {"unknown key \"heartbeat_s\" in [engine]",
                 "allowed: profile, heartbeat, hold_ttl, redis_deadline, probe_interval, "
                 "probes_to_close, employees, open, close, slot, days_ahead"});
}

TEST_F(ScenarioTest, UnknownKeyInAFaultEntryListsThatKindsKeys) {
  const std::string text =
      "[[faults]]\nkind = \"redis_down\"\nat = \"1m\"\nfor = \"1m\"\n\n"
      "[[faults]]\nkind = \"redis_down\"\nat = \"3m\"\nfor = \"1m\"\nlatency = \"20ms\"\n";
  ExpectErrorAt(text, "latency",
                {"unknown key \"latency\" in faults[1] (kind = \"redis_down\")",
                 "allowed: kind, at, for, restart"});
}

TEST_F(ScenarioTest, InstantFaultTakesNoFor) {
  const std::string text =
      "[[faults]]\nkind = \"redis_restart_empty\"\nat = \"1m\"\nfor = \"1s\"\n";
  ExpectErrorAt(text, "for =", {"unknown key \"for\"", "allowed: kind, at"});
}

TEST_F(ScenarioTest, UnknownKeyInAStage) {
  const std::string text =
      "[load]\nstages = [\n  { for = \"1m\", to = 5 },\n  { for = \"1m\", to = 5, ramp = \"exp\" "
      "},\n]\n";
  ExpectErrorAt(text, "ramp", {"unknown key \"ramp\" in load.stages[1]", "allowed: for, to"});
}

TEST_F(ScenarioTest, WrongTypeNamesBothTypes) {
  const std::string text = "seed = 1\n[engine]\nemployees = \"20\"\n";
  ExpectErrorAt(text, "employees",
                {"engine.employees: expected an integer, got a string",
                 "allowed: an integer from 1 to 1000000"});
  ExpectErrorAt("[output]\nhistory = \"yes\"\n", "history",
                {"output.history: expected a boolean", "allowed: true, false"});
  ExpectErrorAt("engine = 5\n", "engine", {"engine: expected a table, got an integer"});
  ExpectErrorAt("[load]\nstages = \"2m\"\n", "stages", {"load.stages: expected an array"});
}

TEST_F(ScenarioTest, BadDurationSaysWhatIsWrongAndTheForm) {
  const std::string text = "[engine]\n\nheartbeat = \"5x\"\n";
  ExpectErrorAt(text, "heartbeat",
                {"engine.heartbeat: bad duration \"5x\"", "unknown unit \"x\"",
                 "allowed: a duration like 250ms"});
  ExpectErrorAt("duration = \"0s\"\n", "duration", {"duration: must be longer than 0"});
  ExpectErrorAt("[engine]\nhold_ttl = \"1500us\"\n", "hold_ttl",
                {"engine.hold_ttl: \"1500us\" is not a whole number of milliseconds"});
}

TEST_F(ScenarioTest, BadEnumListsTheAllowedValues) {
  ExpectErrorAt("[target]\nkind = \"docker\"\n", "docker",
                {"target.kind: unknown value \"docker\"", "allowed: sim, local, http"});
  ExpectErrorAt("[engine]\nprofile = \"modern\"\n", "modern", {"allowed: reference, legacy"});
  ExpectErrorAt("[load]\nmodel = \"poisson\"\n", "poisson", {"allowed: open, closed"});
  ExpectErrorAt("[[faults]]\nkind = \"redis_died\"\nat = \"1m\"\nfor = \"1m\"\n", "redis_died",
                {"faults[0].kind: unknown value \"redis_died\"",
                 "allowed: redis_down, redis_hang, redis_latency, redis_flap, redis_restart_empty, "
                 "mysql_slow, mysql_down, mysql_hang, proxy_latency, proxy_blackhole, proxy_reset, "
                 "proxy_down, proxy_bandwidth"});
  ExpectErrorAt(
      "[[faults]]\nkind = \"redis_down\"\nat = \"1m\"\nfor = \"1m\"\nrestart = \"warm\"\n", "warm",
      {"allowed: empty, with_data"});
}

TEST_F(ScenarioTest, FaultOutsideTheRunNamesBothValues) {
  const std::string text =
      "duration = \"10m\"\n[[faults]]\nkind = \"redis_down\"\nat = \"9m\"\nfor = \"2m\"\n";
  ExpectErrorAt(text, "for =",
                {"faults[0].for", "at = 9m + for = 2m = 11m > duration = 10m",
                 "allowed: faults inside the run, at + for <= duration"});
  ExpectErrorAt("duration = \"1m\"\n[[faults]]\nkind = \"redis_restart_empty\"\nat = \"2m\"\n",
                "at =", {"at = 2m > duration = 1m"});
}

TEST_F(ScenarioTest, MissingRequiredKeysPointAtTheirTable) {
  const std::string text = "seed = 1\n\n[[faults]]\nkind = \"redis_hang\"\nfor = \"1m\"\n";
  ExpectErrorAt(text, "[[faults]]", {"faults[0]: missing required key \"at\""});
  ExpectErrorAt("[[faults]]\nat = \"1m\"\n", "[[faults]]",
                {"missing required key \"kind\"", "allowed: redis_down,"});
  ExpectErrorAt("[[faults]]\nkind = \"proxy_bandwidth\"\nat = \"1m\"\nfor = \"1m\"\n", "[[faults]]",
                {"missing required key \"bytes_per_s\""});
  ExpectErrorAt("[load]\nstages = [{ to = 5 }]\n", "stages",
                {"load.stages[0]: missing required key \"for\""});
  ExpectErrorAt("[target]\nkind = \"http\"\n", "[target]",
                {"target.url: required when kind = \"http\"", "allowed: http://HOST:PORT"});
}

TEST_F(ScenarioTest, UnknownThresholdMetricIsAnError) {
  const std::string text =
      "[thresholds]\n\"latency.poll.p99\" = \"< 20ms\"\n"
      "\"latency.poll.p95\" = \"< 20ms\"\n";
  ExpectErrorAt(text, "p95",
                {"unknown metric \"latency.poll.p95\"", "unknown stat \"p95\"",
                 "allowed: p50, p90, p99, p999, max"});
}

TEST_F(ScenarioTest, BadThresholdConditionIsAnError) {
  const std::string text =
      "[thresholds]\n\"errors.count\" = \"== 0\"\n"
      "\"latency.poll.p99\" = \"20ms\"\n";
  ExpectErrorAt(text, "20ms",
                {"threshold \"latency.poll.p99\" = \"20ms\"", "missing comparison operator",
                 "allowed: \"<op> <value>\""});
  ExpectErrorAt("[thresholds]\n\"errors.count\" = 0\n", "errors.count",
                {"expected a string or a table, got an integer"});
}

TEST_F(ScenarioTest, ThresholdTableFormSetsAbortOnFailAndGraceAndRoundTrips) {
  const Scenario s = Parse(
      "[thresholds]\n\"errors.count\" = \"== 0\"\n"
      "\"latency.poll.p99\" = { condition = \"< 20ms\", abort_on_fail = true, grace = \"30s\" }\n");
  ASSERT_EQ(s.thresholds.size(), 2u);
  EXPECT_FALSE(s.thresholds[0].abort_on_fail);
  EXPECT_TRUE(s.thresholds[1].abort_on_fail);
  EXPECT_EQ(s.thresholds[1].grace, Micros(30'000'000));
  EXPECT_EQ(s.thresholds[1].value, 20'000);
  const Scenario again = Parse(s.ToToml());
  ASSERT_EQ(again.thresholds.size(), 2u);
  EXPECT_TRUE(again.thresholds[1].abort_on_fail);
  EXPECT_EQ(again.thresholds[1].grace, Micros(30'000'000));
  ExpectErrorAt("[thresholds]\n\"errors.count\" = { abort_on_fail = true }\n", "errors.count",
                {"condition"});
  ExpectErrorAt("[thresholds]\n\"errors.count\" = { condition = \"== 0\", abort = true }\n",
                "errors.count",
                {"unknown key \"abort\"", "allowed: condition, abort_on_fail, grace"});
}

TEST_F(ScenarioTest, OtherBadValuesAreRejectedWithTheirForm) {
  ExpectErrorAt("[target]\nredis = \"127.0.0.1:6379\"\n",
                "redis =", {"target.redis: bad URL", "allowed: redis://"});
  ExpectErrorAt("[target]\nmysql = \"mysql://u@h\"\n", "mysql =", {"allowed: mysql://USER"});
  ExpectErrorAt("[target]\nkind = \"http\"\nurl = \"localhost:8080\"\n",
                "url =", {"target.url: bad URL"});
  ExpectErrorAt("[clients]\nthink = \"normal:3s\"\n", "think",
                {"clients.think: bad distribution \"normal:3s\"", "allowed: const:<d>"});
  ExpectErrorAt("[clients]\nslot_popularity = \"zipf:0\"\n", "slot_popularity",
                {"allowed: uniform, zipf:<s>"});
  ExpectErrorAt("[clients]\nabandon = 1.5\n", "abandon", {"allowed: a number from 0 to 1"});
  ExpectErrorAt("[engine]\ndays_ahead = 5\n[clients]\ndays = 14\n",
                "days =", {"clients.days: 14 is out of range", "allowed: an integer from 1 to 6"});
  ExpectErrorAt("[engine]\nopen = \"9am\"\n", "open", {"allowed: a time of day \"HH:MM\""});
  ExpectErrorAt("[engine]\nopen = \"17:00\"\nclose = \"09:00\"\n", "close",
                {"opening hours 17:00-09:00 are empty"});
  ExpectErrorAt("[engine]\nclose = \"17:10\"\n", "[engine]",
                {"engine.slot: 30m does not divide the opening hours 09:00-17:10"});
  ExpectErrorAt(
      "[load]\nmodel = \"closed\"\nmax_clients = 10\nstages = [{ for = \"1m\", to = 11 }]\n",
      "stages", {"to <= max_clients (10)"});
  ExpectErrorAt("name = \"a/b\"\n", "name", {"cannot name a run directory"});
}

TEST_F(ScenarioTest, TomlSyntaxErrorGivesLineAndColumn) {
  const std::string m = Error("name = \"x\"\nduration = 10m\n");
  EXPECT_EQ(m.rfind(std::string(kFile) + ":2:14: ", 0), 0u) << m;
  EXPECT_NE(m.find("; allowed: TOML"), std::string::npos) << m;
}

// --- overrides --------------------------------------------------------------------------------

TEST_F(ScenarioTest, SetOverridesNestedTopLevelAndArrayKeys) {
  const Scenario s =
      Parse(kFull, {"engine.profile=reference", "duration=9m30s", "seed=99", "faults.0.at=1m",
                    "faults.1.latency=\"40ms\"", "load.stages=[{for=\"1m\",to=5}]",
                    "thresholds.latency.poll.p99=< 30ms", "thresholds.\"errors.rate\"=<1%",
                    "clients.abandon=0.25"});
  EXPECT_EQ(s.engine.profile, "reference");
  EXPECT_EQ(s.engine.policy.redis_deadline, Millis(50));
  EXPECT_EQ(s.engine.policy.hold_ttl, Millis(120000));  // the file's key still applies
  EXPECT_EQ(s.duration, std::chrono::seconds(570));
  EXPECT_EQ(s.seed, 99u);
  EXPECT_EQ(s.faults[0].at, std::chrono::minutes(1));
  EXPECT_EQ(s.faults[1].latency, std::chrono::milliseconds(40));
  EXPECT_EQ(s.load.stages, (std::vector<LoadStage>{{std::chrono::minutes(1), 5}}));
  ASSERT_EQ(s.thresholds.size(), 4u);
  EXPECT_EQ(s.thresholds[0].metric, "latency.poll.p99");
  EXPECT_EQ(s.thresholds[0].value, 30000);
  EXPECT_EQ(s.thresholds[1].metric, "consistency.double_bookings");
  EXPECT_EQ(s.thresholds[3].metric, "errors.rate");  // new --set thresholds come last
  EXPECT_EQ(s.clients.abandon, 0.25);
}

TEST_F(ScenarioTest, SetCreatesMissingTablesAndAppendsFaults) {
  const Scenario s = Parse("", {"target.kind=local", "faults.0.kind=redis_hang", "faults.0.at=1m",
                                "faults.0.for=10s", "engine.open=08:30"});
  EXPECT_EQ(s.target.kind, "local");
  ASSERT_EQ(s.faults.size(), 1u);
  EXPECT_EQ(s.faults[0].kind, "redis_hang");
  EXPECT_EQ(s.faults[0].duration, std::chrono::seconds(10));
  EXPECT_EQ(s.engine.grid.open_minute, 8 * 60 + 30);
}

TEST_F(ScenarioTest, SetValueThatTomlReadsAsANumberCanStillBeAString) {
  EXPECT_EQ(Parse("", {"name=2024"}).name, "2024");
  EXPECT_EQ(Parse("", {"description=1.50"}).description, "1.50");
}

TEST_F(ScenarioTest, LaterSetWins) {
  EXPECT_EQ(Parse("", {"seed=1", "seed=2"}).seed, 2u);
  EXPECT_EQ(Parse("", {"name=5", "name=five"}).name, "five");
}

TEST_F(ScenarioTest, SetOfAnUnknownKeyIsAnError) {
  const std::string m = Error("", {"engine.bogus=1"});
  EXPECT_EQ(m.rfind("--set engine.bogus: unknown key \"bogus\" in [engine]; allowed: profile", 0),
            0u)
      << m;
  ExpectContains(Error("", {"nosuch.key=1"}), {"--set nosuch.key: unknown key \"nosuch\""});
  ExpectContains(Error(kFull, {"faults.0.latency=5ms"}),
                 {"--set faults.0.latency: unknown key \"latency\" in faults[0]"});
}

TEST_F(ScenarioTest, SetErrorsNameTheSetting) {
  ExpectContains(Error("", {"engine.heartbeat=5x"}),
                 {"--set engine.heartbeat: engine.heartbeat: bad duration \"5x\"", "allowed: "});
  ExpectContains(Error("", {"engine.profile=modern"}),
                 {"--set engine.profile: engine.profile: unknown value \"modern\"",
                  "allowed: reference, legacy"});
  ExpectContains(Error(kFull, {"faults.7.at=1m"}),
                 {"--set faults.7.at: \"7\" is not an index of an array of 4", "allowed: 0 to 4"});
  ExpectContains(Error("", {"load.stages=[{for=1m}]"}), {"--set load.stages: bad TOML value"});
  ExpectContains(Error("", {"duration"}),
                 {"--set duration: missing \"=\"", "allowed: key.path=value"});
  ExpectContains(Error(kFull, {"seed.x=1"}), {"--set seed.x: cannot set \"x\" inside an integer"});
  ExpectContains(Error("", {"engine..profile=x"}), {"--set engine..profile: bad key path"});
}

TEST_F(ScenarioTest, SetDurationShorterThanAFaultIsCaught) {
  ExpectContains(Error(kFull, {"duration=2m"}),
                 {"faults[0].for", "at = 3m + for = 1m = 4m > duration = 2m"});
}

// --- load and round trip ----------------------------------------------------------------------

TEST_F(ScenarioTest, LoadAtInterpolatesAcrossStages) {
  using std::chrono::minutes;
  using std::chrono::seconds;
  const Scenario s = Parse(kFull);  // 0 -> 200 over 2m, hold 6m, 200 -> 0 over 2m
  EXPECT_EQ(s.LoadAt(Micros(-1)), 0);
  EXPECT_EQ(s.LoadAt(Micros(0)), 0);
  EXPECT_DOUBLE_EQ(s.LoadAt(seconds(30)), 50);
  EXPECT_DOUBLE_EQ(s.LoadAt(minutes(1)), 100);
  EXPECT_DOUBLE_EQ(s.LoadAt(minutes(2)), 200);
  EXPECT_DOUBLE_EQ(s.LoadAt(minutes(5)), 200);
  EXPECT_DOUBLE_EQ(s.LoadAt(minutes(9)), 100);
  EXPECT_DOUBLE_EQ(s.LoadAt(minutes(10)), 0);
  EXPECT_DOUBLE_EQ(s.LoadAt(minutes(20)), 0);
  const Scenario step =
      Parse("[load]\nstages = [{ for = \"0s\", to = 50 }, { for = \"1m\", to = 100 }]");
  EXPECT_DOUBLE_EQ(step.LoadAt(Micros(0)), 50);
  EXPECT_DOUBLE_EQ(step.LoadAt(seconds(30)), 75);
  EXPECT_DOUBLE_EQ(step.LoadAt(minutes(5)), 100);  // holds the last target
}

TEST_F(ScenarioTest, ToTomlRoundTrips) {
  for (std::string_view text : {std::string_view(""), std::string_view(kFull)}) {
    const Scenario s = Parse(text);
    const std::string toml = s.ToToml();
    const Scenario again = Parse(toml);
    EXPECT_EQ(again.ToToml(), toml);
    EXPECT_EQ(again.name, s.name);
    EXPECT_EQ(again.faults.size(), s.faults.size());
    EXPECT_EQ(again.thresholds.size(), s.thresholds.size());
    EXPECT_EQ(again.load.stages, s.load.stages);
  }
  Scenario odd;
  odd.name = "quote\"and\\slash";
  odd.description = "two\nlines\ttab";
  EXPECT_EQ(Parse(odd.ToToml()).description, odd.description);
  EXPECT_EQ(Parse(odd.ToToml()).name, odd.name);
}

TEST_F(ScenarioTest, DocsNameEveryKeyAndFaultKind) {
  const std::filesystem::path docs =
      std::filesystem::path(__FILE__).parent_path() / "../../docs/scenarios.md";
  std::ifstream in(docs);
  ASSERT_TRUE(in) << docs;
  std::stringstream text;
  text << in.rdbuf();
  // Every key the resolved scenario writes, including each fault kind's parameters.
  std::string all = Parse(kFull).ToToml();
  for (std::string_view kind : kFaultKinds) {
    EXPECT_NE(text.str().find("| `" + std::string(kind) + "` |"), std::string::npos) << kind;
    FaultSpec f;
    f.kind = kind;
    Scenario one;
    one.faults.push_back(f);
    all += one.ToToml();
  }
  std::istringstream lines(all);
  for (std::string line; std::getline(lines, line);) {
    const size_t eq = line.find(" = ");
    if (eq == std::string::npos || line[0] == '"') continue;  // thresholds' metrics
    const std::string key = line.substr(0, eq);
    EXPECT_NE(text.str().find("`" + key + "`"), std::string::npos) << key << " is not in " << docs;
  }
}

TEST_F(ScenarioTest, LoadScenarioReadsAFileAndNamesItInErrors) {
  const std::filesystem::path dir = std::filesystem::temp_directory_path() /
                                    ("slotsim-scenario-test-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "smoke-run.toml").string();
  {
    std::ofstream out(path);
    out << "duration = \"1m\"\n[engine]\nheartbeat = \"nope\"\n";
  }
  StatusOr<Scenario> bad = LoadScenario(path);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message().rfind(path + ":3: engine.heartbeat", 0), 0u)
      << bad.status().message();
  StatusOr<Scenario> good = LoadScenario(path, {"engine.heartbeat=1s"});
  ASSERT_TRUE(good.ok()) << good.status().ToString();
  EXPECT_EQ(good->name, "smoke-run");
  EXPECT_EQ(good->source, path);
  StatusOr<Scenario> missing = LoadScenario((dir / "absent.toml").string());
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("absent.toml: cannot open"), std::string::npos);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace slotsim
