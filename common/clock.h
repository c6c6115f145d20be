// Clock: the only way slotsim code reads time or arms timers. SystemClock is wall time with a
// timer thread; SimClock is virtual time that moves only when its owner runs the next event,
// so a whole simulated run is deterministic and single-threaded.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <queue>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace slotsim {

// Microseconds since the Unix epoch (UTC).
using Timestamp = std::chrono::time_point<std::chrono::system_clock, std::chrono::microseconds>;
using Micros = std::chrono::microseconds;
using Millis = std::chrono::milliseconds;

// Milliseconds since the Unix epoch, the form stores persist expiry times in.
inline int64_t ToUnixMillis(Timestamp t) {
  return std::chrono::duration_cast<Millis>(t.time_since_epoch()).count();
}
inline Timestamp FromUnixMillis(int64_t ms) { return Timestamp(Millis(ms)); }
inline Timestamp FromUnixMicros(int64_t us) { return Timestamp(Micros(us)); }

class Clock {
 public:
  using TimerId = uint64_t;
  virtual ~Clock() = default;

  // Current time. Thread-safe.
  virtual Timestamp Now() const = 0;

  // Runs `fn` once, at or after `at`. SystemClock runs it on its timer thread; SimClock runs it
  // from RunNext()/RunUntil() on the caller's thread. `fn` must not block for long. Thread-safe.
  virtual TimerId ScheduleAt(Timestamp at, std::function<void()> fn) = 0;

  // Cancels a timer that has not run yet; returns false if it already ran or never existed.
  virtual bool Cancel(TimerId id) = 0;

  // Blocks the calling thread for `d` of this clock's time. SystemClock sleeps; SimClock cannot
  // block (there is nothing else to move time) and aborts: sim code must schedule instead.
  virtual void SleepFor(Micros d) = 0;
};

// Wall-clock time. Timers run on one lazily started thread, stopped by the destructor.
class SystemClock final : public Clock {
 public:
  SystemClock() = default;
  ~SystemClock() override;
  SystemClock(const SystemClock&) = delete;
  SystemClock& operator=(const SystemClock&) = delete;

  Timestamp Now() const override;
  TimerId ScheduleAt(Timestamp at, std::function<void()> fn) override;
  bool Cancel(TimerId id) override;
  void SleepFor(Micros d) override;

 private:
  void TimerLoop();

  std::mutex mu_;
  std::condition_variable cv_;
  std::multimap<Timestamp, std::pair<TimerId, std::function<void()>>> timers_;
  TimerId next_id_ = 1;
  bool stop_ = false;
  std::thread thread_;
};

// Virtual time for the discrete-event simulator. Events at the same instant run in the order
// they were scheduled. Not thread-safe: one sim runs on one thread.
class SimClock final : public Clock {
 public:
  // Starts at `start` (default 2026-12-01T00:00:00Z) with no events.
  explicit SimClock(Timestamp start = DefaultStart());

  static Timestamp DefaultStart();

  Timestamp Now() const override { return now_; }
  TimerId ScheduleAt(Timestamp at, std::function<void()> fn) override;
  bool Cancel(TimerId id) override;
  void SleepFor(Micros d) override;

  // Moves time to the earliest pending event and runs it. Returns false when none is pending.
  bool RunNext();
  // Runs every event due at or before `t`, then leaves time at `t` (never moves backwards).
  void RunUntil(Timestamp t);
  void AdvanceBy(Micros d) { RunUntil(now_ + d); }

  size_t pending() const { return queue_.size() - cancelled_.size(); }
  uint64_t events_run() const { return events_run_; }

 private:
  struct Event {
    Timestamp at;
    TimerId id;  // increasing: ties run in scheduling order
    bool operator>(const Event& o) const { return at != o.at ? at > o.at : id > o.id; }
  };

  Timestamp now_;
  TimerId next_id_ = 1;
  uint64_t events_run_ = 0;
  std::priority_queue<Event, std::vector<Event>, std::greater<Event>> queue_;
  std::unordered_map<TimerId, std::function<void()>> callbacks_;
  std::unordered_set<TimerId> cancelled_;
};

}  // namespace slotsim
