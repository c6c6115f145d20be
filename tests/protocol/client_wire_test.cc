// The http target's wire format, without sockets: every request shape, every answer (slotsim
// serve's and the plugin's quirks), the error mapping and the outcome rules.
#include "protocol/client_wire.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "protocol/json_view.h"

namespace slotsim {
namespace {

using Json = nlohmann::json;

class HttpWireTest : public ::testing::Test {
 protected:
  HttpWireTest() : grid_(*Grid::Create(GridOptions{})) {}

  static OpRequest Req(OpKind kind) {
    OpRequest r;
    r.kind = kind;
    r.client_id = "c42";
    r.slot = SlotRef{3, "2026-12-01", "10:30"};
    return r;
  }

  static std::string Header(const WireRequest& w, const std::string& name) {
    for (const auto& [k, v] : w.headers) {
      if (k == name) return v;
    }
    return "<none>";
  }

  OpResult Parse(const OpRequest& req, int status, const std::string& body,
                 std::optional<StorageMode>* mode = nullptr) {
    WireAnswer a;
    a.status = status;
    a.body = body;
    return ParseTransport(req, a, mode);
  }

  OpResult ParseTransport(const OpRequest& req, const WireAnswer& a,
                          std::optional<StorageMode>* mode = nullptr) {
    OpResult r;
    r.invoked = invoked_;
    std::optional<StorageMode> m = ParseAnswer(req, a, grid_, options_, r);
    if (mode != nullptr) *mode = m;
    return r;
  }

  static WireAnswer Lost(WireTransport t) {
    WireAnswer a;
    a.transport = t;
    a.detail = "test";
    return a;
  }

  Grid grid_;
  WireOptions options_;
  Timestamp invoked_ = FromUnixMillis(1'764'000'000'000);
};

// ---- requests ------------------------------------------------------------------------------

TEST_F(HttpWireTest, PollIsAHeartbeatFormWithBracketKeysAndSelectedTime) {
  OpRequest req = Req(OpKind::kPoll);
  req.selected_time = "10:30";
  options_.heartbeat_s = 2;
  const WireRequest w = BuildRequest(req, options_);
  EXPECT_EQ(w.method, "POST");
  EXPECT_EQ(w.path, "/wp-admin/admin-ajax.php");
  EXPECT_EQ(w.content_type, "application/x-www-form-urlencoded");
  EXPECT_EQ(w.body,
            "action=heartbeat&_nonce=&screen_id=front&has_focus=true&interval=2"
            "&data[appointease_poll][date]=2026-12-01&data[appointease_poll][employee_id]=3"
            "&data[appointease_poll][client_id]=c42&data[appointease_poll][selected_time]=10%3A30");
  EXPECT_EQ(Header(w, "X-WP-Nonce"), "<none>");  // heartbeats go to admin-ajax, not REST
}

TEST_F(HttpWireTest, PollWithoutSelectedTimeLeavesItOut) {
  const WireRequest w = BuildRequest(Req(OpKind::kPoll), options_);
  EXPECT_EQ(w.body.find("selected_time"), std::string::npos) << w.body;
}

TEST_F(HttpWireTest, SelectAndDeselectPostJsonWithClientId) {
  for (OpKind kind : {OpKind::kSelect, OpKind::kDeselect}) {
    const WireRequest w = BuildRequest(Req(kind), options_);
    EXPECT_EQ(w.method, "POST");
    EXPECT_EQ(w.path, kind == OpKind::kSelect ? "/wp-json/appointease/v1/slots/select"
                                              : "/wp-json/appointease/v1/slots/deselect");
    EXPECT_EQ(w.content_type, "application/json");
    const Json body = Json::parse(w.body);
    EXPECT_EQ(body["date"], "2026-12-01");
    EXPECT_EQ(body["time"], "10:30");
    EXPECT_EQ(body["employee_id"], 3);
    EXPECT_EQ(body["client_id"], "c42");
  }
}

TEST_F(HttpWireTest, AvailabilityPostsDateAndEmployee) {
  const WireRequest w = BuildRequest(Req(OpKind::kAvailability), options_);
  EXPECT_EQ(w.path, "/wp-json/booking/v1/availability");
  const Json body = Json::parse(w.body);
  EXPECT_EQ(body["date"], "2026-12-01");
  EXPECT_EQ(body["employee_id"], 3);
}

TEST_F(HttpWireTest, ConfirmCreatesAnAppointmentWithIdempotencyKeyAndUniqueEmail) {
  OpRequest req = Req(OpKind::kConfirm);
  req.idempotency_key = "kc42-1";
  const WireRequest w = BuildRequest(req, options_);
  EXPECT_EQ(w.method, "POST");
  EXPECT_EQ(w.path, "/wp-json/appointease/v1/appointments");
  EXPECT_EQ(Header(w, "X-Idempotency-Key"), "kc42-1");
  const Json body = Json::parse(w.body);
  EXPECT_EQ(body["date"], "2026-12-01 10:30:00");
  EXPECT_EQ(body["employee_id"], 3);
  EXPECT_EQ(body["client_id"], "c42");
  EXPECT_EQ(body["email"], "c42@slotsim.invalid");
  EXPECT_TRUE(body["name"].is_string());
  EXPECT_NE(EmailOf("c1"), EmailOf("c2"));
}

TEST_F(HttpWireTest, RescheduleIsAPutOfTheNewDateOnTheBooking) {
  OpRequest req = Req(OpKind::kReschedule);
  req.booking_id = "APT-2026-000123";
  const WireRequest w = BuildRequest(req, options_);
  EXPECT_EQ(w.method, "PUT");
  EXPECT_EQ(w.path, "/wp-json/appointease/v1/appointments/APT-2026-000123");
  const Json body = Json::parse(w.body);
  EXPECT_EQ(body["new_date"], "2026-12-01 10:30:00");
  EXPECT_EQ(body["client_id"], "c42");
}

TEST_F(HttpWireTest, CancelIsADeleteWithTheOwnerInTheQuery) {
  OpRequest req = Req(OpKind::kCancel);
  req.booking_id = "APT-2026-000123";
  WireRequest w = BuildRequest(req, options_);
  EXPECT_EQ(w.method, "DELETE");
  EXPECT_EQ(w.path, "/wp-json/appointease/v1/appointments/APT-2026-000123?client_id=c42");
  EXPECT_TRUE(w.body.empty());
  options_.rest_style = RestStyle::kRestRoute;
  w = BuildRequest(req, options_);
  EXPECT_EQ(w.path,
            "/index.php?rest_route=/appointease/v1/appointments/APT-2026-000123&client_id=c42");
}

TEST_F(HttpWireTest, RestRouteStyleAndBasePathAddressEveryCall) {
  options_.rest_style = RestStyle::kRestRoute;
  options_.base_path = "/shop";
  EXPECT_EQ(BuildRequest(Req(OpKind::kSelect), options_).path,
            "/shop/index.php?rest_route=/appointease/v1/slots/select");
  EXPECT_EQ(BuildRequest(Req(OpKind::kPoll), options_).path, "/shop/wp-admin/admin-ajax.php");
  EXPECT_EQ(BuildGetBooking("APT-2026-000001", options_).path,
            "/shop/index.php?rest_route=/appointease/v1/appointments/APT-2026-000001");
}

TEST_F(HttpWireTest, NonceGoesOnRestCallsAndForwardedForIsPerClient) {
  options_.nonce = "a1b2c3d4e5";
  options_.forwarded_for = true;
  const WireRequest select = BuildRequest(Req(OpKind::kSelect), options_);
  EXPECT_EQ(Header(select, "X-WP-Nonce"), "a1b2c3d4e5");
  EXPECT_EQ(Header(select, "X-Forwarded-For"), ForwardedForOf("c42"));
  const WireRequest poll = BuildRequest(Req(OpKind::kPoll), options_);
  EXPECT_EQ(Header(poll, "X-WP-Nonce"), "<none>");
  EXPECT_EQ(Header(poll, "X-Forwarded-For"), ForwardedForOf("c42"));
  EXPECT_EQ(ForwardedForOf("c42"), ForwardedForOf("c42"));
  EXPECT_NE(ForwardedForOf("c42"), ForwardedForOf("c43"));
  EXPECT_EQ(ForwardedForOf("c42").rfind("10.", 0), 0u);
}

TEST_F(HttpWireTest, RunTagPrefixesClientIdsAndKeysAndStripsBack) {
  options_.run_tag = "rabc";
  OpRequest req = Req(OpKind::kConfirm);
  req.idempotency_key = "kc42-1";
  const WireRequest w = BuildRequest(req, options_);
  EXPECT_EQ(Json::parse(w.body)["client_id"], "rabc_c42");
  EXPECT_EQ(Header(w, "X-Idempotency-Key"), "rabc-kc42-1");
  EXPECT_EQ(StripRunTag("rabc_c42", "rabc"), "c42");
  EXPECT_EQ(StripRunTag("rabc-kc42-1", "rabc"), "kc42-1");
  EXPECT_EQ(StripRunTag("rxyz_c42", "rabc"), std::nullopt);
  EXPECT_EQ(StripRunTag("c42", ""), "c42");
}

TEST_F(HttpWireTest, ScrapeNonceReadsTheBookingApiObject) {
  EXPECT_EQ(ScrapeNonce("<script>var bookingAPI = {\"root\":\"https:\\/\\/x\\/wp-json\\/\","
                        "\"nonce\":\"0a1b2c3d4e\"};</script>"),
            "0a1b2c3d4e");
  EXPECT_EQ(ScrapeNonce("var bookingAPI = { \"nonce\" : \"ff00\" }"), "ff00");
  EXPECT_EQ(ScrapeNonce("<html>no api here \"nonce\":\"abc\"</html>"), std::nullopt);
  EXPECT_EQ(ScrapeNonce("var bookingAPI = {\"nonce\":\"not-hex\"}"), std::nullopt);
}

// ---- answers ---------------------------------------------------------------------------------

TEST_F(HttpWireTest, PollAnswerWithHoldGivesOwnStatusExpiryAndOthers) {
  OpRequest req = Req(OpKind::kPoll);
  req.selected_time = "10:30";
  std::optional<StorageMode> mode;
  const OpResult r = Parse(req, 200,
                           R"({"appointease_test":"heartbeat_working","redis_status":"available",
      "storage_mode":"redis","appointease_active_selections":["10:30","11:00"],
      "appointease_booked_slots":["09:00"],"appointease_locked_slots":[],
      "appointease_hold":{"time":"10:30","status":"held","expires_at":1764000300},
      "server_time":1764000000})",
                           &mode);
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  EXPECT_EQ(r.outcome, Outcome::kOk);
  EXPECT_EQ(mode, StorageMode::kRedis);
  ASSERT_TRUE(r.poll);
  EXPECT_EQ(r.poll->held, (std::vector<std::string>{"10:30", "11:00"}));
  EXPECT_EQ(r.poll->others_held, (std::vector<std::string>{"11:00"}));
  EXPECT_EQ(r.poll->booked, (std::vector<std::string>{"09:00"}));
  ASSERT_TRUE(r.poll->own);
  EXPECT_EQ(r.poll->own->status, HoldStatus::kHeld);
  EXPECT_EQ(r.poll->own->expires_at, FromUnixMillis(1'764'000'300'000));
  EXPECT_EQ(r.poll->redis_status, "available");
}

TEST_F(HttpWireTest, PollAnswerLostAndTakenHoldsAreReported) {
  OpRequest req = Req(OpKind::kPoll);
  req.selected_time = "10:30";
  OpResult r = Parse(req, 200,
                     R"({"storage_mode":"mysql","appointease_active_selections":["10:30"],
      "appointease_booked_slots":[],"appointease_hold":{"time":"10:30","status":"lost",
      "expires_at":null}})");
  ASSERT_TRUE(r.poll && r.poll->own);
  EXPECT_EQ(r.poll->own->status, HoldStatus::kLost);
  EXPECT_EQ(r.poll->others_held, (std::vector<std::string>{"10:30"}));  // someone else's
  r = Parse(req, 200,
            R"({"storage_mode":"mysql","appointease_active_selections":[],
      "appointease_booked_slots":["10:30"],"appointease_hold":{"time":"10:30","status":"taken"}})");
  ASSERT_TRUE(r.poll && r.poll->own);
  EXPECT_EQ(r.poll->own->status, HoldStatus::kTaken);
}

TEST_F(HttpWireTest, BookedSlotsAsAnObjectReadAsAList) {
  const OpResult r = Parse(Req(OpKind::kPoll), 200,
                           R"({"redis_status":"available","storage_mode":"redis",
      "appointease_active_selections":{"1":"11:00"},
      "appointease_booked_slots":{"0":"09:00","2":"11:30"}})");
  ASSERT_TRUE(r.poll);
  EXPECT_EQ(r.poll->booked, (std::vector<std::string>{"09:00", "11:30"}));
  EXPECT_EQ(r.poll->others_held, (std::vector<std::string>{"11:00"}));
  EXPECT_FALSE(r.poll->own);
}

TEST_F(HttpWireTest, PollAnswerWithoutHoldFieldIsJudgedFromTheLists) {
  OpRequest req = Req(OpKind::kPoll);
  req.selected_time = "10:30";
  options_.hold_ttl = Millis(60000);
  // The plugin's heartbeat lists the caller's time among the active selections: whose hold it
  // is the answer does not say, so it is no answer about the caller's hold (never `held`), and
  // the time stays held by others for the checker's visibility rule.
  OpResult r = Parse(req, 200,
                     R"({"appointease_test":"heartbeat_working","redis_status":"available",
      "storage_mode":"redis","appointease_active_selections":{"0":"10:30","1":"11:00"},
      "appointease_booked_slots":[],"appointease_locked_slots":[],
      "redis_ops":{"locks":0,"selections":2,"user_selection":0},"server_time":1764000000})");
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  ASSERT_TRUE(r.poll);
  EXPECT_FALSE(r.poll->own);
  EXPECT_EQ(r.poll->others_held, (std::vector<std::string>{"10:30", "11:00"}));
  // Booked: taken.
  r = Parse(req, 200,
            R"({"appointease_active_selections":[],"appointease_booked_slots":{"0":"10:30"}})");
  ASSERT_TRUE(r.poll && r.poll->own);
  EXPECT_EQ(r.poll->own->status, HoldStatus::kTaken);
  // In neither, where the server lists every hold (Redis available): the hold is gone.
  r = Parse(req, 200, R"({"redis_status":"available","appointease_active_selections":["11:00"],
      "appointease_booked_slots":[]})");
  ASSERT_TRUE(r.poll && r.poll->own);
  EXPECT_EQ(r.poll->own->status, HoldStatus::kLost);
  // In neither otherwise (the plugin's fallback mode shows no holds): unknown, not lost.
  r = Parse(req, 200, R"({"redis_status":"unavailable","appointease_active_selections":[],
      "appointease_booked_slots":[]})");
  ASSERT_TRUE(r.poll);
  EXPECT_FALSE(r.poll->own);
  r = Parse(req, 200, R"({"appointease_active_selections":[],"appointease_booked_slots":[]})");
  ASSERT_TRUE(r.poll);
  EXPECT_FALSE(r.poll->own);
}

TEST_F(HttpWireTest, PollFailuresAreFailsNeverUnknown) {
  const OpRequest req = Req(OpKind::kPoll);
  OpResult r = Parse(req, 503,
                     R"({"code":"storage_unavailable","message":"down","data":{"status":503},
      "appointease_test":"error","redis_status":"error"})");
  EXPECT_EQ(r.status.code(), Code::kUnavailable);
  EXPECT_EQ(r.outcome, Outcome::kFail);
  r = Parse(req, 200, R"({"appointease_test":"error","redis_status":"error"})");
  EXPECT_EQ(r.status.code(), Code::kUnavailable);
  EXPECT_EQ(r.outcome, Outcome::kFail);
  r = Parse(req, 200, R"({"wp-auth-check":false,"server_time":1764000000})");
  EXPECT_EQ(r.status.code(), Code::kMalformedAnswer);
  EXPECT_EQ(r.outcome, Outcome::kFail);
  r = ParseTransport(req, Lost(WireTransport::kTimeout));
  EXPECT_EQ(r.status.code(), Code::kTimeout);
  EXPECT_EQ(r.outcome, Outcome::kFail);
}

TEST_F(HttpWireTest, ErrorCodesMapToDomainStatuses) {
  const auto code_of = [this](OpKind kind, int status, const std::string& code) {
    return Parse(Req(kind), status,
                 R"({"code":")" + code + R"(","message":"m","data":{"status":)" +
                     std::to_string(status) + "}}")
        .status.code();
  };
  EXPECT_EQ(code_of(OpKind::kSelect, 409, "already_locked"), Code::kSlotHeld);
  EXPECT_EQ(code_of(OpKind::kSelect, 409, "slot_taken"), Code::kSlotBooked);
  EXPECT_EQ(code_of(OpKind::kConfirm, 409, "slot_taken"), Code::kSlotTaken);
  EXPECT_EQ(code_of(OpKind::kConfirm, 409, "already_locked"), Code::kSlotHeld);
  EXPECT_EQ(code_of(OpKind::kReschedule, 409, "slot_taken"), Code::kSlotTaken);
  EXPECT_EQ(code_of(OpKind::kDeselect, 403, "not_owner"), Code::kNotHolder);
  EXPECT_EQ(code_of(OpKind::kCancel, 404, "not_found"), Code::kNotFound);
  EXPECT_EQ(code_of(OpKind::kSelect, 400, "rest_invalid_param"), Code::kInvalidArgument);
  EXPECT_EQ(code_of(OpKind::kConfirm, 409, "duplicate_submission"), Code::kInvalidArgument);
  EXPECT_EQ(code_of(OpKind::kConfirm, 429, "rate_limited"), Code::kUnavailable);
  EXPECT_EQ(code_of(OpKind::kSelect, 403, "rest_cookie_invalid_nonce"), Code::kUnavailable);
  EXPECT_EQ(code_of(OpKind::kSelect, 404, "rest_no_route"), Code::kUnimplemented);
  EXPECT_EQ(code_of(OpKind::kSelect, 503, "storage_unavailable"), Code::kUnavailable);
  EXPECT_EQ(code_of(OpKind::kSelect, 504, "gateway_timeout"), Code::kTimeout);
  // Not JSON at all (a proxy's HTML page): by status.
  EXPECT_EQ(Parse(Req(OpKind::kConfirm), 502, "<html>Bad Gateway</html>").status.code(),
            Code::kUnavailable);
  const OpResult r = Parse(Req(OpKind::kConfirm), 409,
                           R"({"code":"slot_taken","message":"booked","data":{"status":409}})");
  EXPECT_EQ(r.outcome, Outcome::kFail);
  EXPECT_NE(r.status.message().find("409 slot_taken: booked"), std::string::npos);
}

TEST_F(HttpWireTest, AWriteWhoseAnswerNeverCameIsUnknownButARefusedConnectIsAFail) {
  for (OpKind kind : {OpKind::kSelect, OpKind::kDeselect, OpKind::kConfirm, OpKind::kReschedule,
                      OpKind::kCancel}) {
    OpResult r = ParseTransport(Req(kind), Lost(WireTransport::kTimeout));
    EXPECT_EQ(r.status.code(), Code::kTimeout);
    EXPECT_EQ(r.outcome, Outcome::kUnknown);
    r = ParseTransport(Req(kind), Lost(WireTransport::kBroken));
    EXPECT_EQ(r.status.code(), Code::kUnavailable);
    EXPECT_EQ(r.outcome, Outcome::kUnknown);
    r = ParseTransport(Req(kind), Lost(WireTransport::kRefused));
    EXPECT_EQ(r.status.code(), Code::kUnavailable);
    EXPECT_EQ(r.outcome, Outcome::kFail);
    r = ParseTransport(Req(kind), Lost(WireTransport::kConnectTimeout));
    EXPECT_EQ(r.outcome, Outcome::kFail);
    // A 5xx is the server saying it failed: definite, like a 4xx (a write that committed
    // behind it is a phantom). A 504 is a gateway's timeout: unknown.
    r = Parse(Req(kind), 503, R"({"code":"storage_unavailable","message":"x"})");
    EXPECT_EQ(r.outcome, Outcome::kFail);
    EXPECT_EQ(r.answer, AnswerClass::kServerError);
    r = Parse(Req(kind), 500, "<html>oops</html>");
    EXPECT_EQ(r.outcome, Outcome::kFail);
    EXPECT_EQ(r.answer, AnswerClass::kServerError);
    r = Parse(Req(kind), 504, R"({"code":"gateway_timeout","message":"x"})");
    EXPECT_EQ(r.outcome, Outcome::kUnknown);
    EXPECT_EQ(r.answer, AnswerClass::kTimeout);
    r = Parse(Req(kind), 400, R"({"code":"rest_invalid_param","message":"x"})");
    EXPECT_EQ(r.outcome, Outcome::kFail);
    EXPECT_EQ(r.answer, AnswerClass::kRejected);
    r = ParseTransport(Req(kind), Lost(WireTransport::kBroken));
    EXPECT_EQ(r.answer, AnswerClass::kReset);
    r = ParseTransport(Req(kind), Lost(WireTransport::kRefused));
    EXPECT_EQ(r.answer, AnswerClass::kNotSent);
  }
  EXPECT_EQ(ParseTransport(Req(OpKind::kAvailability), Lost(WireTransport::kBroken)).outcome,
            Outcome::kFail);
}

TEST_F(HttpWireTest, SelectAnswerGivesTheHoldAndItsStorage) {
  std::optional<StorageMode> mode;
  OpResult r = Parse(Req(OpKind::kSelect), 200,
                     R"({"success":true,"storage":"mysql","client_id":"c42","employee_id":3,
      "date":"2026-12-01","time":"10:30","expires_at":1764000300})",
                     &mode);
  ASSERT_TRUE(r.status.ok());
  EXPECT_EQ(mode, StorageMode::kMySql);
  ASSERT_TRUE(r.hold);
  EXPECT_EQ(r.hold->client_id, "c42");
  EXPECT_EQ(r.hold->slot, (SlotRef{3, "2026-12-01", "10:30"}));
  EXPECT_EQ(r.hold->expires_at, FromUnixMillis(1'764'000'300'000));
  // The plugin's answer: no expiry, so no hold (the checker assumes the TTL).
  r = Parse(Req(OpKind::kSelect), 200, R"({"success":true,"storage":"redis"})", &mode);
  EXPECT_TRUE(r.status.ok());
  EXPECT_FALSE(r.hold);
  EXPECT_EQ(mode, StorageMode::kRedis);
  // A 200 that says it failed.
  r = Parse(Req(OpKind::kSelect), 200, R"({"success":false,"message":"nope"})", &mode);
  EXPECT_FALSE(r.status.ok());
  EXPECT_EQ(r.outcome, Outcome::kFail);
  EXPECT_EQ(mode, std::nullopt);
}

TEST_F(HttpWireTest, UnreadableSuccessIsUnknownForAWrite) {
  const OpResult r = Parse(Req(OpKind::kConfirm), 200, "<html>ok</html>");
  EXPECT_EQ(r.status.code(), Code::kMalformedAnswer);
  EXPECT_EQ(r.outcome, Outcome::kUnknown);
}

TEST_F(HttpWireTest, AvailabilityReadsDetailsAndComputesFreeWhenAbsent) {
  OpResult r = Parse(Req(OpKind::kAvailability), 200,
                     R"({"unavailable":["09:00","10:00"],"booking_details":{
      "09:00":{"status":"booked"},"10:00":{"status":"processing"}},"storage_mode":"redis"})");
  ASSERT_TRUE(r.availability);
  EXPECT_EQ(r.availability->booked, (std::vector<std::string>{"09:00"}));
  EXPECT_EQ(r.availability->held, (std::vector<std::string>{"10:00"}));
  EXPECT_EQ(r.availability->free.size(), grid_.times().size() - 2);
  EXPECT_EQ(r.availability->free.front(), "09:30");
  r = Parse(Req(OpKind::kAvailability), 200, R"({"unavailable":"all","booking_details":[]})");
  ASSERT_TRUE(r.availability);
  EXPECT_TRUE(r.availability->free.empty());
  r = Parse(Req(OpKind::kAvailability), 200, R"({"unavailable":[],"free":["16:30"]})");
  ASSERT_TRUE(r.availability);
  EXPECT_EQ(r.availability->free, (std::vector<std::string>{"16:30"}));
}

TEST_F(HttpWireTest, AppointmentAnswersGiveTheBooking) {
  OpRequest req = Req(OpKind::kConfirm);
  req.idempotency_key = "kc42-1";
  OpResult r = Parse(req, 200,
                     R"({"success":true,"appointment_id":123,"strong_id":"APT-2026-000123",
      "date":"2026-12-01 10:30:00","employee_id":3,"client_id":"c42","status":"confirmed"})");
  ASSERT_TRUE(r.status.ok());
  ASSERT_TRUE(r.booking);
  EXPECT_EQ(r.booking->id, "APT-2026-000123");
  EXPECT_EQ(r.booking->client_id, "c42");
  EXPECT_EQ(r.booking->slot, req.slot);
  EXPECT_EQ(r.booking->idempotency_key, "kc42-1");
  EXPECT_EQ(r.booking->status, BookingStatus::kActive);
  // Only a numeric id: it is the booking's id.
  r = Parse(req, 200, R"({"success":true,"appointment_id":77})");
  ASSERT_TRUE(r.booking);
  EXPECT_EQ(r.booking->id, "77");
  // No id at all: booked, maybe, but which booking is unknown.
  r = Parse(req, 200, R"({"success":true})");
  EXPECT_FALSE(r.booking);
  EXPECT_EQ(r.outcome, Outcome::kUnknown);
  // Cancel: the booking the client named, cancelled.
  OpRequest cancel = Req(OpKind::kCancel);
  cancel.booking_id = "APT-2026-000123";
  r = Parse(cancel, 200, R"({"success":true})");
  ASSERT_TRUE(r.booking);
  EXPECT_EQ(r.booking->id, "APT-2026-000123");
  EXPECT_EQ(r.booking->status, BookingStatus::kCancelled);
}

TEST_F(HttpWireTest, BookingReadBackStripsTheRunTag) {
  options_.run_tag = "rtag";
  WireAnswer a;
  a.status = 200;
  a.body = R"({"success":true,"appointment_id":5,"strong_id":"APT-2026-000005",
      "date":"2026-12-01 16:30:00","employee_id":"4","client_id":"rtag_c9","status":"cancelled"})";
  StatusOr<Booking> b = ParseBookingAnswer(a, options_);
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  EXPECT_EQ(b->id, "APT-2026-000005");
  EXPECT_EQ(b->slot, (SlotRef{4, "2026-12-01", "16:30"}));
  EXPECT_EQ(b->client_id, "c9");
  EXPECT_EQ(b->status, BookingStatus::kCancelled);
  a.status = 404;
  a.body = R"({"code":"not_found","message":"no","data":{"status":404}})";
  EXPECT_EQ(ParseBookingAnswer(a, options_).status().code(), Code::kNotFound);
  a.body = R"({"code":"rest_no_route","message":"no","data":{"status":404}})";
  EXPECT_EQ(ParseBookingAnswer(a, options_).status().code(), Code::kUnimplemented);
}

TEST_F(HttpWireTest, StorageWordsNameModes) {
  EXPECT_EQ(StorageModeOfWord("redis"), StorageMode::kRedis);
  EXPECT_EQ(StorageModeOfWord("mysql"), StorageMode::kMySql);
  EXPECT_EQ(StorageModeOfWord("memory"), StorageMode::kMemory);
  EXPECT_EQ(StorageModeOfWord("transient"), StorageMode::kMySql);
  EXPECT_EQ(StorageModeOfWord(""), std::nullopt);
}

// ---- the answer reader ---------------------------------------------------------------------

TEST_F(HttpWireTest, JsonObjectSplitsMembersAndDecodesOnDemand) {
  const std::string text =
      R"( {"a":"x\"y\u00e9\ud83d\ude00","n":-12.5,"s":"42","b":false,"z":null,
      "arr":["1",2,{"k":"v"},"3"],"obj":{"0":"09:00","1":7,"2":"10:00"},"a":"last"} )";
  const std::optional<JsonObject> o = JsonObject::Parse(text);
  ASSERT_TRUE(o);
  EXPECT_EQ(o->StringOr("a"), "last");  // a repeated key keeps its last value
  EXPECT_EQ(o->Get("n")->Integer(), -12);
  EXPECT_EQ(o->Get("s")->Integer(), 42);
  EXPECT_EQ(o->Get("b")->Bool(), false);
  EXPECT_NE(o->Find("z"), nullptr);
  EXPECT_EQ(o->Get("z"), nullptr);
  EXPECT_EQ(o->Get("arr")->Strings(), (std::vector<std::string>{"1", "3"}));
  EXPECT_EQ(o->Get("obj")->Strings(), (std::vector<std::string>{"09:00", "10:00"}));
  EXPECT_EQ(o->Get("obj")->Object()->StringOr("2"), "10:00");
  const std::optional<JsonObject> escaped = JsonObject::Parse(R"({"e":"x\"y\u00e9\ud83d\ude00"})");
  ASSERT_TRUE(escaped);
  EXPECT_EQ(escaped->StringOr("e"), "x\"y\xc3\xa9\xf0\x9f\x98\x80");
}

TEST_F(HttpWireTest, JsonObjectRejectsAnythingButOneWellFormedObject) {
  for (const char* bad :
       {"", "[]", "\"x\"", "{", "{\"a\":}", "{\"a\":1,}", "{\"a\" 1}", "{\"a\":1} {}",
        "{\"a\":\"unterminated}", "{\"a\":[1,2}", "{\"a\":tru}", "<html></html>"}) {
    EXPECT_FALSE(JsonObject::Parse(bad)) << bad;
  }
  std::string deep(100, '[');
  EXPECT_FALSE(JsonObject::Parse("{\"a\":" + deep + std::string(100, ']') + "}"));
  EXPECT_TRUE(JsonObject::Parse("{}"));
}

}  // namespace
}  // namespace slotsim
