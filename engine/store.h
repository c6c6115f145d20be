// Store: the one interface behind which holds and bookings live. Implementations:
//   MemoryStore   in-process; the embedded default and the sim target's model of both backends
//   RedisStore    holds and a booked-slot cache in Redis; holds no bookings itself
//   MySqlStore    holds (fallback) and bookings (always) in MySQL/MariaDB
//   FailoverStore a Redis primary plus a MySQL fallback with a breaker (the failover manager)
// Every method is thread-safe unless an implementation says otherwise. Backend failures are
// Unavailable or Timeout; every other code is a domain answer.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "engine/types.h"

namespace slotsim {

class Store {
 public:
  virtual ~Store() = default;

  // Where this store keeps state (for a FailoverStore: where it serves from right now).
  virtual StorageMode mode() const = 0;

  // ---- holds -------------------------------------------------------------------------
  // Atomic. Booked slot -> SlotBooked. Live hold of another client -> SlotHeld (unless
  // !conflict_check, then overwritten). Otherwise holds the slot until now + ttl, and releases
  // the caller's other hold on the same day in the same atomic step.
  virtual StatusOr<Hold> Select(const SelectRequest& req) = 0;

  // Releases the caller's hold. A live hold of another client -> NotHolder (unless
  // !owner_check, then released). No hold at all -> OK.
  virtual Status Deselect(const DeselectRequest& req) = 0;

  // One round trip: the day's live holds and booked times. With reassert_time: caller's live
  // hold -> expiry refreshed, kHeld; free -> hold created as by Select, kHeld; booked ->
  // kTaken; another's live hold -> kLost (unless !conflict_check: overwritten, kHeld).
  virtual StatusOr<DayState> Poll(const PollRequest& req) = 0;

  // The live hold on one slot, if any.
  virtual StatusOr<std::optional<Hold>> GetHold(const SlotRef& slot, Timestamp now) = 0;

  // ---- bookings (RedisStore answers Unimplemented) -------------------------------------
  // One transaction. A known idempotency key returns the booking it made (InvalidArgument if
  // it was made by another client or for another slot). Another's live hold -> SlotHeld (when
  // check_holds). Active booking on the slot -> SlotTaken. Releases the caller's hold on it.
  virtual StatusOr<Booking> Confirm(const ConfirmRequest& req) = 0;

  // Atomic move of an active booking: unknown or cancelled booking -> NotFound; another
  // client's -> NotHolder; already on new_slot -> returns it unchanged (idempotent); the new
  // slot held by another (check_holds) -> SlotHeld, booked -> SlotTaken, and then the old
  // booking is untouched. Releases the caller's hold on the new slot.
  virtual StatusOr<Booking> Reschedule(const RescheduleRequest& req) = 0;

  // Owner only (NotHolder otherwise, NotFound if unknown); frees the slot. Cancelling a
  // cancelled booking returns it unchanged.
  virtual StatusOr<Booking> Cancel(const CancelRequest& req) = 0;

  virtual StatusOr<Booking> GetBooking(const std::string& booking_id) = 0;

  // Every active booking whose date is >= from_date ("" = all), ordered by id.
  virtual StatusOr<std::vector<Booking>> ActiveBookings(const std::string& from_date) = 0;

  // ---- failover support ------------------------------------------------------------
  // A cheap liveness check under the store's deadline.
  virtual Status Ping() = 0;

  // Every live hold (any day). Used to migrate holds between stores; may scan.
  virtual StatusOr<std::vector<Hold>> LiveHolds(Timestamp now) = 0;

  // Writes each live hold (owner and expiry kept), overwriting whatever holds its slot and
  // releasing the same client's other hold on that day. Expired ones are skipped.
  virtual Status ImportHolds(const std::vector<Hold>& holds, Timestamp now) = 0;

  // Deletes every hold.
  virtual Status ClearHolds() = 0;

  // Booked-slot cache (RedisStore, and MemoryStore as the sim's Redis model). Stores that own
  // bookings may treat these as no-ops beyond what their own bookings already show.
  // NoteBooked marks the slot booked and drops any hold on it; NoteFreed unmarks it;
  // ReplaceBookedCache replaces the whole cache with these active bookings.
  virtual Status NoteBooked(const SlotRef& slot, const std::string& booking_id) = 0;
  virtual Status NoteFreed(const SlotRef& slot) = 0;
  virtual Status ReplaceBookedCache(const std::vector<Booking>& active) = 0;
};

// Formats a booking's strong id: "APT-<year>-<seq, 6 digits or more>".
std::string StrongBookingId(int year, int64_t seq);

}  // namespace slotsim
