// SlotEngine: the reference slot engine's operations (docs/architecture.md, "Reference semantics").
// It validates every input against the Grid (InvalidArgument naming the field, nothing
// written), applies the Policy's knobs to each request, reads time only from its Clock, and
// delegates state to one Store (a MemoryStore, a MySqlStore, or a FailoverStore over Redis and
// MySQL). Thread-safe when its Store is.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "engine/grid.h"
#include "engine/policy.h"
#include "engine/store.h"

namespace slotsim {

struct EngineOptions {
  GridOptions grid;
  Policy policy;
};

// The plugin's `cache_info` object.
struct CacheInfo {
  bool redis_enabled = false;  // the answer was served from Redis
  StorageMode storage_mode = StorageMode::kMemory;
  int64_t timestamp_s = 0;
  bool health_check_used = false;  // the mode came from the breaker's health probing
};

struct PollResult {
  std::vector<std::string> held;         // every held time, the caller's included (plugin style)
  std::vector<std::string> others_held;  // held by other clients
  std::vector<std::string> booked;
  std::optional<HoldAnswer> own;  // for selected_time
  std::string_view redis_status;  // "available" | "unavailable"
  StorageMode storage_mode = StorageMode::kMemory;
  CacheInfo cache_info;
  Timestamp server_time;
};

struct Availability {
  std::vector<std::string> free;  // grid - booked - others' holds
  std::vector<std::string> booked;
  std::vector<std::string> held;  // by clients other than the asker
  StorageMode storage_mode = StorageMode::kMemory;
};

class SlotEngine {
 public:
  // `store` and `clock` must outlive the engine. Fails on inconsistent grid options.
  static StatusOr<SlotEngine> Create(Store& store, Clock& clock, EngineOptions options);

  // Holds the slot for the policy's hold TTL; releases the caller's other hold that day.
  StatusOr<Hold> Select(std::string_view client_id, int employee_id, std::string_view date,
                        std::string_view time);
  Status Deselect(std::string_view client_id, int employee_id, std::string_view date,
                  std::string_view time);
  // The day's holds and bookings; with selected_time, refreshes the caller's hold.
  StatusOr<PollResult> Poll(std::string_view client_id, int employee_id, std::string_view date,
                            std::optional<std::string_view> selected_time = std::nullopt);
  // Free slots for a day as `client_id` (may be empty) would see them.
  StatusOr<Availability> GetAvailability(int employee_id, std::string_view date,
                                         std::string_view client_id = "");
  StatusOr<Booking> Confirm(std::string_view client_id, int employee_id, std::string_view date,
                            std::string_view time, std::string_view idempotency_key);
  // Moves the caller's booking; repeating a successful reschedule returns the booking.
  StatusOr<Booking> Reschedule(std::string_view client_id, std::string_view booking_id,
                               int employee_id, std::string_view date, std::string_view time);
  StatusOr<Booking> Cancel(std::string_view client_id, std::string_view booking_id);

  const Grid& grid() const { return grid_; }
  const Policy& policy() const { return options_.policy; }
  Store& store() { return store_; }

 private:
  SlotEngine(Store& store, Clock& clock, EngineOptions options, Grid grid);
  Status CheckSlot(std::string_view client_id, int employee_id, std::string_view date,
                   std::string_view time, Timestamp now) const;
  Status CheckDay(std::string_view client_id, int employee_id, std::string_view date,
                  Timestamp now) const;

  Store& store_;
  Clock& clock_;
  EngineOptions options_;
  Grid grid_;
};

}  // namespace slotsim
