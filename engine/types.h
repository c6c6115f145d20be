// Value types shared by the slot engine and its stores: slots, holds, bookings, and the
// requests and answers that cross the Store interface. Dates are "YYYY-MM-DD" and times "HH:MM"
// (24 h); the engine validates them before any store sees them.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"

namespace slotsim {

// Where state is served from. kMemory is a standalone MemoryStore outside a failover pair.
enum class StorageMode { kMemory, kRedis, kMySql };
std::string_view StorageModeName(StorageMode mode);  // "memory" | "redis" | "mysql"

// One (employee, date): the unit a poll reads.
struct DayRef {
  int employee_id = 0;
  std::string date;
  bool operator==(const DayRef&) const = default;
};

struct SlotRef {
  int employee_id = 0;
  std::string date;
  std::string time;
  DayRef day() const { return {employee_id, date}; }
  bool operator==(const SlotRef&) const = default;
};

// A temporary hold of one slot by one client. A client holds at most one slot per DayRef.
struct Hold {
  std::string client_id;
  SlotRef slot;
  Timestamp expires_at;
  bool operator==(const Hold&) const = default;
};

enum class BookingStatus { kActive, kCancelled };

struct Booking {
  std::string id;  // strong id "APT-2026-000123", assigned by the store that commits it
  std::string client_id;
  SlotRef slot;
  std::string idempotency_key;
  BookingStatus status = BookingStatus::kActive;
  Timestamp created_at;
  bool operator==(const Booking&) const = default;
};

// How confirm guards against double booking. kUniqueConstraint is the reference (a unique
// key on active bookings decides); kCheckThenInsert is the legacy plugin's SELECT ... FOR
// UPDATE followed by INSERT.
enum class BookingGuard { kUniqueConstraint, kCheckThenInsert };

struct SelectRequest {
  std::string client_id;
  SlotRef slot;
  Timestamp now;
  Millis ttl{300000};
  // false = legacy last-writer-wins: a live hold of another client is overwritten.
  bool conflict_check = true;
};

struct DeselectRequest {
  std::string client_id;
  SlotRef slot;
  Timestamp now;
  // false = legacy: anyone may release any hold.
  bool owner_check = true;
};

struct PollRequest {
  std::string client_id;  // may be empty for an anonymous read (availability)
  DayRef day;
  // When set, re-asserts the caller's hold on this time (lease refresh or re-create).
  std::optional<std::string> reassert_time;
  Timestamp now;
  Millis ttl{300000};
  bool conflict_check = true;  // as SelectRequest, for the re-assert
};

// The state of the caller's `reassert_time` after a poll.
enum class HoldStatus {
  kHeld,   // the caller holds it (refreshed or re-created)
  kLost,   // another client holds it
  kTaken,  // it is booked
};
std::string_view HoldStatusName(HoldStatus s);  // "held" | "lost" | "taken"

struct HoldAnswer {
  std::string time;
  HoldStatus status = HoldStatus::kHeld;
  Timestamp expires_at;  // of the caller's hold when kHeld
};

// What a poll sees of one day. `holds` are all live holds (the caller's included), sorted by
// time; `booked` the booked times, sorted.
struct DayState {
  std::vector<Hold> holds;
  std::vector<std::string> booked;
  std::optional<HoldAnswer> own;
  StorageMode served_by = StorageMode::kMemory;
};

struct ConfirmRequest {
  std::string client_id;
  SlotRef slot;
  std::string idempotency_key;
  Timestamp now;
  // true: a live hold of another client in this store rejects with SlotHeld. false when the
  // holds live elsewhere (Redis) and the caller checked them there.
  bool check_holds = true;
  BookingGuard guard = BookingGuard::kUniqueConstraint;
};

struct RescheduleRequest {
  std::string client_id;
  std::string booking_id;
  SlotRef new_slot;
  Timestamp now;
  bool check_holds = true;  // as ConfirmRequest
};

struct CancelRequest {
  std::string client_id;
  std::string booking_id;
  Timestamp now;
};

}  // namespace slotsim
