// RealtimeLoop: timers and posted work on one thread.
#include "simulator/targets/realtime/realtime_loop.h"

#include <algorithm>

namespace slotsim {

Timestamp RealtimeLoop::Now() const {
  return std::chrono::time_point_cast<Micros>(std::chrono::system_clock::now());
}

Clock::TimerId RealtimeLoop::ScheduleAt(Timestamp at, std::function<void()> fn) {
  // A moment already past is due when the event asking for it was: current_due_ is the loop
  // thread's own, read on it.
  const Timestamp due = std::max(at, OnLoopThread() ? current_due_ : Now());
  std::lock_guard<std::mutex> lock(mu_);
  const TimerId id = next_id_++;
  timers_.emplace(id, std::move(fn));
  const bool earliest = heap_.empty() || at < heap_.front().at;
  heap_.push_back(Entry{at, id, due});
  std::push_heap(heap_.begin(), heap_.end(), std::greater<Entry>());
  if (waiting_ && earliest) cv_.notify_one();
  return id;
}

bool RealtimeLoop::Cancel(TimerId id) {
  std::lock_guard<std::mutex> lock(mu_);
  // The heap entry stays; Collect skips entries whose function is gone.
  return timers_.erase(id) > 0;
}

void RealtimeLoop::SleepFor(Micros d) { std::this_thread::sleep_for(d); }

void RealtimeLoop::Post(std::function<void()> fn) {
  const Timestamp now = Now();
  std::lock_guard<std::mutex> lock(mu_);
  posted_.push_back(Posted{std::move(fn), now});
  if (waiting_) cv_.notify_one();
}

void RealtimeLoop::Quit() {
  std::lock_guard<std::mutex> lock(mu_);
  quit_ = true;
  cv_.notify_one();
}

Timestamp RealtimeLoop::current_due() const { return OnLoopThread() ? current_due_ : Now(); }

bool RealtimeLoop::Collect(std::vector<Posted>& posted, std::vector<Posted>& due) {
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    if (quit_) return false;
    posted.swap(posted_);
    const Timestamp now = Now();
    while (!heap_.empty() && heap_.front().at <= now) {
      const Entry e = heap_.front();
      std::pop_heap(heap_.begin(), heap_.end(), std::greater<Entry>());
      heap_.pop_back();
      auto it = timers_.find(e.seq);
      if (it == timers_.end()) continue;  // cancelled
      due.push_back(Posted{std::move(it->second), e.due});
      timers_.erase(it);
    }
    if (!posted.empty() || !due.empty()) return true;
    waiting_ = true;
    if (heap_.empty()) {
      cv_.wait(lock);
    } else {
      cv_.wait_for(lock, heap_.front().at - now);
    }
    waiting_ = false;
  }
}

void RealtimeLoop::Run() {
  loop_thread_.store(std::this_thread::get_id());
  std::vector<Posted> posted, due;
  while (Collect(posted, due)) {
    // Answers first: they free clients whose next step may already be due below.
    for (std::vector<Posted>* batch : {&posted, &due}) {
      for (Posted& p : *batch) {
        current_due_ = p.at;
        p.fn();
        events_run_.fetch_add(1, std::memory_order_relaxed);
      }
      batch->clear();
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (quit_) break;
    }
  }
  loop_thread_.store(std::thread::id());
}

}  // namespace slotsim
