// The heartbeat protocol's client side: requests built, answers read (http_wire.h).
#include "protocol/client_wire.h"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <nlohmann/json.hpp>

#include "protocol/json_view.h"

namespace slotsim {
namespace {

using Json = nlohmann::json;

constexpr std::string_view kFormType = "application/x-www-form-urlencoded";
constexpr std::string_view kJsonType = "application/json";
constexpr std::string_view kAppointments = "appointease/v1/appointments";

bool IsWrite(OpKind kind) { return kind != OpKind::kPoll && kind != OpKind::kAvailability; }

uint64_t Fnv1a(std::string_view text) {
  uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : text) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return h;
}

// ---- requests ----------------------------------------------------------------------------

void AddFormField(std::string& body, std::string_view key, std::string_view value) {
  if (!body.empty()) body += '&';
  body += key;  // keys are ours: brackets and letters only
  body += '=';
  body += FormEncode(value);
}

std::string SlotDate(const SlotRef& s) { return s.date + " " + s.time + ":00"; }

void AddCommonHeaders(const OpRequest& req, const WireOptions& o, bool rest, WireRequest& out) {
  if (rest && !o.nonce.empty()) out.headers.emplace_back("X-WP-Nonce", o.nonce);
  if (o.forwarded_for) out.headers.emplace_back("X-Forwarded-For", ForwardedForOf(req.client_id));
}

WireRequest Heartbeat(const OpRequest& req, const WireOptions& o) {
  WireRequest out;
  out.method = "POST";
  out.path = o.base_path + "/wp-admin/admin-ajax.php";
  out.content_type = kFormType;
  std::string& b = out.body;
  b.reserve(256);
  b = "action=heartbeat&_nonce=&screen_id=front&has_focus=true&interval=";
  b += std::to_string(o.heartbeat_s);
  AddFormField(b, "data[appointease_poll][date]", req.slot.date);
  AddFormField(b, "data[appointease_poll][employee_id]", std::to_string(req.slot.employee_id));
  AddFormField(b, "data[appointease_poll][client_id]", WireClientId(req.client_id, o.run_tag));
  if (req.selected_time) {
    AddFormField(b, "data[appointease_poll][selected_time]", *req.selected_time);
  }
  AddCommonHeaders(req, o, false, out);
  return out;
}

WireRequest Rest(const OpRequest& req, const WireOptions& o, std::string method,
                 std::string_view route, std::string_view query, const Json* body) {
  WireRequest out;
  out.method = std::move(method);
  out.path = RestPath(route, query, o);
  if (body != nullptr) {
    out.content_type = kJsonType;
    out.body = body->dump();
  }
  AddCommonHeaders(req, o, true, out);
  return out;
}

// ---- answers ------------------------------------------------------------------------------

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
  // No appointease_hold (servers other than slotsim serve): judged from the lists.
  if (Contains(p.booked, time)) return HoldAnswer{time, HoldStatus::kTaken, invoked};
  if (Contains(p.held, time)) return HoldAnswer{time, HoldStatus::kHeld, invoked + o.hold_ttl};
  return std::nullopt;
}

void ParsePoll(const OpRequest& req, const JsonObject& doc, const WireOptions& o, OpResult& r) {
  if (doc.StringOr("appointease_test") == "error") {
    r.status = Status::Unavailable("heartbeat answered an error: " + doc.StringOr("message"));
    r.outcome = Outcome::kFail;
    return;
  }
  if (!doc.Get("appointease_active_selections") && !doc.Get("appointease_booked_slots")) {
    r.status = Status::Internal(
        "heartbeat answer without appointease_active_selections or "
        "appointease_booked_slots (did the poll run?)");
    r.outcome = Outcome::kFail;
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
    const std::string status = detail ? detail->StringOr("status") : std::string("booked");
    (status == "booked" ? a.booked : a.held).push_back(t);
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
    r.status = Status::Internal("appointment answer without strong_id or appointment_id");
    r.outcome = Outcome::kUnknown;
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

std::optional<StorageMode> StatedMode(const JsonObject& doc) {
  std::string word = doc.StringOr("storage_mode");
  if (word.empty()) word = doc.StringOr("storage");
  return StorageModeOfWord(word);
}

}  // namespace

std::string FormEncode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (unsigned char c : text) {
    const bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                       c == '-' || c == '_' || c == '.' || c == '~' || c == '[' || c == ']';
    if (plain) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

std::string RestPath(std::string_view route, std::string_view query, const WireOptions& o) {
  std::string out = o.base_path;
  if (o.rest_style == RestStyle::kWpJson) {
    out += "/wp-json/";
    out += route;
    if (!query.empty()) out += "?";
  } else {
    out += "/index.php?rest_route=/";
    out += route;
    if (!query.empty()) out += "&";
  }
  out += query;
  return out;
}

WireRequest BuildRequest(const OpRequest& req, const WireOptions& o) {
  const SlotRef& s = req.slot;
  const std::string client = WireClientId(req.client_id, o.run_tag);
  switch (req.kind) {
    case OpKind::kPoll:
      return Heartbeat(req, o);
    case OpKind::kSelect:
    case OpKind::kDeselect: {
      const Json body = {{"date", s.date},
                         {"time", s.time},
                         {"employee_id", s.employee_id},
                         {"client_id", client}};
      return Rest(req, o, "POST",
                  req.kind == OpKind::kSelect ? "appointease/v1/slots/select"
                                              : "appointease/v1/slots/deselect",
                  "", &body);
    }
    case OpKind::kAvailability: {
      const Json body = {{"date", s.date}, {"employee_id", s.employee_id}, {"client_id", client}};
      return Rest(req, o, "POST", "booking/v1/availability", "", &body);
    }
    case OpKind::kConfirm: {
      const Json body = {{"name", "slotsim " + req.client_id},
                         {"email", EmailOf(client)},
                         {"date", SlotDate(s)},
                         {"employee_id", s.employee_id},
                         {"client_id", client}};
      WireRequest out = Rest(req, o, "POST", kAppointments, "", &body);
      out.headers.emplace_back("X-Idempotency-Key",
                               WireIdempotencyKey(req.idempotency_key, o.run_tag));
      return out;
    }
    case OpKind::kReschedule: {
      const Json body = {
          {"new_date", SlotDate(s)}, {"employee_id", s.employee_id}, {"client_id", client}};
      return Rest(req, o, "PUT", std::string(kAppointments) + "/" + FormEncode(req.booking_id), "",
                  &body);
    }
    case OpKind::kCancel:
      return Rest(req, o, "DELETE", std::string(kAppointments) + "/" + FormEncode(req.booking_id),
                  "client_id=" + FormEncode(client), nullptr);
  }
  return {};
}

WireRequest BuildGetBooking(const std::string& booking_id, const WireOptions& o) {
  WireRequest out;
  out.method = "GET";
  out.path = RestPath(std::string(kAppointments) + "/" + FormEncode(booking_id), "", o);
  if (!o.nonce.empty()) out.headers.emplace_back("X-WP-Nonce", o.nonce);
  return out;
}

std::optional<StorageMode> StorageModeOfWord(std::string_view word) {
  if (word.empty()) return std::nullopt;
  if (word == "redis") return StorageMode::kRedis;
  if (word == "memory") return StorageMode::kMemory;
  return StorageMode::kMySql;
}

std::string ForwardedForOf(std::string_view client_id) {
  const uint64_t h = Fnv1a(client_id);
  return "10." + std::to_string((h >> 8) & 0xFF) + "." + std::to_string((h >> 16) & 0xFF) + "." +
         std::to_string(1 + (h & 0xFF) % 254);
}

std::string EmailOf(std::string_view client_id) {
  std::string out(client_id);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out + "@slotsim.invalid";
}

std::string WireClientId(std::string_view client_id, std::string_view run_tag) {
  if (run_tag.empty()) return std::string(client_id);
  std::string out(run_tag);
  out += '_';
  out += client_id;
  return out;
}

std::string WireIdempotencyKey(std::string_view key, std::string_view run_tag) {
  if (run_tag.empty() || key.empty()) return std::string(key);
  std::string out(run_tag);
  out += '-';
  out += key;
  return out;
}

std::optional<std::string> StripRunTag(std::string_view wire_id, std::string_view run_tag) {
  if (run_tag.empty()) return std::string(wire_id);
  if (wire_id.size() <= run_tag.size() + 1 || wire_id.substr(0, run_tag.size()) != run_tag) {
    return std::nullopt;
  }
  const char sep = wire_id[run_tag.size()];
  if (sep != '_' && sep != '-') return std::nullopt;
  return std::string(wire_id.substr(run_tag.size() + 1));
}

std::optional<std::string> ScrapeNonce(std::string_view page) {
  const size_t api = page.find("bookingAPI");
  if (api == std::string_view::npos) return std::nullopt;
  const size_t key = page.find("\"nonce\"", api);
  if (key == std::string_view::npos) return std::nullopt;
  size_t i = page.find_first_not_of(" \t\r\n", key + 7);
  if (i == std::string_view::npos || page[i] != ':') return std::nullopt;
  i = page.find_first_not_of(" \t\r\n", i + 1);
  if (i == std::string_view::npos || page[i] != '"') return std::nullopt;
  const size_t start = i + 1;
  size_t end = start;
  while (end < page.size() && std::isxdigit(static_cast<unsigned char>(page[end]))) ++end;
  if (end == start || end >= page.size() || page[end] != '"') return std::nullopt;
  return std::string(page.substr(start, end - start));
}

std::optional<StorageMode> ParseAnswer(const OpRequest& req, const WireAnswer& answer,
                                       const Grid& grid, const WireOptions& o, OpResult& r) {
  r.status = Status::Ok();
  r.outcome = Outcome::kOk;
  r.hold.reset();
  r.booking.reset();
  r.poll.reset();
  r.availability.reset();
  const Outcome lost = IsWrite(req.kind) ? Outcome::kUnknown : Outcome::kFail;
  switch (answer.transport) {
    case WireTransport::kAnswered:
      break;
    case WireTransport::kRefused:
    case WireTransport::kConnectTimeout:
      r.status = Status::Unavailable("not sent: " + answer.detail);
      r.outcome = Outcome::kFail;
      return std::nullopt;
    case WireTransport::kTimeout:
      r.status = Status::Timeout("no answer: " + answer.detail);
      r.outcome = lost;
      return std::nullopt;
    case WireTransport::kBroken:
      r.status = Status::Unavailable("connection lost: " + answer.detail);
      r.outcome = lost;
      return std::nullopt;
  }
  const std::optional<JsonObject> doc = JsonObject::Parse(answer.body);
  const JsonObject* d = doc ? &*doc : nullptr;
  if (answer.status < 200 || answer.status >= 300) {
    r.status = ErrorStatus(req.kind, answer.status, d, answer.body);
    r.outcome = answer.status >= 500 ? lost : Outcome::kFail;
    return std::nullopt;
  }
  if (d == nullptr) {
    r.status = Status::Internal("HTTP " + std::to_string(answer.status) +
                                " answer is not a JSON object: " + Excerpt(answer.body));
    r.outcome = lost;
    return std::nullopt;
  }
  if (SaidFailure(req, answer.status, *d, r)) return std::nullopt;
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
  if (d == nullptr) return Status::Internal("booking answer is not a JSON object");
  Booking b;
  b.id = d->StringOr("strong_id");
  const std::string date = d->StringOr("date");  // "YYYY-MM-DD HH:MM:SS"
  const std::optional<int64_t> employee = IntegerMember(*d, "employee_id");
  if (b.id.empty() || date.size() < 16 || !employee) {
    return Status::Internal("booking answer without strong_id, date or employee_id");
  }
  b.slot = SlotRef{static_cast<int>(*employee), date.substr(0, 10), date.substr(11, 5)};
  const std::string client = d->StringOr("client_id");
  b.client_id = StripRunTag(client, o.run_tag).value_or(client);
  b.status =
      d->StringOr("status") == "cancelled" ? BookingStatus::kCancelled : BookingStatus::kActive;
  return b;
}

}  // namespace slotsim
