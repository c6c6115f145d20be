// The client side of the heartbeat protocol (docs/protocol.md, docs/serve.md): how the
// `http` target turns a virtual client's OpRequest into an HTTP request, and an HTTP answer (or
// its absence) into an OpResult. Bytes in, values out: nothing here touches a socket, so every
// rule is unit-testable (tests/protocol/client_wire_test.cc); http_backend.cc sends the bytes.
//
// Requests. Polls are heartbeats (`POST /wp-admin/admin-ajax.php`, form body with
// data[appointease_poll][date|employee_id|client_id|selected_time]); select, deselect,
// availability and the appointment calls are REST with JSON bodies, under `/wp-json/<route>` or
// `/index.php?rest_route=/<route>`, below the URL's base path.
//
// Answers, and the quirks of servers other than slotsim serve:
//  - `appointease_booked_slots` (and the other slot lists) may be an array or an object
//    {"0":"09:00","2":"11:00"}; both read as the list of values.
//  - A poll answer without `appointease_hold`: the caller's selected_time is `taken` when it is
//    in the booked slots, `held` (expiry unknown: invoke time + hold_ttl) when it is in
//    `appointease_active_selections` (which includes the caller's own hold), and unknown (no
//    `own` answer at all) otherwise — a server that shows no holds (the plugin's fallback mode)
//    must not make every hold look lost.
//  - Error JSON {code, message, data{status}} maps to Status codes: already_locked -> SlotHeld;
//    slot_taken -> SlotBooked for a select, SlotTaken otherwise; not_owner -> NotHolder;
//    not_found -> NotFound; rest_no_route -> Unimplemented; other 400/409/413/414/415/422 ->
//    InvalidArgument (409: SlotTaken); 429 and 5xx -> Unavailable (408, 504 -> Timeout); any
//    other status -> Unavailable (a 401/403 means the harness is refused: an error, not a
//    domain answer).
//  - storage_mode / storage ("redis", "mysql", "memory"; any other word reads as mysql) is the
//    mode an answer states; answers that state none are filed under the last mode seen.
//
//  - A 2xx answer is validated against its route's rules (protocol/answer_rules.h: required
//    keys and types, the plugin's forms accepted); one that breaks them, or is not a JSON
//    object, is Code::kMalformedAnswer, an error of its own kind, never a success.
//
// Outcomes and answer classes (OpResult::answer; docs/consistency.md, "Answer classes"). A 2xx,
// 4xx or 5xx answer is definite (ok / fail): a 5xx is the server saying it failed, so a write
// behind it that took effect anyway is a phantom. A write (select, deselect, confirm,
// reschedule, cancel) whose answer never came (read timeout: `timeout`; connection lost after
// sending: `reset`), came as a 504 (a gateway's timeout: `timeout`), or came malformed may have
// taken effect: kUnknown. Reads never have an unknown outcome (a malformed read is kFail). A
// connection that was never made (refused, connect timeout) sent nothing: kFail, `not_sent`.
//
// Run tag. Client ids and idempotency keys go on the wire as `<tag>_<id>` / `<tag>-<key>`, so
// that runs against a server that keeps its data never reuse another run's ids (a reused
// idempotency key would return an old booking), and so that bookings read back can be told
// apart from other runs' (StripRunTag).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "engine/grid.h"
#include "engine/types.h"
#include "protocol/ops.h"

namespace slotsim {

// How REST routes are addressed: `<base>/wp-json/<route>` (pretty permalinks) or
// `<base>/index.php?rest_route=/<route>`.
enum class RestStyle { kWpJson, kRestRoute };

struct WireOptions {
  std::string base_path;  // the target URL's path without a trailing '/', e.g. "" or "/shop"
  RestStyle rest_style = RestStyle::kWpJson;
  std::string nonce;           // sent as X-WP-Nonce on REST calls when not empty
  bool forwarded_for = false;  // each client its own X-Forwarded-For (ForwardedForOf)
  int heartbeat_s = 5;         // the heartbeat's `interval` field
  std::string run_tag;         // see "Run tag" above; "" sends ids as they are
  Millis hold_ttl{300000};     // expiry assumed for a hold whose answer states none
};

struct WireRequest {
  std::string method;  // "GET" | "POST" | "PUT" | "DELETE"
  std::string path;    // with the query, ready for the request line
  std::string content_type;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // beyond Content-Type
};

// What came back: an answer with its status and body, or a transport failure.
enum class WireTransport {
  kAnswered,        // status and body are valid
  kRefused,         // the connection could not be made (refused, unreachable): nothing was sent
  kConnectTimeout,  // connecting took too long: nothing was sent
  kTimeout,         // sent; no (complete) answer within the read timeout
  kBroken,          // sent (or partly); the connection failed before a complete answer
};

struct WireAnswer {
  WireTransport transport = WireTransport::kAnswered;
  int status = 0;
  std::string body;
  std::string detail;  // the transport's own words, for messages
};

// The request for `req`.
WireRequest BuildRequest(const OpRequest& req, const WireOptions& options);

// A GET of booking `booking_id` (slotsim serve's GET appointease/v1/appointments/{id}).
WireRequest BuildGetBooking(const std::string& booking_id, const WireOptions& options);

// The path of a REST route ("appointease/v1/slots/select") with an optional raw query
// ("client_id=x") in the options' style.
std::string RestPath(std::string_view route, std::string_view query, const WireOptions& options);

// Fills r.status, r.outcome, the answer field of req.kind (hold, booking, poll, availability;
// the others reset) from `answer`. r.invoked must be set (expiries assumed from it). Returns
// the storage mode the answer stated, if any; r.served_by is left to the caller.
std::optional<StorageMode> ParseAnswer(const OpRequest& req, const WireAnswer& answer,
                                       const Grid& grid, const WireOptions& options, OpResult& r);

// A booking read back with BuildGetBooking: the booking (active or cancelled, client id and
// idempotency key with the run tag stripped) or the error the answer maps to (NotFound for a
// 404 not_found; Unimplemented for a server without the route).
StatusOr<Booking> ParseBookingAnswer(const WireAnswer& answer, const WireOptions& options);

// The storage mode a word names: "redis", "memory", anything else non-empty -> mysql.
std::optional<StorageMode> StorageModeOfWord(std::string_view word);

// X-Forwarded-For of a client: "10.a.b.c" from a hash of its id (c in 1..254), stable.
std::string ForwardedForOf(std::string_view client_id);
// The email a client books with: "<client id>@slotsim.invalid", unique per client.
std::string EmailOf(std::string_view client_id);

// The wire form of a client id or idempotency key under `run_tag`, and back. StripRunTag
// returns nullopt for an id not made under this tag.
std::string WireClientId(std::string_view client_id, std::string_view run_tag);
std::string WireIdempotencyKey(std::string_view key, std::string_view run_tag);
std::optional<std::string> StripRunTag(std::string_view wire_id, std::string_view run_tag);

// The `wp_rest` nonce a WordPress front page carries: the hex value of "nonce" in
// `var bookingAPI = {... "nonce":"<hex>" ...}`. nullopt when the page has none.
std::optional<std::string> ScrapeNonce(std::string_view page);

// Form-encodes one key or value (unreserved characters and '[' ']' as they are, the rest %XX).
std::string FormEncode(std::string_view text);

}  // namespace slotsim
