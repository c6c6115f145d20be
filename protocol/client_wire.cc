// The heartbeat protocol's client side, requests (client_wire.h): a virtual client's operation
// as a heartbeat form or a REST call, the REST paths in either style, and the identities a
// client shows on the wire (run-tagged ids, X-Forwarded-For, email, the scraped nonce).
// Reading the answers is client_answers.cc.
#include "protocol/client_wire.h"

#include <algorithm>
#include <cstdint>
#include <nlohmann/json.hpp>

namespace slotsim {
namespace {

using Json = nlohmann::json;

constexpr std::string_view kFormType = "application/x-www-form-urlencoded";
constexpr std::string_view kJsonType = "application/json";
constexpr std::string_view kAppointments = "appointease/v1/appointments";

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

}  // namespace slotsim
