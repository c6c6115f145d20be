// MySqlStore: bookings (always) and holds (while Redis is out) in MySQL/MariaDB through
// libmysqlclient (MariaDB Connector/C). MySQL is the source of truth for bookings.
//
// Schema (created and migrated by Open(); version in `<prefix>schema_version`, one row per
// applied migration; see engine/mysql_schema.h). InnoDB, utf8mb4 with binary collation (ids
// compare exactly); dates and times are the engine's "YYYY-MM-DD" / "HH:MM" strings.
//   <prefix>holds     PRIMARY KEY (employee_id, slot_date, slot_time), client_id, expires_at_ms;
//                     index (client_id, employee_id, slot_date)
//   <prefix>bookings  id AUTO_INCREMENT, strong_id UNIQUE, client_id, employee_id, slot_date,
//                     slot_time, status, active (1 or NULL), idempotency_key UNIQUE, created_at_ms;
//                     UNIQUE (employee_id, slot_date, slot_time, active): two active bookings on
//                     one slot are impossible even under races; cancelled rows (active NULL)
//                     never block the slot. strong_id is StrongBookingId(year of created_at, id),
//                     set in the inserting transaction.
// Times are stored in whole milliseconds (as RedisStore does): a hold is live while the
// request's `now` < expires_at_ms, decided by the caller's clock, never the server's; returned
// expiries and created_at are the stored, millisecond-truncated values.
//
// Every statement that carries data is a server-side prepared statement (mysql_connection.h);
// only DDL and transaction control are plain queries.
//
// Transactions. Sessions run READ COMMITTED. Every transaction that decides on a slot (select,
// poll re-assert, confirm and reschedule with check_holds) first locks that slot's hold row,
// inserting a not-live placeholder when there is none, so they serialize per slot without gap
// locks; only then does it read or write bookings. A poll without re-assert is one UNION ALL
// query. Confirm looks its idempotency key up first; a duplicate key on insert re-reads the key
// (a concurrent retry may have won) and otherwise answers SlotTaken. A select finds the
// caller's other holds of the day with a plain read and deletes them by key, so two selects by
// the SAME client of two different free slots of one day, running at the same instant, can both
// stand (a client's own requests are sequential in practice; different clients are exact).
// Rows of expired holds stay until their slot is selected again or holds are cleared.
// Guards. kUniqueConstraint: the unique key decides (duplicate -> SlotTaken). kCheckThenInsert
// (the legacy plugin): SELECT ... FOR UPDATE of the slot's active booking, then INSERT, in a
// REPEATABLE READ transaction as the plugin ran it. Racing confirms then take compatible gap
// locks and deadlock on their inserts; the unique key still prevents a double booking, so the
// race surfaces as SlotTaken, or as Unavailable once the deadlock retries are used up.
//
// Errors and retries. Thread-safe: a bounded pool of pool_size connections, dialled lazily; a
// call that cannot get one within pool_wait answers Timeout. Refused, dropped or killed
// connections answer Unavailable and are discarded (the idle ones with them), and the next use
// re-dials; MYSQL_OPT_RECONNECT is off. A transaction whose connection was lost before COMMIT
// was sent was rolled back by the server and is re-run once on a fresh connection; a loss
// during COMMIT is reported (Unavailable), never re-run. A deadlock victim's transaction is
// re-run up to 3 times, then Unavailable. A lock wait (innodb_lock_wait_timeout is set to
// read_timeout_s - 1, at least 1) answers Timeout. Duplicate-key races on the booking
// constraint answer SlotTaken.
#pragma once

#include <memory>
#include <string>

#include "common/url.h"
#include "engine/store.h"

namespace slotsim {

struct MySqlOptions {
  MySqlUrl url;
  int connect_timeout_s = 2;  // Connector/C takes whole seconds
  int read_timeout_s = 5;
  int write_timeout_s = 5;
  int pool_size = 8;
  Millis pool_wait{2000};  // longest wait for a free connection
  std::string table_prefix = "slotsim_";
};

class MySqlStore final : public Store {
 public:
  explicit MySqlStore(MySqlOptions options);
  ~MySqlStore() override;

  // Connects, creates the database if missing, and creates or migrates the schema; a no-op
  // on a current schema. Call once before anything else. InvalidArgument for a database or
  // table_prefix that is not [A-Za-z0-9_$] (they are spliced into DDL); Internal when the
  // recorded schema version is newer than this build; Unavailable when the server is out.
  Status Open();

  StorageMode mode() const override { return StorageMode::kMySql; }
  StatusOr<Hold> Select(const SelectRequest& req) override;
  Status Deselect(const DeselectRequest& req) override;
  StatusOr<DayState> Poll(const PollRequest& req) override;
  StatusOr<std::optional<Hold>> GetHold(const SlotRef& slot, Timestamp now) override;
  StatusOr<Booking> Confirm(const ConfirmRequest& req) override;
  StatusOr<Booking> Reschedule(const RescheduleRequest& req) override;
  StatusOr<Booking> Cancel(const CancelRequest& req) override;
  StatusOr<Booking> GetBooking(const std::string& booking_id) override;
  StatusOr<std::vector<Booking>> ActiveBookings(const std::string& from_date) override;
  Status Ping() override;
  StatusOr<std::vector<Hold>> LiveHolds(Timestamp now) override;
  Status ImportHolds(const std::vector<Hold>& holds, Timestamp now) override;
  Status ClearHolds() override;
  // Bookings are the truth here, so the booked-cache calls are no-ops (NoteBooked still drops
  // any hold on the slot).
  Status NoteBooked(const SlotRef& slot, const std::string& booking_id) override;
  Status NoteFreed(const SlotRef& slot) override;
  Status ReplaceBookedCache(const std::vector<Booking>& active) override;

  // Deletes every row of this store's tables (tests only). Ids keep counting up.
  Status TruncateForTest();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace slotsim
