// WorkerPool: bounded FIFO of keyed jobs on a fixed set of threads; see worker_pool.h.
#include "net/worker_pool.h"

#include <algorithm>
#include <cstdio>
#include <exception>

#include "common/check.h"

namespace slotsim::net {

WorkerPool::WorkerPool(int threads, size_t max_queued) : max_queued_(max_queued) {
  SLOTSIM_CHECK(threads >= 1) << "worker threads: " << threads;
  SLOTSIM_CHECK(max_queued >= 1) << "worker queue bound: " << max_queued;
  for (int i = 0; i < threads; ++i) threads_.emplace_back([this] { Work(); });
}

WorkerPool::~WorkerPool() { Stop(); }

bool WorkerPool::TryPost(uint64_t key, std::function<void()> job) {
  std::lock_guard<std::mutex> lock(mu_);
  if (stopped_ || queue_.size() >= max_queued_) return false;
  queue_.push_back({key, std::move(job)});
  cv_.notify_one();
  return true;
}

bool WorkerPool::Cancel(uint64_t key) {
  std::function<void()> dropped;  // destroyed outside the lock: it may own a connection
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it =
        std::find_if(queue_.begin(), queue_.end(), [&](const Job& j) { return j.key == key; });
    if (it == queue_.end()) return false;
    dropped = std::move(it->fn);
    queue_.erase(it);
  }
  return true;
}

size_t WorkerPool::Stop() {
  std::deque<Job> dropped;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopped_) return 0;
    stopped_ = true;
    dropped.swap(queue_);
    cv_.notify_all();
  }
  for (auto& t : threads_) {
    SLOTSIM_CHECK(t.get_id() != std::this_thread::get_id()) << "WorkerPool::Stop from a job";
    t.join();
  }
  threads_.clear();
  return dropped.size();
}

size_t WorkerPool::queued() const {
  std::lock_guard<std::mutex> lock(mu_);
  return queue_.size();
}

int WorkerPool::running() const {
  std::lock_guard<std::mutex> lock(mu_);
  return running_;
}

void WorkerPool::Work() {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    cv_.wait(lock, [&] { return stopped_ || !queue_.empty(); });
    if (stopped_) return;
    std::function<void()> fn = std::move(queue_.front().fn);
    queue_.pop_front();
    ++running_;
    lock.unlock();
    // A job is net/'s own code that catches the handler's exceptions; one that still throws
    // must not take the worker (and the pool's capacity) with it.
    try {
      fn();
    } catch (const std::exception& e) {
      std::fprintf(stderr, "net: exception escaped a worker job: %s\n", e.what());
    } catch (...) {
      std::fprintf(stderr, "net: unknown exception escaped a worker job\n");
    }
    fn = nullptr;  // release what the job owned before taking the lock again
    lock.lock();
    --running_;
  }
}

}  // namespace slotsim::net
