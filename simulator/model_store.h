// ModelStore: the sim target's model of one backend (Redis or MySQL). A Store decorator over a
// MemoryStore that charges every call a latency drawn from the backend's distribution and
// obeys the scenario's faults. Calls are atomic at the moment they are made (virtual time does
// not move inside a call); what a call would have cost is added to a CallCost the sim target
// reads to schedule the answer. Faults:
//   down  every call fails at once with Unavailable (connection refused)
//   hang  every call fails with Timeout after the caller's deadline (the process is stopped;
//         connects succeed, nothing answers)
//   extra latency (slow Redis, slow MySQL), with optional jitter
// Not thread-safe: one sim runs on one thread.
#pragma once

#include "common/random.h"
#include "engine/memory_store.h"
#include "simulator/distribution.h"

namespace slotsim {

// The virtual time the current request has spent in backends so far.
struct CallCost {
  Micros total{0};
};

struct ModelOptions {
  Distribution read_latency;   // one round trip of a read
  Distribution write_latency;  // one round trip of a write (for Redis the same as reads)
  Micros deadline{50000};      // what a hung call costs before it times out
  Micros refused_cost{100};    // what a refused connection costs
};

class ModelStore final : public Store {
 public:
  // `inner`, `cost` and `random` must outlive this object.
  ModelStore(MemoryStore& inner, CallCost& cost, Random& random, ModelOptions options);

  void set_down(bool down) { down_ = down; }
  void set_hang(bool hang) { hang_ = hang; }
  void set_extra_latency(Micros extra, Micros jitter) {
    extra_ = extra;
    jitter_ = jitter;
  }
  bool down() const { return down_; }
  bool hang() const { return hang_; }
  // Drops all state (a restart without data).
  void Wipe() { inner_.Wipe(); }
  uint64_t calls() const { return calls_; }

  StorageMode mode() const override { return inner_.mode(); }
  StatusOr<Hold> Select(const SelectRequest& r) override;
  Status Deselect(const DeselectRequest& r) override;
  StatusOr<DayState> Poll(const PollRequest& r) override;
  StatusOr<std::optional<Hold>> GetHold(const SlotRef& s, Timestamp now) override;
  StatusOr<Booking> Confirm(const ConfirmRequest& r) override;
  StatusOr<Booking> Reschedule(const RescheduleRequest& r) override;
  StatusOr<Booking> Cancel(const CancelRequest& r) override;
  StatusOr<Booking> GetBooking(const std::string& id) override;
  StatusOr<std::vector<Booking>> ActiveBookings(const std::string& from_date) override;
  Status Ping() override;
  StatusOr<std::vector<Hold>> LiveHolds(Timestamp now) override;
  Status ImportHolds(const std::vector<Hold>& holds, Timestamp now) override;
  Status ClearHolds() override;
  Status NoteBooked(const SlotRef& slot, const std::string& booking_id) override;
  Status NoteFreed(const SlotRef& slot) override;
  Status ReplaceBookedCache(const std::vector<Booking>& active) override;

 private:
  // Charges one round trip and returns the fault's error, if any.
  Status Charge(bool write);
  template <typename F>
  auto Call(bool write, F&& f) -> decltype(f());

  MemoryStore& inner_;
  CallCost& cost_;
  Random& random_;
  ModelOptions options_;
  bool down_ = false;
  bool hang_ = false;
  Micros extra_{0};
  Micros jitter_{0};
  uint64_t calls_ = 0;
};

}  // namespace slotsim
