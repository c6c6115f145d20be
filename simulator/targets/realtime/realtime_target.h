// RealtimeTarget: runs virtual clients' operations on a bounded pool of worker threads, for the
// wall-clock targets. Clients submit on the RealtimeLoop's thread; a worker takes the oldest
// waiting operation, runs it through its OpExecutor (blocking calls to real servers are fine
// there), and posts the answer back to the loop, where `done` runs. Never a thread or a socket
// per client: the workers are the only threads, and each executor holds its own connections
// (or shares the engine's bounded pools).
//
// Times: `invoked` is when a worker started the operation, `completed` when it finished. Why an
// operation started later than its client's schedule said goes into delays() in three parts
// (simulator/observe/send_delays.h): the client's own previous request still in flight (until
// the loop's current_due() at Submit: the answer that freed it), the loop's own lateness (from
// then to Submit) and the wait for a free worker (Submit to invoked). A slow target therefore
// shows as worker wait and client busy time, an overloaded harness as lateness, and neither
// flatters the other.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "common/histogram.h"
#include "simulator/observe/send_delays.h"
#include "simulator/targets/realtime/realtime_loop.h"
#include "simulator/workload/target.h"

namespace slotsim {

// Runs one operation on one worker thread: sets r.status, r.outcome, r.served_by and the answer
// field (not the times). One executor per worker, never called concurrently.
class OpExecutor {
 public:
  virtual ~OpExecutor() = default;
  virtual void Execute(const OpRequest& req, OpResult& r) = 0;
};

struct RealtimeTargetOptions {
  int workers = 16;
  // Operations submitted and not yet answered, at most; beyond it Submit answers Unavailable at
  // once (outcome fail: nothing was sent) instead of queueing without bound.
  uint64_t max_in_flight = 100'000;
};

class RealtimeTarget final : public Target {
 public:
  using ExecutorFactory = std::function<std::unique_ptr<OpExecutor>(int worker)>;

  // `loop` and `grid` must outlive the target.
  RealtimeTarget(RealtimeLoop& loop, const Grid& grid, ExecutorFactory factory,
                 RealtimeTargetOptions options);
  // Stops the workers (see Stop).
  ~RealtimeTarget() override;

  // Starts the workers.
  void Start();
  // Lets each worker finish the operation it runs, drops what waits (its `done` never runs) and
  // joins the workers. Answers still being posted may reach the loop afterwards; quit the loop
  // first if that matters.
  void Stop();

  Clock& clock() override { return loop_; }
  // On the loop thread.
  void Submit(const OpRequest& req, Timestamp intended, Done done) override;
  const Grid& grid() const override { return grid_; }

  // Loop thread only.
  const SendDelays& delays() const { return delays_; }
  uint64_t in_flight() const { return in_flight_; }
  uint64_t rejected() const { return rejected_; }  // answered Unavailable at max_in_flight

 private:
  struct Job {
    OpRequest req;
    Done done;
    Timestamp intended;   // the client's schedule
    Timestamp sendable;   // max(intended, the loop's current_due() at Submit)
    Timestamp submitted;  // when Submit queued it
  };

  void WorkerLoop(int index);

  RealtimeLoop& loop_;
  const Grid& grid_;
  ExecutorFactory factory_;
  const RealtimeTargetOptions options_;

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Job> queue_;
  bool stopping_ = false;
  std::vector<std::thread> workers_;

  SendDelays delays_;       // loop thread
  uint64_t in_flight_ = 0;  // loop thread
  uint64_t rejected_ = 0;   // loop thread
};

}  // namespace slotsim
