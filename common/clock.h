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
#include <thread>
#include <unordered_map>
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
//
// A million-client run keeps about a million timers pending, so the queue is a calendar: a
// ring of ~1 ms buckets covering the next ~8.4 s (plain appends), the bucket being run sorted
// (plus a small heap for events scheduled into it meanwhile), and a heap for events beyond the
// ring. Nothing large is ever sifted, and the order is still exactly (time, scheduling order).
// Because the run bucket is sorted, the clock knows the next events and tells their handlers
// (Handler::Prefetch) a few events early, so their state can be on its way from memory.
class SimClock final : public Clock {
 public:
  // Receives the events of ScheduleCall: a hot-path timer that needs no std::function.
  class Handler {
   public:
    virtual void OnTimer(uint64_t arg) = 0;
    // A hint that OnTimer(arg) runs a few events from now: the handler may prefetch what it
    // will touch. Must not change any state.
    virtual void Prefetch(uint64_t /*arg*/) {}

   protected:
    ~Handler() = default;
  };

  // Starts at `start` (default 2026-12-01T00:00:00Z) with no events.
  explicit SimClock(Timestamp start = DefaultStart());

  static Timestamp DefaultStart();

  Timestamp Now() const override { return now_; }
  TimerId ScheduleAt(Timestamp at, std::function<void()> fn) override;
  bool Cancel(TimerId id) override;
  void SleepFor(Micros d) override;

  // Runs handler.OnTimer(arg) at `at` (or now, if `at` is past), ordered and counted exactly as
  // a ScheduleAt event. Allocation-free; cannot be cancelled (a handler that no longer wants
  // the event ignores it). `handler` must outlive the event.
  void ScheduleCall(Timestamp at, Handler& handler, uint64_t arg);

  // Moves time to the earliest pending event and runs it. Returns false when none is pending.
  bool RunNext();
  // Runs every event due at or before `t`, then leaves time at `t` (never moves backwards).
  void RunUntil(Timestamp t);
  void AdvanceBy(Micros d) { RunUntil(now_ + d); }

  // Drops every pending event without running it and frees the queue's memory (a simulation
  // that is over). Time stays where it is.
  void Clear();

  size_t pending() const { return queued_ - cancelled_; }
  uint64_t events_run() const { return events_run_; }

 private:
  struct Event {
    Timestamp at;
    uint64_t seq;      // increasing: ties run in scheduling order; the TimerId of fn events
    Handler* handler;  // null: a ScheduleAt event, its fn in callbacks_[seq]
    uint64_t arg;
    bool operator>(const Event& o) const { return at != o.at ? at > o.at : seq > o.seq; }
  };
  // A binary min-heap kept with std::push_heap / pop_heap.
  using MinHeap = std::vector<Event>;

  static constexpr int kBucketShift = 10;     // 1024 µs per bucket
  static constexpr uint64_t kBuckets = 8192;  // the ring covers ~8.4 s
  // Events ahead: ClientPool and MemoryStore prefetch in a few one-event steps (see Prefetch).
  static constexpr size_t kPrefetchAhead = 16;

  uint64_t BucketOf(Timestamp at) const;
  void Push(const Event& ev);
  // Moves the cursor to the next bucket with events and loads it into `current_`; false when
  // nothing at all is queued.
  bool Refill();
  // The earliest live event (cancelled ones on top are dropped on the way), or null.
  const Event* Peek();
  Event PopNext();

  Timestamp now_;
  const Timestamp origin_;  // bucket 0 starts here
  TimerId next_id_ = 1;
  uint64_t events_run_ = 0;
  size_t queued_ = 0;     // events in the containers, cancelled ones included
  size_t cancelled_ = 0;  // cancelled events not yet popped
  // Every event of a bucket <= cursor_ is in current_ (from next_ on) or late_; ring_[b %
  // kBuckets] holds the events of bucket b for cursor_ < b < cursor_ + kBuckets; far_ holds any
  // other (later) events.
  uint64_t cursor_ = 0;
  std::vector<Event> current_;  // the cursor's bucket as loaded, sorted
  size_t next_ = 0;             // current_[next_] is its first event not yet run
  MinHeap late_;                // scheduled into a bucket <= cursor_ after it was loaded
  std::vector<std::vector<Event>> ring_;
  size_t in_ring_ = 0;
  MinHeap far_;
  std::unordered_map<TimerId, std::function<void()>> callbacks_;
};

}  // namespace slotsim
