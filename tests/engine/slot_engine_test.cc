// The engine's contract (docs/architecture.md "Reference semantics"), run on every store.
#include "engine/slot_engine.h"

#include <gtest/gtest.h>

#include "tests/support/engine_harness.h"

namespace slotsim {
namespace {

using testing::Backend;
using testing::EngineHarness;

constexpr int kEmp = 3;
constexpr const char* kDate = "2026-12-02";  // the SimClock starts on 2026-12-01

class SlotEngineTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override { Build(ReferencePolicy()); }

  void Build(Policy policy) {
    harness_ = std::make_unique<EngineHarness>();
    std::string why;
    if (!harness_->Build(GetParam(), policy, why)) {
      if (testing::ServersRequired()) FAIL() << why;
      GTEST_SKIP() << why;
    }
  }

  SlotEngine& engine() { return harness_->engine(); }
  SimClock& clock() { return harness_->clock(); }

  // The times others see held, as `viewer` polls.
  std::vector<std::string> OthersHeld(const std::string& viewer) {
    StatusOr<PollResult> r = engine().Poll(viewer, kEmp, kDate);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? r->others_held : std::vector<std::string>{};
  }

  std::unique_ptr<EngineHarness> harness_;
};

using Times = std::vector<std::string>;

TEST_P(SlotEngineTest, SelectOfFreeSlotHoldsItForTheTtl) {
  StatusOr<Hold> h = engine().Select("alice", kEmp, kDate, "10:00");
  ASSERT_TRUE(h.ok()) << h.status().ToString();
  EXPECT_EQ(h->client_id, "alice");
  EXPECT_EQ(h->expires_at, clock().Now() + Millis(300000));
  EXPECT_EQ(OthersHeld("bob"), Times{"10:00"});
  EXPECT_EQ(OthersHeld("alice"), Times{});
}

TEST_P(SlotEngineTest, SecondSelectOfHeldSlotReturnsSlotHeld) {
  ASSERT_TRUE(engine().Select("alice", kEmp, kDate, "10:00").ok());
  StatusOr<Hold> h = engine().Select("bob", kEmp, kDate, "10:00");
  EXPECT_EQ(h.status().code(), Code::kSlotHeld);
  EXPECT_EQ(OthersHeld("carol"), Times{"10:00"});
}

TEST_P(SlotEngineTest, SelectOfOwnSlotRefreshesTheTtl) {
  ASSERT_TRUE(engine().Select("alice", kEmp, kDate, "10:00").ok());
  clock().AdvanceBy(Micros(200'000'000));
  StatusOr<Hold> h = engine().Select("alice", kEmp, kDate, "10:00");
  ASSERT_TRUE(h.ok()) << h.status().ToString();
  EXPECT_EQ(h->expires_at, clock().Now() + Millis(300000));
  clock().AdvanceBy(Micros(200'000'000));  // past the first TTL, within the refreshed one
  EXPECT_EQ(OthersHeld("bob"), Times{"10:00"});
}

TEST_P(SlotEngineTest, SelectingAnotherSlotReleasesThePreviousHold) {
  ASSERT_TRUE(engine().Select("alice", kEmp, kDate, "10:00").ok());
  ASSERT_TRUE(engine().Select("alice", kEmp, kDate, "11:00").ok());
  EXPECT_EQ(OthersHeld("bob"), Times{"11:00"});
  EXPECT_TRUE(engine().Select("bob", kEmp, kDate, "10:00").ok());
}

TEST_P(SlotEngineTest, HoldsOnOtherDaysAreIndependent) {
  ASSERT_TRUE(engine().Select("alice", kEmp, kDate, "10:00").ok());
  ASSERT_TRUE(engine().Select("alice", kEmp, "2026-12-03", "10:00").ok());
  ASSERT_TRUE(engine().Select("alice", kEmp + 1, kDate, "10:00").ok());
  EXPECT_EQ(OthersHeld("bob"), Times{"10:00"});
}

TEST_P(SlotEngineTest, HoldExpiresExactlyAtItsTtl) {
  ASSERT_TRUE(engine().Select("alice", kEmp, kDate, "10:00").ok());
  clock().AdvanceBy(Micros(300'000'000 - 1000));
  EXPECT_EQ(OthersHeld("bob"), Times{"10:00"});
  EXPECT_EQ(engine().Select("bob", kEmp, kDate, "10:00").status().code(), Code::kSlotHeld);
  clock().AdvanceBy(Micros(1000));
  EXPECT_EQ(OthersHeld("bob"), Times{});
  EXPECT_TRUE(engine().Select("bob", kEmp, kDate, "10:00").ok());
}

TEST_P(SlotEngineTest, SelectOfBookedSlotReturnsSlotBooked) {
  ASSERT_TRUE(engine().Confirm("alice", kEmp, kDate, "10:00", "k1").ok());
  EXPECT_EQ(engine().Select("bob", kEmp, kDate, "10:00").status().code(), Code::kSlotBooked);
}

TEST_P(SlotEngineTest, DeselectByHolderFreesTheSlot) {
  ASSERT_TRUE(engine().Select("alice", kEmp, kDate, "10:00").ok());
  EXPECT_TRUE(engine().Deselect("alice", kEmp, kDate, "10:00").ok());
  EXPECT_EQ(OthersHeld("bob"), Times{});
  EXPECT_TRUE(engine().Select("bob", kEmp, kDate, "10:00").ok());
}

TEST_P(SlotEngineTest, DeselectByAnotherClientReturnsNotHolder) {
  ASSERT_TRUE(engine().Select("alice", kEmp, kDate, "10:00").ok());
  EXPECT_EQ(engine().Deselect("bob", kEmp, kDate, "10:00").code(), Code::kNotHolder);
  EXPECT_EQ(OthersHeld("bob"), Times{"10:00"});
}

TEST_P(SlotEngineTest, DeselectOfFreeSlotIsOk) {
  EXPECT_TRUE(engine().Deselect("alice", kEmp, kDate, "10:00").ok());
}

TEST_P(SlotEngineTest, PollShowsHoldsBookingsAndStorageMode) {
  ASSERT_TRUE(engine().Select("alice", kEmp, kDate, "10:00").ok());
  ASSERT_TRUE(engine().Select("bob", kEmp, kDate, "11:00").ok());
  ASSERT_TRUE(engine().Confirm("carol", kEmp, kDate, "09:00", "k1").ok());
  StatusOr<PollResult> r = engine().Poll("alice", kEmp, kDate);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->held, (Times{"10:00", "11:00"}));
  EXPECT_EQ(r->others_held, Times{"11:00"});
  EXPECT_EQ(r->booked, Times{"09:00"});
  EXPECT_FALSE(r->own.has_value());
  const bool redis = GetParam() == Backend::kRedis || GetParam() == Backend::kFailoverMemory;
  EXPECT_EQ(r->storage_mode, redis                           ? StorageMode::kRedis
                             : GetParam() == Backend::kMySql ? StorageMode::kMySql
                                                             : StorageMode::kMemory);
  EXPECT_EQ(r->redis_status, redis ? "available" : "unavailable");
  EXPECT_EQ(r->cache_info.redis_enabled, redis);
}

TEST_P(SlotEngineTest, PollWithSelectedTimeRefreshesTheHold) {
  ASSERT_TRUE(engine().Select("alice", kEmp, kDate, "10:00").ok());
  clock().AdvanceBy(Micros(250'000'000));
  StatusOr<PollResult> r = engine().Poll("alice", kEmp, kDate, "10:00");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_TRUE(r->own.has_value());
  EXPECT_EQ(r->own->status, HoldStatus::kHeld);
  EXPECT_EQ(r->own->expires_at, clock().Now() + Millis(300000));
  clock().AdvanceBy(Micros(250'000'000));
  EXPECT_EQ(OthersHeld("bob"), Times{"10:00"});
}

TEST_P(SlotEngineTest, PollWithSelectedTimeRecreatesAnExpiredHold) {
  ASSERT_TRUE(engine().Select("alice", kEmp, kDate, "10:00").ok());
  clock().AdvanceBy(Micros(400'000'000));
  StatusOr<PollResult> r = engine().Poll("alice", kEmp, kDate, "10:00");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->own->status, HoldStatus::kHeld);
  EXPECT_EQ(OthersHeld("bob"), Times{"10:00"});
}

TEST_P(SlotEngineTest, PollReportsLostWhenAnotherClientHoldsTheSlot) {
  ASSERT_TRUE(engine().Select("bob", kEmp, kDate, "10:00").ok());
  StatusOr<PollResult> r = engine().Poll("alice", kEmp, kDate, "10:00");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->own->status, HoldStatus::kLost);
  EXPECT_EQ(OthersHeld("carol"), Times{"10:00"});
  EXPECT_EQ(engine().Deselect("alice", kEmp, kDate, "10:00").code(), Code::kNotHolder);
}

TEST_P(SlotEngineTest, PollReportsTakenWhenTheSlotIsBooked) {
  ASSERT_TRUE(engine().Confirm("bob", kEmp, kDate, "10:00", "k1").ok());
  StatusOr<PollResult> r = engine().Poll("alice", kEmp, kDate, "10:00");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->own->status, HoldStatus::kTaken);
}

TEST_P(SlotEngineTest, AvailabilityIsGridMinusBookedMinusOthersHolds) {
  ASSERT_TRUE(engine().Select("alice", kEmp, kDate, "10:00").ok());
  ASSERT_TRUE(engine().Select("bob", kEmp, kDate, "11:00").ok());
  ASSERT_TRUE(engine().Confirm("carol", kEmp, kDate, "09:00", "k1").ok());
  StatusOr<Availability> a = engine().GetAvailability(kEmp, kDate, "alice");
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_EQ(a->booked, Times{"09:00"});
  EXPECT_EQ(a->held, Times{"11:00"});
  EXPECT_EQ(a->free.size(), engine().grid().times().size() - 2);
  EXPECT_EQ(a->free.front(), "09:30");
  EXPECT_NE(std::find(a->free.begin(), a->free.end(), "10:00"), a->free.end());
  StatusOr<Availability> anon = engine().GetAvailability(kEmp, kDate);
  ASSERT_TRUE(anon.ok());
  EXPECT_EQ(anon->free.size(), engine().grid().times().size() - 3);
}

TEST_P(SlotEngineTest, ConfirmBooksTheSlotAndReleasesTheHold) {
  ASSERT_TRUE(engine().Select("alice", kEmp, kDate, "10:00").ok());
  StatusOr<Booking> b = engine().Confirm("alice", kEmp, kDate, "10:00", "key-1");
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  EXPECT_EQ(b->client_id, "alice");
  EXPECT_EQ(b->slot, (SlotRef{kEmp, kDate, "10:00"}));
  EXPECT_EQ(b->status, BookingStatus::kActive);
  EXPECT_EQ(b->id.rfind("APT-2026-", 0), 0u) << b->id;
  StatusOr<PollResult> r = engine().Poll("bob", kEmp, kDate);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->held, Times{});
  EXPECT_EQ(r->booked, Times{"10:00"});
}

TEST_P(SlotEngineTest, ConfirmOfSlotHeldByAnotherReturnsSlotHeld) {
  ASSERT_TRUE(engine().Select("alice", kEmp, kDate, "10:00").ok());
  EXPECT_EQ(engine().Confirm("bob", kEmp, kDate, "10:00", "k-b").status().code(), Code::kSlotHeld);
  EXPECT_EQ(OthersHeld("carol"), Times{"10:00"});
}

TEST_P(SlotEngineTest, ConfirmOfBookedSlotReturnsSlotTaken) {
  ASSERT_TRUE(engine().Confirm("alice", kEmp, kDate, "10:00", "k-a").ok());
  EXPECT_EQ(engine().Confirm("bob", kEmp, kDate, "10:00", "k-b").status().code(), Code::kSlotTaken);
}

TEST_P(SlotEngineTest, ConfirmRetriedWithSameKeyReturnsSameBooking) {
  StatusOr<Booking> first = engine().Confirm("alice", kEmp, kDate, "10:00", "k-a");
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  StatusOr<Booking> again = engine().Confirm("alice", kEmp, kDate, "10:00", "k-a");
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(again->id, first->id);
  StatusOr<std::vector<Booking>> all = harness_->store().ActiveBookings("");
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->size(), 1u);
}

TEST_P(SlotEngineTest, ConfirmKeyReusedForAnotherSlotIsInvalid) {
  ASSERT_TRUE(engine().Confirm("alice", kEmp, kDate, "10:00", "k-a").ok());
  EXPECT_EQ(engine().Confirm("alice", kEmp, kDate, "11:00", "k-a").status().code(),
            Code::kInvalidArgument);
}

TEST_P(SlotEngineTest, RescheduleMovesTheBookingAndFreesTheOldSlot) {
  StatusOr<Booking> b = engine().Confirm("alice", kEmp, kDate, "10:00", "k-a");
  ASSERT_TRUE(b.ok());
  StatusOr<Booking> moved = engine().Reschedule("alice", b->id, kEmp, kDate, "14:00");
  ASSERT_TRUE(moved.ok()) << moved.status().ToString();
  EXPECT_EQ(moved->id, b->id);
  EXPECT_EQ(moved->slot.time, "14:00");
  StatusOr<PollResult> r = engine().Poll("bob", kEmp, kDate);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->booked, Times{"14:00"});
  EXPECT_TRUE(engine().Select("bob", kEmp, kDate, "10:00").ok());
  StatusOr<Booking> again = engine().Reschedule("alice", b->id, kEmp, kDate, "14:00");
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(again->slot.time, "14:00");
}

TEST_P(SlotEngineTest, RescheduleOntoBookedSlotKeepsTheOriginal) {
  StatusOr<Booking> a = engine().Confirm("alice", kEmp, kDate, "10:00", "k-a");
  ASSERT_TRUE(engine().Confirm("bob", kEmp, kDate, "11:00", "k-b").ok());
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(engine().Reschedule("alice", a->id, kEmp, kDate, "11:00").status().code(),
            Code::kSlotTaken);
  StatusOr<Booking> still = harness_->store().GetBooking(a->id);
  ASSERT_TRUE(still.ok());
  EXPECT_EQ(still->slot.time, "10:00");
  EXPECT_EQ(still->status, BookingStatus::kActive);
}

TEST_P(SlotEngineTest, RescheduleOntoSlotHeldByAnotherReturnsSlotHeld) {
  StatusOr<Booking> a = engine().Confirm("alice", kEmp, kDate, "10:00", "k-a");
  ASSERT_TRUE(a.ok());
  ASSERT_TRUE(engine().Select("bob", kEmp, kDate, "11:00").ok());
  EXPECT_EQ(engine().Reschedule("alice", a->id, kEmp, kDate, "11:00").status().code(),
            Code::kSlotHeld);
}

TEST_P(SlotEngineTest, RescheduleOfAnotherClientsBookingReturnsNotHolder) {
  StatusOr<Booking> a = engine().Confirm("alice", kEmp, kDate, "10:00", "k-a");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(engine().Reschedule("bob", a->id, kEmp, kDate, "11:00").status().code(),
            Code::kNotHolder);
  EXPECT_EQ(engine().Reschedule("bob", "APT-2026-999999", kEmp, kDate, "11:00").status().code(),
            Code::kNotFound);
}

TEST_P(SlotEngineTest, CancelFreesTheSlotForOthers) {
  StatusOr<Booking> a = engine().Confirm("alice", kEmp, kDate, "10:00", "k-a");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(engine().Cancel("bob", a->id).status().code(), Code::kNotHolder);
  StatusOr<Booking> c = engine().Cancel("alice", a->id);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->status, BookingStatus::kCancelled);
  StatusOr<Booking> again = engine().Cancel("alice", a->id);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->status, BookingStatus::kCancelled);
  EXPECT_TRUE(engine().Select("bob", kEmp, kDate, "10:00").ok());
  StatusOr<Booking> b = engine().Confirm("bob", kEmp, kDate, "10:00", "k-b");
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  EXPECT_EQ(engine().Cancel("bob", "APT-2026-999999").status().code(), Code::kNotFound);
}

struct BadInput {
  const char* what;
  const char* client;
  int emp;
  const char* date;
  const char* time;
  const char* field;  // the message must start with it
};

const BadInput kBadInputs[] = {
    {"malformed date", "alice", kEmp, "2026/12/02", "10:00", "date"},
    {"short date", "alice", kEmp, "2026-12-2", "10:00", "date"},
    {"letters in date", "alice", kEmp, "20x6-12-02", "10:00", "date"},
    {"not a calendar date", "alice", kEmp, "2026-02-30", "10:00", "date"},
    {"date in the past", "alice", kEmp, "2026-11-30", "10:00", "date"},
    {"date too far ahead", "alice", kEmp, "2027-03-01", "10:00", "date"},
    {"malformed time", "alice", kEmp, kDate, "10h00", "time"},
    {"not a time of day", "alice", kEmp, kDate, "25:00", "time"},
    {"time off the grid", "alice", kEmp, kDate, "10:15", "time"},
    {"time before opening", "alice", kEmp, kDate, "08:30", "time"},
    {"time at closing", "alice", kEmp, kDate, "17:00", "time"},
    {"employee zero", "alice", 0, kDate, "10:00", "employee_id"},
    {"unknown employee", "alice", 21, kDate, "10:00", "employee_id"},
    {"empty client", "", kEmp, kDate, "10:00", "client_id"},
    {"client with a space", "ali ce", kEmp, kDate, "10:00", "client_id"},
    {"client with a separator", "ali|ce", kEmp, kDate, "10:00", "client_id"},
    {"client of 65 chars", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
     kEmp, kDate, "10:00", "client_id"},
};

TEST_P(SlotEngineTest, BadInputIsRejectedNamingTheFieldAndWritesNothing) {
  for (const BadInput& in : kBadInputs) {
    SCOPED_TRACE(in.what);
    auto expect_invalid = [&](const Status& s) {
      EXPECT_EQ(s.code(), Code::kInvalidArgument) << s.ToString();
      EXPECT_EQ(s.message().rfind(in.field, 0), 0u) << s.message();
    };
    expect_invalid(engine().Select(in.client, in.emp, in.date, in.time).status());
    expect_invalid(engine().Deselect(in.client, in.emp, in.date, in.time));
    expect_invalid(engine().Confirm(in.client, in.emp, in.date, in.time, "k-bad").status());
    expect_invalid(engine().Poll(in.client, in.emp, in.date, std::string_view(in.time)).status());
  }
  EXPECT_EQ(engine().Confirm("alice", kEmp, kDate, "10:00", "bad key!").status().code(),
            Code::kInvalidArgument);
  EXPECT_EQ(engine().Cancel("alice", "APT 1").status().code(), Code::kInvalidArgument);
  StatusOr<std::vector<Hold>> holds = harness_->store().LiveHolds(clock().Now());
  ASSERT_TRUE(holds.ok());
  EXPECT_TRUE(holds->empty());
  StatusOr<std::vector<Booking>> bookings = harness_->store().ActiveBookings("");
  ASSERT_TRUE(bookings.ok());
  EXPECT_TRUE(bookings->empty());
}

TEST_P(SlotEngineTest, LegacyProfileLetsTheLastWriterTakeAHeldSlot) {
  Build(LegacyPolicy());
  ASSERT_TRUE(engine().Select("alice", kEmp, kDate, "10:00").ok());
  StatusOr<Hold> h = engine().Select("bob", kEmp, kDate, "10:00");
  ASSERT_TRUE(h.ok()) << h.status().ToString();
  EXPECT_EQ(h->client_id, "bob");
  StatusOr<PollResult> r = engine().Poll("alice", kEmp, kDate);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->others_held, Times{"10:00"});
  // Legacy deselect has no owner check either.
  EXPECT_TRUE(engine().Deselect("carol", kEmp, kDate, "10:00").ok());
  EXPECT_EQ(OthersHeld("alice"), Times{});
}

INSTANTIATE_TEST_SUITE_P(Stores, SlotEngineTest,
                         ::testing::Values(Backend::kMemory, Backend::kMySql, Backend::kRedis,
                                           Backend::kFailoverMemory),
                         testing::BackendName);

}  // namespace
}  // namespace slotsim
