// The AppointEase heartbeat protocol (docs/protocol.md) as bytes in, values out: routing
// of a method and path to a Route, parsing of form-encoded and JSON bodies into typed requests,
// the mapping of engine Status codes to WordPress-style JSON errors, and the JSON answers.
// Nothing here touches a socket or the engine, so every rule is unit-testable
// (tests/engine/http_protocol_test.cc). HttpApi (http_api.h) joins these to the SlotEngine.
//
// Parse functions return InvalidArgument for a bad value and NotFound for a missing field; the
// message always starts with the field's name as the client spelled it
// ("data[appointease_poll][employee_id]: ..."), so ErrorFromParse() can name it in the 400.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "engine/slot_engine.h"

namespace slotsim::http {

// ---- routes ----------------------------------------------------------------------------------

enum class Route {
  kHeartbeat,          // POST /wp-admin/admin-ajax.php
  kSelect,             // POST appointease/v1/slots/select
  kDeselect,           // POST appointease/v1/slots/deselect
  kPoll,               // GET  appointease/v1/slots/poll
  kAvailability,       // POST booking/v1/availability
  kCreateAppointment,  // POST appointease/v1/appointments
  kGetAppointment,     // GET  appointease/v1/appointments/{id}   (slotsim serve only)
  kReschedule,         // PUT  appointease/v1/appointments/{id}
  kCancel,             // DELETE appointease/v1/appointments/{id}
  kHealthz,            // GET /healthz  (ready: 200; bookings cannot be taken: 503)
  kLivez,              // GET /livez    (the process answers: always 200)
  kReadyz,             // GET /readyz   (each backend's state; 503 when bookings cannot be taken)
  kMetrics,            // GET /metrics
  kNotFound,           // anything else
};
inline constexpr int kRouteCount = static_cast<int>(Route::kNotFound) + 1;
std::string_view RouteName(Route route);  // "heartbeat", "select", ..., "not_found"

struct RouteMatch {
  Route route = Route::kNotFound;
  std::string booking_id;  // the {id} of the appointment routes
};

// Resolves a request. REST calls are accepted under `/wp-json/<route>` and as
// `/index.php?rest_route=/<route>` (or `/?rest_route=`); `path` is the decoded path without the
// query, `query` the raw (still encoded) query string. HEAD is treated as GET.
RouteMatch ResolveRoute(std::string_view method, std::string_view path, std::string_view query);

// ---- fields ----------------------------------------------------------------------------------

// The decoded fields of a form-encoded text, a query string or a JSON object. Form keys keep
// their brackets literally ("data[appointease_poll][date]"); a repeated key keeps its last value
// (PHP's rule). JSON scalars become text (numbers as written, true/false); null counts as
// absent; arrays and objects are kept only as "not a scalar".
class Fields {
 public:
  // `a=1&b=x+y&c=%2F`: '+' is a space, %XX a byte. A bad escape is InvalidArgument naming the
  // key (or "body" when the key itself is bad).
  static StatusOr<Fields> FromForm(std::string_view text);
  // A JSON object. Syntax errors, a top level that is not an object, or nesting deeper than 32
  // are InvalidArgument on the field "body". An empty text is an empty object.
  static StatusOr<Fields> FromJson(std::string_view text);
  // FromForm for an application/x-www-form-urlencoded content type, unless the body opens
  // with '{' or '[' (a JSON body mislabelled, as curl -d sends it); FromJson otherwise.
  static StatusOr<Fields> FromBody(std::string_view body, std::string_view content_type);

  bool Has(std::string_view key) const;
  // NotFound when absent (or empty, if `allow_empty` is false); InvalidArgument when the value
  // is an array or an object.
  StatusOr<std::string> String(std::string_view key, bool allow_empty = false) const;
  // nullopt when absent or empty.
  StatusOr<std::optional<std::string>> OptionalString(std::string_view key) const;
  // A decimal integer in [1, 1e9] given as a number or a string; NotFound when absent or empty.
  StatusOr<int> Id(std::string_view key) const;

 private:
  struct Value {
    std::string text;
    bool scalar = true;
  };
  std::map<std::string, Value, std::less<>> values_;
};

// Decodes one %XX / '+' encoded component; nullopt on a bad escape.
std::optional<std::string> UrlDecode(std::string_view text);

// ---- requests --------------------------------------------------------------------------------

// The fields of a select or deselect (REST body or heartbeat action).
struct SlotFields {
  std::string client_id;  // may be empty in a heartbeat action (then the poll's is used)
  int employee_id = 0;
  std::string date;
  std::string time;
};

struct PollFields {
  std::string client_id;
  int employee_id = 0;
  std::string date;
  std::optional<std::string> selected_time;
  std::optional<std::string> exclude_appointment_id;
};

// One heartbeat beat. An action whose `date` or `employee_id` is empty is absent, as the plugin
// returns early on those.
struct HeartbeatRequest {
  std::optional<PollFields> poll;
  std::optional<SlotFields> select;
  std::optional<SlotFields> deselect;
};

// Parses a heartbeat body. `action` must be "heartbeat".
StatusOr<HeartbeatRequest> ParseHeartbeat(const Fields& form);

// REST select / deselect body: date, time, employee_id, client_id (all required).
StatusOr<SlotFields> ParseSlotBody(const Fields& body);
// REST poll query: date, employee_id, client_id, selected_time (optional).
StatusOr<PollFields> ParsePollQuery(const Fields& query);

// A "YYYY-MM-DD HH:MM[:SS]" (or 'T' between) appointment date: `field` names it in errors.
// Seconds, when given, must be 00. The parts are checked for shape here, for range by the engine.
StatusOr<SlotRef> ParseAppointmentDate(std::string_view field, std::string_view text);

// The client id slotsim serve gives a booking made with an email and no client_id:
// "email-" + 16 hex digits of the FNV-1a 64 hash of the trimmed, lower-cased address.
// InvalidArgument (field "email") unless it looks like an address (an '@', at most 254 bytes).
StatusOr<std::string> ClientIdFromEmail(std::string_view email);

// The numeric tail of a strong id ("APT-2026-000123" -> 123); 0 if it has none.
int64_t AppointmentNumber(std::string_view strong_id);

// ---- errors ----------------------------------------------------------------------------------

// A JSON error answer: {"code":..., "message":..., "data":{"status":N[, "params":{field:msg}]}}.
struct HttpError {
  int status = 500;
  std::string code;
  std::string message;
  std::string field;  // named in data.params when set
};

// An engine call, for the error codes that depend on it and for metrics.
enum class Call { kSelect, kDeselect, kPoll, kAvailability, kConfirm, kReschedule, kCancel, kRead };
inline constexpr int kCallCount = static_cast<int>(Call::kRead) + 1;
std::string_view CallName(Call call);  // "select", ..., "read_booking"

// Engine Status -> error answer:
//   SlotHeld -> 409 already_locked; SlotBooked, SlotTaken -> 409 slot_taken;
//   NotHolder -> 403 not_owner; NotFound -> 404 not_found;
//   InvalidArgument -> 400 rest_invalid_param naming the field (the message's first word), but
//     409 duplicate_submission for an idempotency key reused on another booking (kConfirm);
//   Unavailable, Timeout -> 503 storage_unavailable; anything else -> 500 internal_error.
HttpError ErrorFromEngine(const Status& status, Call call);

// A parse failure -> 400: NotFound -> rest_missing_callback_param; a bad "body" ->
// rest_invalid_json; any other InvalidArgument -> rest_invalid_param. Names the field.
HttpError ErrorFromParse(const Status& status);

// The error answer for a status the transport produced with no body (malformed request 400,
// no route 404, 411, 413, 414, ...): a fixed code per status.
HttpError ErrorForStatus(int status);

// The field an engine or parse message names: its text up to the first ':' or ' '.
std::string FieldOf(std::string_view message);

// ---- answers (JSON text) ---------------------------------------------------------------------
// Every builder escapes as JSON and replaces invalid UTF-8, so any input yields valid JSON.

std::string ErrorJson(const HttpError& error);

// The outcome of a heartbeat select / deselect action: an error or success (with the hold for
// a select).
struct ActionResult {
  std::optional<HttpError> error;
  std::optional<Hold> hold;
  std::string time;
};

struct HeartbeatAnswer {
  std::optional<PollResult> poll;
  std::optional<ActionResult> select;
  std::optional<ActionResult> deselect;
  int64_t server_time_s = 0;
};

// The heartbeat answer: the plugin's keys when a poll ran (appointease_test, redis_status,
// storage_mode, appointease_active_selections, appointease_booked_slots (an array),
// appointease_locked_slots, cache_info, redis_ops, appointease_hold when the poll carried
// selected_time), appointease_select / appointease_deselect results, and server_time.
std::string HeartbeatJson(const HeartbeatAnswer& answer);

// The plugin's answer to a heartbeat whose poll failed in the backend, with the error inside.
std::string HeartbeatFailureJson(const HttpError& error, int64_t server_time_s);

std::string SelectJson(const Hold& hold, StorageMode mode);
std::string DeselectJson(const SlotFields& slot, StorageMode mode);
// {active_selections (others'), booked_slots, locked_slots, timestamp, storage_mode,
//  redis_status, hold (with selected_time)}.
std::string PollJson(const PollResult& poll);
// {unavailable: [...], booking_details: {time: {status: booked|processing}}, storage_mode}.
std::string AvailabilityJson(const Availability& availability);
// {success, appointment_id, strong_id, date, employee_id, client_id, status}.
std::string BookingJson(const Booking& booking);
// {status: ok, storage_mode}.
std::string HealthJson(StorageMode mode);

// What /readyz and /healthz report: whether bookings can be taken now, and each backend's
// state in words ("up", "down: <why>", "breaker open, probing", "restarting (attempt 2)").
struct Readiness {
  bool ready = true;
  std::vector<std::pair<std::string, std::string>> backends;  // ("mysql", "up"), ...
};
// {status: ready|not_ready, storage_mode, backends: {name: state}}.
std::string ReadinessJson(const Readiness& r, StorageMode mode);
// /healthz: {status: ok|unavailable, storage_mode, backends: {...}}.
std::string HealthJson(const Readiness& r, StorageMode mode);

}  // namespace slotsim::http
