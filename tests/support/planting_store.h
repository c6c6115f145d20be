// PlantingStore: a Store decorator that plants lost bookings and lost holds, and counts what it
// planted, so an end-to-end run can assert the checker's figures exactly. Test-only. Every call
// runs under one mutex, so the local target's workers may share it (they are serialised on it).
//   - Lost booking: a confirm is answered OK, then the booking is cancelled behind the client's
//     back (it vanishes; its slot is free for anyone to book again).
//   - Lost hold: a select is answered OK, then the hold is released behind the client's back;
//     the store will not re-create it from that client's heartbeat: its next re-assert of that
//     slot is answered lost (or taken, if booked meanwhile), once.
#pragma once

#include <algorithm>
#include <cstdint>
#include <mutex>
#include <set>
#include <string>
#include <utility>

#include "engine/store_wrapper.h"

namespace slotsim::testing {

struct PlantedAnomalies {
  uint64_t bookings_dropped = 0;
  uint64_t dropped_slots_rebooked = 0;  // later confirms that booked a dropped booking's slot
  uint64_t holds_dropped = 0;
  uint64_t holds_reported_lost = 0;  // re-asserts of a dropped hold answered lost / taken
  // Selects by another client of a dropped hold's slot before its holder was told: each
  // would read as a hold conflict if the checker did not charge it to the lost hold.
  uint64_t taken_before_told = 0;
};

class PlantingStore final : public StoreWrapper {
 public:
  // Drops every `booking_every`-th new booking, up to `max_bookings`, and every
  // `hold_every`-th successful select, up to `max_holds` (0: none). `out` must outlive this.
  PlantingStore(Store& inner, PlantedAnomalies& out, int booking_every, uint64_t max_bookings,
                int hold_every, uint64_t max_holds)
      : StoreWrapper(inner),
        out_(out),
        booking_every_(booking_every),
        max_bookings_(max_bookings),
        hold_every_(hold_every),
        max_holds_(max_holds) {}

  StatusOr<Hold> Select(const SelectRequest& r) override {
    std::lock_guard<std::mutex> lock(mu_);
    const std::string slot = Key(r.slot);
    blocked_.erase({r.client_id, slot});  // selecting again: an ordinary hold from now on
    StatusOr<Hold> hold = StoreWrapper::Select(r);
    if (!hold.ok()) return hold;
    for (const auto& [holder, s] : blocked_) {
      if (s == slot && holder != r.client_id) ++out_.taken_before_told;
    }
    if (out_.holds_dropped < max_holds_ && ++selects_ % hold_every_ == 0) {
      if (StoreWrapper::Deselect({r.client_id, r.slot, r.now, true}).ok()) {
        ++out_.holds_dropped;
        blocked_.insert({r.client_id, slot});
      }
    }
    return hold;
  }

  Status Deselect(const DeselectRequest& r) override {
    std::lock_guard<std::mutex> lock(mu_);
    blocked_.erase({r.client_id, Key(r.slot)});  // released: nothing left to report lost
    return StoreWrapper::Deselect(r);
  }

  StatusOr<DayState> Poll(const PollRequest& r) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (!r.reassert_time) return StoreWrapper::Poll(r);
    const SlotRef slot{r.day.employee_id, r.day.date, *r.reassert_time};
    auto it = blocked_.find({r.client_id, Key(slot)});
    if (it == blocked_.end()) return StoreWrapper::Poll(r);
    blocked_.erase(it);
    PollRequest plain = r;
    plain.reassert_time.reset();
    StatusOr<DayState> day = StoreWrapper::Poll(plain);
    if (!day.ok()) return day;
    const bool booked =
        std::find(day->booked.begin(), day->booked.end(), slot.time) != day->booked.end();
    day->own = HoldAnswer{slot.time, booked ? HoldStatus::kTaken : HoldStatus::kLost, {}};
    ++out_.holds_reported_lost;
    return day;
  }

  StatusOr<Booking> Confirm(const ConfirmRequest& r) override {
    std::lock_guard<std::mutex> lock(mu_);
    StatusOr<Booking> b = StoreWrapper::Confirm(r);
    if (!b.ok() || !seen_.insert(b->id).second) return b;  // failed, or an idempotent repeat
    const std::string slot = Key(b->slot);
    if (dropped_slots_.erase(slot) > 0) ++out_.dropped_slots_rebooked;
    if (out_.bookings_dropped < max_bookings_ && ++bookings_ % booking_every_ == 0) {
      if (StoreWrapper::Cancel({b->client_id, b->id, r.now}).ok()) {
        ++out_.bookings_dropped;
        dropped_slots_.insert(slot);
      }
    }
    return b;
  }

 private:
  static std::string Key(const SlotRef& s) {
    return std::to_string(s.employee_id) + " " + s.date + " " + s.time;
  }

  std::mutex mu_;
  PlantedAnomalies& out_;
  const int booking_every_;
  const uint64_t max_bookings_;
  const int hold_every_;
  const uint64_t max_holds_;
  uint64_t selects_ = 0;
  uint64_t bookings_ = 0;
  std::set<std::pair<std::string, std::string>> blocked_;  // (client, slot) holds dropped
  std::set<std::string> dropped_slots_;                    // of dropped bookings, not rebooked
  std::set<std::string> seen_;                             // booking ids answered before
};

}  // namespace slotsim::testing
