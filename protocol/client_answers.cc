// The heartbeat protocol's client side, answers (client_wire.h): an HTTP answer, or its
// absence, read into an OpResult (status, outcome, the hold, booking, poll or availability), a
// booking read back, and the storage mode an answer states. Building the requests is
// client_wire.cc.
#include <algorithm>
#include <cstdint>

#include "protocol/answer_rules.h"
#include "protocol/client_wire.h"
#include "protocol/json_view.h"

namespace slotsim {
namespace {

bool IsWrite(OpKind kind) { return kind != OpKind::kPoll && kind != OpKind::kAvailability; }

Timestamp FromUnixSeconds(int64_t s) { return Timestamp(Micros(s * 1'000'000)); }

std::optional<int64_t> IntegerMember(const JsonObject& doc, std::string_view key) {
  const JsonValue* v = doc.Get(key);
  return v == nullptr ? std::nullopt : v->Integer();
}

// An array of strings, or the plugin's object form {"0":"09:00","2":"11:00"}: the string
// values, sorted. Anything else is an empty list.
std::vector<std::string> StringList(const JsonObject& doc, std::string_view key) {
  const JsonValue* v = doc.Get(key);
  if (v == nullptr) return {};
  std::vector<std::string> out = v->Strings();
  std::sort(out.begin(), out.end());
  return out;
}

bool Contains(const std::vector<std::string>& v, std::string_view s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

std::string Excerpt(std::string_view body) {
  std::string out(body.substr(0, 120));
  std::replace_if(
      out.begin(), out.end(), [](char c) { return c == '\n' || c == '\r'; }, ' ');
  return out;
}

// An error answer (or a 2xx answer that says it failed) as a Status.
Status ErrorStatus(OpKind kind, int http_status, const JsonObject* doc, std::string_view body) {
  const std::string code = doc ? doc->StringOr("code") : std::string();
  std::string message = doc ? doc->StringOr("message") : std::string();
  if (message.empty() && !doc) message = Excerpt(body);
  std::string text = "HTTP " + std::to_string(http_status);
  if (!code.empty()) text += " " + code;
  if (!message.empty()) text += ": " + message;
  if (code == "already_locked") return Status::SlotHeld(text);
  if (code == "slot_taken") {
    return kind == OpKind::kSelect ? Status::SlotBooked(text) : Status::SlotTaken(text);
  }
  if (code == "not_owner") return Status::NotHolder(text);
  if (code == "not_found") return Status::NotFound(text);
  if (code == "rest_no_route") return Status::Unimplemented(text);
  if (code == "duplicate_submission") return Status::InvalidArgument(text);
  if (code == "rate_limited") return Status::Unavailable(text);
  switch (http_status) {
    case 400:
    case 413:
    case 414:
    case 415:
    case 422:
      return Status::InvalidArgument(text);
    case 404:
      return Status::NotFound(text);
    case 409:
      return kind == OpKind::kSelect ? Status::SlotHeld(text) : Status::SlotTaken(text);
    case 408:
    case 504:
      return Status::Timeout(text);
    default:
      return Status::Unavailable(text);
  }
}

// A 2xx answer with `success: false` failed; its code, when it has one, says how.
bool SaidFailure(const OpRequest& req, int http_status, const JsonObject& doc, OpResult& r) {
  const JsonValue* success = doc.Get("success");
  if (success == nullptr || success->Bool().value_or(true)) return false;
  r.status = doc.StringOr("code").empty()
                 ? Status::Internal("HTTP " + std::to_string(http_status) +
                                    " answer with success false: " + doc.StringOr("message"))
                 : ErrorStatus(req.kind, http_status, &doc, "");
  r.outcome = Outcome::kFail;
  r.answer = AnswerClass::kRejected;
  return true;
}

std::optional<HoldAnswer> OwnHold(const OpRequest& req, const JsonObject& doc, const PollResult& p,
                                  const WireOptions& o, Timestamp invoked) {
  const std::string& time = *req.selected_time;
  const JsonValue* value = doc.Get("appointease_hold");
  if (std::optional<JsonObject> hold = value ? value->Object() : std::nullopt) {
    const std::string status = hold->StringOr("status");
    HoldAnswer a{time, HoldStatus::kHeld, invoked + o.hold_ttl};
    if (status == "lost") {
      a.status = HoldStatus::kLost;
    } else if (status == "taken") {
      a.status = HoldStatus::kTaken;
    } else if (status != "held") {
      return std::nullopt;
    }
    if (std::optional<int64_t> s = IntegerMember(*hold, "expires_at")) {
      a.expires_at = FromUnixSeconds(*s);
    }
    return a;
  }
  // No appointease_hold (servers other than slotsim serve): the lists name no owner, so they
  // never say the caller holds its time. Listed: held by someone, perhaps another client — no
  // answer about the caller's hold. Booked: taken. In neither, with redis_status "available"
  // (the plugin lists every hold in Redis, the caller's own included): nobody holds it, so the
  // caller's hold is gone. In neither otherwise (the plugin's fallback mode lists no holds):
  // no answer.
  if (Contains(p.booked, time)) return HoldAnswer{time, HoldStatus::kTaken, invoked};
  if (Contains(p.held, time)) return std::nullopt;
  if (p.redis_status == "available") return HoldAnswer{time, HoldStatus::kLost, invoked};
  return std::nullopt;
}

void ParsePoll(const OpRequest& req, const JsonObject& doc, const WireOptions& o, OpResult& r) {
  if (doc.StringOr("appointease_test") == "error") {
    r.status = Status::Unavailable("heartbeat answered an error: " + doc.StringOr("message"));
    r.outcome = Outcome::kFail;
    r.answer = AnswerClass::kServerError;
    return;
  }
  PollResult p;
  p.held = StringList(doc, "appointease_active_selections");
  p.booked = StringList(doc, "appointease_booked_slots");
  p.redis_status = doc.StringOr("redis_status") == "available" ? "available" : "unavailable";
  if (std::optional<int64_t> t = IntegerMember(doc, "server_time")) {
    p.server_time = FromUnixSeconds(*t);
  }
  if (req.selected_time) p.own = OwnHold(req, doc, p, o, r.invoked);
  p.others_held = p.held;
  if (p.own && p.own->status == HoldStatus::kHeld) {
    auto it = std::find(p.others_held.begin(), p.others_held.end(), p.own->time);
    if (it != p.others_held.end()) p.others_held.erase(it);
  }
  for (std::string& t : StringList(doc, "appointease_locked_slots")) {
    if (!Contains(p.others_held, t)) p.others_held.push_back(std::move(t));
  }
  std::sort(p.others_held.begin(), p.others_held.end());
  r.poll = std::move(p);
}

void ParseAvailability(const JsonObject& doc, const Grid& grid, OpResult& r) {
  Availability a;
  const JsonValue* unavailable = doc.Get("unavailable");
  const std::vector<std::string> blocked =
      unavailable && unavailable->String() == "all" ? grid.times() : StringList(doc, "unavailable");
  const JsonValue* details_value = doc.Get("booking_details");
  const std::optional<JsonObject> details = details_value ? details_value->Object() : std::nullopt;
  for (const std::string& t : blocked) {
    const JsonValue* d = details ? details->Get(t) : nullptr;
    const std::optional<JsonObject> detail = d ? d->Object() : std::nullopt;
    // "processing" is a hold (the plugin's and slotsim serve's word); anything else the
    // plugin sends is a booking's own status ("confirmed", "created") or serve's "booked".
    const std::string status = detail ? detail->StringOr("status") : std::string("booked");
    (status == "processing" ? a.held : a.booked).push_back(t);
  }
  if (const JsonValue* free = doc.Get("free"); free && free->type() == JsonValue::Type::kArray) {
    a.free = StringList(doc, "free");
  } else {
    for (const std::string& t : grid.times()) {
      if (!Contains(blocked, t)) a.free.push_back(t);
    }
  }
  r.availability = std::move(a);
}

void ParseBooking(const OpRequest& req, const JsonObject& doc, OpResult& r) {
  Booking b;
  b.id = doc.StringOr("strong_id");
  if (b.id.empty()) {
    if (std::optional<int64_t> n = IntegerMember(doc, "appointment_id")) b.id = std::to_string(*n);
  }
  if (b.id.empty()) b.id = req.booking_id;
  if (b.id.empty()) {
    // Booked, perhaps, but nobody can tell which booking it is.
    r.status = Status::MalformedAnswer("appointment answer without strong_id or appointment_id");
    r.outcome = Outcome::kUnknown;
    r.answer = AnswerClass::kMalformed;
    return;
  }
  b.client_id = req.client_id;
  b.slot = req.slot;
  b.idempotency_key = req.idempotency_key;
  b.created_at = r.invoked;
  const bool cancelled = req.kind == OpKind::kCancel || doc.StringOr("status") == "cancelled";
  b.status = cancelled ? BookingStatus::kCancelled : BookingStatus::kActive;
  r.booking = std::move(b);
}

// An answer that never came: true with `r` filled (not sent, timeout, reset).
bool NoAnswer(const WireAnswer& answer, Outcome lost, OpResult& r) {
  switch (answer.transport) {
    case WireTransport::kAnswered:
      return false;
    case WireTransport::kRefused:
    case WireTransport::kConnectTimeout:
      r.status = Status::Unavailable("not sent: " + answer.detail);
      r.outcome = Outcome::kFail;
      r.answer = AnswerClass::kNotSent;
      return true;
    case WireTransport::kTimeout:
      r.status = Status::Timeout("no answer: " + answer.detail);
      r.outcome = lost;
      r.answer = AnswerClass::kTimeout;
      return true;
    case WireTransport::kBroken:
      r.status = Status::Unavailable("connection lost: " + answer.detail);
      r.outcome = lost;
      r.answer = AnswerClass::kReset;
      return true;
  }
  return false;
}

std::optional<StorageMode> StatedMode(const JsonObject& doc) {
  std::string word = doc.StringOr("storage_mode");
  if (word.empty()) word = doc.StringOr("storage");
  return StorageModeOfWord(word);
}

}  // namespace

std::optional<StorageMode> StorageModeOfWord(std::string_view word) {
  if (word.empty()) return std::nullopt;
  if (word == "redis") return StorageMode::kRedis;
  if (word == "memory") return StorageMode::kMemory;
  return StorageMode::kMySql;
}

std::optional<StorageMode> ParseAnswer(const OpRequest& req, const WireAnswer& answer,
                                       const Grid& grid, const WireOptions& o, OpResult& r) {
  r.status = Status::Ok();
  r.outcome = Outcome::kOk;
  r.answer = AnswerClass::kOk;
  r.hold.reset();
  r.booking.reset();
  r.poll.reset();
  r.availability.reset();
  const Outcome lost = IsWrite(req.kind) ? Outcome::kUnknown : Outcome::kFail;
  if (NoAnswer(answer, lost, r)) return std::nullopt;
  const std::optional<JsonObject> doc = JsonObject::Parse(answer.body);
  const JsonObject* d = doc ? &*doc : nullptr;
  if (answer.status < 200 || answer.status >= 300) {
    r.status = ErrorStatus(req.kind, answer.status, d, answer.body);
    // The server said it failed (4xx, 5xx): definite. A 504 is a gateway that heard nothing
    // from the server in time: a timeout, whose effect is unknown.
    if (answer.status == 504) {
      r.outcome = lost;
      r.answer = AnswerClass::kTimeout;
    } else {
      r.outcome = Outcome::kFail;
      r.answer = answer.status >= 500 ? AnswerClass::kServerError : AnswerClass::kRejected;
    }
    return std::nullopt;
  }
  if (d == nullptr) {
    r.status = Status::MalformedAnswer("HTTP " + std::to_string(answer.status) +
                                       " answer is not a JSON object: " + Excerpt(answer.body));
    r.outcome = lost;
    r.answer = AnswerClass::kMalformed;
    return std::nullopt;
  }
  if (SaidFailure(req, answer.status, *d, r)) return std::nullopt;
  if (Status s = CheckAnswer(req.kind, *d); !s.ok()) {
    // A write that was answered 2xx may well have taken effect; nobody can read how.
    r.status = Status::MalformedAnswer("HTTP " + std::to_string(answer.status) + " " + s.message());
    r.outcome = lost;
    r.answer = AnswerClass::kMalformed;
    return std::nullopt;
  }
  switch (req.kind) {
    case OpKind::kPoll:
      ParsePoll(req, *d, o, r);
      break;
    case OpKind::kSelect:
      if (std::optional<int64_t> s = IntegerMember(*d, "expires_at")) {
        r.hold = Hold{req.client_id, req.slot, FromUnixSeconds(*s)};
      }
      break;
    case OpKind::kDeselect:
      break;
    case OpKind::kAvailability:
      ParseAvailability(*d, grid, r);
      break;
    case OpKind::kConfirm:
    case OpKind::kReschedule:
    case OpKind::kCancel:
      ParseBooking(req, *d, r);
      break;
  }
  return r.status.ok() ? StatedMode(*d) : std::nullopt;
}

StatusOr<Booking> ParseBookingAnswer(const WireAnswer& answer, const WireOptions& o) {
  if (answer.transport != WireTransport::kAnswered) {
    return Status::Unavailable("reading a booking: " + answer.detail);
  }
  const std::optional<JsonObject> doc = JsonObject::Parse(answer.body);
  const JsonObject* d = doc ? &*doc : nullptr;
  if (answer.status < 200 || answer.status >= 300) {
    return ErrorStatus(OpKind::kCancel, answer.status, d, answer.body);
  }
  if (d == nullptr) return Status::MalformedAnswer("booking answer is not a JSON object");
  Booking b;
  b.id = d->StringOr("strong_id");
  const std::string date = d->StringOr("date");  // "YYYY-MM-DD HH:MM:SS"
  const std::optional<int64_t> employee = IntegerMember(*d, "employee_id");
  if (b.id.empty() || date.size() < 16 || !employee) {
    return Status::MalformedAnswer("booking answer without strong_id, date or employee_id");
  }
  b.slot = SlotRef{static_cast<int>(*employee), date.substr(0, 10), date.substr(11, 5)};
  const std::string client = d->StringOr("client_id");
  b.client_id = StripRunTag(client, o.run_tag).value_or(client);
  b.status =
      d->StringOr("status") == "cancelled" ? BookingStatus::kCancelled : BookingStatus::kActive;
  return b;
}

}  // namespace slotsim
