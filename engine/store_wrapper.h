// StoreWrapper: a Store that forwards every call to a target Store (leveldb's EnvWrapper). A
// decorator derives from it and overrides only what it changes:
//   - one method: override it, and call StoreWrapper::Method (or target()) to forward;
//   - every call alike (latency, injected faults, counting): override BeforeCall, which runs
//     before each forwarded call and may answer it instead of the target.
// Thread-safe as far as the target and the decorator's own overrides are.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "engine/store.h"

namespace slotsim {

// Which Store method a forwarded call is.
enum class StoreMethod : uint8_t {
  kSelect,
  kDeselect,
  kPoll,
  kGetHold,
  kConfirm,
  kReschedule,
  kCancel,
  kGetBooking,
  kActiveBookings,
  kPing,
  kLiveHolds,
  kImportHolds,
  kClearHolds,
  kNoteBooked,
  kNoteFreed,
  kReplaceBookedCache,
};

// What BeforeCall learns of a call.
struct StoreCall {
  StoreMethod method = StoreMethod::kPing;
  // The call may change the store's state: every method except GetHold, GetBooking,
  // ActiveBookings, Ping, LiveHolds, and Poll without reassert_time.
  bool writes = false;
};

class StoreWrapper : public Store {
 public:
  // `target` must outlive this object.
  explicit StoreWrapper(Store& target) : target_(target) {}

  Store& target() const { return target_; }

  // mode() is not a call to the store's backend: it is forwarded without BeforeCall.
  StorageMode mode() const override { return target_.mode(); }
  StatusOr<Hold> Select(const SelectRequest& r) override {
    return Forward({StoreMethod::kSelect, true}, [&] { return target_.Select(r); });
  }
  Status Deselect(const DeselectRequest& r) override {
    return Forward({StoreMethod::kDeselect, true}, [&] { return target_.Deselect(r); });
  }
  StatusOr<DayState> Poll(const PollRequest& r) override {
    return Forward({StoreMethod::kPoll, r.reassert_time.has_value()},
                   [&] { return target_.Poll(r); });
  }
  StatusOr<std::optional<Hold>> GetHold(const SlotRef& s, Timestamp now) override {
    return Forward({StoreMethod::kGetHold, false}, [&] { return target_.GetHold(s, now); });
  }
  StatusOr<Booking> Confirm(const ConfirmRequest& r) override {
    return Forward({StoreMethod::kConfirm, true}, [&] { return target_.Confirm(r); });
  }
  StatusOr<Booking> Reschedule(const RescheduleRequest& r) override {
    return Forward({StoreMethod::kReschedule, true}, [&] { return target_.Reschedule(r); });
  }
  StatusOr<Booking> Cancel(const CancelRequest& r) override {
    return Forward({StoreMethod::kCancel, true}, [&] { return target_.Cancel(r); });
  }
  StatusOr<Booking> GetBooking(const std::string& id) override {
    return Forward({StoreMethod::kGetBooking, false}, [&] { return target_.GetBooking(id); });
  }
  StatusOr<std::vector<Booking>> ActiveBookings(const std::string& from_date) override {
    return Forward({StoreMethod::kActiveBookings, false},
                   [&] { return target_.ActiveBookings(from_date); });
  }
  Status Ping() override {
    return Forward({StoreMethod::kPing, false}, [&] { return target_.Ping(); });
  }
  StatusOr<std::vector<Hold>> LiveHolds(Timestamp now) override {
    return Forward({StoreMethod::kLiveHolds, false}, [&] { return target_.LiveHolds(now); });
  }
  Status ImportHolds(const std::vector<Hold>& holds, Timestamp now) override {
    return Forward({StoreMethod::kImportHolds, true},
                   [&] { return target_.ImportHolds(holds, now); });
  }
  Status ClearHolds() override {
    return Forward({StoreMethod::kClearHolds, true}, [&] { return target_.ClearHolds(); });
  }
  Status NoteBooked(const SlotRef& slot, const std::string& booking_id) override {
    return Forward({StoreMethod::kNoteBooked, true},
                   [&] { return target_.NoteBooked(slot, booking_id); });
  }
  Status NoteFreed(const SlotRef& slot) override {
    return Forward({StoreMethod::kNoteFreed, true}, [&] { return target_.NoteFreed(slot); });
  }
  Status ReplaceBookedCache(const std::vector<Booking>& active) override {
    return Forward({StoreMethod::kReplaceBookedCache, true},
                   [&] { return target_.ReplaceBookedCache(active); });
  }

 protected:
  // Runs before every forwarded call (not mode()). A non-OK status is then the call's answer
  // and the target is not called. The default lets every call through.
  virtual Status BeforeCall(const StoreCall& /*call*/) { return Status::Ok(); }

 private:
  template <typename F>
  auto Forward(const StoreCall& call, F&& forward) -> decltype(forward()) {
    Status s = BeforeCall(call);
    if (!s.ok()) return s;
    return forward();
  }

  Store& target_;
};

}  // namespace slotsim
