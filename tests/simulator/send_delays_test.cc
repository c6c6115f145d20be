// Why real-time operations went out late (simulator/observe/send_delays.h): the arithmetic of
// the three parts, and a whole wall-clock run against a target that is slow while the harness is
// not — the engine in process over a memory store whose polls sometimes take 1.5 s, behind 4
// workers. The delay must show as waiting for a worker and as clients' own unanswered requests,
// not as harness lateness (which once carried all of it: an overdue poll released by a slow
// answer was stamped late from its old schedule).
#include "simulator/observe/send_delays.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "engine/memory_store.h"
#include "engine/slot_engine.h"
#include "engine/store_wrapper.h"
#include "reports/summary.h"
#include "simulator/observe/recorder.h"
#include "simulator/run/realtime_run.h"
#include "simulator/workload/engine_ops.h"
#include "tests/support/scenarios.h"

namespace slotsim {
namespace {

using nlohmann::json;

TEST(SendDelaysTest, ThePartsAddUpToTheDelayAndEachBlamesItsParty) {
  SendDelays d;
  const Timestamp t0 = FromUnixMillis(1'800'000'000'000);
  // Due at t0, its client busy until +300 ms, the loop 2 ms late, 50 ms waiting for a worker.
  d.Record(t0, t0 + Millis(300), t0 + Millis(302), t0 + Millis(352));
  // On time in every part.
  d.Record(t0, t0, t0, t0 + Micros(20));
  // A clock step backwards is no negative delay.
  d.Record(t0, t0 - Millis(5), t0, t0);
  EXPECT_EQ(d.ops, 3u);
  EXPECT_EQ(d.client_busy_us, 300'000);
  EXPECT_EQ(d.harness_us, 2'000 + 5'000);
  EXPECT_EQ(d.worker_wait_us, 50'020);
  EXPECT_EQ(d.late_ops, 1u);
  EXPECT_EQ(d.harness_late_ops, 0u);
  EXPECT_FALSE(d.HarnessFellBehind());
  d.Record(t0, t0, t0 + Millis(11), t0 + Millis(11));  // the loop itself 11 ms late
  EXPECT_EQ(d.harness_late_ops, 1u);
  EXPECT_TRUE(d.HarnessFellBehind());  // 1 of 4 operations: more than 1 %
}

// Every `every`-th Store::Poll sleeps `delay` before it runs: a target slow now and then.
class SlowPolls final : public StoreWrapper {
 public:
  SlowPolls(Store& target, int every, Micros delay)
      : StoreWrapper(target), every_(every), delay_(delay) {}
  Status BeforeCall(const StoreCall& call) override {
    if (call.method == StoreMethod::kPoll && ++polls_ % every_ == 0) {
      std::this_thread::sleep_for(delay_);
    }
    return Status::Ok();
  }

 private:
  const int every_;
  const Micros delay_;
  std::atomic<int> polls_{0};
};

class EngineExecutor final : public OpExecutor {
 public:
  EngineExecutor(SlotEngine& engine, const Store& store) : engine_(engine), store_(store) {}
  void Execute(const OpRequest& req, OpResult& r) override {
    ExecuteOp(engine_, store_, req, r);
    const bool read = req.kind == OpKind::kPoll || req.kind == OpKind::kAvailability;
    r.outcome = r.status.ok()                             ? Outcome::kOk
                : IsDomainAnswer(r.status.code()) || read ? Outcome::kFail
                                                          : Outcome::kUnknown;
  }

 private:
  SlotEngine& engine_;
  const Store& store_;
};

// The engine in process over a memory store behind SlowPolls; no servers.
class SlowBackend final : public RealtimeBackend {
 public:
  SlowBackend(const Scenario& sc, int every, Micros delay)
      : sc_(sc), slow_(memory_, every, delay) {}
  std::string name() const override { return "local"; }
  bool wants_servers() const override { return false; }
  Status Start(const RedisUrl&, const MySqlUrl&,
               const std::function<void(const std::string&)>&) override {
    SLOTSIM_ASSIGN_OR_RETURN(
        SlotEngine engine, SlotEngine::Create(slow_, clock_, {sc_.engine.grid, sc_.engine.policy}));
    engine_.emplace(std::move(engine));
    return Status::Ok();
  }
  const Grid& grid() const override { return engine_->grid(); }
  std::unique_ptr<OpExecutor> NewExecutor(int) override {
    return std::make_unique<EngineExecutor>(*engine_, slow_);
  }
  StorageMode mode() const override { return memory_.mode(); }
  void SetSwitchListener(std::function<void(const ModeSwitch&)>) override {}
  StatusOr<FinalState> FinalBookings() override {
    SLOTSIM_ASSIGN_OR_RETURN(std::vector<Booking> all, memory_.ActiveBookings(""));
    return FinalState{std::move(all), ReadBack::kComplete, ""};
  }

 private:
  const Scenario& sc_;
  SystemClock clock_;
  MemoryStore memory_;
  SlowPolls slow_;
  std::optional<SlotEngine> engine_;
};

TEST(SendDelaysTest, ASlowTargetShowsAsWorkerWaitAndBusyClientsNotAsHarnessLateness) {
  // 40 clients polling every second behind 4 workers; one poll in 8 takes 1.5 s, so slow polls
  // alone want ~7 workers: clients' next beats fall due while their polls are unanswered, and
  // operations queue for the workers. The harness has nearly nothing to do.
  StatusOr<Scenario> sc =
      LoadScenario(testing::ShippedScenarioPath("steady"),
                   {"target.kind=\"local\"", "target.workers=4", "duration=\"8s\"",
                    "engine.heartbeat=\"1s\"", "load.model=\"closed\"",
                    "load.stages=[{ for = \"1s\", to = 40 }, { for = \"7s\", to = 40 }]",
                    "clients.think=\"lognormal:3s:0.5\"", "faults=[]"});
  ASSERT_TRUE(sc.ok()) << sc.status().ToString();
  SlowBackend backend(*sc, 8, Micros(1'500'000));
  SystemClock wall;
  RunOptions options;
  options.wall_clock = &wall;
  options.note = [](const std::string& line) { std::fprintf(stderr, "%s\n", line.c_str()); };
  StatusOr<RunResult> result = RunRealtimeScenario(*sc, options, backend);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  const SendDelays& d = result->run.send;
  ASSERT_GT(d.ops, 100u);
  // Which figure carries the delay: the target's two, each far more than the harness's own.
  EXPECT_GT(d.worker_wait_us, 10 * d.harness_us);
  EXPECT_GT(d.client_busy_us, 10 * d.harness_us);
  EXPECT_GT(d.worker_wait.ValueAtPercentile(99), d.harness_lateness.ValueAtPercentile(99));
  EXPECT_GT(d.client_busy.ValueAtPercentile(99), d.harness_lateness.ValueAtPercentile(99));
  EXPECT_GT(d.late_ops, d.harness_late_ops);
  // The same in summary.json.
  const json s = SummaryJson(*result);
  const json& delay_s = s["run"]["schedule"]["delay_s"];
  EXPECT_GT(delay_s["client_busy"].get<double>(), delay_s["harness"].get<double>());
  EXPECT_GT(delay_s["worker_wait"].get<double>(), delay_s["harness"].get<double>());
  EXPECT_GT(s["run"]["client_busy_us"]["p99"].get<int64_t>(),
            s["run"]["scheduler_lateness_us"]["p99"].get<int64_t>());
}

}  // namespace
}  // namespace slotsim
