// SimClock: event order, ties, RunUntil, Cancel, re-entrant scheduling, counters.
// SystemClock: timers fire after their time, Cancel prevents them. Wall waits stay short
// (~120 ms in all when passing); a failure is bounded by one-second waits.
#include "common/clock.h"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <string>
#include <vector>

namespace slotsim {
namespace {

class SimClockTest : public ::testing::Test {
 protected:
  SimClock clock_;
  std::vector<std::string> ran_;

  Clock::TimerId At(int64_t us_after_start, std::string name) {
    return clock_.ScheduleAt(SimClock::DefaultStart() + Micros(us_after_start),
                             [this, name] { ran_.push_back(name); });
  }
  int64_t Elapsed() const { return (clock_.Now() - SimClock::DefaultStart()).count(); }
};

TEST_F(SimClockTest, StartsAtTheDefaultInstant) {
  EXPECT_EQ(ToUnixMillis(SimClock::DefaultStart()), 1796083200000);  // 2026-12-01T00:00:00Z
  EXPECT_EQ(clock_.Now(), SimClock::DefaultStart());
  SimClock other(FromUnixMillis(1000));
  EXPECT_EQ(ToUnixMillis(other.Now()), 1000);
}

TEST_F(SimClockTest, RunsEventsInTimeOrder) {
  At(300, "c");
  At(100, "a");
  At(200, "b");
  EXPECT_EQ(clock_.pending(), 3u);
  ASSERT_TRUE(clock_.RunNext());
  EXPECT_EQ(Elapsed(), 100);
  while (clock_.RunNext()) {
  }
  EXPECT_EQ(ran_, (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(Elapsed(), 300);
  EXPECT_FALSE(clock_.RunNext());
  EXPECT_EQ(clock_.pending(), 0u);
}

TEST_F(SimClockTest, TiesRunInSchedulingOrder) {
  for (const char* name : {"1", "2", "3", "4", "5"}) At(50, name);
  At(10, "first");
  clock_.RunUntil(SimClock::DefaultStart() + Micros(50));
  EXPECT_EQ(ran_, (std::vector<std::string>{"first", "1", "2", "3", "4", "5"}));
}

TEST_F(SimClockTest, RunUntilStopsAtTAndLeavesTimeThere) {
  At(100, "a");
  At(200, "b");
  At(201, "c");
  clock_.RunUntil(SimClock::DefaultStart() + Micros(200));
  EXPECT_EQ(ran_, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(Elapsed(), 200);
  EXPECT_EQ(clock_.pending(), 1u);
  clock_.RunUntil(SimClock::DefaultStart() + Micros(150));  // earlier: time does not go back
  EXPECT_EQ(Elapsed(), 200);
  clock_.AdvanceBy(Micros(1000));
  EXPECT_EQ(ran_.back(), "c");
  EXPECT_EQ(Elapsed(), 1200);
}

TEST_F(SimClockTest, RunUntilWithNoEventsJustMovesTime) {
  clock_.RunUntil(SimClock::DefaultStart() + Micros(5000));
  EXPECT_EQ(Elapsed(), 5000);
  EXPECT_EQ(clock_.events_run(), 0u);
}

TEST_F(SimClockTest, CancelPreventsTheEvent) {
  At(100, "a");
  const Clock::TimerId b = At(200, "b");
  At(300, "c");
  EXPECT_TRUE(clock_.Cancel(b));
  EXPECT_FALSE(clock_.Cancel(b));  // already cancelled
  EXPECT_EQ(clock_.pending(), 2u);
  clock_.RunUntil(SimClock::DefaultStart() + Micros(1000));
  EXPECT_EQ(ran_, (std::vector<std::string>{"a", "c"}));
  EXPECT_EQ(clock_.events_run(), 2u);
  EXPECT_EQ(clock_.pending(), 0u);
}

TEST_F(SimClockTest, CancelAfterRunOrOfUnknownIdReturnsFalse) {
  const Clock::TimerId a = At(100, "a");
  ASSERT_TRUE(clock_.RunNext());
  EXPECT_FALSE(clock_.Cancel(a));
  EXPECT_FALSE(clock_.Cancel(987654));
}

TEST_F(SimClockTest, CancelledEventDoesNotMoveTimeInRunNext) {
  const Clock::TimerId a = At(100, "a");
  At(500, "b");
  clock_.Cancel(a);
  ASSERT_TRUE(clock_.RunNext());
  EXPECT_EQ(ran_, (std::vector<std::string>{"b"}));
  EXPECT_EQ(Elapsed(), 500);
}

TEST_F(SimClockTest, CallbacksMayScheduleAndCancelMoreEvents) {
  Clock::TimerId victim = At(400, "victim");
  clock_.ScheduleAt(SimClock::DefaultStart() + Micros(100), [&] {
    ran_.push_back("parent");
    EXPECT_TRUE(clock_.Cancel(victim));
    // Same instant: still runs within this RunUntil, after the parent.
    clock_.ScheduleAt(clock_.Now(), [&] { ran_.push_back("same-instant child"); });
    clock_.ScheduleAt(clock_.Now() + Micros(50), [&] { ran_.push_back("later child"); });
  });
  clock_.RunUntil(SimClock::DefaultStart() + Micros(1000));
  EXPECT_EQ(ran_, (std::vector<std::string>{"parent", "same-instant child", "later child"}));
  EXPECT_EQ(clock_.events_run(), 3u);
}

TEST_F(SimClockTest, ScheduleInThePastRunsNowWithoutMovingTimeBack) {
  clock_.AdvanceBy(Micros(1000));
  At(10, "late");
  ASSERT_TRUE(clock_.RunNext());
  EXPECT_EQ(ran_, (std::vector<std::string>{"late"}));
  EXPECT_EQ(Elapsed(), 1000);
}

TEST_F(SimClockTest, EventsRunCountsOnlyRunEvents) {
  for (int i = 0; i < 10; ++i) At(i * 10, "e");
  clock_.Cancel(At(55, "cancelled"));
  clock_.RunUntil(SimClock::DefaultStart() + Micros(45));
  EXPECT_EQ(clock_.events_run(), 5u);
  while (clock_.RunNext()) {
  }
  EXPECT_EQ(clock_.events_run(), 10u);
}

TEST_F(SimClockTest, SleepForAborts) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(clock_.SleepFor(Micros(1)), "must schedule");
}

// Waits (bounded) until `n` callbacks have signalled.
class Latch {
 public:
  void Signal() {
    std::lock_guard<std::mutex> lock(mu_);
    ++count_;
    cv_.notify_all();
  }
  bool WaitFor(int n, Millis timeout) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return count_ >= n; });
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  int count_ = 0;
};

class SystemClockTest : public ::testing::Test {
 protected:
  Latch latch_;
  SystemClock clock_;  // declared last: destroyed (timer thread joined) before the latch
};

TEST_F(SystemClockTest, NowFollowsTheWallClock) {
  const auto wall = std::chrono::system_clock::now();
  const auto diff = clock_.Now() - std::chrono::time_point_cast<Micros>(wall);
  EXPECT_LT(std::chrono::abs(diff), Millis(100));
}

TEST_F(SystemClockTest, TimerFiresAfterItsTime) {
  const Timestamp at = clock_.Now() + Millis(10);
  std::atomic<int64_t> fired_at_us{0};
  clock_.ScheduleAt(at, [&] {
    fired_at_us = clock_.Now().time_since_epoch().count();
    latch_.Signal();
  });
  ASSERT_TRUE(latch_.WaitFor(1, Millis(1000)));
  EXPECT_GE(fired_at_us.load(), at.time_since_epoch().count());
}

TEST_F(SystemClockTest, TimersFireInTimeOrder) {
  std::mutex mu;
  std::vector<int> order;
  const Timestamp now = clock_.Now();
  for (int i : {3, 1, 2}) {
    // The 20 ms lead keeps a scheduling stall from letting a timer fire before all are queued.
    clock_.ScheduleAt(now + Millis(20 + 5 * i), [&, i] {
      std::lock_guard<std::mutex> lock(mu);
      order.push_back(i);
      latch_.Signal();
    });
  }
  ASSERT_TRUE(latch_.WaitFor(3, Millis(1000)));
  std::lock_guard<std::mutex> lock(mu);
  EXPECT_EQ(order, (std::vector<int>{1, 2, 3}));
}

TEST_F(SystemClockTest, CancelPreventsTheTimer) {
  std::atomic<bool> cancelled_ran{false};
  const Timestamp now = clock_.Now();
  // 50 ms of slack to cancel in, even on a loaded machine.
  const Clock::TimerId id = clock_.ScheduleAt(now + Millis(50), [&] { cancelled_ran = true; });
  clock_.ScheduleAt(now + Millis(60), [&] { latch_.Signal(); });  // fires after the cancelled one
  EXPECT_TRUE(clock_.Cancel(id));
  EXPECT_FALSE(clock_.Cancel(id));
  ASSERT_TRUE(latch_.WaitFor(1, Millis(1000)));
  EXPECT_FALSE(cancelled_ran.load());
}

TEST_F(SystemClockTest, CancelAfterFiringReturnsFalse) {
  const Clock::TimerId id = clock_.ScheduleAt(clock_.Now(), [&] { latch_.Signal(); });
  ASSERT_TRUE(latch_.WaitFor(1, Millis(1000)));
  EXPECT_FALSE(clock_.Cancel(id));
}

TEST_F(SystemClockTest, CallbackMayScheduleAnotherTimer) {
  clock_.ScheduleAt(clock_.Now(), [&] {
    latch_.Signal();
    clock_.ScheduleAt(clock_.Now() + Millis(5), [&] { latch_.Signal(); });
  });
  EXPECT_TRUE(latch_.WaitFor(2, Millis(1000)));
}

TEST_F(SystemClockTest, DestructorDropsPendingTimersWithoutWaiting) {
  std::atomic<bool> ran{false};
  const auto start = std::chrono::steady_clock::now();
  {
    SystemClock clock;
    clock.ScheduleAt(clock.Now() + std::chrono::hours(1), [&] { ran = true; });
  }
  EXPECT_FALSE(ran.load());
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

TEST_F(SystemClockTest, SleepForSleepsAtLeastTheDuration) {
  const auto start = std::chrono::steady_clock::now();
  clock_.SleepFor(Millis(5));
  EXPECT_GE(std::chrono::steady_clock::now() - start, Millis(5));
}

}  // namespace
}  // namespace slotsim
