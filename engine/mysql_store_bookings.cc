// MySqlStore's bookings (the store and its locking discipline: mysql_store.h, mysql_store.cc):
// confirm with its idempotency key and guard, reschedule, cancel, and the reads of bookings.
#include <ctime>

#include "engine/mysql_store_impl.h"

namespace slotsim {

namespace {

int YearOfUnixMillis(int64_t ms) {
  time_t secs = static_cast<time_t>(ms >= 0 ? ms / 1000 : (ms - 999) / 1000);
  struct tm parts;
  gmtime_r(&secs, &parts);
  return parts.tm_year + 1900;
}

StoredBooking ParseBooking(const SqlRow& r) {
  StoredBooking s;
  s.row_id = r[0].i;
  Booking& b = s.booking;
  b.id = r[1].s;
  b.client_id = r[2].s;
  b.slot = {static_cast<int>(r[3].i), r[4].s, r[5].s};
  b.status = r[6].s == "cancelled" ? BookingStatus::kCancelled : BookingStatus::kActive;
  b.idempotency_key = r[7].s;  // empty when NULL
  b.created_at = FromUnixMillis(r[8].i);
  return s;
}

StatusOr<std::optional<StoredBooking>> OneBooking(StatusOr<SqlResult> r) {
  if (!r.ok()) return r.status();
  if (r->rows.empty()) return std::optional<StoredBooking>();
  return std::optional<StoredBooking>(ParseBooking(r->rows[0]));
}

// The answer to a repeated idempotency key.
StatusOr<Booking> MatchIdempotent(const Booking& prior, const ConfirmRequest& req) {
  if (prior.client_id != req.client_id || !(prior.slot == req.slot)) {
    return Status::InvalidArgument("idempotency_key \"" + req.idempotency_key +
                                   "\" was used by another client or for another slot (" +
                                   prior.id + ")");
  }
  return prior;
}

}  // namespace

Status MySqlStore::Impl::TakeHoldForBooking(MySqlConnection& c, const std::string& client,
                                            const SlotRef& slot, int64_t now_ms, bool check_holds) {
  if (!check_holds) return Exec(c, sql_.drop_own_hold, SlotParams(slot, {client}));
  SLOTSIM_ASSIGN_OR_RETURN(Hold current, LockHoldRow(c, slot));
  if (current.client_id != client && ToUnixMillis(current.expires_at) > now_ms) {
    return Status::SlotHeld();
  }
  // Ours, expired, or the placeholder just made: the row goes either way.
  return Exec(c, sql_.drop_hold, SlotParams(slot));
}

StatusOr<Booking> MySqlStore::Impl::ConfirmInTxn(MySqlConnection& c, const ConfirmRequest& req,
                                                 bool* duplicate) {
  *duplicate = false;
  const int64_t now_ms = ToUnixMillis(req.now);
  SLOTSIM_RETURN_IF_ERROR(TakeHoldForBooking(c, req.client_id, req.slot, now_ms, req.check_holds));
  if (req.guard == BookingGuard::kCheckThenInsert) {
    SLOTSIM_ASSIGN_OR_RETURN(bool booked, SlotBooked(c, req.slot, /*for_update=*/true));
    if (booked) return Status::SlotTaken();
  }
  SqlParam key = req.idempotency_key.empty() ? SqlParam(nullptr) : SqlParam(req.idempotency_key);
  const SlotRef& s = req.slot;
  auto inserted =
      c.Execute(sql_.insert_booking, {req.client_id, s.employee_id, s.date, s.time, key, now_ms});
  if (!inserted.ok()) {
    if (c.last_errno() != kErDupEntry) return inserted.status();
    *duplicate = true;  // the slot key or the idempotency key; Confirm sorts it out
    return Status::SlotTaken();
  }
  const int64_t row_id = static_cast<int64_t>(inserted->insert_id);
  Booking b{StrongBookingId(YearOfUnixMillis(now_ms), row_id),
            req.client_id,
            req.slot,
            req.idempotency_key,
            BookingStatus::kActive,
            FromUnixMillis(now_ms)};
  SLOTSIM_RETURN_IF_ERROR(Exec(c, sql_.set_strong_id, {b.id, row_id}));
  return b;
}

StatusOr<std::optional<StoredBooking>> MySqlStore::Impl::FindByKey(const std::string& key) {
  using Out = std::optional<StoredBooking>;
  return Run<Out>(TxnMode::kAutocommit,
                  [&](MySqlConnection& c) { return OneBooking(c.Execute(sql_.by_key, {key})); });
}

StatusOr<Booking> MySqlStore::Impl::Confirm(const ConfirmRequest& req) {
  const bool keyed = !req.idempotency_key.empty();
  if (keyed) {
    SLOTSIM_ASSIGN_OR_RETURN(auto prior, FindByKey(req.idempotency_key));
    if (prior) return MatchIdempotent(prior->booking, req);
  }
  bool duplicate = false;
  const TxnMode mode = req.guard == BookingGuard::kCheckThenInsert ? TxnMode::kRepeatableRead
                                                                   : TxnMode::kReadCommitted;
  auto made =
      Run<Booking>(mode, [&](MySqlConnection& c) { return ConfirmInTxn(c, req, &duplicate); });
  if (!duplicate || !keyed) return made;
  // A duplicate key after the first look-up: a concurrent retry with the same key may have won.
  SLOTSIM_ASSIGN_OR_RETURN(auto prior, FindByKey(req.idempotency_key));
  if (prior) return MatchIdempotent(prior->booking, req);
  return made;
}

StatusOr<Booking> MySqlStore::Impl::RescheduleInTxn(MySqlConnection& c,
                                                    const RescheduleRequest& req) {
  SLOTSIM_ASSIGN_OR_RETURN(auto found, OneBooking(c.Execute(sql_.lock_by_id, {req.booking_id})));
  if (!found || found->booking.status == BookingStatus::kCancelled) {
    return Status::NotFound("no active booking " + req.booking_id);
  }
  Booking& b = found->booking;
  if (b.client_id != req.client_id) {
    return Status::NotHolder("booking " + req.booking_id + " belongs to another client");
  }
  if (b.slot == req.new_slot) return b;
  const int64_t now_ms = ToUnixMillis(req.now);
  SLOTSIM_RETURN_IF_ERROR(
      TakeHoldForBooking(c, req.client_id, req.new_slot, now_ms, req.check_holds));
  const SlotRef& s = req.new_slot;
  auto moved = c.Execute(sql_.move_booking, {s.employee_id, s.date, s.time, found->row_id});
  if (!moved.ok()) {
    // The transaction rolls back, so the booking stays on its old slot.
    return c.last_errno() == kErDupEntry ? Status::SlotTaken() : moved.status();
  }
  b.slot = s;
  return b;
}

StatusOr<Booking> MySqlStore::Impl::Reschedule(const RescheduleRequest& req) {
  return Run<Booking>(TxnMode::kReadCommitted,
                      [&](MySqlConnection& c) { return RescheduleInTxn(c, req); });
}

StatusOr<Booking> MySqlStore::Impl::CancelInTxn(MySqlConnection& c, const CancelRequest& req) {
  SLOTSIM_ASSIGN_OR_RETURN(auto found, OneBooking(c.Execute(sql_.lock_by_id, {req.booking_id})));
  if (!found) return Status::NotFound("no booking " + req.booking_id);
  Booking& b = found->booking;
  if (b.client_id != req.client_id) {
    return Status::NotHolder("booking " + req.booking_id + " belongs to another client");
  }
  if (b.status == BookingStatus::kCancelled) return b;
  SLOTSIM_RETURN_IF_ERROR(Exec(c, sql_.cancel_booking, {found->row_id}));
  b.status = BookingStatus::kCancelled;
  return b;
}

StatusOr<Booking> MySqlStore::Impl::Cancel(const CancelRequest& req) {
  return Run<Booking>(TxnMode::kReadCommitted,
                      [&](MySqlConnection& c) { return CancelInTxn(c, req); });
}

StatusOr<Booking> MySqlStore::Impl::GetBooking(const std::string& booking_id) {
  return Run<Booking>(TxnMode::kAutocommit, [&](MySqlConnection& c) -> StatusOr<Booking> {
    SLOTSIM_ASSIGN_OR_RETURN(auto found, OneBooking(c.Execute(sql_.by_id, {booking_id})));
    if (!found) return Status::NotFound("no booking " + booking_id);
    return found->booking;
  });
}

StatusOr<std::vector<Booking>> MySqlStore::Impl::ActiveBookings(const std::string& from_date) {
  using Out = std::vector<Booking>;
  return Run<Out>(TxnMode::kAutocommit, [&](MySqlConnection& c) -> StatusOr<Out> {
    SLOTSIM_ASSIGN_OR_RETURN(SqlResult r, c.Execute(sql_.active_from, {from_date}));
    Out out;
    for (const SqlRow& row : r.rows) out.push_back(ParseBooking(row).booking);
    return out;
  });
}

}  // namespace slotsim
