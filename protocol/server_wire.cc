// The heartbeat protocol's routing, field parsing and error mapping. The JSON answers are in
// http_answers.cc.
#include "protocol/server_wire.h"

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>

namespace slotsim::http {
namespace {

using Json = nlohmann::json;

constexpr std::string_view kRestPrefix = "/wp-json";
constexpr int kMaxJsonDepth = 32;
constexpr int kMaxId = 1000000000;

struct RestRoute {
  std::string_view method;
  std::string_view path;
  Route route;
};

constexpr RestRoute kRestRoutes[] = {
    {"POST", "/appointease/v1/slots/select", Route::kSelect},
    {"POST", "/appointease/v1/slots/deselect", Route::kDeselect},
    {"GET", "/appointease/v1/slots/poll", Route::kPoll},
    {"POST", "/booking/v1/availability", Route::kAvailability},
    {"POST", "/appointease/v1/appointments", Route::kCreateAppointment},
};

// The REST route of a path, without a trailing slash; nullopt when the request is not REST.
std::optional<std::string> RestPath(std::string_view path, std::string_view query) {
  if (path == kRestPrefix || path.substr(0, kRestPrefix.size() + 1) == "/wp-json/") {
    return std::string(path.substr(kRestPrefix.size()));
  }
  if (path != "/" && path != "/index.php") return std::nullopt;
  StatusOr<Fields> fields = Fields::FromForm(query);
  if (!fields.ok()) return std::nullopt;
  StatusOr<std::string> route = fields->String("rest_route");
  if (!route.ok()) return std::nullopt;
  return *route;
}

RouteMatch ResolveRest(std::string_view method, std::string path) {
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  for (const RestRoute& r : kRestRoutes) {
    if (r.method == method && r.path == path) return {r.route, ""};
  }
  constexpr std::string_view kAppointments = "/appointease/v1/appointments/";
  if (path.size() > kAppointments.size() &&
      path.compare(0, kAppointments.size(), kAppointments) == 0) {
    std::string id = path.substr(kAppointments.size());
    if (id.find('/') != std::string::npos) return {};
    if (method == "GET") return {Route::kGetAppointment, std::move(id)};
    if (method == "PUT") return {Route::kReschedule, std::move(id)};
    if (method == "DELETE") return {Route::kCancel, std::move(id)};
  }
  return {};
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The deepest nesting of arrays and objects in a JSON text (strings skipped), so a hostile
// body is refused before the parser recurses into it.
int JsonDepth(std::string_view text) {
  int depth = 0, max_depth = 0;
  bool in_string = false, escaped = false;
  for (char c : text) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') in_string = true;
    if (c == '[' || c == '{') max_depth = std::max(max_depth, ++depth);
    if (c == ']' || c == '}') --depth;
  }
  return max_depth;
}

// A JSON scalar as text: strings as they are, numbers as written, booleans as true/false.
std::string ScalarText(const Json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_boolean()) return v.get<bool>() ? "true" : "false";
  return v.dump();
}

Status Missing(std::string_view key) { return Status::NotFound(std::string(key) + ": missing"); }

// "data[<action>][<field>]"
std::string ActionKey(std::string_view action, std::string_view field) {
  return "data[" + std::string(action) + "][" + std::string(field) + "]";
}

// True when the action's date or employee_id is absent or empty (the plugin returns early).
bool ActionEmpty(const Fields& form, std::string_view action) {
  StatusOr<std::optional<std::string>> date = form.OptionalString(ActionKey(action, "date"));
  StatusOr<std::optional<std::string>> emp = form.OptionalString(ActionKey(action, "employee_id"));
  return (date.ok() && !date->has_value()) || (emp.ok() && !emp->has_value());
}

StatusOr<SlotFields> ParseAction(const Fields& form, std::string_view action) {
  SlotFields out;
  SLOTSIM_ASSIGN_OR_RETURN(out.date, form.String(ActionKey(action, "date")));
  SLOTSIM_ASSIGN_OR_RETURN(out.time, form.String(ActionKey(action, "time")));
  SLOTSIM_ASSIGN_OR_RETURN(out.employee_id, form.Id(ActionKey(action, "employee_id")));
  SLOTSIM_ASSIGN_OR_RETURN(std::optional<std::string> client,
                           form.OptionalString(ActionKey(action, "client_id")));
  out.client_id = client.value_or("");
  return out;
}

StatusOr<PollFields> ParseHeartbeatPoll(const Fields& form) {
  constexpr std::string_view kPoll = "appointease_poll";
  PollFields out;
  SLOTSIM_ASSIGN_OR_RETURN(out.date, form.String(ActionKey(kPoll, "date")));
  SLOTSIM_ASSIGN_OR_RETURN(out.employee_id, form.Id(ActionKey(kPoll, "employee_id")));
  SLOTSIM_ASSIGN_OR_RETURN(out.client_id, form.String(ActionKey(kPoll, "client_id")));
  SLOTSIM_ASSIGN_OR_RETURN(out.selected_time,
                           form.OptionalString(ActionKey(kPoll, "selected_time")));
  SLOTSIM_ASSIGN_OR_RETURN(out.exclude_appointment_id,
                           form.OptionalString(ActionKey(kPoll, "exclude_appointment_id")));
  return out;
}

}  // namespace

std::string_view RouteName(Route route) {
  switch (route) {
    case Route::kHeartbeat:
      return "heartbeat";
    case Route::kSelect:
      return "select";
    case Route::kDeselect:
      return "deselect";
    case Route::kPoll:
      return "poll";
    case Route::kAvailability:
      return "availability";
    case Route::kCreateAppointment:
      return "appointment_create";
    case Route::kGetAppointment:
      return "appointment_get";
    case Route::kReschedule:
      return "appointment_reschedule";
    case Route::kCancel:
      return "appointment_cancel";
    case Route::kHealthz:
      return "healthz";
    case Route::kLivez:
      return "livez";
    case Route::kReadyz:
      return "readyz";
    case Route::kMetrics:
      return "metrics";
    case Route::kNotFound:
      break;
  }
  return "not_found";
}

std::string_view CallName(Call call) {
  constexpr std::string_view kNames[kCallCount] = {"select",       "deselect",    "poll",
                                                   "availability", "confirm",     "reschedule",
                                                   "cancel",       "read_booking"};
  return kNames[static_cast<int>(call)];
}

RouteMatch ResolveRoute(std::string_view method, std::string_view path, std::string_view query) {
  if (method == "HEAD") method = "GET";
  if (method == "POST" && path == "/wp-admin/admin-ajax.php") return {Route::kHeartbeat, ""};
  if (method == "GET" && path == "/healthz") return {Route::kHealthz, ""};
  if (method == "GET" && path == "/livez") return {Route::kLivez, ""};
  if (method == "GET" && path == "/readyz") return {Route::kReadyz, ""};
  if (method == "GET" && path == "/metrics") return {Route::kMetrics, ""};
  std::optional<std::string> rest = RestPath(path, query);
  if (!rest) return {};
  return ResolveRest(method, std::move(*rest));
}

// ---- Fields ----------------------------------------------------------------------------------

std::optional<std::string> UrlDecode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '+') {
      out.push_back(' ');
    } else if (c != '%') {
      out.push_back(c);
    } else {
      if (i + 2 >= text.size()) return std::nullopt;
      const int hi = HexValue(text[i + 1]), lo = HexValue(text[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    }
  }
  return out;
}

StatusOr<Fields> Fields::FromForm(std::string_view text) {
  Fields out;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t end = text.find('&', pos);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view pair = text.substr(pos, end - pos);
    pos = end + 1;
    if (pair.empty()) continue;
    const size_t eq = pair.find('=');
    std::optional<std::string> key = UrlDecode(pair.substr(0, eq));
    if (!key) return Status::InvalidArgument("body: bad %-escape in a form key");
    std::optional<std::string> value =
        eq == std::string_view::npos ? std::string() : UrlDecode(pair.substr(eq + 1));
    if (!value) return Status::InvalidArgument(*key + ": bad %-escape in the value");
    out.values_[*key] = Value{std::move(*value), true};
  }
  return out;
}

StatusOr<Fields> Fields::FromJson(std::string_view text) {
  Fields out;
  if (text.find_first_not_of(" \t\r\n") == std::string_view::npos) return out;
  if (JsonDepth(text) > kMaxJsonDepth) {
    return Status::InvalidArgument("body: JSON nested deeper than 32 levels");
  }
  Json doc = Json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return Status::InvalidArgument("body: not valid JSON");
  if (!doc.is_object()) return Status::InvalidArgument("body: JSON must be an object");
  for (auto& [key, value] : doc.items()) {
    if (value.is_null()) continue;
    const bool scalar = !value.is_array() && !value.is_object();
    out.values_[key] = Value{scalar ? ScalarText(value) : std::string(), scalar};
  }
  return out;
}

StatusOr<Fields> Fields::FromBody(std::string_view body, std::string_view content_type) {
  // curl -d and many PHP clients label JSON as a form: a body that opens like JSON is JSON.
  const size_t first = body.find_first_not_of(" \t\r\n");
  const bool looks_json =
      first != std::string_view::npos && (body[first] == '{' || body[first] == '[');
  if (!looks_json && content_type.substr(0, 33) == "application/x-www-form-urlencoded") {
    return FromForm(body);
  }
  return FromJson(body);
}

bool Fields::Has(std::string_view key) const { return values_.find(key) != values_.end(); }

StatusOr<std::string> Fields::String(std::string_view key, bool allow_empty) const {
  auto it = values_.find(key);
  if (it == values_.end()) return Missing(key);
  if (!it->second.scalar) {
    return Status::InvalidArgument(std::string(key) + ": must be a string, not an array or object");
  }
  if (it->second.text.empty() && !allow_empty) return Missing(key);
  return it->second.text;
}

StatusOr<std::optional<std::string>> Fields::OptionalString(std::string_view key) const {
  StatusOr<std::string> v = String(key);
  if (v.ok()) return std::optional<std::string>(std::move(v).value());
  if (v.status().code() == Code::kNotFound) return std::optional<std::string>();
  return v.status();
}

StatusOr<int> Fields::Id(std::string_view key) const {
  SLOTSIM_ASSIGN_OR_RETURN(std::string text, String(key));
  const bool digits = text.size() <= 10 && std::all_of(text.begin(), text.end(), [](char c) {
                        return std::isdigit(static_cast<unsigned char>(c));
                      });
  const long long v = digits ? std::stoll(text) : 0;
  if (!digits || v < 1 || v > kMaxId) {
    return Status::InvalidArgument(std::string(key) + ": \"" + text.substr(0, 40) +
                                   "\" is not a positive integer");
  }
  return static_cast<int>(v);
}

// ---- requests --------------------------------------------------------------------------------

StatusOr<HeartbeatRequest> ParseHeartbeat(const Fields& form) {
  SLOTSIM_ASSIGN_OR_RETURN(std::string action, form.String("action"));
  if (action != "heartbeat") {
    return Status::InvalidArgument("action: \"" + action.substr(0, 40) +
                                   "\" is not served; only \"heartbeat\"");
  }
  HeartbeatRequest out;
  if (!ActionEmpty(form, "appointease_poll")) {
    SLOTSIM_ASSIGN_OR_RETURN(out.poll, ParseHeartbeatPoll(form));
  }
  if (!ActionEmpty(form, "appointease_select")) {
    SLOTSIM_ASSIGN_OR_RETURN(out.select, ParseAction(form, "appointease_select"));
  }
  if (!ActionEmpty(form, "appointease_deselect")) {
    SLOTSIM_ASSIGN_OR_RETURN(out.deselect, ParseAction(form, "appointease_deselect"));
  }
  return out;
}

StatusOr<SlotFields> ParseSlotBody(const Fields& body) {
  SlotFields out;
  SLOTSIM_ASSIGN_OR_RETURN(out.date, body.String("date"));
  SLOTSIM_ASSIGN_OR_RETURN(out.time, body.String("time"));
  SLOTSIM_ASSIGN_OR_RETURN(out.employee_id, body.Id("employee_id"));
  SLOTSIM_ASSIGN_OR_RETURN(out.client_id, body.String("client_id"));
  return out;
}

StatusOr<PollFields> ParsePollQuery(const Fields& query) {
  PollFields out;
  SLOTSIM_ASSIGN_OR_RETURN(out.date, query.String("date"));
  SLOTSIM_ASSIGN_OR_RETURN(out.employee_id, query.Id("employee_id"));
  SLOTSIM_ASSIGN_OR_RETURN(out.client_id, query.String("client_id"));
  SLOTSIM_ASSIGN_OR_RETURN(out.selected_time, query.OptionalString("selected_time"));
  return out;
}

StatusOr<SlotRef> ParseAppointmentDate(std::string_view field, std::string_view text) {
  const size_t sep = text.find_first_of(" T");
  const std::string_view time = sep == std::string_view::npos ? "" : text.substr(sep + 1);
  const bool shape_ok = sep == 10 && (time.size() == 5 || (time.size() == 8 && time[5] == ':'));
  if (!shape_ok) {
    return Status::InvalidArgument(std::string(field) + ": \"" + std::string(text.substr(0, 40)) +
                                   "\" is not \"YYYY-MM-DD HH:MM:SS\"");
  }
  if (time.size() == 8 && time.substr(6) != "00") {
    return Status::InvalidArgument(std::string(field) + ": seconds must be 00");
  }
  SlotRef slot;
  slot.date = std::string(text.substr(0, 10));
  slot.time = std::string(time.substr(0, 5));
  return slot;
}

StatusOr<std::string> ClientIdFromEmail(std::string_view email) {
  const size_t first = email.find_first_not_of(" \t");
  const size_t last = email.find_last_not_of(" \t");
  const std::string_view trimmed =
      first == std::string_view::npos ? "" : email.substr(first, last - first + 1);
  const size_t at = trimmed.find('@');
  if (at == std::string_view::npos || at == 0 || at + 1 == trimmed.size() || trimmed.size() > 254) {
    return Status::InvalidArgument("email: not an email address");
  }
  uint64_t hash = 14695981039346656037ull;  // FNV-1a 64
  for (char c : trimmed) {
    hash ^= static_cast<unsigned char>(std::tolower(static_cast<unsigned char>(c)));
    hash *= 1099511628211ull;
  }
  char buf[24];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(hash));
  return "email-" + std::string(buf);
}

int64_t AppointmentNumber(std::string_view strong_id) {
  const size_t dash = strong_id.rfind('-');
  const std::string_view tail =
      dash == std::string_view::npos ? strong_id : strong_id.substr(dash + 1);
  if (tail.empty() || tail.size() > 18 ||
      !std::all_of(tail.begin(), tail.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return 0;
  }
  return std::stoll(std::string(tail));
}

// ---- errors ----------------------------------------------------------------------------------

std::string FieldOf(std::string_view message) {
  const size_t end = message.find_first_of(": ");
  return std::string(message.substr(0, end));
}

HttpError ErrorFromEngine(const Status& status, Call call) {
  const std::string& m = status.message();
  switch (status.code()) {
    case Code::kSlotHeld:
      return {409, "already_locked", m, ""};
    case Code::kSlotBooked:
    case Code::kSlotTaken:
      return {409, "slot_taken", m, ""};
    case Code::kNotHolder:
      return {403, "not_owner", m, ""};
    case Code::kNotFound:
      return {404, "not_found", m, ""};
    case Code::kInvalidArgument:
      if (call == Call::kConfirm && FieldOf(m) == "idempotency_key") {
        return {409, "duplicate_submission", m, ""};
      }
      return {400, "rest_invalid_param", m, FieldOf(m)};
    case Code::kUnavailable:
      return {503, "storage_unavailable", m, ""};
    case Code::kTimeout:
      // A deadline passed, or the connection was lost during COMMIT: the write may have been
      // applied. 503 would tell the client it definitely failed (docs/consistency.md).
      return {504, "storage_timeout", m, ""};
    default:
      return {500, "internal_error", status.ToString(), ""};
  }
}

HttpError ErrorFromParse(const Status& status) {
  const std::string field = FieldOf(status.message());
  if (status.code() == Code::kNotFound) {
    return {400, "rest_missing_callback_param", status.message(), field};
  }
  if (field == "body") return {400, "rest_invalid_json", status.message(), field};
  return {400, "rest_invalid_param", status.message(), field};
}

HttpError ErrorForStatus(int status) {
  switch (status) {
    case 400:
      return {400, "bad_request", "malformed HTTP request", ""};
    case 404:
      return {404, "rest_no_route", "No route was found matching the URL and request method.", ""};
    case 405:
      return {405, "method_not_allowed", "method not allowed", ""};
    case 411:
      return {411, "length_required", "a body needs Content-Length", ""};
    case 413:
      return {413, "payload_too_large", "request body larger than the server accepts", ""};
    case 414:
      return {414, "uri_too_long", "request target too long", ""};
    case 415:
      return {415, "unsupported_media_type", "send JSON or form-encoded bodies", ""};
    case 416:
      return {416, "range_not_satisfiable", "bad Range header", ""};
    case 408:
      return {408, "request_timeout", "the request did not arrive in time", ""};
    case 431:
      return {431, "request_header_fields_too_large",
              "request headers larger than the server accepts", ""};
    case 503:
      return {503, "service_unavailable", "the server is at a limit; retry later", ""};
    default:
      break;
  }
  if (status >= 500) return {status, "internal_error", "internal server error", ""};
  return {status, "http_error", "HTTP error " + std::to_string(status), ""};
}

}  // namespace slotsim::http
