// RealtimeLoop: the wall-clock event loop of the real-time targets (local, http). It is a Clock
// whose timers run on the one thread that calls Run(), plus a queue other threads Post() work to
// (workers deliver answers this way). Everything the virtual clients, the load driver and the
// recorder do therefore happens on that one thread, as on the sim target, and none of them needs
// a lock.
//
// Timers sit in a binary heap; a timer due at `at` runs at `at` or a little later. The loop knows
// when the event it is running was due (current_due()): the moment a posted task was posted; a
// timer's time — or, for a timer armed for a moment already past, when the event that armed it
// was due (Now() when armed off the loop thread). So a client whose poll was overdue when an
// answer freed it is due from that answer, not from its old schedule: the time it spent waiting
// for the answer is the target's, not the loop's lateness (RealtimeTarget, SendDelays).
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>

#include "common/clock.h"

namespace slotsim {

class RealtimeLoop final : public Clock {
 public:
  RealtimeLoop() = default;
  RealtimeLoop(const RealtimeLoop&) = delete;
  RealtimeLoop& operator=(const RealtimeLoop&) = delete;

  // Wall time (system clock), µs. Thread-safe.
  Timestamp Now() const override;
  // Runs `fn` on the loop thread at or after `at`. Thread-safe.
  TimerId ScheduleAt(Timestamp at, std::function<void()> fn) override;
  bool Cancel(TimerId id) override;
  // Sleeps the calling thread. Never call it on the loop thread: it would stall every client.
  void SleepFor(Micros d) override;

  // Runs `fn` on the loop thread as soon as it is free, in posting order. Thread-safe.
  void Post(std::function<void()> fn);

  // Runs timers and posted work on the calling thread until Quit(). Work posted or due when
  // Quit() is called may not run.
  void Run();
  // Makes Run() return after the event it is running. Thread-safe.
  void Quit();

  // On the loop thread, while an event runs: when it was due. Elsewhere: Now().
  Timestamp current_due() const;
  bool OnLoopThread() const { return std::this_thread::get_id() == loop_thread_.load(); }
  // Events run so far (timers and posted tasks).
  uint64_t events_run() const { return events_run_.load(std::memory_order_relaxed); }

 private:
  struct Entry {
    Timestamp at;
    uint64_t seq;   // = the TimerId; ties run in scheduling order
    Timestamp due;  // max(at, when the event that armed it was due): current_due() as it runs
    bool operator>(const Entry& o) const { return at != o.at ? at > o.at : seq > o.seq; }
  };
  struct Posted {
    std::function<void()> fn;
    Timestamp at;
  };

  // Moves the posted tasks and the due timers into `posted` / `due` (in order); waits until
  // there is something, or Quit(). False once quitting.
  bool Collect(std::vector<Posted>& posted, std::vector<Posted>& due);

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Entry> heap_;  // min-heap by (at, seq)
  std::unordered_map<TimerId, std::function<void()>> timers_;
  std::vector<Posted> posted_;
  uint64_t next_id_ = 1;
  bool quit_ = false;
  bool waiting_ = false;  // Run() sleeps on cv_: a Post or an earlier timer must wake it
  std::atomic<std::thread::id> loop_thread_{};
  Timestamp current_due_;  // loop thread only
  std::atomic<uint64_t> events_run_{0};
};

}  // namespace slotsim
