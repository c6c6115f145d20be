// The protocol's answer rules (protocol/answer_rules.h): every malformed shape of every route's
// 2xx answer is a MalformedAnswer (a write's outcome unknown, a read's a fail), and what the
// real AppointEase plugin legitimately sends — lists as objects, `unavailable: "all"`, PHP's
// empty arrays, answers without storage_mode or appointease_hold — passes.
#include "protocol/answer_rules.h"

#include <gtest/gtest.h>

#include "protocol/client_wire.h"

namespace slotsim {
namespace {

class AnswerRulesTest : public ::testing::Test {
 protected:
  AnswerRulesTest() : grid_(*Grid::Create(GridOptions{})) {}

  static OpRequest Req(OpKind kind) {
    OpRequest r;
    r.kind = kind;
    r.client_id = "c42";
    r.slot = SlotRef{3, "2026-12-01", "10:30"};
    r.booking_id = kind == OpKind::kReschedule || kind == OpKind::kCancel ? "APT-1" : "";
    return r;
  }

  // The answer's status through the whole reader, and its outcome.
  OpResult Parse(OpKind kind, const std::string& body) {
    WireAnswer a;
    a.status = 200;
    a.body = body;
    OpResult r;
    r.invoked = FromUnixMillis(1'764'000'000'000);
    ParseAnswer(Req(kind), a, grid_, WireOptions{}, r);
    return r;
  }

  // Expects `body` to be malformed for `kind`, with a message naming `key`.
  void ExpectMalformed(OpKind kind, const std::string& body, const std::string& key) {
    const std::optional<JsonObject> doc = JsonObject::Parse(body);
    ASSERT_TRUE(doc) << body;
    const Status s = CheckAnswer(kind, *doc);
    EXPECT_EQ(s.code(), Code::kMalformedAnswer) << OpKindName(kind) << " " << body;
    EXPECT_NE(s.message().find(key), std::string::npos) << s.message();
    const OpResult r = Parse(kind, body);
    EXPECT_EQ(r.status.code(), Code::kMalformedAnswer) << body;
    const bool read = kind == OpKind::kPoll || kind == OpKind::kAvailability;
    EXPECT_EQ(r.outcome, read ? Outcome::kFail : Outcome::kUnknown) << body;
    EXPECT_FALSE(r.poll || r.availability || r.booking || r.hold) << body;
  }

  void ExpectAccepted(OpKind kind, const std::string& body) {
    const OpResult r = Parse(kind, body);
    EXPECT_TRUE(r.status.ok()) << OpKindName(kind) << " " << body << ": " << r.status.ToString();
    EXPECT_EQ(r.outcome, Outcome::kOk) << body;
  }

  Grid grid_;
};

TEST_F(AnswerRulesTest, HeartbeatWithoutItsListsOrWithWrongTypesIsMalformed) {
  const OpKind k = OpKind::kPoll;
  ExpectMalformed(k, R"({"appointease_active_selections":[],"storage_mode":"redis"})",
                  "appointease_booked_slots");
  ExpectMalformed(k, R"({"appointease_booked_slots":[]})", "appointease_active_selections");
  ExpectMalformed(k, R"({"wp-auth-check":false,"server_time":1764000000})",
                  "appointease_active_selections");
  ExpectMalformed(k, R"({"appointease_active_selections":[],"appointease_booked_slots":null})",
                  "appointease_booked_slots");
  ExpectMalformed(k, R"({"appointease_active_selections":[],"appointease_booked_slots":"09:00"})",
                  "appointease_booked_slots");
  ExpectMalformed(k, R"({"appointease_active_selections":[900],"appointease_booked_slots":[]})",
                  "appointease_active_selections");
  ExpectMalformed(k,
                  R"({"appointease_active_selections":{"0":{"t":"09:00"}},
                      "appointease_booked_slots":[]})",
                  "appointease_active_selections");
  const std::string lists = R"("appointease_active_selections":[],"appointease_booked_slots":[])";
  ExpectMalformed(k, "{" + lists + R"(,"appointease_locked_slots":"none"})",
                  "appointease_locked_slots");
  ExpectMalformed(k, "{" + lists + R"(,"storage_mode":1})", "storage_mode");
  ExpectMalformed(k, "{" + lists + R"(,"redis_status":true})", "redis_status");
  ExpectMalformed(k, "{" + lists + R"(,"server_time":"soon"})", "server_time");
  ExpectMalformed(k, "{" + lists + R"(,"appointease_hold":"held"})", "appointease_hold");
  ExpectMalformed(k, "{" + lists + R"(,"appointease_hold":{"time":"10:30","status":"mine"}})",
                  "appointease_hold.status");
  ExpectMalformed(k, "{" + lists + R"(,"appointease_hold":{"status":"held","expires_at":"x"}})",
                  "expires_at");
}

TEST_F(AnswerRulesTest, HeartbeatFormsThePluginSendsAreAccepted) {
  const OpKind k = OpKind::kPoll;
  // The plugin's full answer: lists as PHP objects, cache_info, redis_ops, no appointease_hold.
  ExpectAccepted(k, R"({"appointease_test":"heartbeat_working","redis_status":"unavailable",
      "storage_mode":"mysql","appointease_active_selections":{"1":"11:00"},
      "appointease_booked_slots":{"0":"09:00","2":"11:30"},"appointease_locked_slots":[],
      "cache_info":{"redis_enabled":false,"storage_mode":"mysql","timestamp":1764000000,
      "health_check_used":true},"redis_ops":{"locks":0,"selections":1,"user_selection":0},
      "server_time":1764000000,"wp-auth-check":false})");
  // Empty lists in either form, no storage_mode (filed under the last mode seen).
  ExpectAccepted(k, R"({"appointease_active_selections":{},"appointease_booked_slots":[]})");
  // slotsim serve's lost hold: expires_at null.
  ExpectAccepted(k, R"({"appointease_active_selections":[],"appointease_booked_slots":[],
      "appointease_hold":{"time":"10:30","status":"lost","expires_at":null}})");
  // A numeric string is an integer, as the reader takes it.
  ExpectAccepted(k, R"({"appointease_active_selections":[],"appointease_booked_slots":[],
      "server_time":"1764000000"})");
  // The plugin's failure form is an error answer (Unavailable), not a malformed one.
  const OpResult r = Parse(k, R"({"appointease_test":"error","redis_status":"error"})");
  EXPECT_EQ(r.status.code(), Code::kUnavailable);
}

TEST_F(AnswerRulesTest, SelectAndDeselectNeedABooleanSuccess) {
  for (OpKind k : {OpKind::kSelect, OpKind::kDeselect}) {
    ExpectMalformed(k, R"({})", "success");
    ExpectMalformed(k, R"({"storage":"redis"})", "success");
    ExpectMalformed(k, R"({"success":"yes"})", "success");
    ExpectMalformed(k, R"({"success":1})", "success");
    ExpectMalformed(k, R"({"success":true,"storage":5})", "storage");
    ExpectMalformed(k, R"({"success":true,"expires_at":"soon"})", "expires_at");
    ExpectAccepted(k, R"({"success":true})");
  }
  // The plugin's select answer.
  ExpectAccepted(OpKind::kSelect, R"({"success":true,"client_id":"c42","locked":true,
      "storage":"transient","ttl":600})");
}

TEST_F(AnswerRulesTest, AvailabilityWithoutUnavailableIsMalformedNotEverySlotFree) {
  const OpKind k = OpKind::kAvailability;
  ExpectMalformed(k, R"({})", "unavailable");
  ExpectMalformed(k, R"({"free":["09:00"],"storage_mode":"redis"})", "unavailable");
  ExpectMalformed(k, R"({"unavailable":null})", "unavailable");
  ExpectMalformed(k, R"({"unavailable":"none"})", "unavailable");
  ExpectMalformed(k, R"({"unavailable":5})", "unavailable");
  ExpectMalformed(k, R"({"unavailable":[900]})", "unavailable");
  ExpectMalformed(k, R"({"unavailable":[],"free":"all"})", "free");
  ExpectMalformed(k, R"({"unavailable":[],"booking_details":"x"})", "booking_details");
  ExpectMalformed(k, R"({"unavailable":[],"storage_mode":["redis"]})", "storage_mode");
}

TEST_F(AnswerRulesTest, AvailabilityFormsThePluginSendsAreAccepted) {
  const OpKind k = OpKind::kAvailability;
  // Weekends, past dates, dates too far ahead.
  ExpectAccepted(k, R"({"unavailable":"all","reason":"non_working_day"})");
  EXPECT_TRUE(Parse(k, R"({"unavailable":"all"})").availability->free.empty());
  // An empty day: PHP's empty array, or the stdClass the plugin sends instead.
  ExpectAccepted(k, R"({"unavailable":[],"booking_details":[]})");
  ExpectAccepted(k, R"({"unavailable":[],"booking_details":{}})");
  // A list with gaps (an object); a booking's own status ("confirmed") is a booking, a lock's
  // ("processing") a hold.
  const OpResult r = Parse(k, R"({"unavailable":{"0":"09:00","3":"10:30"},"booking_details":{
      "09:00":{"customer_name":"x","status":"confirmed","booking_id":"APT-2026-000001"},
      "10:30":{"customer_name":"Viewing by other user","status":"processing","is_locked":true}}})");
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  ASSERT_TRUE(r.availability);
  EXPECT_EQ(r.availability->booked, (std::vector<std::string>{"09:00"}));
  EXPECT_EQ(r.availability->held, (std::vector<std::string>{"10:30"}));
}

TEST_F(AnswerRulesTest, AConfirmWithoutABookingIdIsMalformedAndMayHaveBooked) {
  const OpKind k = OpKind::kConfirm;
  ExpectMalformed(k, R"({"success":true})", "strong_id or appointment_id");
  ExpectMalformed(k, R"({"success":true,"strong_id":""})", "strong_id or appointment_id");
  ExpectMalformed(k, R"({"success":true,"strong_id":12})", "strong_id");
  ExpectMalformed(k, R"({"success":true,"appointment_id":"abc"})", "appointment_id");
  ExpectMalformed(k, R"({"success":"true","strong_id":"APT-2026-000001"})", "success");
  ExpectMalformed(k, R"({"strong_id":"APT-2026-000001","status":["confirmed"]})", "status");
  ExpectAccepted(k, R"({"success":true,"appointment_id":"77"})");
  ExpectAccepted(k, R"({"success":true,"appointment_id":123,"strong_id":"APT-2026-000123"})");
}

TEST_F(AnswerRulesTest, RescheduleAndCancelMayOmitTheIdButNotMistypeIt) {
  for (OpKind k : {OpKind::kReschedule, OpKind::kCancel}) {
    ExpectAccepted(k, R"({"success":true})");
    ExpectAccepted(k, R"({"success":true,"message":"Appointment rescheduled"})");
    ExpectMalformed(k, R"({"success":true,"strong_id":7})", "strong_id");
    ExpectMalformed(k, R"({"success":true,"status":3})", "status");
  }
}

TEST_F(AnswerRulesTest, ASuccessThatIsNotAJsonObjectIsMalformed) {
  for (const char* body : {"<html>ok</html>", "[]", "\"ok\"", ""}) {
    const OpResult r = Parse(OpKind::kPoll, body);
    EXPECT_EQ(r.status.code(), Code::kMalformedAnswer) << body;
    EXPECT_EQ(r.outcome, Outcome::kFail);
    EXPECT_EQ(Parse(OpKind::kSelect, body).outcome, Outcome::kUnknown);
  }
}

TEST_F(AnswerRulesTest, ABookingReadBackWithoutItsFieldsIsMalformed) {
  WireAnswer a;
  a.status = 200;
  a.body = R"({"strong_id":"APT-2026-000005","employee_id":4})";
  EXPECT_EQ(ParseBookingAnswer(a, WireOptions{}).status().code(), Code::kMalformedAnswer);
  a.body = "<html></html>";
  EXPECT_EQ(ParseBookingAnswer(a, WireOptions{}).status().code(), Code::kMalformedAnswer);
}

}  // namespace
}  // namespace slotsim
