// MemoryStore: holds and bookings in process memory. The embedded default store, and (two of
// them under a FailoverStore) the sim target's model of Redis and of MySQL. Every call is one
// atomic step; behaviour matches RedisStore and MySqlStore so one test suite runs on all three.
// Thread-safe (one mutex); the single-threaded simulator pays an uncontended lock.
#pragma once

#include <map>
#include <mutex>
#include <set>
#include <string>
#include <unordered_map>

#include "engine/store.h"

namespace slotsim {

class MemoryStore final : public Store {
 public:
  // `mode` is what mode() reports: kMemory standalone, kRedis / kMySql when modelling one.
  explicit MemoryStore(StorageMode mode = StorageMode::kMemory) : mode_(mode) {}

  StorageMode mode() const override { return mode_; }
  StatusOr<Hold> Select(const SelectRequest& req) override;
  Status Deselect(const DeselectRequest& req) override;
  StatusOr<DayState> Poll(const PollRequest& req) override;
  StatusOr<std::optional<Hold>> GetHold(const SlotRef& slot, Timestamp now) override;
  StatusOr<Booking> Confirm(const ConfirmRequest& req) override;
  StatusOr<Booking> Reschedule(const RescheduleRequest& req) override;
  StatusOr<Booking> Cancel(const CancelRequest& req) override;
  StatusOr<Booking> GetBooking(const std::string& booking_id) override;
  StatusOr<std::vector<Booking>> ActiveBookings(const std::string& from_date) override;
  Status Ping() override { return Status::Ok(); }
  StatusOr<std::vector<Hold>> LiveHolds(Timestamp now) override;
  Status ImportHolds(const std::vector<Hold>& holds, Timestamp now) override;
  Status ClearHolds() override;
  Status NoteBooked(const SlotRef& slot, const std::string& booking_id) override;
  Status NoteFreed(const SlotRef& slot) override;
  Status ReplaceBookedCache(const std::vector<Booking>& active) override;

  // Drops all state, as a Redis restarted without its data would (the sim's restart fault).
  void Wipe();

 private:
  struct HoldEntry {
    std::string client_id;
    Timestamp expires_at;
  };
  // One (employee, date): holds and booked times by "HH:MM".
  struct Day {
    std::map<std::string, HoldEntry> holds;
    std::map<std::string, std::string> booked;  // time -> booking id (own or cached)
  };
  using DayKey = std::pair<int, std::string>;

  Day& DayOf(const SlotRef& slot) { return days_[{slot.employee_id, slot.date}]; }
  // Drops expired holds of `day` and, when given, the client's hold on another time.
  static void Prune(Day& day, Timestamp now);
  static void ReleaseOtherHold(Day& day, const std::string& client, const std::string& keep_time);
  StatusOr<Hold> SelectLocked(const SelectRequest& req);
  Booking* FindBooking(const std::string& id);

  const StorageMode mode_;
  std::mutex mu_;
  std::map<DayKey, Day> days_;
  std::map<std::string, Booking> bookings_;                 // by id
  std::unordered_map<std::string, std::string> by_idem_key_;  // idempotency key -> id
  int64_t next_seq_ = 1;
};

}  // namespace slotsim
