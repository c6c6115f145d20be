// Grid: the slot grid of a business (employees, opening hours, slot length, days bookable
// ahead) and the validation of every input field against it. Each check returns
// InvalidArgument with a message that starts with the field name, so a caller can map it to a
// 400 answer naming the field.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/status.h"

namespace slotsim {

struct GridOptions {
  int employees = 20;          // employee ids are 1..employees
  int open_minute = 9 * 60;    // first slot starts at 09:00
  int close_minute = 17 * 60;  // last slot ends by 17:00
  int slot_minutes = 30;
  int days_ahead = 30;  // bookable dates: today .. today + days_ahead (UTC)
};

class Grid {
 public:
  // Rejects inconsistent options (no employees, close <= open, slot length not dividing the day).
  static StatusOr<Grid> Create(const GridOptions& options);

  const GridOptions& options() const { return options_; }
  // Every slot start of a day, "09:00", "09:30", ... in order.
  const std::vector<std::string>& times() const { return times_; }

  Status CheckEmployee(int employee_id) const;
  // "YYYY-MM-DD", a real calendar date, within today .. today + days_ahead of `now`.
  Status CheckDate(std::string_view date, Timestamp now) const;
  // "HH:MM" on the grid.
  Status CheckTime(std::string_view time) const;

  // [A-Za-z0-9_-]{1,64}
  static Status CheckClientId(std::string_view client_id);
  // [A-Za-z0-9_.:-]{1,128}
  static Status CheckIdempotencyKey(std::string_view key);
  // [A-Za-z0-9-]{1,64}, as strong ids "APT-2026-000123" are.
  static Status CheckBookingId(std::string_view booking_id);

 private:
  explicit Grid(const GridOptions& options);

  GridOptions options_;
  std::vector<std::string> times_;
};

// The UTC calendar date of `t` as "YYYY-MM-DD".
std::string DateOf(Timestamp t);

}  // namespace slotsim
