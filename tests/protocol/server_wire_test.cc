// The heartbeat protocol's parsing, routing, error mapping and answers, without sockets.
#include "protocol/server_wire.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "engine/grid.h"

namespace slotsim::http {
namespace {

using Json = nlohmann::json;

class HttpProtocolTest : public ::testing::Test {
 protected:
  static Fields Form(std::string_view text) {
    StatusOr<Fields> f = Fields::FromForm(text);
    EXPECT_TRUE(f.ok()) << f.status().ToString();
    return f.ok() ? *f : Fields();
  }
  static Fields JsonFields(std::string_view text) {
    StatusOr<Fields> f = Fields::FromJson(text);
    EXPECT_TRUE(f.ok()) << f.status().ToString();
    return f.ok() ? *f : Fields();
  }
};

TEST_F(HttpProtocolTest, FormDecodesBracketKeysPlusAndPercentEscapes) {
  const Fields f = Form("data%5Bappointease_poll%5D%5Bdate%5D=2026-12-01&name=Ann+Lee&x=%2F%3D");
  EXPECT_EQ(*f.String("data[appointease_poll][date]"), "2026-12-01");
  EXPECT_EQ(*f.String("name"), "Ann Lee");
  EXPECT_EQ(*f.String("x"), "/=");
}

TEST_F(HttpProtocolTest, FormKeepsTheLastOfARepeatedKey) {
  EXPECT_EQ(*Form("a=1&a=2&&b").String("a"), "2");
  EXPECT_FALSE(Form("a=1&b").String("b").ok());  // present but empty counts as missing
}

TEST_F(HttpProtocolTest, FormRejectsABadEscapeNamingTheKey) {
  StatusOr<Fields> f = Fields::FromForm("action=heartbeat&date=%G1");
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(f.status().code(), Code::kInvalidArgument);
  EXPECT_EQ(FieldOf(f.status().message()), "date");
  EXPECT_FALSE(Fields::FromForm("a=%2").ok());
  EXPECT_FALSE(Fields::FromForm("%zz=1").ok());
}

TEST_F(HttpProtocolTest, JsonKeepsScalarsAsTextAndRefusesNestedValues) {
  const Fields f = JsonFields(R"({"employee_id": 3, "date": "2026-12-01", "ok": true,
                                  "list": [1], "obj": {"a": 1}, "gone": null})");
  EXPECT_EQ(*f.Id("employee_id"), 3);
  EXPECT_EQ(*f.String("ok"), "true");
  EXPECT_EQ(f.String("list").status().code(), Code::kInvalidArgument);
  EXPECT_EQ(f.String("obj").status().code(), Code::kInvalidArgument);
  EXPECT_FALSE(f.Has("gone"));
  EXPECT_EQ(f.String("missing").status().code(), Code::kNotFound);
}

TEST_F(HttpProtocolTest, JsonSyntaxErrorsAreOnTheBodyField) {
  for (std::string_view bad : {"{", "[1,2]", "\"text\"", "{\"a\":}", "nul", "{\"a\":\"\xff\"}"}) {
    StatusOr<Fields> f = Fields::FromJson(bad);
    ASSERT_FALSE(f.ok()) << bad;
    EXPECT_EQ(FieldOf(f.status().message()), "body") << bad;
  }
  EXPECT_TRUE(Fields::FromJson("  ").ok());  // an empty body is an empty object
}

TEST_F(HttpProtocolTest, JsonNestedDeeperThanTheLimitIsRefusedBeforeParsing) {
  const std::string deep = "{\"a\":" + std::string(100, '[') + std::string(100, ']') + "}";
  EXPECT_FALSE(Fields::FromJson(deep).ok());
  const std::string in_string = "{\"a\":\"" + std::string(100, '[') + "\"}";
  EXPECT_TRUE(Fields::FromJson(in_string).ok());
}

TEST_F(HttpProtocolTest, BodyThatOpensLikeJsonIsJsonWhateverItsContentType) {
  StatusOr<Fields> f =
      Fields::FromBody(R"({"date":"2026-12-01"})", "application/x-www-form-urlencoded");
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(*f->String("date"), "2026-12-01");
  f = Fields::FromBody("date=2026-12-01", "application/x-www-form-urlencoded");
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(*f->String("date"), "2026-12-01");
}

TEST_F(HttpProtocolTest, IdAcceptsPositiveIntegersAsNumbersOrStrings) {
  const Fields f = JsonFields(R"({"a": 7, "b": "12", "c": 1.5, "d": "x", "e": -1, "f": 0,
                                  "g": true, "h": 99999999999})");
  EXPECT_EQ(*f.Id("a"), 7);
  EXPECT_EQ(*f.Id("b"), 12);
  for (const char* key : {"c", "d", "e", "f", "g", "h"}) {
    StatusOr<int> id = f.Id(key);
    ASSERT_FALSE(id.ok()) << key;
    EXPECT_EQ(FieldOf(id.status().message()), key);
  }
}

TEST_F(HttpProtocolTest, HeartbeatParsesPollSelectAndDeselectOfOneBeat) {
  const Fields form = Form(
      "action=heartbeat&data[appointease_poll][date]=2026-12-01"
      "&data[appointease_poll][employee_id]=1&data[appointease_poll][client_id]=c1"
      "&data[appointease_poll][selected_time]=10:00"
      "&data[appointease_select][date]=2026-12-01&data[appointease_select][time]=10:00"
      "&data[appointease_select][employee_id]=1&data[appointease_select][client_id]=c1"
      "&data[appointease_deselect][date]=2026-12-01&data[appointease_deselect][time]=09:30"
      "&data[appointease_deselect][employee_id]=1");
  StatusOr<HeartbeatRequest> beat = ParseHeartbeat(form);
  ASSERT_TRUE(beat.ok()) << beat.status().ToString();
  ASSERT_TRUE(beat->poll && beat->select && beat->deselect);
  EXPECT_EQ(beat->poll->client_id, "c1");
  EXPECT_EQ(beat->poll->selected_time, "10:00");
  EXPECT_EQ(beat->select->time, "10:00");
  EXPECT_EQ(beat->deselect->time, "09:30");
  EXPECT_EQ(beat->deselect->client_id, "");  // the plugin sends none
}

TEST_F(HttpProtocolTest, HeartbeatWithAnEmptyDateSkipsThePollAsThePluginDoes) {
  StatusOr<HeartbeatRequest> beat = ParseHeartbeat(
      Form("action=heartbeat&data[appointease_poll][date]=&data[appointease_poll][employee_id]=1"));
  ASSERT_TRUE(beat.ok());
  EXPECT_FALSE(beat->poll);
}

TEST_F(HttpProtocolTest, HeartbeatErrorsNameTheFieldAsSent) {
  StatusOr<HeartbeatRequest> beat = ParseHeartbeat(
      Form("action=heartbeat&data[appointease_poll][date]=2026-12-01"
           "&data[appointease_poll][employee_id]=abc&data[appointease_poll][client_id]=c"));
  ASSERT_FALSE(beat.ok());
  EXPECT_EQ(ErrorFromParse(beat.status()).field, "data[appointease_poll][employee_id]");
  beat = ParseHeartbeat(Form("action=other"));
  ASSERT_FALSE(beat.ok());
  EXPECT_EQ(ErrorFromParse(beat.status()).field, "action");
  beat = ParseHeartbeat(Form("screen_id=front"));
  ASSERT_FALSE(beat.ok());
  EXPECT_EQ(ErrorFromParse(beat.status()).code, "rest_missing_callback_param");
}

TEST_F(HttpProtocolTest, RestRoutesResolveUnderWpJsonAndRestRoute) {
  EXPECT_EQ(ResolveRoute("POST", "/wp-json/appointease/v1/slots/select", "").route, Route::kSelect);
  EXPECT_EQ(ResolveRoute("POST", "/index.php", "rest_route=/appointease/v1/slots/select").route,
            Route::kSelect);
  EXPECT_EQ(ResolveRoute("GET", "/", "rest_route=%2Fappointease%2Fv1%2Fslots%2Fpoll&date=x").route,
            Route::kPoll);
  EXPECT_EQ(ResolveRoute("POST", "/wp-json/booking/v1/availability/", "").route,
            Route::kAvailability);
  EXPECT_EQ(ResolveRoute("POST", "/wp-admin/admin-ajax.php", "").route, Route::kHeartbeat);
  EXPECT_EQ(ResolveRoute("HEAD", "/healthz", "").route, Route::kHealthz);
}

TEST_F(HttpProtocolTest, AppointmentRoutesCarryTheStrongId) {
  RouteMatch m = ResolveRoute("PUT", "/wp-json/appointease/v1/appointments/APT-2026-000123", "");
  EXPECT_EQ(m.route, Route::kReschedule);
  EXPECT_EQ(m.booking_id, "APT-2026-000123");
  EXPECT_EQ(ResolveRoute("DELETE", "/wp-json/appointease/v1/appointments/A-1", "").route,
            Route::kCancel);
  EXPECT_EQ(ResolveRoute("GET", "/wp-json/appointease/v1/appointments/A-1", "").route,
            Route::kGetAppointment);
  EXPECT_EQ(ResolveRoute("POST", "/wp-json/appointease/v1/appointments", "").route,
            Route::kCreateAppointment);
}

TEST_F(HttpProtocolTest, UnknownMethodsAndPathsResolveToNotFound) {
  EXPECT_EQ(ResolveRoute("GET", "/wp-admin/admin-ajax.php", "").route, Route::kNotFound);
  EXPECT_EQ(ResolveRoute("GET", "/wp-json/appointease/v1/slots/select", "").route,
            Route::kNotFound);
  EXPECT_EQ(ResolveRoute("DELETE", "/wp-json/appointease/v1/appointments/a/b", "").route,
            Route::kNotFound);
  EXPECT_EQ(ResolveRoute("POST", "/index.php", "p=1").route, Route::kNotFound);
  EXPECT_EQ(ResolveRoute("POST", "/wp-jsonx/booking/v1/availability", "").route, Route::kNotFound);
}

TEST_F(HttpProtocolTest, AppointmentDatesSplitIntoDateAndTime) {
  StatusOr<SlotRef> s = ParseAppointmentDate("date", "2026-12-01 10:30:00");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->date, "2026-12-01");
  EXPECT_EQ(s->time, "10:30");
  EXPECT_TRUE(ParseAppointmentDate("date", "2026-12-01T10:30").ok());
  for (std::string_view bad :
       {"2026-12-01", "2026-12-01 10:30:15", "tomorrow", "", "2026-12-01 1"}) {
    StatusOr<SlotRef> r = ParseAppointmentDate("new_date", bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(FieldOf(r.status().message()), "new_date");
  }
}

TEST_F(HttpProtocolTest, EmailClientIdIsStableCaseInsensitiveAndAValidClientId) {
  StatusOr<std::string> a = ClientIdFromEmail("Ann@Example.com");
  StatusOr<std::string> b = ClientIdFromEmail("  ann@example.com ");
  StatusOr<std::string> c = ClientIdFromEmail("bob@example.com");
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  EXPECT_EQ(*a, *b);
  EXPECT_NE(*a, *c);
  EXPECT_TRUE(Grid::CheckClientId(*a).ok());
  EXPECT_FALSE(ClientIdFromEmail("not-an-address").ok());
  EXPECT_FALSE(ClientIdFromEmail("@x").ok());
}

TEST_F(HttpProtocolTest, EngineStatusesMapToThePluginsErrors) {
  struct Case {
    Status status;
    Call call;
    int http;
    std::string code;
  };
  const Case cases[] = {
      {Status::SlotHeld(), Call::kSelect, 409, "already_locked"},
      {Status::SlotBooked(), Call::kSelect, 409, "slot_taken"},
      {Status::SlotTaken(), Call::kConfirm, 409, "slot_taken"},
      {Status::NotHolder("x"), Call::kCancel, 403, "not_owner"},
      {Status::NotFound("x"), Call::kCancel, 404, "not_found"},
      {Status::InvalidArgument("date: bad"), Call::kPoll, 400, "rest_invalid_param"},
      {Status::InvalidArgument("idempotency_key was already used"), Call::kConfirm, 409,
       "duplicate_submission"},
      {Status::Unavailable("x"), Call::kPoll, 503, "storage_unavailable"},
      {Status::Timeout("x"), Call::kSelect, 504, "storage_timeout"},
      {Status::Timeout("x"), Call::kConfirm, 504, "storage_timeout"},
      {Status::Unavailable("x"), Call::kConfirm, 503, "storage_unavailable"},
      {Status::Internal("x"), Call::kSelect, 500, "internal_error"},
      {Status::Unimplemented("x"), Call::kSelect, 500, "internal_error"},
  };
  for (const Case& c : cases) {
    const HttpError e = ErrorFromEngine(c.status, c.call);
    EXPECT_EQ(e.status, c.http) << c.status.ToString();
    EXPECT_EQ(e.code, c.code) << c.status.ToString();
  }
  EXPECT_EQ(ErrorFromEngine(Status::InvalidArgument("date: bad"), Call::kPoll).field, "date");
}

TEST_F(HttpProtocolTest, ErrorJsonHasCodeMessageStatusAndTheField) {
  const Json j = Json::parse(ErrorJson({400, "rest_invalid_param", "time: \"25:00\" bad", "time"}));
  EXPECT_EQ(j["code"], "rest_invalid_param");
  EXPECT_EQ(j["data"]["status"], 400);
  EXPECT_TRUE(j["data"]["params"].contains("time"));
}

TEST_F(HttpProtocolTest, ErrorJsonSurvivesInvalidUtf8FromTheClient) {
  const std::string text = ErrorJson({400, "rest_invalid_param", "date: \"\xff\xfe\" bad", "date"});
  EXPECT_TRUE(Json::accept(text)) << text;
}

TEST_F(HttpProtocolTest, TransportStatusesGetAJsonCode) {
  EXPECT_EQ(ErrorForStatus(404).code, "rest_no_route");
  EXPECT_EQ(ErrorForStatus(413).code, "payload_too_large");
  EXPECT_EQ(ErrorForStatus(400).status, 400);
  EXPECT_EQ(ErrorForStatus(599).code, "internal_error");
}

TEST_F(HttpProtocolTest, HeartbeatAnswerHasThePluginKeysAndTheHold) {
  HeartbeatAnswer a;
  PollResult p;
  p.held = {"10:00", "11:00"};
  p.booked = {"09:00"};
  p.own = HoldAnswer{"10:00", HoldStatus::kHeld, FromUnixMillis(1'800'000'000'000)};
  p.redis_status = "available";
  p.storage_mode = StorageMode::kRedis;
  a.poll = p;
  a.select = ActionResult{std::nullopt, std::nullopt, "10:00"};
  a.deselect = ActionResult{HttpError{403, "not_owner", "no", ""}, std::nullopt, "09:30"};
  a.server_time_s = 42;
  const Json j = Json::parse(HeartbeatJson(a));
  EXPECT_EQ(j["appointease_test"], "heartbeat_working");
  EXPECT_EQ(j["redis_status"], "available");
  EXPECT_EQ(j["storage_mode"], "redis");
  EXPECT_EQ(j["appointease_active_selections"], Json({"10:00", "11:00"}));
  EXPECT_TRUE(j["appointease_booked_slots"].is_array());
  EXPECT_EQ(j["appointease_hold"]["status"], "held");
  EXPECT_EQ(j["appointease_hold"]["expires_at"], 1'800'000'000);
  EXPECT_EQ(j["appointease_select"]["success"], true);
  EXPECT_EQ(j["appointease_deselect"]["success"], false);
  EXPECT_EQ(j["appointease_deselect"]["code"], "not_owner");
  EXPECT_EQ(j["redis_ops"]["user_selection"], "10:00");
  EXPECT_EQ(j["server_time"], 42);
}

TEST_F(HttpProtocolTest, HeartbeatWithoutPollHasNoPollKeys) {
  HeartbeatAnswer a;
  a.server_time_s = 1;
  const Json j = Json::parse(HeartbeatJson(a));
  EXPECT_FALSE(j.contains("appointease_test"));
  EXPECT_EQ(j["server_time"], 1);
}

TEST_F(HttpProtocolTest, AvailabilityListsBookedAndHeldAsUnavailable) {
  slotsim::Availability a;
  a.booked = {"09:00"};
  a.held = {"10:00"};
  a.free = {"09:30"};
  const Json j = Json::parse(AvailabilityJson(a));
  EXPECT_EQ(j["unavailable"], Json({"09:00", "10:00"}));
  EXPECT_EQ(j["booking_details"]["09:00"]["status"], "booked");
  EXPECT_EQ(j["booking_details"]["10:00"]["status"], "processing");
}

TEST_F(HttpProtocolTest, AppointmentNumberIsTheStrongIdsTail) {
  EXPECT_EQ(AppointmentNumber("APT-2026-000123"), 123);
  EXPECT_EQ(AppointmentNumber("APT-2026-"), 0);
  EXPECT_EQ(AppointmentNumber("x"), 0);
}

}  // namespace
}  // namespace slotsim::http
