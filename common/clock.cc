// SystemClock's timer thread and SimClock's event queue.
#include "common/clock.h"

#include <cstdio>
#include <cstdlib>

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

SimClock::SimClock(Timestamp start) : now_(start) {}

Timestamp SimClock::DefaultStart() {
  using namespace std::chrono;
  return time_point_cast<Micros>(sys_days(year{2026} / December / 1));
}

Clock::TimerId SimClock::ScheduleAt(Timestamp at, std::function<void()> fn) {
  if (at < now_) at = now_;
  TimerId id = next_id_++;
  queue_.push(Event{at, id});
  callbacks_.emplace(id, std::move(fn));
  return id;
}

bool SimClock::Cancel(TimerId id) {
  if (callbacks_.erase(id) == 0) return false;
  cancelled_.insert(id);
  return true;
}

void SimClock::SleepFor(Micros) {
  std::fprintf(stderr, "SimClock::SleepFor: simulated code must schedule, not sleep\n");
  std::abort();
}

bool SimClock::RunNext() {
  while (!queue_.empty()) {
    Event ev = queue_.top();
    queue_.pop();
    if (cancelled_.erase(ev.id) > 0) continue;
    auto it = callbacks_.find(ev.id);
    std::function<void()> fn = std::move(it->second);
    callbacks_.erase(it);
    now_ = ev.at;
    ++events_run_;
    fn();
    return true;
  }
  return false;
}

void SimClock::RunUntil(Timestamp t) {
  while (!queue_.empty()) {
    const Event& top = queue_.top();
    if (top.at > t) break;
    if (cancelled_.count(top.id) > 0) {
      cancelled_.erase(top.id);
      queue_.pop();
      continue;
    }
    RunNext();
  }
  if (t > now_) now_ = t;
}

}  // namespace slotsim
