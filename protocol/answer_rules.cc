// The required keys and types of the answers the http target reads (answer_rules.h).
#include "protocol/answer_rules.h"

#include <string>

namespace slotsim {
namespace {

// What a key must hold.
enum class Want { kSlotList, kString, kInteger, kBool, kContainer };

bool Holds(const JsonValue& v, Want want) {
  switch (want) {
    case Want::kSlotList:
      return v.IsStringList();
    case Want::kString:
      return v.type() == JsonValue::Type::kString;
    case Want::kInteger:
      return v.Integer().has_value();
    case Want::kBool:
      return v.type() == JsonValue::Type::kBool;
    case Want::kContainer:
      return v.type() == JsonValue::Type::kObject || v.type() == JsonValue::Type::kArray;
  }
  return false;
}

std::string_view WantText(Want want) {
  switch (want) {
    case Want::kSlotList:
      return "a list of slot times";
    case Want::kString:
      return "a string";
    case Want::kInteger:
      return "an integer";
    case Want::kBool:
      return "a boolean";
    case Want::kContainer:
      return "an object or an array";
  }
  return "?";
}

std::string_view RouteOf(OpKind kind) {
  switch (kind) {
    case OpKind::kPoll:
      return "heartbeat";
    case OpKind::kConfirm:
      return "appointment";
    default:
      return OpKindName(kind);
  }
}

Status Missing(OpKind kind, std::string_view key, std::string_view want) {
  return Status::MalformedAnswer(std::string(RouteOf(kind)) + " answer without " +
                                 std::string(key) + " (" + std::string(want) + ")");
}

Status WrongType(OpKind kind, std::string_view key, std::string_view want, const JsonValue& v) {
  return Status::MalformedAnswer(std::string(RouteOf(kind)) + " answer's " + std::string(key) +
                                 " is not " + std::string(want) + ": " +
                                 std::string(v.raw().substr(0, 60)));
}

// Present (not null) and of its kind.
Status Require(const JsonObject& doc, OpKind kind, std::string_view key, Want want) {
  const JsonValue* v = doc.Get(key);
  if (v == nullptr) return Missing(kind, key, WantText(want));
  return Holds(*v, want) ? Status::Ok() : WrongType(kind, key, WantText(want), *v);
}

// Absent, null, or of its kind.
Status Allow(const JsonObject& doc, OpKind kind, std::string_view key, Want want) {
  const JsonValue* v = doc.Get(key);
  return v == nullptr || Holds(*v, want) ? Status::Ok() : WrongType(kind, key, WantText(want), *v);
}

// slotsim serve's own-hold answer, when there is one.
Status CheckHold(const JsonObject& doc) {
  const JsonValue* v = doc.Get("appointease_hold");
  if (v == nullptr) return Status::Ok();
  const std::optional<JsonObject> hold = v->Object();
  if (!hold) return WrongType(OpKind::kPoll, "appointease_hold", "an object", *v);
  const std::string status = hold->StringOr("status");
  if (status != "held" && status != "lost" && status != "taken") {
    return Status::MalformedAnswer(
        "heartbeat answer's appointease_hold.status is not \"held\", \"lost\" or \"taken\": " +
        std::string(v->raw().substr(0, 60)));
  }
  return Allow(*hold, OpKind::kPoll, "expires_at", Want::kInteger);
}

Status CheckPoll(const JsonObject& doc) {
  // The plugin's failure form ({"appointease_test":"error",...}) reads as Unavailable.
  if (doc.StringOr("appointease_test") == "error") return Status::Ok();
  const OpKind k = OpKind::kPoll;
  SLOTSIM_RETURN_IF_ERROR(Require(doc, k, "appointease_active_selections", Want::kSlotList));
  SLOTSIM_RETURN_IF_ERROR(Require(doc, k, "appointease_booked_slots", Want::kSlotList));
  SLOTSIM_RETURN_IF_ERROR(Allow(doc, k, "appointease_locked_slots", Want::kSlotList));
  SLOTSIM_RETURN_IF_ERROR(Allow(doc, k, "storage_mode", Want::kString));
  SLOTSIM_RETURN_IF_ERROR(Allow(doc, k, "redis_status", Want::kString));
  SLOTSIM_RETURN_IF_ERROR(Allow(doc, k, "server_time", Want::kInteger));
  return CheckHold(doc);
}

Status CheckAvailability(const JsonObject& doc) {
  const OpKind k = OpKind::kAvailability;
  constexpr std::string_view kUnavailable = "a list of slot times or \"all\"";
  const JsonValue* unavailable = doc.Get("unavailable");
  if (unavailable == nullptr) return Missing(k, "unavailable", kUnavailable);
  if (!unavailable->IsStringList() && unavailable->String() != "all") {
    return WrongType(k, "unavailable", kUnavailable, *unavailable);
  }
  SLOTSIM_RETURN_IF_ERROR(Allow(doc, k, "free", Want::kSlotList));
  SLOTSIM_RETURN_IF_ERROR(Allow(doc, k, "booking_details", Want::kContainer));
  return Allow(doc, k, "storage_mode", Want::kString);
}

Status CheckAppointment(OpKind k, const JsonObject& doc) {
  SLOTSIM_RETURN_IF_ERROR(Allow(doc, k, "strong_id", Want::kString));
  SLOTSIM_RETURN_IF_ERROR(Allow(doc, k, "appointment_id", Want::kInteger));
  if (k == OpKind::kConfirm && doc.StringOr("strong_id").empty() && !doc.Get("appointment_id")) {
    return Missing(k, "strong_id or appointment_id", "the booking's id");
  }
  SLOTSIM_RETURN_IF_ERROR(Allow(doc, k, "status", Want::kString));
  return Allow(doc, k, "success", Want::kBool);
}

}  // namespace

Status CheckAnswer(OpKind kind, const JsonObject& doc) {
  switch (kind) {
    case OpKind::kPoll:
      return CheckPoll(doc);
    case OpKind::kSelect:
    case OpKind::kDeselect:
      SLOTSIM_RETURN_IF_ERROR(Require(doc, kind, "success", Want::kBool));
      SLOTSIM_RETURN_IF_ERROR(Allow(doc, kind, "storage", Want::kString));
      return Allow(doc, kind, "expires_at", Want::kInteger);
    case OpKind::kAvailability:
      return CheckAvailability(doc);
    case OpKind::kConfirm:
    case OpKind::kReschedule:
    case OpKind::kCancel:
      return CheckAppointment(kind, doc);
  }
  return Status::Ok();
}

}  // namespace slotsim
