// HttpApi over a MemoryStore on a SimClock: every route's behaviour through the wire format,
// without sockets.
#include "server/routes.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "engine/memory_store.h"
#include "tests/support/faulty_store.h"

namespace slotsim::http {
namespace {

using Json = nlohmann::json;

constexpr const char* kDate = "2026-12-02";  // the SimClock starts on 2026-12-01
constexpr const char* kJsonType = "application/json";
constexpr const char* kFormType = "application/x-www-form-urlencoded";

struct Reply {
  int status = 0;
  Json body;
};

class HttpApiTest : public ::testing::Test {
 protected:
  HttpApiTest() : faulty_(store_) {
    engine_.emplace(*SlotEngine::Create(faulty_, clock_, EngineOptions{}));
    api_ = std::make_unique<HttpApi>(*engine_, clock_, &metrics_, false);
  }

  Reply Call(std::string_view method, std::string_view target, std::string_view body = "",
             std::string_view content_type = kJsonType, std::string_view key = "",
             std::string_view client_header = "") {
    const size_t q = target.find('?');
    ApiRequest r;
    r.method = method;
    r.path = target.substr(0, q);
    r.query = q == std::string_view::npos ? "" : target.substr(q + 1);
    r.content_type = content_type;
    r.idempotency_key = key;
    r.client_id = client_header;
    r.body = body;
    const ApiResponse out = api_->Handle(r);
    Reply reply{out.status, Json()};
    if (out.content_type.find("json") != std::string::npos) {
      reply.body = Json::parse(out.body, nullptr, false);
      EXPECT_FALSE(reply.body.is_discarded()) << out.body;
    }
    return reply;
  }

  // A heartbeat of `client` polling kDate for employee 1, plus `extra` form fields.
  Reply Beat(const std::string& client, const std::string& extra = "") {
    const std::string body =
        "action=heartbeat&data[appointease_poll][date]=" + std::string(kDate) +
        "&data[appointease_poll][employee_id]=1&data[appointease_poll][client_id]=" + client +
        extra;
    return Call("POST", "/wp-admin/admin-ajax.php", body, kFormType);
  }

  Reply SelectRest(const std::string& client, const std::string& time) {
    return Call(
        "POST", "/wp-json/appointease/v1/slots/select",
        Json{{"date", kDate}, {"time", time}, {"employee_id", 1}, {"client_id", client}}.dump());
  }

  Reply Book(const Json& body, std::string_view key) {
    return Call("POST", "/wp-json/appointease/v1/appointments", body.dump(), kJsonType, key);
  }

  static Json Booking(const std::string& client, const std::string& time) {
    return {{"name", "N"},
            {"email", client + "@example.com"},
            {"client_id", client},
            {"date", std::string(kDate) + " " + time + ":00"},
            {"employee_id", 1}};
  }

  SimClock clock_;
  MemoryStore store_;
  testing::FaultyStore faulty_;
  std::optional<SlotEngine> engine_;
  HttpMetrics metrics_;
  std::unique_ptr<HttpApi> api_;
};

TEST_F(HttpApiTest, HeartbeatSelectAndPollInOneBeatReportTheHold) {
  const Reply r = Beat("c1",
                       "&data[appointease_poll][selected_time]=10:00"
                       "&data[appointease_select][date]=" +
                           std::string(kDate) +
                           "&data[appointease_select][time]=10:00"
                           "&data[appointease_select][employee_id]=1");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.body["appointease_select"]["success"], true);
  EXPECT_EQ(r.body["appointease_hold"]["status"], "held");
  EXPECT_EQ(r.body["appointease_active_selections"], Json({"10:00"}));
  EXPECT_EQ(r.body["storage_mode"], "memory");
}

TEST_F(HttpApiTest, AnotherClientsSelectOfAHeldSlotIs409AlreadyLocked) {
  ASSERT_EQ(SelectRest("c1", "10:00").status, 200);
  const Reply r = SelectRest("c2", "10:00");
  EXPECT_EQ(r.status, 409);
  EXPECT_EQ(r.body["code"], "already_locked");
  EXPECT_EQ(r.body["data"]["status"], 409);
}

TEST_F(HttpApiTest, HeartbeatSelectOfAHeldSlotFailsInsideA200Beat) {
  ASSERT_EQ(SelectRest("c1", "10:00").status, 200);
  const Reply r = Beat("c2",
                       "&data[appointease_poll][selected_time]=10:00"
                       "&data[appointease_select][date]=" +
                           std::string(kDate) +
                           "&data[appointease_select][time]=10:00"
                           "&data[appointease_select][employee_id]=1");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.body["appointease_select"]["success"], false);
  EXPECT_EQ(r.body["appointease_select"]["code"], "already_locked");
  EXPECT_EQ(r.body["appointease_hold"]["status"], "lost");
}

TEST_F(HttpApiTest, HeartbeatDeselectWithoutClientIdReleasesThePollersHold) {
  ASSERT_EQ(SelectRest("c1", "10:00").status, 200);
  const Reply r = Beat("c1", "&data[appointease_deselect][date]=" + std::string(kDate) +
                                 "&data[appointease_deselect][time]=10:00"
                                 "&data[appointease_deselect][employee_id]=1");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.body["appointease_deselect"]["success"], true);
  EXPECT_EQ(r.body["appointease_active_selections"], Json::array());
}

TEST_F(HttpApiTest, RestDeselectNeedsTheClientIdAndTheHolder) {
  ASSERT_EQ(SelectRest("c1", "10:00").status, 200);
  Reply r = Call("POST", "/wp-json/appointease/v1/slots/deselect",
                 Json{{"date", kDate}, {"time", "10:00"}, {"employee_id", 1}}.dump());
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body["code"], "rest_missing_callback_param");
  r = Call(
      "POST", "/wp-json/appointease/v1/slots/deselect",
      Json{{"date", kDate}, {"time", "10:00"}, {"employee_id", 1}, {"client_id", "c2"}}.dump());
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(r.body["code"], "not_owner");
}

TEST_F(HttpApiTest, RestPollShowsOthersHoldsAndTheCallersHold) {
  ASSERT_EQ(SelectRest("c1", "10:00").status, 200);
  ASSERT_EQ(SelectRest("c2", "11:00").status, 200);
  const Reply r =
      Call("GET", "/index.php?rest_route=/appointease/v1/slots/poll&date=" + std::string(kDate) +
                      "&employee_id=1&client_id=c1" + "&selected_time=10:00");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.body["active_selections"], Json({"11:00"}));
  EXPECT_EQ(r.body["hold"]["status"], "held");
}

TEST_F(HttpApiTest, AvailabilityExcludesBookedAndHeldSlots) {
  ASSERT_EQ(SelectRest("c1", "10:00").status, 200);
  ASSERT_EQ(Book(Booking("c2", "11:00"), "k1").status, 200);
  const Reply r = Call("POST", "/wp-json/booking/v1/availability",
                       Json{{"date", kDate}, {"employee_id", "1"}}.dump());
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.body["unavailable"], Json({"10:00", "11:00"}));
}

TEST_F(HttpApiTest, BookingIsIdempotentOnItsKeyAndASecondClientGetsSlotTaken) {
  const Reply first = Book(Booking("c1", "10:00"), "key-1");
  ASSERT_EQ(first.status, 200) << first.body;
  EXPECT_EQ(first.body["success"], true);
  const std::string id = first.body["strong_id"];
  EXPECT_EQ(first.body["appointment_id"], AppointmentNumber(id));
  const Reply retry = Book(Booking("c1", "10:00"), "key-1");
  EXPECT_EQ(retry.status, 200);
  EXPECT_EQ(retry.body["strong_id"], id);
  const Reply other = Book(Booking("c2", "10:00"), "key-2");
  EXPECT_EQ(other.status, 409);
  EXPECT_EQ(other.body["code"], "slot_taken");
}

TEST_F(HttpApiTest, AKeyReusedForAnotherSlotIsADuplicateSubmission) {
  ASSERT_EQ(Book(Booking("c1", "10:00"), "key-1").status, 200);
  const Reply r = Book(Booking("c1", "11:00"), "key-1");
  EXPECT_EQ(r.status, 409);
  EXPECT_EQ(r.body["code"], "duplicate_submission");
}

TEST_F(HttpApiTest, BookingWithoutClientIdUsesTheEmailsClientId) {
  Json body = Booking("c1", "10:00");
  body.erase("client_id");
  const Reply r = Book(body, "");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.body["client_id"], *ClientIdFromEmail("c1@example.com"));
  // The same email cancels it.
  const std::string id = r.body["strong_id"];
  const Reply c =
      Call("DELETE", "/wp-json/appointease/v1/appointments/" + id + "?email=C1%40example.com");
  EXPECT_EQ(c.status, 200) << c.body;
  EXPECT_EQ(c.body["status"], "cancelled");
}

TEST_F(HttpApiTest, BadBookingFieldsAre400NamingTheBodyField) {
  Json body = Booking("c1", "10:00");
  body["date"] = std::string(kDate) + " 10:15:00";  // not a slot start
  Reply r = Book(body, "");
  EXPECT_EQ(r.status, 400);
  EXPECT_TRUE(r.body["data"]["params"].contains("date")) << r.body;
  r = Book(Booking("c1", "10:00"), "bad key!");
  EXPECT_EQ(r.status, 400);
  EXPECT_TRUE(r.body["data"]["params"].contains("idempotency_key")) << r.body;
}

TEST_F(HttpApiTest, RescheduleMovesTheBookingForItsOwnerOnly) {
  const Reply made = Book(Booking("c1", "10:00"), "k1");
  ASSERT_EQ(made.status, 200);
  const std::string path =
      "/wp-json/appointease/v1/appointments/" + made.body["strong_id"].get<std::string>();
  const Json move = {{"new_date", std::string(kDate) + " 12:00:00"}};
  Reply r = Call("PUT", path, move.dump(), kJsonType, "", "c2");
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(r.body["code"], "not_owner");
  r = Call("PUT", path + "?client_id=c1", move.dump());
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.body["date"], std::string(kDate) + " 12:00:00");
  r = Call("GET", path);
  EXPECT_EQ(r.body["date"], std::string(kDate) + " 12:00:00");
}

TEST_F(HttpApiTest, CancelNeedsAnOwnerAndAKnownBooking) {
  Reply r = Call("DELETE", "/wp-json/appointease/v1/appointments/APT-2026-000999");
  EXPECT_EQ(r.status, 400);
  EXPECT_TRUE(r.body["data"]["params"].contains("client_id")) << r.body;
  r = Call("DELETE", "/wp-json/appointease/v1/appointments/APT-2026-000999", "", kJsonType, "",
           "c1");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.body["code"], "not_found");
}

TEST_F(HttpApiTest, PollWhileReschedulingHidesTheCallersOwnBooking) {
  const Reply made = Book(Booking("c1", "10:00"), "k1");
  ASSERT_EQ(made.status, 200);
  Reply r = Beat("c1");
  EXPECT_EQ(r.body["appointease_booked_slots"], Json({"10:00"}));
  r = Beat("c1", "&data[appointease_poll][exclude_appointment_id]=" +
                     made.body["strong_id"].get<std::string>());
  EXPECT_EQ(r.body["appointease_booked_slots"], Json::array());
}

TEST_F(HttpApiTest, EngineValidationErrorsAre400NamingTheField) {
  const Reply r = Call("GET",
                       "/wp-json/appointease/v1/slots/poll?date=2020-01-01&employee_id=1"
                       "&client_id=c1");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body["code"], "rest_invalid_param");
  EXPECT_TRUE(r.body["data"]["params"].contains("date"));
}

TEST_F(HttpApiTest, BackendFailureIs503AndTheHeartbeatSaysError) {
  faulty_.set_down(true);
  Reply r = Beat("c1");
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.body["appointease_test"], "error");
  EXPECT_EQ(r.body["code"], "storage_unavailable");
  r = SelectRest("c1", "10:00");
  EXPECT_EQ(r.status, 503);
}

// A deadline is not a refusal: the write may have been applied, so the answer must not be the
// definite failure a 503 means to a client (docs/consistency.md, answer classes).
TEST_F(HttpApiTest, BackendDeadlineOnABookingIs504NotA503) {
  faulty_.set_timing_out(true);
  const Reply r = Book(Booking("c1", "10:00"), "key-t");
  EXPECT_EQ(r.status, 504) << r.body;
  EXPECT_EQ(r.body["code"], "storage_timeout");
  faulty_.set_timing_out(false);
  EXPECT_EQ(Book(Booking("c1", "10:00"), "key-t2").status, 200);
}

TEST_F(HttpApiTest, UnknownRoutesAre404Json) {
  const Reply r = Call("GET", "/wp-json/appointease/v2/nothing");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.body["code"], "rest_no_route");
}

TEST_F(HttpApiTest, MetricsCountEngineCallsAndBookings) {
  ASSERT_EQ(Book(Booking("c1", "10:00"), "k1").status, 200);
  ASSERT_EQ(SelectRest("c2", "10:00").status, 409);
  const std::string text = metrics_.Text(StorageMode::kMemory, false);
  EXPECT_NE(text.find("slotsim_engine_calls_total{call=\"confirm\",result=\"OK\"} 1"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("slotsim_engine_calls_total{call=\"select\",result=\"SlotBooked\"} 1"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("slotsim_bookings_total{op=\"confirm\"} 1"), std::string::npos);
  EXPECT_NE(text.find("slotsim_storage_mode{mode=\"memory\"} 1"), std::string::npos);
}

}  // namespace
}  // namespace slotsim::http
