// HttpApi: one handler per route, each parse -> engine call -> answer.
#include "server/routes.h"

#include <algorithm>
#include <exception>
#include <utility>

namespace slotsim::http {
namespace {

constexpr const char* kMetricsContentType = "text/plain; version=0.0.4; charset=utf-8";

ApiResponse Answer(int status, std::string body) {
  ApiResponse out;
  out.status = status;
  out.body = std::move(body);
  return out;
}

ApiResponse ErrorAnswer(const HttpError& error) { return Answer(error.status, ErrorJson(error)); }

// The engine names a slot's parts "date" and "time"; an appointment body carries both in one
// field (`date` or `new_date`), so errors name that field instead.
HttpError InField(HttpError error, const char* field) {
  if (error.field == "date" || error.field == "time") error.field = field;
  return error;
}

}  // namespace

// Declares `lhs` from a parse result, or answers 400 naming the field from the handler.
#define SLOTSIM_PARSE_OR_400(lhs, expr)                                              \
  auto SLOTSIM_CONCAT(_parsed_, __LINE__) = (expr);                                  \
  if (!SLOTSIM_CONCAT(_parsed_, __LINE__).ok())                                      \
    return ErrorAnswer(ErrorFromParse(SLOTSIM_CONCAT(_parsed_, __LINE__).status())); \
  lhs = std::move(SLOTSIM_CONCAT(_parsed_, __LINE__)).value()

HttpApi::HttpApi(SlotEngine& engine, Clock& clock, HttpMetrics* metrics, bool has_failover)
    : engine_(engine),
      clock_(clock),
      metrics_(metrics),
      has_failover_(has_failover),
      key_epoch_ms_(ToUnixMillis(clock.Now())) {}

ApiResponse HttpApi::Handle(const ApiRequest& request) {
  const RouteMatch match = ResolveRoute(request.method, request.path, request.query);
  ApiResponse out;
  try {
    out = Dispatch(match, request);
  } catch (const std::exception& e) {
    out = ErrorAnswer({500, "internal_error", std::string("unexpected: ") + e.what(), ""});
  } catch (...) {
    out = ErrorAnswer({500, "internal_error", "unexpected exception", ""});
  }
  out.route = match.route;
  return out;
}

ApiResponse HttpApi::Dispatch(const RouteMatch& match, const ApiRequest& request) {
  switch (match.route) {
    case Route::kHeartbeat:
      return Heartbeat(request);
    case Route::kSelect:
      return Select(request);
    case Route::kDeselect:
      return Deselect(request);
    case Route::kPoll:
      return Poll(request);
    case Route::kAvailability:
      return Availability(request);
    case Route::kCreateAppointment:
      return CreateAppointment(request);
    case Route::kGetAppointment:
      return GetAppointment(match.booking_id);
    case Route::kReschedule:
      return Reschedule(match.booking_id, request);
    case Route::kCancel:
      return Cancel(match.booking_id, request);
    case Route::kHealthz: {
      const Readiness r = CurrentReadiness();
      return Answer(r.ready ? 200 : 503, HealthJson(r, engine_.store().mode()));
    }
    case Route::kLivez:
      return Answer(200, HealthJson(engine_.store().mode()));
    case Route::kReadyz: {
      const Readiness r = CurrentReadiness();
      return Answer(r.ready ? 200 : 503, ReadinessJson(r, engine_.store().mode()));
    }
    case Route::kMetrics:
      return Metrics();
    case Route::kNotFound:
      break;
  }
  return ErrorAnswer(ErrorForStatus(404));
}

ApiResponse HttpApi::Heartbeat(const ApiRequest& request) {
  SLOTSIM_PARSE_OR_400(const Fields form, Fields::FromForm(request.body));
  SLOTSIM_PARSE_OR_400(const HeartbeatRequest beat, ParseHeartbeat(form));
  HeartbeatAnswer answer;
  const std::string poll_client = beat.poll ? beat.poll->client_id : "";
  // Deselect before select, so a beat that moves a hold ends holding the new slot.
  if (beat.deselect) answer.deselect = DeselectAction(*beat.deselect, poll_client);
  if (beat.select) answer.select = SelectAction(*beat.select, poll_client);
  if (beat.poll) {
    const PollFields& p = *beat.poll;
    std::optional<std::string_view> selected;
    if (p.selected_time) selected = *p.selected_time;
    StatusOr<PollResult> result = engine_.Poll(p.client_id, p.employee_id, p.date, selected);
    if (!Count(Call::kPoll, result.status()).ok()) {
      const HttpError e = ErrorFromEngine(result.status(), Call::kPoll);
      if (e.status >= 500) return Answer(e.status, HeartbeatFailureJson(e, NowSeconds()));
      return ErrorAnswer(e);
    }
    ExcludeBooking(p, *result);
    answer.poll = std::move(result).value();
  }
  answer.server_time_s = NowSeconds();
  return Answer(200, HeartbeatJson(answer));
}

ActionResult HttpApi::SelectAction(const SlotFields& slot, const std::string& poll_client) {
  ActionResult out;
  out.time = slot.time;
  const std::string& client = slot.client_id.empty() ? poll_client : slot.client_id;
  StatusOr<Hold> hold = engine_.Select(client, slot.employee_id, slot.date, slot.time);
  if (!Count(Call::kSelect, hold.status()).ok()) {
    out.error = ErrorFromEngine(hold.status(), Call::kSelect);
  } else {
    out.hold = std::move(hold).value();
  }
  return out;
}

ActionResult HttpApi::DeselectAction(const SlotFields& slot, const std::string& poll_client) {
  ActionResult out;
  out.time = slot.time;
  const std::string& client = slot.client_id.empty() ? poll_client : slot.client_id;
  const Status s = engine_.Deselect(client, slot.employee_id, slot.date, slot.time);
  if (!Count(Call::kDeselect, s).ok()) out.error = ErrorFromEngine(s, Call::kDeselect);
  return out;
}

void HttpApi::ExcludeBooking(const PollFields& poll, PollResult& result) {
  if (!poll.exclude_appointment_id) return;
  if (!Grid::CheckBookingId(*poll.exclude_appointment_id).ok()) return;
  StatusOr<Booking> b = engine_.store().GetBooking(*poll.exclude_appointment_id);
  Count(Call::kRead, b.status());
  if (!b.ok() || b->status != BookingStatus::kActive ||
      b->slot.day() != DayRef{poll.employee_id, poll.date}) {
    return;
  }
  auto& booked = result.booked;
  booked.erase(std::remove(booked.begin(), booked.end(), b->slot.time), booked.end());
}

ApiResponse HttpApi::Select(const ApiRequest& request) {
  SLOTSIM_PARSE_OR_400(const Fields body, Fields::FromBody(request.body, request.content_type));
  SLOTSIM_PARSE_OR_400(const SlotFields slot, ParseSlotBody(body));
  StatusOr<Hold> hold = engine_.Select(slot.client_id, slot.employee_id, slot.date, slot.time);
  if (!Count(Call::kSelect, hold.status()).ok()) {
    return ErrorAnswer(ErrorFromEngine(hold.status(), Call::kSelect));
  }
  return Answer(200, SelectJson(*hold, engine_.store().mode()));
}

ApiResponse HttpApi::Deselect(const ApiRequest& request) {
  SLOTSIM_PARSE_OR_400(const Fields body, Fields::FromBody(request.body, request.content_type));
  SLOTSIM_PARSE_OR_400(const SlotFields slot, ParseSlotBody(body));
  const Status s = engine_.Deselect(slot.client_id, slot.employee_id, slot.date, slot.time);
  if (!Count(Call::kDeselect, s).ok()) return ErrorAnswer(ErrorFromEngine(s, Call::kDeselect));
  return Answer(200, DeselectJson(slot, engine_.store().mode()));
}

ApiResponse HttpApi::Poll(const ApiRequest& request) {
  SLOTSIM_PARSE_OR_400(const Fields query, Fields::FromForm(request.query));
  SLOTSIM_PARSE_OR_400(const PollFields p, ParsePollQuery(query));
  std::optional<std::string_view> selected;
  if (p.selected_time) selected = *p.selected_time;
  StatusOr<PollResult> result = engine_.Poll(p.client_id, p.employee_id, p.date, selected);
  if (!Count(Call::kPoll, result.status()).ok()) {
    return ErrorAnswer(ErrorFromEngine(result.status(), Call::kPoll));
  }
  return Answer(200, PollJson(*result));
}

ApiResponse HttpApi::Availability(const ApiRequest& request) {
  SLOTSIM_PARSE_OR_400(const Fields body, Fields::FromBody(request.body, request.content_type));
  SLOTSIM_PARSE_OR_400(const std::string date, body.String("date"));
  SLOTSIM_PARSE_OR_400(const int employee_id, body.Id("employee_id"));
  SLOTSIM_PARSE_OR_400(const std::optional<std::string> client, body.OptionalString("client_id"));
  StatusOr<slotsim::Availability> a =
      engine_.GetAvailability(employee_id, date, client.value_or(""));
  if (!Count(Call::kAvailability, a.status()).ok()) {
    return ErrorAnswer(ErrorFromEngine(a.status(), Call::kAvailability));
  }
  return Answer(200, AvailabilityJson(*a));
}

ApiResponse HttpApi::CreateAppointment(const ApiRequest& request) {
  SLOTSIM_PARSE_OR_400(const Fields body, Fields::FromBody(request.body, request.content_type));
  SLOTSIM_PARSE_OR_400(const std::string date, body.String("date"));
  SLOTSIM_PARSE_OR_400(SlotRef slot, ParseAppointmentDate("date", date));
  SLOTSIM_PARSE_OR_400(slot.employee_id, body.Id("employee_id"));
  SLOTSIM_PARSE_OR_400(std::optional<std::string> client, body.OptionalString("client_id"));
  if (!client) {
    SLOTSIM_PARSE_OR_400(const std::string email, body.String("email"));
    SLOTSIM_PARSE_OR_400(client, ClientIdFromEmail(email));
  }
  SLOTSIM_PARSE_OR_400(const std::string key, IdempotencyKey(request));
  StatusOr<Booking> booking = engine_.Confirm(*client, slot.employee_id, slot.date, slot.time, key);
  if (!Count(Call::kConfirm, booking.status()).ok()) {
    return ErrorAnswer(InField(ErrorFromEngine(booking.status(), Call::kConfirm), "date"));
  }
  return Answer(200, BookingJson(*booking));
}

ApiResponse HttpApi::GetAppointment(const std::string& booking_id) {
  if (const Status valid = Grid::CheckBookingId(booking_id); !valid.ok()) {
    return ErrorAnswer(ErrorFromParse(valid));
  }
  StatusOr<Booking> booking = engine_.store().GetBooking(booking_id);
  if (!Count(Call::kRead, booking.status()).ok()) {
    return ErrorAnswer(ErrorFromEngine(booking.status(), Call::kRead));
  }
  return Answer(200, BookingJson(*booking));
}

ApiResponse HttpApi::Reschedule(const std::string& booking_id, const ApiRequest& request) {
  SLOTSIM_PARSE_OR_400(const Fields body, Fields::FromBody(request.body, request.content_type));
  SLOTSIM_PARSE_OR_400(const std::string new_date, body.String("new_date"));
  SLOTSIM_PARSE_OR_400(SlotRef slot, ParseAppointmentDate("new_date", new_date));
  SLOTSIM_PARSE_OR_400(const std::string owner, OwnerOf(request, &body));
  if (const Status valid = Grid::CheckBookingId(booking_id); !valid.ok()) {
    return ErrorAnswer(ErrorFromParse(valid));
  }
  if (body.Has("employee_id")) {
    SLOTSIM_PARSE_OR_400(slot.employee_id, body.Id("employee_id"));
  } else {
    StatusOr<Booking> old = engine_.store().GetBooking(booking_id);
    if (!Count(Call::kRead, old.status()).ok()) {
      return ErrorAnswer(ErrorFromEngine(old.status(), Call::kRead));
    }
    slot.employee_id = old->slot.employee_id;
  }
  StatusOr<Booking> moved =
      engine_.Reschedule(owner, booking_id, slot.employee_id, slot.date, slot.time);
  if (!Count(Call::kReschedule, moved.status()).ok()) {
    return ErrorAnswer(InField(ErrorFromEngine(moved.status(), Call::kReschedule), "new_date"));
  }
  return Answer(200, BookingJson(*moved));
}

ApiResponse HttpApi::Cancel(const std::string& booking_id, const ApiRequest& request) {
  SLOTSIM_PARSE_OR_400(const std::string owner, OwnerOf(request, nullptr));
  StatusOr<Booking> cancelled = engine_.Cancel(owner, booking_id);
  if (!Count(Call::kCancel, cancelled.status()).ok()) {
    return ErrorAnswer(ErrorFromEngine(cancelled.status(), Call::kCancel));
  }
  return Answer(200, BookingJson(*cancelled));
}

Readiness HttpApi::CurrentReadiness() {
  if (readiness_) return readiness_();
  Readiness r;
  const Status ping = engine_.store().Ping();
  r.ready = ping.ok();
  r.backends.emplace_back(std::string(StorageModeName(engine_.store().mode())),
                          ping.ok() ? "up" : "down: " + ping.message());
  return r;
}

ApiResponse HttpApi::Metrics() {
  if (metrics_ == nullptr) return ErrorAnswer(ErrorForStatus(404));
  ApiResponse out = Answer(200, metrics_->Text(engine_.store().mode(), has_failover_));
  out.content_type = kMetricsContentType;
  return out;
}

StatusOr<std::string> HttpApi::OwnerOf(const ApiRequest& request, const Fields* body) {
  if (body != nullptr) {
    SLOTSIM_ASSIGN_OR_RETURN(std::optional<std::string> id, body->OptionalString("client_id"));
    if (id) return *id;
  }
  SLOTSIM_ASSIGN_OR_RETURN(const Fields query, Fields::FromForm(request.query));
  SLOTSIM_ASSIGN_OR_RETURN(std::optional<std::string> id, query.OptionalString("client_id"));
  if (id) return *id;
  if (!request.client_id.empty()) return std::string(request.client_id);
  std::optional<std::string> email;
  if (body != nullptr) {
    SLOTSIM_ASSIGN_OR_RETURN(email, body->OptionalString("email"));
  }
  if (!email) {
    SLOTSIM_ASSIGN_OR_RETURN(email, query.OptionalString("email"));
  }
  if (email) return ClientIdFromEmail(*email);
  return Status::NotFound("client_id: missing (body, ?client_id=, X-Client-Id or email)");
}

StatusOr<std::string> HttpApi::IdempotencyKey(const ApiRequest& request) {
  if (request.idempotency_key.empty()) {
    return "srv-" + std::to_string(key_epoch_ms_) + "-" + std::to_string(++key_seq_);
  }
  SLOTSIM_RETURN_IF_ERROR(Grid::CheckIdempotencyKey(request.idempotency_key));
  return std::string(request.idempotency_key);
}

const Status& HttpApi::Count(Call call, const Status& status) {
  if (metrics_ != nullptr) metrics_->RecordCall(call, status.code());
  return status;
}

int64_t HttpApi::NowSeconds() const { return ToUnixMillis(clock_.Now()) / 1000; }

}  // namespace slotsim::http
