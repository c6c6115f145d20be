// Scenario: one run of slotsim as a TOML file describes it (docs/scenarios.md) — target, engine
// profile, load shape, client behaviour, faults, thresholds, sim models and outputs — fully
// resolved and validated. Every key has a default; the member initialisers below ARE those
// defaults. A bad scenario is rejected before anything starts with
//   InvalidArgument("<file>:<line>: <what is wrong>; allowed: <allowed values or form>")
// or, for a value given on the command line, "--set <key>: ...".
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "engine/grid.h"
#include "engine/policy.h"
#include "simulator/scenario/distribution.h"
#include "simulator/scenario/threshold.h"

namespace slotsim {

using namespace std::chrono_literals;

// [target]: where the engine runs (docs/architecture.md, "Targets").
struct TargetSpec {
  std::string kind = "sim";  // "sim" | "local" | "http"
  std::string url;           // the server to drive; required when kind = "http"
  std::string redis;   // redis://...; "" = the target's own (sim model, or local launches one)
  std::string mysql;   // mysql://...; "" = likewise
  bool spawn = false;  // http: slotsim launches `slotsim serve` at `url` itself
  int workers = 16;    // local, http: worker threads running operations (and connections each)
  // http (docs/http.md): a page to scrape the wp_rest nonce from ("/"; "" = send none); each
  // client its own X-Forwarded-For; REST addressing "wp-json" | "rest_route"; and, with
  // spawn = false and `mysql`, the server's table prefix to read the final bookings from.
  std::string nonce_from;
  bool forwarded_for = false;
  std::string rest_style = "wp-json";
  std::string table_prefix = "slotsim_";
};

// [engine]: the engine's policy preset and knobs, and the slot grid. `policy` is the preset
// named by `profile` with every explicit key applied over it.
struct EngineSpec {
  std::string profile = "reference";  // "reference" | "legacy" (engine/policy.h)
  Micros heartbeat = 5s;              // clients poll this often
  // hold_ttl 300s, redis_deadline 50ms (legacy: 60s), probe_interval 200ms, probes_to_close 3.
  Policy policy = ReferencePolicy();
  // employees 20, open "09:00", close "17:00", slot "30m", days_ahead 30.
  GridOptions grid;
};

// One stage of [load].stages: ramp linearly from the previous stage's target (0 for the first)
// to `target` over `duration`.
struct LoadStage {
  Micros duration{0};  // key "for"
  double target = 0;   // key "to": arrivals per second (open) or concurrent clients (closed)
  bool operator==(const LoadStage&) const = default;
};

// [load]
struct LoadSpec {
  static constexpr double kDefaultTarget = 10;
  std::string model = "open";  // "open" (arrivals per second) | "closed" (concurrent clients)
  // Default: one stage {for = <duration>, to = 10}; after the last stage the load holds its
  // target, and stages past the duration are cut off by the end of the run.
  std::vector<LoadStage> stages = {{10min, kDefaultTarget}};
  // Bound on concurrently live clients (open model; closed-model targets may not exceed it).
  // Reaching it at run time is a reported error, not a hang.
  int64_t max_clients = 2'000'000;
};

// [clients]: what each virtual client does.
struct ClientSpec {
  Popularity employees_pick = Popularity::Uniform();  // which employee a client books with
  int days = 14;  // dates are picked among the first `days` bookable days (uniformly)
  Popularity slot_popularity = Popularity::Zipf(1.1);      // which time of the day (0 = first)
  Distribution think = Distribution::LogNormal(20s, 0.5);  // select -> confirm/abandon decision
  Distribution browse = Distribution::Exponential(10s);    // arrival -> first select
  double abandon = 0.3;      // probability a client abandons its held slot instead of confirming
  double reschedule = 0.05;  // probability a confirmed booking is later rescheduled
  double cancel = 0.05;      // probability a confirmed booking is later cancelled
  int retry_on_held = 3;     // other slots a client tries after SlotHeld before giving up
  bool poll_with_selected_time = true;  // polls carry selected_time (re-assert the hold)
};

// [adversaries]: a share of the arriving clients that test the target's guarantees instead of
// booking (docs/scenarios.md, "[adversaries]"; what the checker counts: docs/consistency.md).
struct AdversarySpec {
  double share = 0;  // probability an arriving client is an adversary; 0 = none (no draw made)
  // What they try: "release_foreign" (deselect a slot another client holds, then look whether
  // it is gone) and "cancel_foreign" (book once, then cancel the neighbouring booking ids).
  std::vector<std::string> behaviors = {"release_foreign"};
  int attempts = 3;  // tries per adversary before it leaves
};

inline constexpr std::string_view kAdversaryBehaviors[] = {"release_foreign", "cancel_foreign"};

// One [[faults]] entry. `kind` decides which parameters apply (docs/scenarios.md, "Faults").
struct FaultSpec {
  std::string kind;                // one of kFaultKinds
  Micros at{0};                    // start, from the run's start (required)
  Micros duration{0};              // key "for" (required; 0 for the instant redis_restart_empty)
  std::string restart = "empty";   // redis_down: "empty" | "with_data" (what Redis comes back with)
  Micros latency{0};               // redis_latency (20ms), mysql_slow (50ms), proxy_latency (20ms)
  Micros jitter{0};                // redis_latency, proxy_latency (0ms)
  Micros down{2s};                 // redis_flap: time down per cycle
  Micros up{3s};                   // redis_flap: time up per cycle
  int64_t bytes_per_s = 0;         // proxy_bandwidth (required)
  std::string upstream = "redis";  // proxy_*: what the proxy stands in front of, redis | mysql
  Micros end() const { return at + duration; }
};

inline constexpr std::string_view kFaultKinds[] = {
    "redis_down",  "redis_hang", "redis_latency",  "redis_flap",    "redis_restart_empty",
    "mysql_slow",  "mysql_down", "mysql_hang",     "proxy_latency", "proxy_blackhole",
    "proxy_reset", "proxy_down", "proxy_bandwidth"};

// The keys a fault kind takes besides kind, at and for; empty for an unknown kind.
std::vector<std::string_view> FaultParamKeys(std::string_view kind);
// True for kinds that happen at one instant and take no "for" (redis_restart_empty).
bool IsInstantFault(std::string_view kind);

// [sim]: the sim target's models of its backends. Defaults are the loopback medians of
// docs/platform.md, "Loopback figures (medians)" (Redis round trip ~38us, MariaDB PK select 58us,
// locking transaction 491us).
struct SimSpec {
  static constexpr int kMaxServers = 100'000;
  Distribution redis_latency = Distribution::LogNormal(40us, 0.3);
  Distribution mysql_read_latency = Distribution::LogNormal(60us, 0.3);
  Distribution mysql_write_latency = Distribution::LogNormal(500us, 0.4);
  Distribution engine_overhead = Distribution::Const(5us);  // per request, in the engine itself
  // Calls each backend serves at once (a FIFO queue with that many servers, each busy for a
  // call's sampled latency; simulator/model_store.h, "Capacity"). 0 = unlimited: no queueing,
  // latency never rises with load.
  int redis_servers = 0;
  int mysql_servers = 0;
};

// [output]
struct OutputSpec {
  bool history = false;             // write history.jsonl (every operation)
  Micros timeseries_interval = 1s;  // row length of timeseries.csv
};

struct Scenario {
  std::string name;         // default: the file's stem ("redis-outage" for redis-outage.toml)
  std::string description;  // free text for reports
  Micros duration = 10min;
  uint64_t seed = 42;  // every random choice of a sim run derives from it
  std::string source;  // the file it was read from (or the source name given)

  TargetSpec target;
  EngineSpec engine;
  LoadSpec load;
  ClientSpec clients;
  AdversarySpec adversaries;
  std::vector<FaultSpec> faults;
  std::vector<Threshold> thresholds;  // in the order of the file
  SimSpec sim;
  OutputSpec output;

  // The load target at time `t` since the run's start, interpolated linearly within the stage
  // containing t; 0 before the start, the last stage's target after the last stage.
  double LoadAt(Micros t) const;

  // The fully resolved scenario as TOML, every key written out; ParseScenario of it gives back
  // the same scenario. For embedding in reports and for replays.
  std::string ToToml() const;
};

// Reads `path` and parses it as ParseScenario does, `path` naming the source in errors.
StatusOr<Scenario> LoadScenario(const std::string& path,
                                const std::vector<std::string>& overrides = {});

// Parses and validates a scenario from TOML text. `source_name` is used in error messages and
// gives the default name (its stem). `overrides` are "key.path=value" as given to --set, e.g.
// "engine.profile=legacy", "faults.0.at=1m", "load.stages=[{for=\"1m\",to=5}]"; each value is
// read as a TOML value or else taken as a bare string, and they are applied in order to the
// parsed document before validation.
StatusOr<Scenario> ParseScenario(std::string_view toml_text, const std::string& source_name,
                                 const std::vector<std::string>& overrides = {});

}  // namespace slotsim
