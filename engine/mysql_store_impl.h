// MySqlStore::Impl, shared by the store's files: mysql_store.cc (opening, the Store facade),
// mysql_store_holds.cc (holds: select, deselect, poll, migration) and mysql_store_bookings.cc
// (confirm, reschedule, cancel, reads of bookings). Here: its state, the statement helpers,
// and Run, which runs one transaction on a pooled connection and re-runs it after a deadlock
// or a connection lost before COMMIT. Internal: included only by those files.
#pragma once

#include <functional>
#include <initializer_list>
#include <string>
#include <vector>

#include "engine/mysql_connection.h"
#include "engine/mysql_schema.h"
#include "engine/mysql_store.h"

namespace slotsim {

// A deadlock victim's whole transaction is re-run at most this many times.
inline constexpr int kMaxDeadlockRetries = 3;

enum class TxnMode { kAutocommit, kReadCommitted, kRepeatableRead };

// A booking row and its AUTO_INCREMENT id.
struct StoredBooking {
  int64_t row_id = 0;
  Booking booking;
};

inline std::vector<SqlParam> SlotParams(const SlotRef& s) {
  return {s.employee_id, s.date, s.time};
}

// Params of `slot` followed by `more`.
inline std::vector<SqlParam> SlotParams(const SlotRef& s, std::initializer_list<SqlParam> more) {
  std::vector<SqlParam> p = SlotParams(s);
  p.insert(p.end(), more);
  return p;
}

inline Status Exec(MySqlConnection& c, const std::string& sql,
                   const std::vector<SqlParam>& params) {
  auto r = c.Execute(sql, params);
  return r.ok() ? Status::Ok() : r.status();
}

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
  if (Status s = c.Query("COMMIT"); !s.ok()) {
    // The server may have committed before the connection went: nobody knows the outcome.
    if (c.broken()) return Status::Timeout("mysql: connection lost during COMMIT: " + s.message());
    return s;
  }
  return result;
}

}  // namespace slotsim
