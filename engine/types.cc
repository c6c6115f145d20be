// Names of the enums in types.h and the strong booking id format.
#include "engine/types.h"

#include <cstdio>

#include "engine/store.h"

namespace slotsim {

std::string_view StorageModeName(StorageMode mode) {
  switch (mode) {
    case StorageMode::kMemory:
      return "memory";
    case StorageMode::kRedis:
      return "redis";
    case StorageMode::kMySql:
      return "mysql";
  }
  return "unknown";
}

std::string_view HoldStatusName(HoldStatus s) {
  switch (s) {
    case HoldStatus::kHeld:
      return "held";
    case HoldStatus::kLost:
      return "lost";
    case HoldStatus::kTaken:
      return "taken";
  }
  return "unknown";
}

std::string StrongBookingId(int year, int64_t seq) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "APT-%04d-%06lld", year, static_cast<long long>(seq));
  return buf;
}

}  // namespace slotsim
