// FaultyStore: a Store decorator for deterministic failover tests. While `down` it answers every
// call with Unavailable without reaching the wrapped store; otherwise it forwards. Counts calls.
#pragma once

#include <atomic>

#include "engine/store.h"

namespace slotsim::testing {

class FaultyStore final : public Store {
 public:
  explicit FaultyStore(Store& inner) : inner_(inner) {}

  void set_down(bool down) { down_ = down; }
  // Only the booked-cache writes (NoteBooked, NoteFreed) fail.
  void set_fail_cache_writes(bool fail) { fail_cache_writes_ = fail; }
  int calls() const { return calls_; }

  StorageMode mode() const override { return inner_.mode(); }
  StatusOr<Hold> Select(const SelectRequest& r) override {
    return Fwd([&] { return inner_.Select(r); });
  }
  Status Deselect(const DeselectRequest& r) override {
    return Fwd([&] { return inner_.Deselect(r); });
  }
  StatusOr<DayState> Poll(const PollRequest& r) override {
    return Fwd([&] { return inner_.Poll(r); });
  }
  StatusOr<std::optional<Hold>> GetHold(const SlotRef& s, Timestamp now) override {
    return Fwd([&] { return inner_.GetHold(s, now); });
  }
  StatusOr<Booking> Confirm(const ConfirmRequest& r) override {
    return Fwd([&] { return inner_.Confirm(r); });
  }
  StatusOr<Booking> Reschedule(const RescheduleRequest& r) override {
    return Fwd([&] { return inner_.Reschedule(r); });
  }
  StatusOr<Booking> Cancel(const CancelRequest& r) override {
    return Fwd([&] { return inner_.Cancel(r); });
  }
  StatusOr<Booking> GetBooking(const std::string& id) override {
    return Fwd([&] { return inner_.GetBooking(id); });
  }
  StatusOr<std::vector<Booking>> ActiveBookings(const std::string& d) override {
    return Fwd([&] { return inner_.ActiveBookings(d); });
  }
  Status Ping() override {
    return Fwd([&] { return inner_.Ping(); });
  }
  StatusOr<std::vector<Hold>> LiveHolds(Timestamp now) override {
    return Fwd([&] { return inner_.LiveHolds(now); });
  }
  Status ImportHolds(const std::vector<Hold>& h, Timestamp now) override {
    return Fwd([&] { return inner_.ImportHolds(h, now); });
  }
  Status ClearHolds() override {
    return Fwd([&] { return inner_.ClearHolds(); });
  }
  Status NoteBooked(const SlotRef& s, const std::string& id) override {
    if (fail_cache_writes_) return Status::Unavailable("injected: cache write failed");
    return Fwd([&] { return inner_.NoteBooked(s, id); });
  }
  Status NoteFreed(const SlotRef& s) override {
    if (fail_cache_writes_) return Status::Unavailable("injected: cache write failed");
    return Fwd([&] { return inner_.NoteFreed(s); });
  }
  Status ReplaceBookedCache(const std::vector<Booking>& a) override {
    return Fwd([&] { return inner_.ReplaceBookedCache(a); });
  }

 private:
  template <typename F>
  auto Fwd(F&& f) -> decltype(f()) {
    ++calls_;
    if (down_) return Status::Unavailable("injected: store is down");
    return f();
  }

  Store& inner_;
  std::atomic<bool> down_{false};
  std::atomic<bool> fail_cache_writes_{false};
  std::atomic<int> calls_{0};
};

}  // namespace slotsim::testing
