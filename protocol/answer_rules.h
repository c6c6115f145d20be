// What each 2xx answer the http target reads must carry (docs/protocol.md, docs/http.md
// "Answers are validated"): the required keys and their types per route, with the forms the
// real AppointEase plugin is known to send accepted explicitly. An answer that breaks a rule is
// a MalformedAnswer (an error of its own kind, counted under errors.by_kind.malformed_answer),
// never a success read as "nothing there": a heartbeat without its lists would otherwise read
// as "no holds, no bookings", an availability answer without `unavailable` as "every slot free".
//
// A "slot list" is a JSON array of strings, or an object whose member values are all strings
// (the plugin's PHP arrays with gaps: {"0":"09:00","2":"11:00"}); empty ones are lists.
//
//   poll (heartbeat)   required appointease_active_selections, appointease_booked_slots: slot
//                      lists. Optional, typed when present: appointease_locked_slots (slot list),
//                      storage_mode, redis_status (strings), server_time (integer),
//                      appointease_hold (slotsim serve: an object, status "held" | "lost" |
//                      "taken", expires_at an integer or null). An answer with
//                      appointease_test "error" is the plugin's failure form, not checked here
//                      (it reads as Unavailable).
//   select, deselect   required success: a boolean. Optional: storage (string), expires_at
//                      (integer).
//   availability       required unavailable: a slot list or the string "all" (the plugin, for
//                      weekends and dates out of range). Optional: free (slot list),
//                      booking_details (an object of objects, or [] — PHP's empty array),
//                      storage_mode (string).
//   confirm            required: the booking's id, strong_id (a non-empty string) or
//                      appointment_id (an integer). Optional: status (string), success (boolean).
//   reschedule, cancel the id is optional (the request's is used); strong_id (string),
//                      appointment_id (integer), status (string), success (boolean) when present.
//
// A 2xx answer that is not a JSON object at all is malformed too (client_answers.cc). Keys not
// listed are never read and never checked.
#pragma once

#include "common/status.h"
#include "protocol/json_view.h"
#include "protocol/ops.h"

namespace slotsim {

// OK when `doc`, the JSON object of a 2xx answer to an operation of `kind`, carries what the
// rules above require; otherwise MalformedAnswer naming the route and the key. Pure.
Status CheckAnswer(OpKind kind, const JsonObject& doc);

}  // namespace slotsim
