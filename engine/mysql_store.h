// MySqlStore: bookings (always) and holds (while Redis is out) in MySQL/MariaDB through
// libmysqlclient (MariaDB Connector/C). MySQL is the source of truth for bookings.
//
// Schema (created and migrated by Open(); version in `<prefix>schema_version`):
//   <prefix>holds     PRIMARY KEY (employee_id, slot_date, slot_time), client_id, expires_at_ms;
//                     index (client_id, employee_id, slot_date)
//   <prefix>bookings  id AUTO_INCREMENT, strong_id UNIQUE, client_id, employee_id, slot_date,
//                     slot_time, status, active (1 or NULL), idempotency_key UNIQUE, created_at_ms;
//                     UNIQUE (employee_id, slot_date, slot_time, active): two active bookings on
//                     one slot are impossible even under races; cancelled rows (active NULL)
//                     never block the slot.
// Prepared statements only. Thread-safe: a bounded pool of connections, each reconnecting on
// a lost connection; a call that cannot get a connection in time answers Timeout. Connection,
// server-gone and lock-wait errors answer Unavailable/Timeout; duplicate-key races on the
// booking constraint answer SlotTaken.
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
  Millis pool_wait{2000};     // longest wait for a free connection
  std::string table_prefix = "slotsim_";
};

class MySqlStore final : public Store {
 public:
  explicit MySqlStore(MySqlOptions options);
  ~MySqlStore() override;

  // Connects, creates the database if missing, and creates or migrates the schema.
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

  // Deletes every row of this store's tables (tests only).
  Status TruncateForTest();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace slotsim
