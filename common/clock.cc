// SystemClock's timer thread and SimClock's event queue.
#include "common/clock.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include "common/check.h"

namespace slotsim {

SystemClock::~SystemClock() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

Timestamp SystemClock::Now() const {
  return std::chrono::time_point_cast<Micros>(std::chrono::system_clock::now());
}

Clock::TimerId SystemClock::ScheduleAt(Timestamp at, std::function<void()> fn) {
  std::lock_guard<std::mutex> lock(mu_);
  TimerId id = next_id_++;
  timers_.emplace(at, std::make_pair(id, std::move(fn)));
  if (!thread_.joinable()) thread_ = std::thread([this] { TimerLoop(); });
  cv_.notify_all();
  return id;
}

bool SystemClock::Cancel(TimerId id) {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto it = timers_.begin(); it != timers_.end(); ++it) {
    if (it->second.first == id) {
      timers_.erase(it);
      return true;
    }
  }
  return false;
}

void SystemClock::SleepFor(Micros d) { std::this_thread::sleep_for(d); }

void SystemClock::TimerLoop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stop_) {
    if (timers_.empty()) {
      cv_.wait(lock);
      continue;
    }
    auto first = timers_.begin();
    if (first->first > Now()) {
      cv_.wait_until(lock, std::chrono::system_clock::time_point(first->first));
      continue;
    }
    std::function<void()> fn = std::move(first->second.second);
    timers_.erase(first);
    // Run without the lock so the callback may schedule further timers.
    lock.unlock();
    fn();
    lock.lock();
  }
}

SimClock::SimClock(Timestamp start) : now_(start), origin_(start), ring_(kBuckets) {}

Timestamp SimClock::DefaultStart() {
  using namespace std::chrono;
  return time_point_cast<Micros>(sys_days(year{2026} / December / 1));
}

uint64_t SimClock::BucketOf(Timestamp at) const {
  return static_cast<uint64_t>((at - origin_).count()) >> kBucketShift;
}

void SimClock::Push(const Event& ev) {
  // Callers clamp to now: an event in the past would land in a bucket already run (or, before
  // the origin, in a bucket number that wrapped around) and run out of order.
  SLOTSIM_CHECK(ev.at >= now_) << "event scheduled " << (now_ - ev.at).count() << " us before now";
  ++queued_;
  const uint64_t bucket = BucketOf(ev.at);
  if (bucket <= cursor_) {
    late_.push_back(ev);
    std::push_heap(late_.begin(), late_.end(), std::greater<Event>());
  } else if (bucket < cursor_ + kBuckets) {
    ring_[bucket % kBuckets].push_back(ev);
    ++in_ring_;
  } else {
    far_.push_back(ev);
    std::push_heap(far_.begin(), far_.end(), std::greater<Event>());
  }
}

Clock::TimerId SimClock::ScheduleAt(Timestamp at, std::function<void()> fn) {
  const TimerId id = next_id_++;
  callbacks_.emplace(id, std::move(fn));
  Push(Event{std::max(at, now_), id, nullptr, 0});
  return id;
}

void SimClock::ScheduleCall(Timestamp at, Handler& handler, uint64_t arg) {
  Push(Event{std::max(at, now_), next_id_++, &handler, arg});
}

bool SimClock::Cancel(TimerId id) {
  if (callbacks_.erase(id) == 0) return false;
  ++cancelled_;
  return true;
}

void SimClock::SleepFor(Micros) {
  std::fprintf(stderr, "SimClock::SleepFor: simulated code must schedule, not sleep\n");
  std::abort();
}

void SimClock::Clear() {
  std::vector<Event>().swap(current_);
  next_ = 0;
  MinHeap().swap(late_);
  MinHeap().swap(far_);
  for (std::vector<Event>& bucket : ring_) std::vector<Event>().swap(bucket);
  std::unordered_map<TimerId, std::function<void()>>().swap(callbacks_);
  queued_ = cancelled_ = in_ring_ = 0;
}

bool SimClock::Refill() {
  while (next_ == current_.size() && late_.empty()) {
    if (in_ring_ == 0 && far_.empty()) return false;
    // An empty ring has nothing to step through: jump straight to the far events.
    cursor_ = in_ring_ == 0 ? BucketOf(far_.front().at) : cursor_ + 1;
    current_.clear();
    next_ = 0;
    std::vector<Event>& bucket = ring_[cursor_ % kBuckets];
    in_ring_ -= bucket.size();
    current_.swap(bucket);  // the spent vector's capacity serves that ring slot next time round
    while (!far_.empty() && BucketOf(far_.front().at) <= cursor_) {
      std::pop_heap(far_.begin(), far_.end(), std::greater<Event>());
      current_.push_back(far_.back());
      far_.pop_back();
    }
    std::sort(current_.begin(), current_.end(),
              [](const Event& a, const Event& b) { return b > a; });
  }
  return true;
}

SimClock::Event SimClock::PopNext() {
  --queued_;
  const bool from_late =
      next_ == current_.size() || (!late_.empty() && current_[next_] > late_.front());
  if (!from_late) return current_[next_++];
  std::pop_heap(late_.begin(), late_.end(), std::greater<Event>());
  const Event ev = late_.back();
  late_.pop_back();
  return ev;
}

const SimClock::Event* SimClock::Peek() {
  while (Refill()) {
    const bool from_late =
        next_ == current_.size() || (!late_.empty() && current_[next_] > late_.front());
    const Event& top = from_late ? late_.front() : current_[next_];
    if (top.handler != nullptr || callbacks_.count(top.seq) > 0) return &top;
    PopNext();  // cancelled
    SLOTSIM_CHECK(cancelled_ > 0) << "a cancelled event popped, but none was counted";
    --cancelled_;
  }
  return nullptr;
}

bool SimClock::RunNext() {
  if (Peek() == nullptr) return false;
  const Event ev = PopNext();
  if (next_ + kPrefetchAhead < current_.size()) {
    const Event& soon = current_[next_ + kPrefetchAhead];
    if (soon.handler != nullptr) soon.handler->Prefetch(soon.arg);
  }
  // Events leave the queue in (time, sequence) order, so time never goes backwards.
  SLOTSIM_CHECK(ev.at >= now_) << "event " << ev.seq << " runs " << (now_ - ev.at).count()
                               << " us in the past: the event queue is out of order";
  now_ = ev.at;
  ++events_run_;
  if (ev.handler != nullptr) {
    ev.handler->OnTimer(ev.arg);
    return true;
  }
  auto it = callbacks_.find(ev.seq);
  SLOTSIM_CHECK(it != callbacks_.end()) << "timer " << ev.seq << " was due but has no callback";
  std::function<void()> fn = std::move(it->second);
  callbacks_.erase(it);
  fn();
  return true;
}

void SimClock::RunUntil(Timestamp t) {
  for (const Event* next = Peek(); next != nullptr && next->at <= t; next = Peek()) RunNext();
  if (t > now_) now_ = t;
}

}  // namespace slotsim
