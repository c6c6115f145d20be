// ModelStore: latency and faults around a MemoryStore.
#include "simulator/targets/sim/model_store.h"

#include <algorithm>
#include <functional>

namespace slotsim {

ModelStore::ModelStore(MemoryStore& inner, CallCost& cost, Random& random, const Clock& clock,
                       ModelOptions options)
    : inner_(inner), cost_(cost), random_(random), clock_(clock), options_(std::move(options)) {
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

template <typename F>
auto ModelStore::Call(bool write, F&& f) -> decltype(f()) {
  Status s = Charge(write);
  if (!s.ok()) return s;
  return f();
}

StatusOr<Hold> ModelStore::Select(const SelectRequest& r) {
  return Call(true, [&] { return inner_.Select(r); });
}
Status ModelStore::Deselect(const DeselectRequest& r) {
  return Call(true, [&] { return inner_.Deselect(r); });
}
StatusOr<DayState> ModelStore::Poll(const PollRequest& r) {
  return Call(r.reassert_time.has_value(), [&] { return inner_.Poll(r); });
}
StatusOr<std::optional<Hold>> ModelStore::GetHold(const SlotRef& s, Timestamp now) {
  return Call(false, [&] { return inner_.GetHold(s, now); });
}
StatusOr<Booking> ModelStore::Confirm(const ConfirmRequest& r) {
  return Call(true, [&] { return inner_.Confirm(r); });
}
StatusOr<Booking> ModelStore::Reschedule(const RescheduleRequest& r) {
  return Call(true, [&] { return inner_.Reschedule(r); });
}
StatusOr<Booking> ModelStore::Cancel(const CancelRequest& r) {
  return Call(true, [&] { return inner_.Cancel(r); });
}
StatusOr<Booking> ModelStore::GetBooking(const std::string& id) {
  return Call(false, [&] { return inner_.GetBooking(id); });
}
StatusOr<std::vector<Booking>> ModelStore::ActiveBookings(const std::string& from_date) {
  return Call(false, [&] { return inner_.ActiveBookings(from_date); });
}
Status ModelStore::Ping() {
  return Call(false, [&] { return inner_.Ping(); });
}
StatusOr<std::vector<Hold>> ModelStore::LiveHolds(Timestamp now) {
  return Call(false, [&] { return inner_.LiveHolds(now); });
}
Status ModelStore::ImportHolds(const std::vector<Hold>& holds, Timestamp now) {
  return Call(true, [&] { return inner_.ImportHolds(holds, now); });
}
Status ModelStore::ClearHolds() {
  return Call(true, [&] { return inner_.ClearHolds(); });
}
Status ModelStore::NoteBooked(const SlotRef& slot, const std::string& booking_id) {
  return Call(true, [&] { return inner_.NoteBooked(slot, booking_id); });
}
Status ModelStore::NoteFreed(const SlotRef& slot) {
  return Call(true, [&] { return inner_.NoteFreed(slot); });
}
Status ModelStore::ReplaceBookedCache(const std::vector<Booking>& active) {
  return Call(true, [&] { return inner_.ReplaceBookedCache(active); });
}

}  // namespace slotsim
