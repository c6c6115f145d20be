// The real-time machinery of the local and http targets: RealtimeLoop (timers and posted work
// on one thread) and RealtimeTarget (a bounded worker pool that answers on the loop thread).
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "engine/grid.h"
#include "simulator/targets/realtime/realtime_loop.h"
#include "simulator/targets/realtime/realtime_target.h"

namespace slotsim {
namespace {

using std::chrono::milliseconds;

// Runs the loop on its own thread for the test's lifetime.
class LoopThread {
 public:
  explicit LoopThread(RealtimeLoop& loop) : loop_(loop), thread_([this] { loop_.Run(); }) {}
  ~LoopThread() {
    loop_.Quit();
    thread_.join();
  }
  // Runs `fn` on the loop thread and waits for it.
  void Sync(std::function<void()> fn) {
    std::atomic<bool> done{false};
    loop_.Post([&] {
      fn();
      done = true;
    });
    while (!done) std::this_thread::sleep_for(milliseconds(1));
  }

 private:
  RealtimeLoop& loop_;
  std::thread thread_;
};

TEST(RealtimeLoopTest, TimersRunInTimeOrderOnTheLoopThreadNotBeforeTheirTime) {
  RealtimeLoop loop;
  std::mutex mu;
  std::vector<int> order;
  std::vector<Micros> early;  // how much before its time each timer ran (must be none)
  std::thread::id loop_id;
  const Timestamp t0 = loop.Now() + Micros(30'000);
  for (int i : {3, 1, 2}) {
    const Timestamp at = t0 + Micros(i * 10'000);
    loop.ScheduleAt(at, [&, i, at] {
      std::lock_guard<std::mutex> lock(mu);
      order.push_back(i);
      if (loop.Now() < at) early.push_back(at - loop.Now());
      EXPECT_TRUE(loop.OnLoopThread());
      EXPECT_EQ(loop.current_due(), at);
    });
  }
  {
    LoopThread thread(loop);
    // Bounded wait (a loaded machine may start the thread late); the check is the order.
    for (int i = 0; i < 1000; ++i) {
      {
        std::lock_guard<std::mutex> lock(mu);
        if (order.size() == 3) break;
      }
      std::this_thread::sleep_for(milliseconds(5));
    }
  }
  EXPECT_EQ(order, (std::vector<int>{1, 2, 3}));
  EXPECT_TRUE(early.empty());
}

TEST(RealtimeLoopTest, ATimerArmedForAPastMomentIsDueWhenTheEventThatArmedItWas) {
  RealtimeLoop loop;
  LoopThread thread(loop);
  Timestamp posted_due, timer_due, past;
  std::atomic<bool> ran{false};
  loop.Post([&] {
    posted_due = loop.current_due();
    past = posted_due - Micros(5'000'000);
    loop.ScheduleAt(past, [&] {
      timer_due = loop.current_due();
      ran = true;
    });
  });
  for (int i = 0; i < 1000 && !ran; ++i) std::this_thread::sleep_for(milliseconds(5));
  thread.Sync([&] {
    ASSERT_TRUE(ran.load());
    // Not 5 s overdue: the timer could run no earlier than the post that armed it was due.
    EXPECT_EQ(timer_due, posted_due);
    EXPECT_GT(timer_due, past);
  });
}

TEST(RealtimeLoopTest, CancelledTimerNeverRuns) {
  RealtimeLoop loop;
  std::atomic<int> runs{0};
  const Clock::TimerId id = loop.ScheduleAt(loop.Now() + Micros(20'000), [&] { ++runs; });
  loop.ScheduleAt(loop.Now() + Micros(30'000), [&] { runs += 10; });
  EXPECT_TRUE(loop.Cancel(id));
  EXPECT_FALSE(loop.Cancel(id));
  {
    LoopThread thread(loop);
    // The later timer has run once `runs` reaches 10; the cancelled one was due before it.
    for (int i = 0; i < 1000 && runs < 10; ++i) std::this_thread::sleep_for(milliseconds(5));
    std::this_thread::sleep_for(milliseconds(20));
  }
  EXPECT_EQ(runs.load(), 10);
}

TEST(RealtimeLoopTest, WorkPostedFromOtherThreadsRunsOnTheLoopInPostingOrder) {
  RealtimeLoop loop;
  LoopThread thread(loop);
  std::vector<int> seen;  // touched only on the loop thread
  std::thread poster([&] {
    for (int i = 0; i < 1000; ++i) {
      loop.Post([&seen, &loop, i] {
        EXPECT_TRUE(loop.OnLoopThread());
        seen.push_back(i);
      });
    }
  });
  poster.join();
  thread.Sync([] {});
  std::vector<int> expected(1000);
  for (int i = 0; i < 1000; ++i) expected[i] = i;
  thread.Sync([&] { EXPECT_EQ(seen, expected); });
}

TEST(RealtimeLoopTest, TimerArmedWhileLoopSleepsOnALaterOneStillRunsOnTime) {
  RealtimeLoop loop;
  std::atomic<bool> early_ran{false};
  loop.ScheduleAt(loop.Now() + Micros(5'000'000), [] {});
  LoopThread thread(loop);
  std::this_thread::sleep_for(milliseconds(20));  // the loop now waits on the 5 s timer
  loop.ScheduleAt(loop.Now() + Micros(10'000), [&] { early_ran = true; });
  for (int i = 0; i < 1000 && !early_ran; ++i) std::this_thread::sleep_for(milliseconds(5));
  EXPECT_TRUE(early_ran.load());
}

// Counts how many operations run at once, holding each for `hold`.
class CountingExecutor final : public OpExecutor {
 public:
  CountingExecutor(std::atomic<int>& running, std::atomic<int>& peak, Micros hold)
      : running_(running), peak_(peak), hold_(hold) {}
  void Execute(const OpRequest& req, OpResult& r) override {
    const int now = ++running_;
    int p = peak_.load();
    while (now > p && !peak_.compare_exchange_weak(p, now)) {
    }
    std::this_thread::sleep_for(hold_);
    --running_;
    r.status = req.client_id == "bad" ? Status::Unavailable("down") : Status::Ok();
    r.outcome = r.status.ok() ? Outcome::kOk : Outcome::kFail;
  }

 private:
  std::atomic<int>& running_;
  std::atomic<int>& peak_;
  Micros hold_;
};

class RealtimeTargetTest : public ::testing::Test {
 protected:
  std::unique_ptr<RealtimeTarget> MakeTarget(int workers, uint64_t max_in_flight, Micros hold) {
    RealtimeTargetOptions o;
    o.workers = workers;
    o.max_in_flight = max_in_flight;
    auto t = std::make_unique<RealtimeTarget>(
        loop_, grid_,
        [this, hold](int) { return std::make_unique<CountingExecutor>(running_, peak_, hold); }, o);
    t->Start();
    return t;
  }

  RealtimeLoop loop_;
  Grid grid_ = Grid::Create(GridOptions{}).value();
  std::atomic<int> running_{0}, peak_{0};
};

TEST_F(RealtimeTargetTest, NeverRunsMoreOperationsAtOnceThanItHasWorkers) {
  auto target = MakeTarget(4, 1000, Micros(5'000));
  LoopThread thread(loop_);
  std::atomic<int> answered{0};
  thread.Sync([&] {
    for (int i = 0; i < 40; ++i) {
      OpRequest req;
      req.client_id = "c" + std::to_string(i);
      target->Submit(req, loop_.Now(), [&](OpResult r) {
        EXPECT_TRUE(loop_.OnLoopThread());
        EXPECT_TRUE(r.status.ok());
        EXPECT_LE(r.invoked, r.completed);
        ++answered;
      });
    }
  });
  for (int i = 0; i < 2000 && answered < 40; ++i) std::this_thread::sleep_for(milliseconds(5));
  EXPECT_EQ(answered.load(), 40);
  EXPECT_EQ(peak_.load(), 4);
  thread.Sync([&] { EXPECT_EQ(target->in_flight(), 0u); });
}

TEST_F(RealtimeTargetTest, QueueingBehindBusyWorkersIsWorkerWaitNotHarnessLateness) {
  // One worker, 10 operations of 10 ms submitted at once: the last starts ~90 ms after it was
  // handed over, all of it waiting for the worker; the loop itself handed each over at once.
  auto target = MakeTarget(1, 1000, Micros(10'000));
  LoopThread thread(loop_);
  std::atomic<int> answered{0};
  thread.Sync([&] {
    for (int i = 0; i < 10; ++i) {
      target->Submit(OpRequest{}, loop_.Now(), [&](OpResult) { ++answered; });
    }
  });
  for (int i = 0; i < 2000 && answered < 10; ++i) std::this_thread::sleep_for(milliseconds(5));
  thread.Sync([&] {
    const SendDelays& d = target->delays();
    EXPECT_EQ(d.ops, 10u);
    EXPECT_EQ(d.worker_wait.TotalCount(), 10);
    EXPECT_GE(d.worker_wait.Max(), 80'000);
    // The first started at once, the last after nine others: the spread is the queueing.
    EXPECT_LE(d.worker_wait.Min() + 50'000, d.worker_wait.Max());
    // Which figure carries the delay: the queue, not the loop, and no client was busy.
    EXPECT_GT(d.worker_wait_us, 10 * d.harness_us);
    EXPECT_EQ(d.client_busy_us, 0);
    EXPECT_EQ(d.harness_late_ops, 0u);
  });
}

TEST_F(RealtimeTargetTest, AnOperationDueBeforeTheAnswerThatFreedItsClientIsClientBusyTime) {
  // A client whose poll was due 300 ms ago, freed now by an answer (a posted task): the 300 ms
  // are its own previous request's, not the harness's.
  auto target = MakeTarget(1, 1000, Micros(0));
  LoopThread thread(loop_);
  std::atomic<bool> answered{false};
  loop_.Post([&] {
    const Timestamp overdue = loop_.current_due() - Micros(300'000);
    loop_.ScheduleAt(overdue, [&, overdue] {
      target->Submit(OpRequest{}, overdue, [&](OpResult) { answered = true; });
    });
  });
  for (int i = 0; i < 2000 && !answered; ++i) std::this_thread::sleep_for(milliseconds(5));
  thread.Sync([&] {
    const SendDelays& d = target->delays();
    ASSERT_EQ(d.ops, 1u);
    EXPECT_GE(d.client_busy_us, 300'000);
    EXPECT_LT(d.harness_us, d.client_busy_us / 10);
  });
}

TEST_F(RealtimeTargetTest, AtItsInFlightLimitAnswersUnavailableWithoutSending) {
  auto target = MakeTarget(1, 2, Micros(20'000));
  LoopThread thread(loop_);
  std::atomic<int> ok{0}, refused{0};
  thread.Sync([&] {
    for (int i = 0; i < 5; ++i) {
      target->Submit(OpRequest{}, loop_.Now(), [&](OpResult r) {
        if (r.status.ok()) {
          ++ok;
        } else {
          EXPECT_EQ(r.status.code(), Code::kUnavailable);
          EXPECT_EQ(r.outcome, Outcome::kFail);
          ++refused;
        }
      });
    }
  });
  for (int i = 0; i < 2000 && ok + refused < 5; ++i) std::this_thread::sleep_for(milliseconds(5));
  EXPECT_EQ(ok.load(), 2);
  EXPECT_EQ(refused.load(), 3);
  thread.Sync([&] { EXPECT_EQ(target->rejected(), 3u); });
}

}  // namespace
}  // namespace slotsim
