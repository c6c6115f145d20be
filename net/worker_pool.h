// WorkerPool: a fixed set of threads running jobs from one bounded FIFO queue — where the HTTP
// server runs its handler, so a slow engine call never blocks an io thread's accept or reads.
// Each job carries a key (the server uses the connection id) so that queued work of a client
// that went away can be taken back before it runs.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace slotsim::net {

class WorkerPool {
 public:
  // `threads` workers (>= 1) and at most `max_queued` jobs waiting (>= 1); SLOTSIM_CHECKs.
  // The threads start at once.
  WorkerPool(int threads, size_t max_queued);
  // Stop().
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Queues `job` under `key`. False, with nothing queued, when `max_queued` jobs are already
  // waiting or the pool is stopped. Thread-safe.
  bool TryPost(uint64_t key, std::function<void()> job);

  // Removes the oldest queued job of `key` before a worker takes it; true when one was removed
  // (it never runs), false when there was none (it already runs, ran, or was never queued).
  // Thread-safe.
  bool Cancel(uint64_t key);

  // Stops taking jobs, drops the queued ones (returns how many) and waits for the running ones
  // to return. Idempotent; must not be called from a job.
  size_t Stop();

  // Jobs waiting, and jobs running now. Thread-safe.
  size_t queued() const;
  int running() const;

 private:
  struct Job {
    uint64_t key;
    std::function<void()> fn;
  };
  void Work();

  const size_t max_queued_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Job> queue_;
  int running_ = 0;
  bool stopped_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace slotsim::net
