// RealtimeTarget: a bounded worker pool between the loop and the servers.
#include "simulator/targets/realtime/realtime_target.h"

#include <algorithm>

namespace slotsim {

RealtimeTarget::RealtimeTarget(RealtimeLoop& loop, const Grid& grid, ExecutorFactory factory,
                               RealtimeTargetOptions options)
    : loop_(loop), grid_(grid), factory_(std::move(factory)), options_(options) {}

RealtimeTarget::~RealtimeTarget() { Stop(); }

void RealtimeTarget::Start() {
  for (int i = 0; i < options_.workers; ++i) {
    workers_.emplace_back([this, i] { WorkerLoop(i); });
  }
}

void RealtimeTarget::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    queue_.clear();
  }
  cv_.notify_all();
  for (std::thread& t : workers_) t.join();
  workers_.clear();
}

void RealtimeTarget::Submit(const OpRequest& req, Timestamp intended, Done done) {
  const Timestamp now = loop_.Now();
  // Due no earlier than the client's schedule, and no later than now (a timer's or a posted
  // answer's moment, which is never in the future).
  const Timestamp sendable = std::min(now, std::max(intended, loop_.current_due()));
  if (in_flight_ >= options_.max_in_flight) {
    ++rejected_;
    OpResult r;
    r.status = Status::Unavailable("harness at its in-flight limit (" +
                                   std::to_string(options_.max_in_flight) + "); not sent");
    r.outcome = Outcome::kFail;
    r.answer = AnswerClass::kNotSent;
    r.invoked = r.completed = loop_.Now();
    loop_.Post([done = std::move(done), r = std::move(r)]() mutable { done(std::move(r)); });
    return;
  }
  ++in_flight_;
  {
    std::lock_guard<std::mutex> lock(mu_);
    queue_.push_back(Job{req, std::move(done), intended, sendable, now});
  }
  cv_.notify_one();
}

void RealtimeTarget::WorkerLoop(int index) {
  std::unique_ptr<OpExecutor> executor = factory_(index);
  while (true) {
    Job job;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;
      job = std::move(queue_.front());
      queue_.pop_front();
    }
    OpResult r;
    r.invoked = loop_.Now();
    executor->Execute(job.req, r);
    r.completed = loop_.Now();
    loop_.Post([this, intended = job.intended, sendable = job.sendable, submitted = job.submitted,
                done = std::move(job.done), r = std::move(r)]() mutable {
      delays_.Record(intended, sendable, submitted, r.invoked);
      --in_flight_;
      done(std::move(r));
    });
  }
}

}  // namespace slotsim
