// The two policy presets.
#include "engine/policy.h"

namespace slotsim {

Policy ReferencePolicy() { return Policy{}; }

Policy LegacyPolicy() {
  Policy p;
  p.name = "legacy";
  p.select_conflict_check = false;
  p.deselect_owner_check = false;
  p.redis_deadline = Millis(60000);
  p.breaker = false;
  p.migrate_holds = false;
  p.fallback_poll_shows_holds = false;
  p.booking_guard = BookingGuard::kCheckThenInsert;
  return p;
}

StatusOr<Policy> PolicyByName(std::string_view name) {
  if (name == "reference") return ReferencePolicy();
  if (name == "legacy") return LegacyPolicy();
  return Status::InvalidArgument("unknown profile \"" + std::string(name) +
                                 "\"; allowed: reference, legacy");
}

}  // namespace slotsim
