// ModelStore: the sim target's model of one backend (Redis or MySQL). A StoreWrapper over a
// MemoryStore that charges every call a latency drawn from the backend's distribution and
// obeys the scenario's faults. Calls are atomic at the moment they are made (virtual time does
// not move inside a call); what a call would have cost is added to a CallCost the sim target
// reads to schedule the answer. Faults:
//   down  every call fails at once with Unavailable (connection refused)
//   hang  every call fails with Timeout after the caller's deadline (the process is stopped;
//         connects succeed, nothing answers)
//   extra latency (slow Redis, slow MySQL), with optional jitter
//
// Capacity. With `servers` = 0 (the default) the backend is infinitely parallel: a call costs
// its latency sample and nothing else, so latency never rises with load. With `servers` = c > 0
// the backend is a FIFO queue with c servers: a call arrives when the request reaches it, starts
// when a server is free and occupies that server for its sampled service time, so its latency
// is wait + service. Calls are queued in the order they are made (a request's later calls,
// which arrive after its earlier ones, reserve their server ahead of requests made later at an
// earlier virtual time; a small reordering). A call still waiting when its caller's deadline
// passes is abandoned: it fails with Timeout, costs the deadline and takes no server. One that
// started in time but runs past the deadline also times out, and still occupies its server for
// the whole service time (the server cannot know the caller left). A fault's extra latency and
// jitter are transit time (a slow network or proxy): added to the answer, they occupy no server.
// Going down empties the queue (a restarted server has no backlog). The queue is c free-at
// times in a heap allocated once: queueing adds no allocation per call.
// Not thread-safe: one sim runs on one thread.
#pragma once

#include <optional>
#include <vector>

#include "common/clock.h"
#include "common/random.h"
#include "engine/memory_store.h"
#include "engine/store_wrapper.h"
#include "simulator/scenario/distribution.h"

namespace slotsim {

// The virtual time the current request has spent in backends so far.
struct CallCost {
  Micros total{0};
  // True while the sim target runs a request: its next backend call arrives at Now() + total.
  // Calls made outside a request (the failover manager's probes on a timer) arrive at Now().
  bool in_request = false;
};

struct ModelOptions {
  Distribution read_latency;   // one round trip of a read
  Distribution write_latency;  // one round trip of a write (for Redis the same as reads)
  Micros deadline{50000};      // what a hung call costs before it times out
  Micros refused_cost{100};    // what a refused connection costs
  int servers = 0;             // calls served at once; 0 = unlimited (no queueing)
};

class ModelStore final : public StoreWrapper {
 public:
  // `inner`, `cost`, `random` and `clock` must outlive this object. `clock` places calls in
  // virtual time for the queue (unused when options.servers is 0).
  ModelStore(MemoryStore& inner, CallCost& cost, Random& random, const Clock& clock,
             ModelOptions options);

  // Going down also empties the queue.
  void set_down(bool down);
  void set_hang(bool hang) { hang_ = hang; }
  void set_extra_latency(Micros extra, Micros jitter) {
    extra_ = extra;
    jitter_ = jitter;
  }
  bool down() const { return down_; }
  bool hang() const { return hang_; }
  // Drops all state (a restart without data).
  void Wipe() { memory_.Wipe(); }
  uint64_t calls() const { return calls_; }
  // Calls abandoned in the queue (still waiting for a server at their caller's deadline).
  uint64_t abandoned() const { return abandoned_; }

 private:
  // Every call is one round trip: charged (a write or a read), then forwarded unless the
  // fault or the queue answers it.
  Status BeforeCall(const StoreCall& call) override { return Charge(call.writes); }
  // Charges one round trip and returns the fault's error, if any.
  Status Charge(bool write);
  // Queues a call of `service` on the earliest free server and returns its wait, or nullopt
  // when it would still be waiting at the deadline (abandoned: it takes no server).
  std::optional<Micros> Queue(Micros service);

  MemoryStore& memory_;
  CallCost& cost_;
  Random& random_;
  const Clock& clock_;
  ModelOptions options_;
  std::vector<Timestamp> free_at_;  // a min-heap: when each server is next free; empty = unlimited
  bool down_ = false;
  bool hang_ = false;
  Micros extra_{0};
  Micros jitter_{0};
  uint64_t calls_ = 0;
  uint64_t abandoned_ = 0;
};

}  // namespace slotsim
