// MySqlStore: the Store contract on MySQL/MariaDB. Locking discipline (why it cannot deadlock in
// the common races): every write that decides on one slot first locks that slot's hold row,
// creating a not-live placeholder when there is none, so selects, confirms and reschedules of a
// slot run one after another; only then does it look at or write bookings. Sessions run READ
// COMMITTED (no gap locks); the legacy check-then-insert guard runs REPEATABLE READ on purpose.
// This file: opening the store, RunStatus, and the Store facade over Impl (mysql_store_impl.h).
#include "engine/mysql_store.h"

#include "engine/mysql_store_impl.h"

namespace slotsim {

Status MySqlStore::Impl::RunStatus(TxnMode mode,
                                   const std::function<Status(MySqlConnection&)>& body) {
  auto r = Run<bool>(mode, [&](MySqlConnection& c) -> StatusOr<bool> {
    SLOTSIM_RETURN_IF_ERROR(body(c));
    return true;
  });
  return r.ok() ? Status::Ok() : r.status();
}

Status MySqlStore::Impl::Open() {
  SLOTSIM_RETURN_IF_ERROR(config_);
  SLOTSIM_ASSIGN_OR_RETURN(auto conn, MySqlConnection::Dial(options_, /*with_database=*/false));
  const std::string& db = options_.url.database;
  SLOTSIM_RETURN_IF_ERROR(CreateMySqlDatabase(*conn, db));
  SLOTSIM_RETURN_IF_ERROR(conn->Query("USE `" + db + "`"));
  return MigrateMySqlSchema(*conn, db, options_.table_prefix);
}

Status MySqlStore::Impl::TruncateForTest() {
  return RunStatus(TxnMode::kReadCommitted, [&](MySqlConnection& c) -> Status {
    SLOTSIM_RETURN_IF_ERROR(Exec(c, sql_.clear_holds, {}));
    return Exec(c, sql_.clear_bookings, {});
  });
}

// ---- MySqlStore -------------------------------------------------------------------------

MySqlStore::MySqlStore(MySqlOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}
MySqlStore::~MySqlStore() = default;

Status MySqlStore::Open() { return impl_->Open(); }
StatusOr<Hold> MySqlStore::Select(const SelectRequest& req) { return impl_->Select(req); }
Status MySqlStore::Deselect(const DeselectRequest& req) { return impl_->Deselect(req); }
StatusOr<DayState> MySqlStore::Poll(const PollRequest& req) { return impl_->Poll(req); }
StatusOr<std::optional<Hold>> MySqlStore::GetHold(const SlotRef& slot, Timestamp now) {
  return impl_->GetHold(slot, now);
}
StatusOr<Booking> MySqlStore::Confirm(const ConfirmRequest& req) { return impl_->Confirm(req); }
StatusOr<Booking> MySqlStore::Reschedule(const RescheduleRequest& req) {
  return impl_->Reschedule(req);
}
StatusOr<Booking> MySqlStore::Cancel(const CancelRequest& req) { return impl_->Cancel(req); }
StatusOr<Booking> MySqlStore::GetBooking(const std::string& booking_id) {
  return impl_->GetBooking(booking_id);
}
StatusOr<std::vector<Booking>> MySqlStore::ActiveBookings(const std::string& from_date) {
  return impl_->ActiveBookings(from_date);
}
Status MySqlStore::Ping() { return impl_->Ping(); }
StatusOr<std::vector<Hold>> MySqlStore::LiveHolds(Timestamp now) { return impl_->LiveHolds(now); }
Status MySqlStore::ImportHolds(const std::vector<Hold>& holds, Timestamp now) {
  return impl_->ImportHolds(holds, now);
}
Status MySqlStore::ClearHolds() { return impl_->ClearHolds(); }
Status MySqlStore::NoteBooked(const SlotRef& slot, const std::string& /*booking_id*/) {
  return impl_->DropHold(slot);
}
Status MySqlStore::NoteFreed(const SlotRef& /*slot*/) { return Status::Ok(); }
Status MySqlStore::ReplaceBookedCache(const std::vector<Booking>& /*active*/) {
  return Status::Ok();
}
Status MySqlStore::TruncateForTest() { return impl_->TruncateForTest(); }

}  // namespace slotsim
