// The JSON answers of the heartbeat protocol (declared in http_protocol.h).
#include <algorithm>
#include <nlohmann/json.hpp>

#include "protocol/server_wire.h"

namespace slotsim::http {
namespace {

using Json = nlohmann::json;

int64_t UnixSeconds(Timestamp t) { return ToUnixMillis(t) / 1000; }

// Client-supplied text reaches messages, and it may not be UTF-8: replace, never throw.
std::string Dump(const Json& j) { return j.dump(-1, ' ', false, Json::error_handler_t::replace); }

Json StringArray(const std::vector<std::string>& v) {
  Json out = Json::array();
  for (const std::string& s : v) out.push_back(s);
  return out;
}

Json HoldJson(const HoldAnswer& own) {
  Json j = {{"time", own.time}, {"status", std::string(HoldStatusName(own.status))}};
  j["expires_at"] = own.status == HoldStatus::kHeld ? Json(UnixSeconds(own.expires_at)) : Json();
  return j;
}

Json ErrorObject(const HttpError& e) {
  Json data = {{"status", e.status}};
  if (!e.field.empty()) data["params"] = {{e.field, e.message}};
  return {{"code", e.code}, {"message", e.message}, {"data", data}};
}

Json ActionJson(const ActionResult& r) {
  if (r.error) {
    Json j = ErrorObject(*r.error);
    j["success"] = false;
    j["time"] = r.time;
    return j;
  }
  Json j = {{"success", true}, {"time", r.time}};
  if (r.hold) j["expires_at"] = UnixSeconds(r.hold->expires_at);
  return j;
}

void AddPoll(const PollResult& p, Json& j) {
  const std::string mode(StorageModeName(p.storage_mode));
  j["appointease_test"] = "heartbeat_working";
  j["redis_status"] = std::string(p.redis_status);
  j["storage_mode"] = mode;
  j["appointease_active_selections"] = StringArray(p.held);
  j["appointease_booked_slots"] = StringArray(p.booked);
  j["appointease_locked_slots"] = Json::array();
  j["cache_info"] = {{"redis_enabled", p.cache_info.redis_enabled},
                     {"storage_mode", std::string(StorageModeName(p.cache_info.storage_mode))},
                     {"timestamp", p.cache_info.timestamp_s},
                     {"health_check_used", p.cache_info.health_check_used}};
  j["redis_ops"] = {{"locks", 0},
                    {"selections", p.held.size()},
                    {"user_selection", p.own ? Json(p.own->time) : Json()}};
  if (p.own) j["appointease_hold"] = HoldJson(*p.own);
}

}  // namespace

std::string ErrorJson(const HttpError& error) { return Dump(ErrorObject(error)); }

std::string HeartbeatJson(const HeartbeatAnswer& answer) {
  Json j = Json::object();
  if (answer.poll) AddPoll(*answer.poll, j);
  if (answer.select) j["appointease_select"] = ActionJson(*answer.select);
  if (answer.deselect) j["appointease_deselect"] = ActionJson(*answer.deselect);
  j["server_time"] = answer.server_time_s;
  return Dump(j);
}

std::string HeartbeatFailureJson(const HttpError& error, int64_t server_time_s) {
  Json j = ErrorObject(error);
  j["appointease_test"] = "error";
  j["redis_status"] = "error";
  j["server_time"] = server_time_s;
  return Dump(j);
}

std::string SelectJson(const Hold& hold, StorageMode mode) {
  return Dump({{"success", true},
               {"storage", std::string(StorageModeName(mode))},
               {"client_id", hold.client_id},
               {"employee_id", hold.slot.employee_id},
               {"date", hold.slot.date},
               {"time", hold.slot.time},
               {"expires_at", UnixSeconds(hold.expires_at)}});
}

std::string DeselectJson(const SlotFields& slot, StorageMode mode) {
  return Dump({{"success", true},
               {"storage", std::string(StorageModeName(mode))},
               {"employee_id", slot.employee_id},
               {"date", slot.date},
               {"time", slot.time}});
}

std::string PollJson(const PollResult& p) {
  Json j = {{"active_selections", StringArray(p.others_held)},
            {"booked_slots", StringArray(p.booked)},
            {"locked_slots", Json::array()},
            {"timestamp", UnixSeconds(p.server_time)},
            {"storage_mode", std::string(StorageModeName(p.storage_mode))},
            {"redis_status", std::string(p.redis_status)}};
  if (p.own) j["hold"] = HoldJson(*p.own);
  return Dump(j);
}

std::string AvailabilityJson(const Availability& a) {
  Json details = Json::object();
  for (const std::string& t : a.held) details[t] = {{"status", "processing"}};
  for (const std::string& t : a.booked) details[t] = {{"status", "booked"}};
  std::vector<std::string> unavailable = a.booked;
  unavailable.insert(unavailable.end(), a.held.begin(), a.held.end());
  std::sort(unavailable.begin(), unavailable.end());
  unavailable.erase(std::unique(unavailable.begin(), unavailable.end()), unavailable.end());
  return Dump({{"unavailable", StringArray(unavailable)},
               {"booking_details", details},
               {"free", StringArray(a.free)},
               {"storage_mode", std::string(StorageModeName(a.storage_mode))}});
}

std::string BookingJson(const Booking& b) {
  return Dump({{"success", true},
               {"appointment_id", AppointmentNumber(b.id)},
               {"strong_id", b.id},
               {"date", b.slot.date + " " + b.slot.time + ":00"},
               {"employee_id", b.slot.employee_id},
               {"client_id", b.client_id},
               {"status", b.status == BookingStatus::kActive ? "confirmed" : "cancelled"}});
}

std::string HealthJson(StorageMode mode) {
  return Dump({{"status", "ok"}, {"storage_mode", std::string(StorageModeName(mode))}});
}

namespace {
Json BackendsJson(const Readiness& r) {
  Json out = Json::object();
  for (const auto& [name, state] : r.backends) out[name] = state;
  return out;
}
}  // namespace

std::string ReadinessJson(const Readiness& r, StorageMode mode) {
  return Dump({{"status", r.ready ? "ready" : "not_ready"},
               {"storage_mode", std::string(StorageModeName(mode))},
               {"backends", BackendsJson(r)}});
}

std::string HealthJson(const Readiness& r, StorageMode mode) {
  return Dump({{"status", r.ready ? "ok" : "unavailable"},
               {"storage_mode", std::string(StorageModeName(mode))},
               {"backends", BackendsJson(r)}});
}

}  // namespace slotsim::http
