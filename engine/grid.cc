// Grid construction and input validation.
#include "engine/grid.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>

namespace slotsim {
namespace {

// The documented patterns are ASCII ([A-Za-z0-9...]). Spelled out rather than std::isalnum,
// which is a library call per character (every request validates its ids) and depends on the
// C locale; slotsim never changes it, so both accept exactly the same characters.
bool IsAsciiAlnum(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

bool AllOf(std::string_view s, std::string_view extra) {
  return std::all_of(s.begin(), s.end(), [&](char c) {
    return IsAsciiAlnum(c) || extra.find(c) != std::string_view::npos;
  });
}

Status CheckToken(std::string_view field, std::string_view value, size_t max_len,
                  std::string_view extra, std::string_view allowed) {
  if (value.empty() || value.size() > max_len || !AllOf(value, extra)) {
    return Status::InvalidArgument(std::string(field) + ": \"" + std::string(value.substr(0, 80)) +
                                   "\" is not allowed; expected " + std::string(allowed));
  }
  return Status::Ok();
}

// Parses exactly two digits at s[pos]; -1 if not digits.
int TwoDigits(std::string_view s, size_t pos) {
  if (!std::isdigit(static_cast<unsigned char>(s[pos])) ||
      !std::isdigit(static_cast<unsigned char>(s[pos + 1]))) {
    return -1;
  }
  return (s[pos] - '0') * 10 + (s[pos + 1] - '0');
}

std::string FormatHm(int minute) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%02d:%02d", minute / 60, minute % 60);
  return buf;
}

}  // namespace

StatusOr<Grid> Grid::Create(const GridOptions& o) {
  if (o.employees < 1) return Status::InvalidArgument("employees: must be at least 1");
  if (o.slot_minutes < 1) return Status::InvalidArgument("slot_minutes: must be at least 1");
  if (o.open_minute < 0 || o.close_minute > 24 * 60 || o.close_minute <= o.open_minute) {
    return Status::InvalidArgument("hours: need 00:00 <= open < close <= 24:00");
  }
  if ((o.close_minute - o.open_minute) % o.slot_minutes != 0) {
    return Status::InvalidArgument("slot_minutes: must divide the opening hours evenly");
  }
  if (o.days_ahead < 0) return Status::InvalidArgument("days_ahead: must be >= 0");
  return Grid(o);
}

Grid::Grid(const GridOptions& options) : options_(options) {
  for (int m = options.open_minute; m + options.slot_minutes <= options.close_minute;
       m += options.slot_minutes) {
    times_.push_back(FormatHm(m));
  }
}

Status Grid::CheckEmployee(int employee_id) const {
  if (employee_id < 1 || employee_id > options_.employees) {
    return Status::InvalidArgument("employee_id: " + std::to_string(employee_id) +
                                   " is unknown; expected 1.." +
                                   std::to_string(options_.employees));
  }
  return Status::Ok();
}

Status Grid::CheckDate(std::string_view date, Timestamp now) const {
  using namespace std::chrono;
  const std::string shown(date.substr(0, 40));
  const int y_hi = date.size() == 10 ? TwoDigits(date, 0) : -1;
  const int y_lo = date.size() == 10 ? TwoDigits(date, 2) : -1;
  const int m = date.size() == 10 ? TwoDigits(date, 5) : -1;
  const int d = date.size() == 10 ? TwoDigits(date, 8) : -1;
  if (y_hi < 0 || y_lo < 0 || m < 0 || d < 0 || date[4] != '-' || date[7] != '-') {
    return Status::InvalidArgument("date: \"" + shown + "\" is not YYYY-MM-DD");
  }
  const int y = y_hi * 100 + y_lo;
  const year_month_day ymd{year{y}, month{static_cast<unsigned>(m)}, day{static_cast<unsigned>(d)}};
  if (!ymd.ok()) {
    return Status::InvalidArgument("date: \"" + shown + "\" is not a calendar date");
  }
  const sys_days today = floor<days>(now);
  const sys_days asked{ymd};
  if (asked < today || asked > today + days(options_.days_ahead)) {
    return Status::InvalidArgument("date: " + shown + " is outside the bookable range " +
                                   DateOf(now) + " + " + std::to_string(options_.days_ahead) +
                                   " days");
  }
  return Status::Ok();
}

Status Grid::CheckTime(std::string_view time) const {
  const std::string shown(time.substr(0, 40));
  if (time.size() != 5 || time[2] != ':') {
    return Status::InvalidArgument("time: \"" + shown + "\" is not HH:MM");
  }
  const int h = TwoDigits(time, 0), m = TwoDigits(time, 3);
  if (h < 0 || m < 0 || h > 23 || m > 59) {
    return Status::InvalidArgument("time: \"" + shown + "\" is not a time of day");
  }
  const int minute = h * 60 + m;
  if (minute < options_.open_minute || minute + options_.slot_minutes > options_.close_minute ||
      (minute - options_.open_minute) % options_.slot_minutes != 0) {
    return Status::InvalidArgument("time: " + shown + " is not a slot start; slots are " +
                                   times_.front() + ".." + times_.back() + " every " +
                                   std::to_string(options_.slot_minutes) + " min");
  }
  return Status::Ok();
}

Status Grid::CheckClientId(std::string_view client_id) {
  return CheckToken("client_id", client_id, 64, "_-", "[A-Za-z0-9_-]{1,64}");
}

Status Grid::CheckIdempotencyKey(std::string_view key) {
  return CheckToken("idempotency_key", key, 128, "_.:-", "[A-Za-z0-9_.:-]{1,128}");
}

Status Grid::CheckBookingId(std::string_view booking_id) {
  return CheckToken("booking_id", booking_id, 64, "-", "a booking id like APT-2026-000123");
}

std::string DateOf(Timestamp t) {
  using namespace std::chrono;
  const year_month_day ymd{floor<days>(t)};
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
  return buf;
}

}  // namespace slotsim
