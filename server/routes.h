// HttpApi: the heartbeat protocol (docs/protocol.md) served by a SlotEngine, one request
// in, one answer out, with no sockets: HttpServer (http_server.h) feeds it from cpp-httplib,
// and tests call it directly. It resolves the route, parses with http_protocol.h, calls the
// engine, and maps every Status to a JSON answer. It never throws: anything thrown below it
// becomes a 500 JSON answer.
//
// Choices where the plugin leaves room (docs/serve.md repeats them for users):
//  - Client identity. select/deselect/poll carry client_id. Creating an appointment takes
//    `client_id` from the JSON body when present, else derives it from `email`
//    (ClientIdFromEmail). Reschedule and cancel take the owner from the body's client_id (PUT
//    only), then `?client_id=`, then the X-Client-Id header, then an `email` (body or query).
//  - A heartbeat deselect without its own client_id uses the poll's (the plugin sends none).
//  - Idempotency: X-Idempotency-Key, or a fresh server-made key when absent (then a retry
//    makes a second attempt, which the slot's unique booking turns into slot_taken).
//  - NotHolder is 403 not_owner. The plugin's rate limits and nonce checks are not applied.
// Thread-safe when the engine is.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "common/clock.h"
#include "engine/slot_engine.h"
#include "protocol/server_wire.h"
#include "server/metrics.h"

namespace slotsim::http {

// One request as the transport received it. The views must stay valid during Handle().
struct ApiRequest {
  std::string_view method;  // "GET", "POST", "PUT", "DELETE", ...
  std::string_view path;    // decoded, without the query
  std::string_view query;   // raw query string (still %-encoded), without '?'
  std::string_view content_type;
  std::string_view idempotency_key;  // X-Idempotency-Key
  std::string_view client_id;        // X-Client-Id
  std::string_view body;
};

struct ApiResponse {
  Route route = Route::kNotFound;
  int status = 200;
  std::string content_type = "application/json; charset=UTF-8";
  std::string body;
};

class HttpApi {
 public:
  // `engine`, `clock` (the engine's) and `metrics` (when not null) must outlive this object.
  // `has_failover`: the engine runs over a FailoverStore (/metrics then shows the breaker).
  HttpApi(SlotEngine& engine, Clock& clock, HttpMetrics* metrics, bool has_failover);

  // Answers one request. Never throws.
  ApiResponse Handle(const ApiRequest& request);

  // How /readyz and /healthz learn whether bookings can be taken (called per request, on a
  // worker; keep it quick: e.g. one ping per backend). Unset: the store's own Ping().
  // Set before serving.
  void SetReadiness(std::function<Readiness()> readiness) { readiness_ = std::move(readiness); }

 private:
  ApiResponse Dispatch(const RouteMatch& match, const ApiRequest& request);
  ApiResponse Heartbeat(const ApiRequest& request);
  ApiResponse Select(const ApiRequest& request);
  ApiResponse Deselect(const ApiRequest& request);
  ApiResponse Poll(const ApiRequest& request);
  ApiResponse Availability(const ApiRequest& request);
  ApiResponse CreateAppointment(const ApiRequest& request);
  ApiResponse GetAppointment(const std::string& booking_id);
  ApiResponse Reschedule(const std::string& booking_id, const ApiRequest& request);
  ApiResponse Cancel(const std::string& booking_id, const ApiRequest& request);
  ApiResponse Metrics();
  Readiness CurrentReadiness();

  // The heartbeat's select / deselect actions; `poll_client` fills a missing client_id.
  ActionResult SelectAction(const SlotFields& slot, const std::string& poll_client);
  ActionResult DeselectAction(const SlotFields& slot, const std::string& poll_client);
  // Drops the booked time of `exclude_id` from a poll when it is on the polled day.
  void ExcludeBooking(const PollFields& poll, PollResult& result);
  // The owner of a reschedule / cancel, as the class comment says; InvalidArgument/NotFound.
  StatusOr<std::string> OwnerOf(const ApiRequest& request, const Fields* body);
  // X-Idempotency-Key, or a new server key.
  StatusOr<std::string> IdempotencyKey(const ApiRequest& request);

  // Counts the engine call in metrics and passes the status through.
  const Status& Count(Call call, const Status& status);
  int64_t NowSeconds() const;

  SlotEngine& engine_;
  Clock& clock_;
  HttpMetrics* metrics_;
  const bool has_failover_;
  const int64_t key_epoch_ms_;  // server-made idempotency keys: "srv-<epoch>-<seq>"
  std::atomic<uint64_t> key_seq_{0};
  std::function<Readiness()> readiness_;
};

}  // namespace slotsim::http
