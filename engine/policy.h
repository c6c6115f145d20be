// Policy: every behaviour in which the shipped AppointEase plugin differs from the reference
// engine is a knob here. Two presets: `reference` (the default, the correct design) and
// `legacy` (the plugin as shipped, so users can measure production behaviour and the checker
// can prove it finds real anomalies).
#pragma once

#include <string>
#include <string_view>

#include "common/clock.h"
#include "common/status.h"
#include "engine/types.h"

namespace slotsim {

struct Policy {
  std::string name = "reference";
  Millis hold_ttl{300000};                // a hold lives this long after its last select/poll
  bool select_conflict_check = true;      // false: last writer wins (legacy SETEX without NX)
  bool deselect_owner_check = true;       // false: anyone may release any hold
  Millis redis_deadline{50};              // per Redis call; legacy: 60 s (no read timeout)
  bool breaker = true;                    // false: Redis health decided per request, no breaker
  Millis probe_interval{200};             // while the breaker is open
  int probes_to_close = 3;                // consecutive good probes before switching back
  bool migrate_holds = true;              // copy live holds MySQL -> Redis before switching back
  bool fallback_poll_shows_holds = true;  // false: polls in MySQL mode show no holds (legacy)
  BookingGuard booking_guard = BookingGuard::kUniqueConstraint;
};

Policy ReferencePolicy();
Policy LegacyPolicy();

// "reference" or "legacy"; anything else is InvalidArgument listing the allowed names.
StatusOr<Policy> PolicyByName(std::string_view name);

}  // namespace slotsim
