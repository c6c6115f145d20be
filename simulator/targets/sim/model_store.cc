// ModelStore: latency and faults around a MemoryStore.
#include "simulator/targets/sim/model_store.h"

#include <algorithm>
#include <functional>

namespace slotsim {

ModelStore::ModelStore(MemoryStore& inner, CallCost& cost, Random& random, const Clock& clock,
                       ModelOptions options)
    : StoreWrapper(inner),
      memory_(inner),
      cost_(cost),
      random_(random),
      clock_(clock),
      options_(std::move(options)) {
  free_at_.assign(static_cast<size_t>(std::max(options_.servers, 0)), Timestamp{});
}

void ModelStore::set_down(bool down) {
  down_ = down;
  if (down) std::fill(free_at_.begin(), free_at_.end(), Timestamp{});
}

std::optional<Micros> ModelStore::Queue(Micros service) {
  const Timestamp arrival = clock_.Now() + (cost_.in_request ? cost_.total : Micros(0));
  std::pop_heap(free_at_.begin(), free_at_.end(), std::greater<>());
  Timestamp& server = free_at_.back();
  const Timestamp begin = std::max(arrival, server);
  std::optional<Micros> wait;
  if (begin - arrival < options_.deadline) {
    wait = begin - arrival;
    server = begin + service;
  }
  std::push_heap(free_at_.begin(), free_at_.end(), std::greater<>());
  return wait;
}

Status ModelStore::Charge(bool write) {
  ++calls_;
  if (down_) {
    cost_.total += options_.refused_cost;
    return Status::Unavailable("connection refused (model)");
  }
  if (hang_) {
    cost_.total += options_.deadline;
    return Status::Timeout("no answer within the deadline (model: server stopped)");
  }
  const Micros service = (write ? options_.write_latency : options_.read_latency).Sample(random_);
  Micros transit = extra_;
  if (jitter_.count() > 0) {
    transit += Micros(static_cast<int64_t>(random_.Uniform(jitter_.count() + 1)));
  }
  Micros wait{0};
  if (!free_at_.empty()) {
    const std::optional<Micros> queued = Queue(service);
    if (!queued) {
      ++abandoned_;
      cost_.total += options_.deadline;
      return Status::Timeout("no answer within the deadline (model: every server busy)");
    }
    wait = *queued;
  }
  const Micros latency = wait + service + transit;
  // A slow call that runs past the caller's deadline is a timeout, as with a real client.
  if (latency > options_.deadline) {
    cost_.total += options_.deadline;
    return Status::Timeout("no answer within the deadline (model: slow server)");
  }
  cost_.total += latency;
  return Status::Ok();
}

}  // namespace slotsim
