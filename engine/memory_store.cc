// MemoryStore: every Store call as one step under one mutex. The hold rules here are the
// reference the Redis scripts and MySQL transactions reproduce.
#include "engine/memory_store.h"

#include <algorithm>
#include <chrono>

namespace slotsim {
namespace {

int YearOf(Timestamp t) {
  using namespace std::chrono;
  return static_cast<int>(year_month_day(floor<days>(t)).year());
}

}  // namespace

void MemoryStore::Prune(Day& day, Timestamp now) {
  std::erase_if(day.holds, [now](const auto& kv) { return kv.second.expires_at <= now; });
}

void MemoryStore::ReleaseOtherHold(Day& day, const std::string& client,
                                   const std::string& keep_time) {
  std::erase_if(day.holds, [&](const auto& kv) {
    return kv.first != keep_time && kv.second.client_id == client;
  });
}

StatusOr<Hold> MemoryStore::SelectLocked(const SelectRequest& req) {
  Day& day = DayOf(req.slot);
  Prune(day, req.now);
  if (day.booked.count(req.slot.time)) return Status::SlotBooked();
  auto it = day.holds.find(req.slot.time);
  if (it != day.holds.end() && it->second.client_id != req.client_id && req.conflict_check) {
    return Status::SlotHeld();
  }
  ReleaseOtherHold(day, req.client_id, req.slot.time);
  const Timestamp expires = req.now + std::chrono::duration_cast<Micros>(req.ttl);
  day.holds[req.slot.time] = HoldEntry{req.client_id, expires};
  return Hold{req.client_id, req.slot, expires};
}

StatusOr<Hold> MemoryStore::Select(const SelectRequest& req) {
  std::lock_guard<std::mutex> lock(mu_);
  return SelectLocked(req);
}

Status MemoryStore::Deselect(const DeselectRequest& req) {
  std::lock_guard<std::mutex> lock(mu_);
  Day& day = DayOf(req.slot);
  Prune(day, req.now);
  auto it = day.holds.find(req.slot.time);
  if (it == day.holds.end()) return Status::Ok();
  if (req.owner_check && it->second.client_id != req.client_id) {
    return Status::NotHolder("slot " + req.slot.time + " is held by another client");
  }
  day.holds.erase(it);
  return Status::Ok();
}

StatusOr<DayState> MemoryStore::Poll(const PollRequest& req) {
  std::lock_guard<std::mutex> lock(mu_);
  Day& day = days_[{req.day.employee_id, req.day.date}];
  Prune(day, req.now);
  DayState state;
  state.served_by = mode_;
  if (req.reassert_time) {
    SelectRequest sel{req.client_id, {req.day.employee_id, req.day.date, *req.reassert_time},
                      req.now, req.ttl, req.conflict_check};
    StatusOr<Hold> held = SelectLocked(sel);
    HoldAnswer answer{*req.reassert_time, HoldStatus::kHeld, {}};
    if (held.ok()) {
      answer.expires_at = held->expires_at;
    } else if (held.status().code() == Code::kSlotBooked) {
      answer.status = HoldStatus::kTaken;
    } else {
      answer.status = HoldStatus::kLost;
    }
    state.own = answer;
  }
  for (const auto& [time, entry] : day.holds) {
    state.holds.push_back(Hold{entry.client_id, {req.day.employee_id, req.day.date, time},
                               entry.expires_at});
  }
  for (const auto& [time, id] : day.booked) state.booked.push_back(time);
  return state;
}

StatusOr<std::optional<Hold>> MemoryStore::GetHold(const SlotRef& slot, Timestamp now) {
  std::lock_guard<std::mutex> lock(mu_);
  Day& day = DayOf(slot);
  Prune(day, now);
  auto it = day.holds.find(slot.time);
  if (it == day.holds.end()) return std::optional<Hold>();
  return std::optional<Hold>(Hold{it->second.client_id, slot, it->second.expires_at});
}

Booking* MemoryStore::FindBooking(const std::string& id) {
  auto it = bookings_.find(id);
  return it == bookings_.end() ? nullptr : &it->second;
}

StatusOr<Booking> MemoryStore::Confirm(const ConfirmRequest& req) {
  std::lock_guard<std::mutex> lock(mu_);
  if (auto it = by_idem_key_.find(req.idempotency_key); it != by_idem_key_.end()) {
    const Booking& existing = bookings_.at(it->second);
    if (existing.client_id != req.client_id || !(existing.slot == req.slot)) {
      return Status::InvalidArgument("idempotency_key was already used for another booking");
    }
    return existing;
  }
  Day& day = DayOf(req.slot);
  Prune(day, req.now);
  auto hold = day.holds.find(req.slot.time);
  if (req.check_holds && hold != day.holds.end() && hold->second.client_id != req.client_id) {
    return Status::SlotHeld();
  }
  if (day.booked.count(req.slot.time)) return Status::SlotTaken();
  Booking b{StrongBookingId(YearOf(req.now), next_seq_++), req.client_id, req.slot,
            req.idempotency_key, BookingStatus::kActive, req.now};
  bookings_[b.id] = b;
  by_idem_key_[b.idempotency_key] = b.id;
  day.booked[req.slot.time] = b.id;
  if (hold != day.holds.end() && hold->second.client_id == req.client_id) day.holds.erase(hold);
  return b;
}

StatusOr<Booking> MemoryStore::Reschedule(const RescheduleRequest& req) {
  std::lock_guard<std::mutex> lock(mu_);
  Booking* b = FindBooking(req.booking_id);
  if (b == nullptr || b->status != BookingStatus::kActive) {
    return Status::NotFound("no active booking " + req.booking_id);
  }
  if (b->client_id != req.client_id) return Status::NotHolder("booking belongs to another client");
  if (b->slot == req.new_slot) return *b;
  Day& target = DayOf(req.new_slot);
  Prune(target, req.now);
  auto hold = target.holds.find(req.new_slot.time);
  if (req.check_holds && hold != target.holds.end() && hold->second.client_id != req.client_id) {
    return Status::SlotHeld();
  }
  if (target.booked.count(req.new_slot.time)) return Status::SlotTaken();
  DayOf(b->slot).booked.erase(b->slot.time);
  b->slot = req.new_slot;
  target.booked[req.new_slot.time] = b->id;
  if (hold != target.holds.end() && hold->second.client_id == req.client_id) {
    target.holds.erase(hold);
  }
  return *b;
}

StatusOr<Booking> MemoryStore::Cancel(const CancelRequest& req) {
  std::lock_guard<std::mutex> lock(mu_);
  Booking* b = FindBooking(req.booking_id);
  if (b == nullptr) return Status::NotFound("no booking " + req.booking_id);
  if (b->client_id != req.client_id) return Status::NotHolder("booking belongs to another client");
  if (b->status == BookingStatus::kCancelled) return *b;
  b->status = BookingStatus::kCancelled;
  Day& day = DayOf(b->slot);
  if (auto it = day.booked.find(b->slot.time); it != day.booked.end() && it->second == b->id) {
    day.booked.erase(it);
  }
  return *b;
}

StatusOr<Booking> MemoryStore::GetBooking(const std::string& booking_id) {
  std::lock_guard<std::mutex> lock(mu_);
  Booking* b = FindBooking(booking_id);
  if (b == nullptr) return Status::NotFound("no booking " + booking_id);
  return *b;
}

StatusOr<std::vector<Booking>> MemoryStore::ActiveBookings(const std::string& from_date) {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<Booking> out;
  for (const auto& [id, b] : bookings_) {
    if (b.status == BookingStatus::kActive && b.slot.date >= from_date) out.push_back(b);
  }
  // Ids end in the store's sequence number; order by it so the answer is creation order.
  auto seq = [](const Booking& b) { return std::stoll(b.id.substr(b.id.rfind('-') + 1)); };
  std::sort(out.begin(), out.end(),
            [&](const Booking& a, const Booking& b) { return seq(a) < seq(b); });
  return out;
}

StatusOr<std::vector<Hold>> MemoryStore::LiveHolds(Timestamp now) {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<Hold> out;
  for (auto& [key, day] : days_) {
    Prune(day, now);
    for (const auto& [time, e] : day.holds) {
      out.push_back(Hold{e.client_id, {key.first, key.second, time}, e.expires_at});
    }
  }
  return out;
}

Status MemoryStore::ImportHolds(const std::vector<Hold>& holds, Timestamp now) {
  std::lock_guard<std::mutex> lock(mu_);
  for (const Hold& h : holds) {
    if (h.expires_at <= now) continue;
    Day& day = DayOf(h.slot);
    ReleaseOtherHold(day, h.client_id, h.slot.time);
    day.holds[h.slot.time] = HoldEntry{h.client_id, h.expires_at};
  }
  return Status::Ok();
}

Status MemoryStore::ClearHolds() {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto& [key, day] : days_) day.holds.clear();
  return Status::Ok();
}

Status MemoryStore::NoteBooked(const SlotRef& slot, const std::string& booking_id) {
  std::lock_guard<std::mutex> lock(mu_);
  Day& day = DayOf(slot);
  day.booked[slot.time] = booking_id;
  day.holds.erase(slot.time);
  return Status::Ok();
}

Status MemoryStore::NoteFreed(const SlotRef& slot) {
  std::lock_guard<std::mutex> lock(mu_);
  DayOf(slot).booked.erase(slot.time);
  return Status::Ok();
}

Status MemoryStore::ReplaceBookedCache(const std::vector<Booking>& active) {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto& [key, day] : days_) {
    // Own active bookings stay: a standalone store's bookings are its truth.
    std::erase_if(day.booked, [&](const auto& kv) {
      const Booking* b = FindBooking(kv.second);
      return b == nullptr || b->status != BookingStatus::kActive;
    });
  }
  for (const Booking& b : active) DayOf(b.slot).booked[b.slot.time] = b.id;
  return Status::Ok();
}

void MemoryStore::Wipe() {
  std::lock_guard<std::mutex> lock(mu_);
  days_.clear();
  bookings_.clear();
  by_idem_key_.clear();
}

}  // namespace slotsim
