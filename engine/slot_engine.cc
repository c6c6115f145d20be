// SlotEngine: validation and policy in front of the Store.
#include "engine/slot_engine.h"

#include <algorithm>

#include "common/check.h"

namespace slotsim {

StatusOr<SlotEngine> SlotEngine::Create(Store& store, Clock& clock, EngineOptions options) {
  StatusOr<Grid> grid = Grid::Create(options.grid);
  if (!grid.ok()) return grid.status();
  return SlotEngine(store, clock, std::move(options), std::move(grid).value());
}

SlotEngine::SlotEngine(Store& store, Clock& clock, EngineOptions options, Grid grid)
    : store_(store), clock_(clock), options_(std::move(options)), grid_(std::move(grid)) {}

Status SlotEngine::CheckDay(std::string_view client_id, int employee_id, std::string_view date,
                            Timestamp now) const {
  SLOTSIM_RETURN_IF_ERROR(Grid::CheckClientId(client_id));
  SLOTSIM_RETURN_IF_ERROR(grid_.CheckEmployee(employee_id));
  return grid_.CheckDate(date, now);
}

Status SlotEngine::CheckSlot(std::string_view client_id, int employee_id, std::string_view date,
                             std::string_view time, Timestamp now) const {
  SLOTSIM_RETURN_IF_ERROR(CheckDay(client_id, employee_id, date, now));
  return grid_.CheckTime(time);
}

StatusOr<Hold> SlotEngine::Select(std::string_view client_id, int employee_id,
                                  std::string_view date, std::string_view time) {
  const Timestamp now = clock_.Now();
  SLOTSIM_RETURN_IF_ERROR(CheckSlot(client_id, employee_id, date, time, now));
  SelectRequest req{std::string(client_id),
                    {employee_id, std::string(date), std::string(time)},
                    now,
                    options_.policy.hold_ttl,
                    options_.policy.select_conflict_check};
  StatusOr<Hold> hold = store_.Select(req);
  // free or own -> held by the caller, on this slot: any store, either profile.
  SLOTSIM_CHECK(!hold.ok() || (hold->client_id == req.client_id && hold->slot == req.slot))
      << "select of " << date << " " << time << " answered with another hold: " << hold->client_id
      << " on " << hold->slot.date << " " << hold->slot.time;
  return hold;
}

Status SlotEngine::Deselect(std::string_view client_id, int employee_id, std::string_view date,
                            std::string_view time) {
  const Timestamp now = clock_.Now();
  SLOTSIM_RETURN_IF_ERROR(CheckSlot(client_id, employee_id, date, time, now));
  DeselectRequest req{std::string(client_id),
                      {employee_id, std::string(date), std::string(time)},
                      now,
                      options_.policy.deselect_owner_check};
  return store_.Deselect(req);
}

StatusOr<PollResult> SlotEngine::Poll(std::string_view client_id, int employee_id,
                                      std::string_view date,
                                      std::optional<std::string_view> selected_time) {
  const Timestamp now = clock_.Now();
  SLOTSIM_RETURN_IF_ERROR(CheckDay(client_id, employee_id, date, now));
  if (selected_time) SLOTSIM_RETURN_IF_ERROR(grid_.CheckTime(*selected_time));
  PollRequest req;
  req.client_id = std::string(client_id);
  req.day = {employee_id, std::string(date)};
  if (selected_time) req.reassert_time = std::string(*selected_time);
  req.now = now;
  req.ttl = options_.policy.hold_ttl;
  req.conflict_check = options_.policy.select_conflict_check;
  SLOTSIM_ASSIGN_OR_RETURN(DayState day, store_.Poll(req));
  // A re-assert always has an answer for exactly that time; a plain poll has none.
  SLOTSIM_CHECK(day.own.has_value() == selected_time.has_value() &&
                (!day.own || day.own->time == *selected_time))
      << "poll answered for " << (day.own ? day.own->time : "no time") << " when asked for "
      << selected_time.value_or("no time");

  PollResult out;
  out.held.reserve(day.holds.size());
  for (const Hold& h : day.holds) {
    out.held.push_back(h.slot.time);
    if (h.client_id != client_id) out.others_held.push_back(h.slot.time);
  }
  out.booked = std::move(day.booked);
  out.own = std::move(day.own);
  out.storage_mode = day.served_by;
  out.redis_status = day.served_by == StorageMode::kRedis ? "available" : "unavailable";
  out.cache_info = CacheInfo{day.served_by == StorageMode::kRedis, day.served_by,
                             ToUnixMillis(now) / 1000, options_.policy.breaker};
  out.server_time = now;
  return out;
}

StatusOr<Availability> SlotEngine::GetAvailability(int employee_id, std::string_view date,
                                                   std::string_view client_id) {
  const Timestamp now = clock_.Now();
  if (!client_id.empty()) SLOTSIM_RETURN_IF_ERROR(Grid::CheckClientId(client_id));
  SLOTSIM_RETURN_IF_ERROR(grid_.CheckEmployee(employee_id));
  SLOTSIM_RETURN_IF_ERROR(grid_.CheckDate(date, now));
  PollRequest req;
  req.client_id = std::string(client_id);
  req.day = {employee_id, std::string(date)};
  req.now = now;
  SLOTSIM_ASSIGN_OR_RETURN(DayState day, store_.Poll(req));

  Availability out;
  out.storage_mode = day.served_by;
  for (const Hold& h : day.holds) {
    if (h.client_id != client_id) out.held.push_back(h.slot.time);
  }
  out.booked = day.booked;
  for (const std::string& t : grid_.times()) {
    const bool busy = std::binary_search(out.booked.begin(), out.booked.end(), t) ||
                      std::find(out.held.begin(), out.held.end(), t) != out.held.end();
    if (!busy) out.free.push_back(t);
  }
  return out;
}

StatusOr<Booking> SlotEngine::Confirm(std::string_view client_id, int employee_id,
                                      std::string_view date, std::string_view time,
                                      std::string_view idempotency_key) {
  const Timestamp now = clock_.Now();
  SLOTSIM_RETURN_IF_ERROR(CheckSlot(client_id, employee_id, date, time, now));
  SLOTSIM_RETURN_IF_ERROR(Grid::CheckIdempotencyKey(idempotency_key));
  ConfirmRequest req;
  req.client_id = std::string(client_id);
  req.slot = {employee_id, std::string(date), std::string(time)};
  req.idempotency_key = std::string(idempotency_key);
  req.now = now;
  req.check_holds = true;
  req.guard = options_.policy.booking_guard;
  StatusOr<Booking> booking = store_.Confirm(req);
  // New or idempotent, the booking is the caller's and on the slot asked for.
  SLOTSIM_CHECK(!booking.ok() || (booking->client_id == req.client_id && booking->slot == req.slot))
      << "confirm of " << date << " " << time << " answered with booking " << booking->id << " of "
      << booking->client_id << " on " << booking->slot.date << " " << booking->slot.time;
  return booking;
}

StatusOr<Booking> SlotEngine::Reschedule(std::string_view client_id, std::string_view booking_id,
                                         int employee_id, std::string_view date,
                                         std::string_view time) {
  const Timestamp now = clock_.Now();
  SLOTSIM_RETURN_IF_ERROR(CheckSlot(client_id, employee_id, date, time, now));
  SLOTSIM_RETURN_IF_ERROR(Grid::CheckBookingId(booking_id));
  RescheduleRequest req;
  req.client_id = std::string(client_id);
  req.booking_id = std::string(booking_id);
  req.new_slot = {employee_id, std::string(date), std::string(time)};
  req.now = now;
  req.check_holds = true;
  StatusOr<Booking> booking = store_.Reschedule(req);
  // active -> active on the new slot; nothing else is a successful reschedule.
  SLOTSIM_CHECK(!booking.ok() ||
                (booking->id == booking_id && booking->client_id == client_id &&
                 booking->slot == req.new_slot && booking->status == BookingStatus::kActive))
      << "reschedule of " << booking_id << " to " << date << " " << time << " answered with "
      << booking->id << " on " << booking->slot.date << " " << booking->slot.time
      << (booking->status == BookingStatus::kActive ? " (active)" : " (cancelled)");
  return booking;
}

StatusOr<Booking> SlotEngine::Cancel(std::string_view client_id, std::string_view booking_id) {
  SLOTSIM_RETURN_IF_ERROR(Grid::CheckClientId(client_id));
  SLOTSIM_RETURN_IF_ERROR(Grid::CheckBookingId(booking_id));
  StatusOr<Booking> booking =
      store_.Cancel(CancelRequest{std::string(client_id), std::string(booking_id), clock_.Now()});
  // active or cancelled -> cancelled, and only by its owner.
  SLOTSIM_CHECK(!booking.ok() || (booking->id == booking_id && booking->client_id == client_id &&
                                  booking->status == BookingStatus::kCancelled))
      << "cancel of " << booking_id << " answered with " << booking->id << " of "
      << booking->client_id
      << (booking->status == BookingStatus::kActive ? " (still active)" : " (cancelled)");
  return booking;
}

}  // namespace slotsim
