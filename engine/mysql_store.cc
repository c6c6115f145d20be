// MySqlStore: the Store contract on MySQL/MariaDB. Locking discipline (why it cannot deadlock in
// the common races): every write that decides on one slot first locks that slot's hold row,
// creating a not-live placeholder when there is none, so selects, confirms and reschedules of a
// slot run one after another; only then does it look at or write bookings. Sessions run READ
// COMMITTED (no gap locks); the legacy check-then-insert guard runs REPEATABLE READ on purpose.
#include "engine/mysql_store.h"

#include <ctime>
#include <functional>

#include "engine/mysql_connection.h"
#include "engine/mysql_schema.h"

namespace slotsim {
namespace {

// A deadlock victim's whole transaction is re-run at most this many times.
constexpr int kMaxDeadlockRetries = 3;

enum class TxnMode { kAutocommit, kReadCommitted, kRepeatableRead };

int YearOfUnixMillis(int64_t ms) {
  time_t secs = static_cast<time_t>(ms >= 0 ? ms / 1000 : (ms - 999) / 1000);
  struct tm parts;
  gmtime_r(&secs, &parts);
  return parts.tm_year + 1900;
}

// A booking row and its AUTO_INCREMENT id.
struct StoredBooking {
  int64_t row_id = 0;
  Booking booking;
};

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

std::vector<SqlParam> SlotParams(const SlotRef& s) { return {s.employee_id, s.date, s.time}; }

// Params of `slot` followed by `more`.
std::vector<SqlParam> SlotParams(const SlotRef& s, std::initializer_list<SqlParam> more) {
  std::vector<SqlParam> p = SlotParams(s);
  p.insert(p.end(), more);
  return p;
}

Status Exec(MySqlConnection& c, const std::string& sql, const std::vector<SqlParam>& params) {
  auto r = c.Execute(sql, params);
  return r.ok() ? Status::Ok() : r.status();
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

class MySqlStore::Impl {
 public:
  explicit Impl(MySqlOptions o)
      : options_(std::move(o)), sql_(options_.table_prefix), pool_(options_) {
    if (!IsSafeMySqlIdentifier(options_.url.database, false)) {
      config_ = Status::InvalidArgument("mysql database name \"" + options_.url.database +
                                        "\" must be 1-48 characters of [A-Za-z0-9_$]");
    } else if (!IsSafeMySqlIdentifier(options_.table_prefix, true)) {
      config_ = Status::InvalidArgument("mysql table_prefix \"" + options_.table_prefix +
                                        "\" must be at most 48 characters of [A-Za-z0-9_$]");
    }
  }

  Status Open();
  StatusOr<Hold> Select(const SelectRequest& req);
  Status Deselect(const DeselectRequest& req);
  StatusOr<DayState> Poll(const PollRequest& req);
  StatusOr<std::optional<Hold>> GetHold(const SlotRef& slot, Timestamp now);
  StatusOr<Booking> Confirm(const ConfirmRequest& req);
  StatusOr<Booking> Reschedule(const RescheduleRequest& req);
  StatusOr<Booking> Cancel(const CancelRequest& req);
  StatusOr<Booking> GetBooking(const std::string& booking_id);
  StatusOr<std::vector<Booking>> ActiveBookings(const std::string& from_date);
  Status Ping();
  StatusOr<std::vector<Hold>> LiveHolds(Timestamp now);
  Status ImportHolds(const std::vector<Hold>& holds, Timestamp now);
  Status ClearHolds();
  Status DropHold(const SlotRef& slot);
  Status TruncateForTest();

 private:
  template <typename T>
  using Body = std::function<StatusOr<T>(MySqlConnection&)>;

  template <typename T>
  StatusOr<T> Run(TxnMode mode, const Body<T>& body);
  template <typename T>
  StatusOr<T> RunOnce(MySqlConnection& c, TxnMode mode, const Body<T>& body, bool* commit_sent);
  Status RunStatus(TxnMode mode, const std::function<Status(MySqlConnection&)>& body);

  // Locks the slot's hold row (creating a placeholder when none exists) and returns its holder
  // and expiry. Every transaction that decides on a slot starts here.
  StatusOr<Hold> LockHoldRow(MySqlConnection& c, const SlotRef& slot);
  StatusOr<bool> SlotBooked(MySqlConnection& c, const SlotRef& slot, bool for_update);
  // Releases the client's holds on keep's day other than keep itself.
  Status DropOtherHolds(MySqlConnection& c, const std::string& client, const SlotRef& keep);
  StatusOr<Hold> SelectInTxn(MySqlConnection& c, const SelectRequest& req);
  // Confirm/Reschedule: another's live hold -> SlotHeld (when check_holds); then the caller's
  // hold on the slot is dropped.
  Status TakeHoldForBooking(MySqlConnection& c, const std::string& client, const SlotRef& slot,
                            int64_t now_ms, bool check_holds);
  StatusOr<Booking> ConfirmInTxn(MySqlConnection& c, const ConfirmRequest& req, bool* duplicate);
  StatusOr<Booking> RescheduleInTxn(MySqlConnection& c, const RescheduleRequest& req);
  StatusOr<Booking> CancelInTxn(MySqlConnection& c, const CancelRequest& req);
  StatusOr<DayState> ReadDay(MySqlConnection& c, const DayRef& day, int64_t now_ms);
  StatusOr<std::optional<StoredBooking>> FindByKey(const std::string& key);

  const MySqlOptions options_;
  const MySqlStatements sql_;
  Status config_;
  MySqlPool pool_;
};

// ---- running statements ----------------------------------------------------------------

template <typename T>
StatusOr<T> MySqlStore::Impl::Run(TxnMode mode, const Body<T>& body) {
  if (!config_.ok()) return config_;
  int deadlocks = 0;
  bool redialed = false;
  for (;;) {
    auto lease = pool_.Acquire();
    if (!lease.ok()) return lease.status();
    MySqlConnection& c = **lease;
    bool commit_sent = false;
    StatusOr<T> result = RunOnce(c, mode, body, &commit_sent);
    if (result.ok()) return result;
    if (c.last_errno() == kErLockDeadlock) {
      // InnoDB rolled the whole transaction back: running it again is safe.
      if (deadlocks++ < kMaxDeadlockRetries) continue;
      return Status::Unavailable("mysql: deadlock persisted after " + std::to_string(deadlocks) +
                                 " attempts");
    }
    if (c.broken()) {
      pool_.DiscardIdle();  // the server likely dropped the idle ones too
      // Lost before COMMIT was sent: the server rolls the transaction back, so one re-run on a
      // fresh connection is safe. Lost during COMMIT: the outcome is unknown; report it.
      // Autocommit bodies are reads or idempotent deletes, safe to re-run whatever happened.
      if (!commit_sent && !redialed) {
        redialed = true;
        continue;
      }
    }
    return result;
  }
}

template <typename T>
StatusOr<T> MySqlStore::Impl::RunOnce(MySqlConnection& c, TxnMode mode, const Body<T>& body,
                                      bool* commit_sent) {
  if (mode == TxnMode::kAutocommit) return body(c);
  if (mode == TxnMode::kRepeatableRead) {
    // Applies to the next transaction only; the session default stays READ COMMITTED.
    SLOTSIM_RETURN_IF_ERROR(c.Query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ"));
  }
  SLOTSIM_RETURN_IF_ERROR(c.Query("START TRANSACTION"));
  StatusOr<T> result = body(c);
  if (!result.ok()) {
    c.RollbackQuietly();
    return result;
  }
  *commit_sent = true;
  SLOTSIM_RETURN_IF_ERROR(c.Query("COMMIT"));
  return result;
}

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

// ---- holds ------------------------------------------------------------------------------

StatusOr<Hold> MySqlStore::Impl::LockHoldRow(MySqlConnection& c, const SlotRef& slot) {
  SLOTSIM_RETURN_IF_ERROR(Exec(c, sql_.claim_hold, SlotParams(slot)));
  SLOTSIM_ASSIGN_OR_RETURN(SqlResult r, c.Execute(sql_.lock_hold, SlotParams(slot)));
  if (r.rows.size() != 1) return Status::Internal("mysql: hold row vanished under its lock");
  return Hold{r.rows[0][0].s, slot, FromUnixMillis(r.rows[0][1].i)};
}

StatusOr<bool> MySqlStore::Impl::SlotBooked(MySqlConnection& c, const SlotRef& slot,
                                            bool for_update) {
  // A locking read waits for an in-flight booking of the slot instead of missing it.
  SLOTSIM_ASSIGN_OR_RETURN(
      SqlResult r,
      c.Execute(for_update ? sql_.booked_update : sql_.booked_share, SlotParams(slot)));
  return !r.rows.empty();
}

Status MySqlStore::Impl::DropOtherHolds(MySqlConnection& c, const std::string& client,
                                        const SlotRef& keep) {
  SLOTSIM_ASSIGN_OR_RETURN(
      SqlResult others,
      c.Execute(sql_.others_of_client, {client, keep.employee_id, keep.date, keep.time}));
  for (const SqlRow& row : others.rows) {
    // The client test in the DELETE skips a row another client took over meanwhile.
    SLOTSIM_RETURN_IF_ERROR(
        Exec(c, sql_.drop_own_hold, SlotParams({keep.employee_id, keep.date, row[0].s}, {client})));
  }
  return Status::Ok();
}

StatusOr<Hold> MySqlStore::Impl::SelectInTxn(MySqlConnection& c, const SelectRequest& req) {
  const int64_t now_ms = ToUnixMillis(req.now);
  SLOTSIM_ASSIGN_OR_RETURN(Hold current, LockHoldRow(c, req.slot));
  SLOTSIM_ASSIGN_OR_RETURN(bool booked, SlotBooked(c, req.slot, false));
  if (booked) return Status::SlotBooked();
  bool others_live =
      current.client_id != req.client_id && ToUnixMillis(current.expires_at) > now_ms;
  if (others_live && req.conflict_check) return Status::SlotHeld();
  const SlotRef& s = req.slot;
  SLOTSIM_RETURN_IF_ERROR(DropOtherHolds(c, req.client_id, s));
  const int64_t expires_ms = now_ms + req.ttl.count();
  SLOTSIM_RETURN_IF_ERROR(
      Exec(c, sql_.set_hold, {req.client_id, expires_ms, s.employee_id, s.date, s.time}));
  return Hold{req.client_id, s, FromUnixMillis(expires_ms)};
}

StatusOr<Hold> MySqlStore::Impl::Select(const SelectRequest& req) {
  return Run<Hold>(TxnMode::kReadCommitted,
                   [&](MySqlConnection& c) { return SelectInTxn(c, req); });
}

Status MySqlStore::Impl::Deselect(const DeselectRequest& req) {
  const int64_t now_ms = ToUnixMillis(req.now);
  return RunStatus(TxnMode::kAutocommit, [&](MySqlConnection& c) -> Status {
    SLOTSIM_ASSIGN_OR_RETURN(
        SqlResult del,
        c.Execute(sql_.deselect, SlotParams(req.slot, {req.client_id, now_ms, req.owner_check})));
    if (del.affected_rows > 0) return Status::Ok();
    // Nothing released: either there is no hold, or it is another client's live one.
    SLOTSIM_ASSIGN_OR_RETURN(SqlResult live,
                             c.Execute(sql_.live_hold, SlotParams(req.slot, {now_ms})));
    if (!live.rows.empty() && live.rows[0][0].s != req.client_id) {
      return Status::NotHolder("slot " + req.slot.date + " " + req.slot.time +
                               " is held by another client");
    }
    return Status::Ok();
  });
}

StatusOr<DayState> MySqlStore::Impl::ReadDay(MySqlConnection& c, const DayRef& day,
                                             int64_t now_ms) {
  SLOTSIM_ASSIGN_OR_RETURN(SqlResult r, c.Execute(sql_.day, {day.employee_id, day.date, now_ms,
                                                             day.employee_id, day.date}));
  DayState state;
  state.served_by = StorageMode::kMySql;
  for (const SqlRow& row : r.rows) {
    if (row[0].i == 0) {
      state.holds.push_back(
          Hold{row[2].s, {day.employee_id, day.date, row[1].s}, FromUnixMillis(row[3].i)});
    } else {
      state.booked.push_back(row[1].s);
    }
  }
  return state;
}

StatusOr<DayState> MySqlStore::Impl::Poll(const PollRequest& req) {
  std::optional<HoldAnswer> own;
  if (req.reassert_time) {
    SelectRequest sel{req.client_id,
                      {req.day.employee_id, req.day.date, *req.reassert_time},
                      req.now,
                      req.ttl,
                      req.conflict_check};
    auto held = Select(sel);
    if (held.ok()) {
      own = HoldAnswer{sel.slot.time, HoldStatus::kHeld, held->expires_at};
    } else if (held.status().code() == Code::kSlotBooked) {
      own = HoldAnswer{sel.slot.time, HoldStatus::kTaken, Timestamp()};
    } else if (held.status().code() == Code::kSlotHeld) {
      own = HoldAnswer{sel.slot.time, HoldStatus::kLost, Timestamp()};
    } else {
      return held.status();
    }
  }
  // Without a re-assert this is the poll's only round trip: one UNION ALL query.
  const int64_t now_ms = ToUnixMillis(req.now);
  auto state = Run<DayState>(TxnMode::kAutocommit,
                             [&](MySqlConnection& c) { return ReadDay(c, req.day, now_ms); });
  if (state.ok()) state->own = own;
  return state;
}

StatusOr<std::optional<Hold>> MySqlStore::Impl::GetHold(const SlotRef& slot, Timestamp now) {
  using Out = std::optional<Hold>;
  return Run<Out>(TxnMode::kAutocommit, [&](MySqlConnection& c) -> StatusOr<Out> {
    SLOTSIM_ASSIGN_OR_RETURN(SqlResult r,
                             c.Execute(sql_.live_hold, SlotParams(slot, {ToUnixMillis(now)})));
    if (r.rows.empty()) return Out();
    return Out(Hold{r.rows[0][0].s, slot, FromUnixMillis(r.rows[0][1].i)});
  });
}

StatusOr<std::vector<Hold>> MySqlStore::Impl::LiveHolds(Timestamp now) {
  using Out = std::vector<Hold>;
  return Run<Out>(TxnMode::kAutocommit, [&](MySqlConnection& c) -> StatusOr<Out> {
    SLOTSIM_ASSIGN_OR_RETURN(SqlResult r, c.Execute(sql_.live_holds, {ToUnixMillis(now)}));
    Out holds;
    for (const SqlRow& row : r.rows) {
      holds.push_back(Hold{
          row[3].s, {static_cast<int>(row[0].i), row[1].s, row[2].s}, FromUnixMillis(row[4].i)});
    }
    return holds;
  });
}

Status MySqlStore::Impl::ImportHolds(const std::vector<Hold>& holds, Timestamp now) {
  const int64_t now_ms = ToUnixMillis(now);
  return RunStatus(TxnMode::kReadCommitted, [&](MySqlConnection& c) -> Status {
    for (const Hold& h : holds) {
      const int64_t expires_ms = ToUnixMillis(h.expires_at);
      if (expires_ms <= now_ms) continue;
      const SlotRef& s = h.slot;
      SLOTSIM_RETURN_IF_ERROR(DropOtherHolds(c, h.client_id, s));
      SLOTSIM_RETURN_IF_ERROR(Exec(c, sql_.put_hold, SlotParams(s, {h.client_id, expires_ms})));
    }
    return Status::Ok();
  });
}

Status MySqlStore::Impl::ClearHolds() {
  return RunStatus(TxnMode::kAutocommit,
                   [&](MySqlConnection& c) { return Exec(c, sql_.clear_holds, {}); });
}

Status MySqlStore::Impl::DropHold(const SlotRef& slot) {
  return RunStatus(TxnMode::kAutocommit,
                   [&](MySqlConnection& c) { return Exec(c, sql_.drop_hold, SlotParams(slot)); });
}

Status MySqlStore::Impl::Ping() {
  return RunStatus(TxnMode::kAutocommit, [](MySqlConnection& c) { return c.Ping(); });
}

// ---- bookings ---------------------------------------------------------------------------

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
