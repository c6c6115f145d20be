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
  st.last_ack_us = std::max(st.last_ack_us, at);
  if (active_here || st.cancelled) return;  // a repeat, or already cancelled
  st.interval_acked_us = at;
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
    const size_t first_other = candidate_others_.size();
    const bool keep = double_candidates_.size() < max_double_candidates_;
    uint32_t others = 0;
    for (const BookingInterval& i : s.bookings) {
      if (&i == self || i.removed_us <= t.at_us) continue;
      if (i.acked_us < t.at_us || (i.acked_us == t.at_us && i.booking < t.b)) {
        ++others;
        if (keep) candidate_others_.push_back(i.booking);
      }
    }
    if (others == 1) ++counts_.double_bookings;
    if (keep && others >= 1) {
      // Provisional: Finish() takes lost bookings away and decides again.
      double_candidates_.push_back({t.a, t.b, t.at_us, static_cast<uint32_t>(first_other), others});
      if (others == 1) ++provisional_doubles_;
    } else {
      candidate_others_.resize(first_other);
    }
  }
  EvictBookings(t.a);
}

// A lost booking is taken to have vanished right after the last answer that acknowledged it:
// from then on its interval on its last acknowledged slot no longer counts as active.
bool Checker::Impl::VanishedAt(const std::unordered_set<uint64_t, U64Hash>& lost, uint64_t booking,
                               uint64_t slot, int64_t t) const {
  if (!lost.contains(booking)) return false;
  const BookingState& st = bookings_.at(booking);
  return st.slot == slot && st.interval_acked_us <= t && st.last_ack_us <= t;
}

// Replaces the provisional count of the kept candidates by the count without lost bookings.
void Checker::Impl::SettleDoubleCandidates(const std::unordered_set<uint64_t, U64Hash>& lost) {
  uint64_t settled = 0;
  for (const DoubleCandidate& c : double_candidates_) {
    if (VanishedAt(lost, c.booking, c.slot, c.at_us)) continue;
    uint32_t others = 0;
    for (uint32_t i = 0; i < c.others; ++i) {
      others += VanishedAt(lost, candidate_others_[c.first_other + i], c.slot, c.at_us) ? 0 : 1;
    }
    settled += others == 1 ? 1 : 0;
  }
  counts_.double_bookings = counts_.double_bookings - provisional_doubles_ + settled;
  provisional_doubles_ = settled;
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
  std::unordered_set<uint64_t, U64Hash> lost;
  for (const auto& [key, st] : bookings_) {
    if (!st.acked || st.cancel_invoked) continue;
    auto it = final_slot.find(key);
    if (it == final_slot.end() || (it->second != st.slot && !st.slot_uncertain)) lost.insert(key);
  }
  counts_.lost_bookings += lost.size();
  SettleDoubleCandidates(lost);
  for (const auto& [slot, n] : per_slot) {
    if (n < 2) continue;
    int active_at_end = 0;
    auto it = slots_.find(slot);
    if (it != slots_.end()) {
      for (const BookingInterval& i : it->second.bookings) {
        const bool active = i.acked_us <= end && i.removed_us > end;
        active_at_end += (active && !VanishedAt(lost, i.booking, slot, end)) ? 1 : 0;
      }
    }
    if (active_at_end < 2) ++counts_.double_bookings;  // else: the history episode's tail
  }
}

}  // namespace slotsim
