// Bookings in the checker (rules in checker.h): acknowledged-active intervals per slot, the
// settled check that counts double-booking episodes, their eviction, and the final-state rules
// (lost, phantom and final double bookings) run by Finish().
#include "simulator/observe/checker_impl.h"

namespace slotsim {

void Checker::Impl::AckBooking(uint64_t booking, uint64_t slot, int64_t at) {
  BookingState& st = bookings_[booking];
  SlotState& s = slots_[slot];
  const bool active_here =
      st.acked && st.slot == slot &&
      std::any_of(s.bookings.begin(), s.bookings.end(), [&](const BookingInterval& i) {
        return i.booking == booking && i.removed_us == kNever;
      });
  st.acked = true;
  st.slot = slot;
  st.slot_uncertain = false;
  if (active_here || st.cancelled) return;  // a repeat, or already cancelled
  s.bookings.push_back({booking, at, kNever});
  ++s.pending_checks;
  Schedule({SatAdd(at, slack_us_), at, slot, booking, 0, 0, TaskKind::kCheckBooking});
}

void Checker::Impl::EndInterval(uint64_t booking, uint64_t slot, int64_t at) {
  auto it = slots_.find(slot);
  if (it == slots_.end()) return;
  for (BookingInterval& i : it->second.bookings) {
    if (i.booking != booking || i.removed_us != kNever) continue;
    i.removed_us = std::max(at, i.acked_us);
    Schedule({SatAdd(i.removed_us, slack_us_), 0, slot, 0, 0, 0, TaskKind::kEvictBookings});
  }
}

// Runs once nothing invoked before the ack can still arrive: counts a new episode when the
// booking raised the slot from one to two acknowledged-active bookings.
void Checker::Impl::CheckBooking(const Task& t) {
  SlotState& s = slots_[t.a];
  --s.pending_checks;
  const BookingInterval* self = nullptr;
  for (const BookingInterval& i : s.bookings) {
    if (i.booking == t.b && i.acked_us == t.at_us) self = &i;
  }
  if (self != nullptr && self->removed_us > t.at_us) {
    int others = 0;
    for (const BookingInterval& i : s.bookings) {
      if (&i == self || i.removed_us <= t.at_us) continue;
      if (i.acked_us < t.at_us || (i.acked_us == t.at_us && i.booking < t.b)) ++others;
    }
    if (others == 1) ++counts_.double_bookings;
  }
  EvictBookings(t.a);
}

void Checker::Impl::EvictBookings(uint64_t slot) {
  SlotState& s = slots_[slot];
  if (s.pending_checks != 0) return;
  const int64_t horizon = SatSub(watermark_, slack_us_);
  s.bookings.erase(std::remove_if(s.bookings.begin(), s.bookings.end(),
                                  [&](const BookingInterval& i) {
                                    return i.removed_us != kNever && i.removed_us < horizon;
                                  }),
                   s.bookings.end());
}

void Checker::Impl::CheckFinalState(const std::vector<Booking>& final_bookings, int64_t end) {
  std::unordered_map<uint64_t, uint64_t, U64Hash> final_slot;  // booking -> slot
  std::unordered_map<uint64_t, int, U64Hash> per_slot;
  for (const Booking& b : final_bookings) {
    uint64_t slot = 0;
    if (b.status != BookingStatus::kActive || !SlotKeyOf(b.slot, &slot)) continue;
    const uint64_t key = BookingKeyOf(b.id);
    final_slot[key] = slot;
    ++per_slot[slot];
    auto it = bookings_.find(key);
    const bool told = it != bookings_.end() && it->second.acked;
    if (!told && !unknown_confirm_keys_.contains(b.idempotency_key)) ++counts_.phantom_bookings;
  }
  for (const auto& [key, st] : bookings_) {
    if (!st.acked || st.cancel_invoked) continue;
    auto it = final_slot.find(key);
    if (it == final_slot.end() || (it->second != st.slot && !st.slot_uncertain)) {
      ++counts_.lost_bookings;
    }
  }
  for (const auto& [slot, n] : per_slot) {
    if (n < 2) continue;
    int active_at_end = 0;
    auto it = slots_.find(slot);
    if (it != slots_.end()) {
      for (const BookingInterval& i : it->second.bookings) {
        active_at_end += (i.acked_us <= end && i.removed_us > end) ? 1 : 0;
      }
    }
    if (active_at_end < 2) ++counts_.double_bookings;  // else: the history episode's tail
  }
}

}  // namespace slotsim
