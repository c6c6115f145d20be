// MySqlStore against the shared MariaDB (SLOTSIM_MYSQL_URL): the versioned schema, every Store
// contract answer, the unique key on active bookings, races between separate store instances
// (own connections), and re-dialling after the server kills a connection. Each test works in its
// own tables (UniquePrefix) and drops them at the end.
#include "engine/mysql_store.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <iostream>
#include <latch>
#include <map>
#include <thread>
#include <vector>

#include "engine/mysql_connection.h"
#include "engine/mysql_schema.h"
#include "tests/support/servers.h"

namespace slotsim {
namespace {

constexpr int kEmp = 7;
constexpr const char* kDate = "2026-12-01";
constexpr Millis kTtl{300000};

#define EXPECT_OK(expr)                    \
  do {                                     \
    const ::slotsim::Status _s = (expr);   \
    EXPECT_TRUE(_s.ok()) << _s.ToString(); \
  } while (0)
#define ASSERT_OK(expr)                    \
  do {                                     \
    const ::slotsim::Status _s = (expr);   \
    ASSERT_TRUE(_s.ok()) << _s.ToString(); \
  } while (0)

SlotRef Slot(const std::string& time, const std::string& date = kDate, int emp = kEmp) {
  return {emp, date, time};
}

class MySqlStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SLOTSIM_NEED_MYSQL(url);
    options_.url = url;
    options_.table_prefix = testing::UniquePrefix("mys");
    options_.pool_size = 2;
    auto raw = MySqlConnection::Dial(options_, /*with_database=*/true);
    ASSERT_TRUE(raw.ok()) << raw.status().ToString();
    raw_ = std::move(raw).value();
    store_ = std::make_unique<MySqlStore>(options_);
    ASSERT_OK(store_->Open());
  }

  void TearDown() override {
    store_.reset();
    if (raw_ == nullptr) return;
    const std::string& p = options_.table_prefix;
    EXPECT_OK(raw_->Query("DROP TABLE IF EXISTS `" + p + "holds`, `" + p + "bookings`, `" + p +
                          "schema_version`"));
  }

  // A second store over the same tables, with its own connections.
  std::unique_ptr<MySqlStore> OtherStore() {
    auto s = std::make_unique<MySqlStore>(options_);
    Status opened = s->Open();
    EXPECT_TRUE(opened.ok()) << opened.ToString();
    return s;
  }

  std::string Table(const std::string& name) const {
    return "`" + options_.table_prefix + name + "`";
  }

  // A single number from the raw connection.
  int64_t Count(const std::string& sql, const std::vector<SqlParam>& params = {}) {
    auto r = raw_->Execute(sql, params);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    if (!r.ok() || r->rows.size() != 1) return -1;
    return r->rows[0][0].i;
  }

  int64_t ActiveRowsOn(const SlotRef& s) {
    return Count("SELECT COUNT(*) FROM " + Table("bookings") +
                     " WHERE employee_id = ? AND slot_date = ? AND slot_time = ? AND active = 1",
                 {s.employee_id, s.date, s.time});
  }

  static SelectRequest Sel(const std::string& client, const SlotRef& slot, Timestamp now) {
    return SelectRequest{client, slot, now, kTtl, true};
  }

  static ConfirmRequest Conf(const std::string& client, const SlotRef& slot, const std::string& key,
                             Timestamp now) {
    ConfirmRequest r;
    r.client_id = client;
    r.slot = slot;
    r.idempotency_key = key;
    r.now = now;
    return r;
  }

  // A booking made by `client` on `slot` (key "k-<client>-<time>").
  Booking Book(const std::string& client, const SlotRef& slot) {
    const std::string key =
        "k-" + client + "-" + std::to_string(slot.employee_id) + "-" + slot.date + "-" + slot.time;
    auto b = store_->Confirm(Conf(client, slot, key, t0_));
    EXPECT_TRUE(b.ok()) << b.status().ToString();
    return b.ok() ? *b : Booking{};
  }

  MySqlOptions options_;
  std::unique_ptr<MySqlConnection> raw_;
  std::unique_ptr<MySqlStore> store_;
  const Timestamp t0_ = SimClock::DefaultStart();
};

// ---- schema -----------------------------------------------------------------------------

TEST_F(MySqlStoreTest, OpenRecordsTheSchemaVersionAndReopeningIsANoOp) {
  const std::string versions = "SELECT COUNT(*) FROM " + Table("schema_version");
  EXPECT_EQ(Count(versions), MySqlSchemaVersion());
  EXPECT_EQ(Count("SELECT MAX(version) FROM " + Table("schema_version")), MySqlSchemaVersion());
  Booking b = Book("alice", Slot("09:00"));

  EXPECT_OK(store_->Open());
  auto other = OtherStore();
  EXPECT_EQ(Count(versions), MySqlSchemaVersion());
  auto again = other->GetBooking(b.id);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(*again, b);
}

TEST_F(MySqlStoreTest, StoresOpeningAtOnceMigrateFreshTablesOnce) {
  MySqlOptions fresh = options_;
  fresh.table_prefix = testing::UniquePrefix("myf");
  std::vector<Status> opened(8);
  std::vector<std::thread> threads;
  std::latch start(8);
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&, i] {
      MySqlStore s(fresh);
      start.arrive_and_wait();
      opened[i] = s.Open();
    });
  }
  for (auto& t : threads) t.join();
  for (const Status& s : opened) EXPECT_TRUE(s.ok()) << s.ToString();
  const std::string p = fresh.table_prefix;
  EXPECT_EQ(Count("SELECT COUNT(*) FROM `" + p + "schema_version`"), MySqlSchemaVersion());
  EXPECT_OK(raw_->Query("DROP TABLE IF EXISTS `" + p + "holds`, `" + p + "bookings`, `" + p +
                        "schema_version`"));
}

TEST_F(MySqlStoreTest, OpenRefusesASchemaNewerThanThisBuild) {
  auto r = raw_->Execute(
      "INSERT INTO " + Table("schema_version") + " (version, description) VALUES (?, 'future')",
      {MySqlSchemaVersion() + 41});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  MySqlStore newer_db(options_);
  Status s = newer_db.Open();
  EXPECT_EQ(s.code(), Code::kInternal) << s.ToString();
  EXPECT_NE(s.message().find(std::to_string(MySqlSchemaVersion() + 41)), std::string::npos)
      << s.message();
  EXPECT_NE(s.message().find("newer"), std::string::npos) << s.message();
}

TEST_F(MySqlStoreTest, OpenRejectsATablePrefixThatIsNotAnIdentifier) {
  MySqlOptions bad = options_;
  bad.table_prefix = "x`; DROP TABLE y; -- ";
  MySqlStore store(bad);
  EXPECT_EQ(store.Open().code(), Code::kInvalidArgument);
  EXPECT_EQ(store.Ping().code(), Code::kInvalidArgument);
}

TEST_F(MySqlStoreTest, UnreachableServerAnswersUnavailable) {
  MySqlOptions gone = options_;
  gone.url.port = testing::FreeLoopbackPort();
  gone.connect_timeout_s = 1;
  MySqlStore store(gone);
  EXPECT_EQ(store.Open().code(), Code::kUnavailable);
  EXPECT_EQ(store.Select(Sel("alice", Slot("09:00"), t0_)).status().code(), Code::kUnavailable);
  EXPECT_EQ(store.Ping().code(), Code::kUnavailable);
}

// ---- holds ------------------------------------------------------------------------------

TEST_F(MySqlStoreTest, SelectHoldsAFreeSlotUntilNowPlusTtl) {
  auto h = store_->Select(Sel("alice", Slot("09:00"), t0_));
  ASSERT_TRUE(h.ok()) << h.status().ToString();
  EXPECT_EQ(*h, (Hold{"alice", Slot("09:00"), t0_ + kTtl}));
  auto got = store_->GetHold(Slot("09:00"), t0_);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(*got, std::optional<Hold>(*h));
  EXPECT_EQ(store_->mode(), StorageMode::kMySql);
}

TEST_F(MySqlStoreTest, SelectOfAnotherClientsLiveHoldReturnsSlotHeld) {
  ASSERT_TRUE(store_->Select(Sel("alice", Slot("09:00"), t0_)).ok());
  EXPECT_EQ(store_->Select(Sel("bob", Slot("09:00"), t0_ + Millis(1))).status().code(),
            Code::kSlotHeld);
  // The holder re-selecting refreshes the expiry.
  auto again = store_->Select(Sel("alice", Slot("09:00"), t0_ + Millis(5000)));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->expires_at, t0_ + Millis(5000) + kTtl);
}

TEST_F(MySqlStoreTest, SelectWithoutConflictCheckOverwritesTheHolder) {
  ASSERT_TRUE(store_->Select(Sel("alice", Slot("09:00"), t0_)).ok());
  SelectRequest lww = Sel("bob", Slot("09:00"), t0_);
  lww.conflict_check = false;
  ASSERT_TRUE(store_->Select(lww).ok());
  auto got = store_->GetHold(Slot("09:00"), t0_);
  ASSERT_TRUE(got.ok() && got->has_value());
  EXPECT_EQ((*got)->client_id, "bob");
}

TEST_F(MySqlStoreTest, SelectReleasesTheCallersOtherHoldOnThatDayOnly) {
  ASSERT_TRUE(store_->Select(Sel("alice", Slot("09:00"), t0_)).ok());
  ASSERT_TRUE(store_->Select(Sel("alice", Slot("09:00", "2026-12-02"), t0_)).ok());
  ASSERT_TRUE(store_->Select(Sel("alice", Slot("10:00"), t0_)).ok());
  EXPECT_FALSE(store_->GetHold(Slot("09:00"), t0_)->has_value());
  EXPECT_TRUE(store_->GetHold(Slot("10:00"), t0_)->has_value());
  EXPECT_TRUE(store_->GetHold(Slot("09:00", "2026-12-02"), t0_)->has_value());
}

TEST_F(MySqlStoreTest, HoldExpiresExactlyAtItsExpiryOnTheCallersClock) {
  ASSERT_TRUE(store_->Select(Sel("alice", Slot("09:00"), t0_)).ok());
  const Timestamp expiry = t0_ + kTtl;
  EXPECT_TRUE(store_->GetHold(Slot("09:00"), expiry - Millis(1))->has_value());
  EXPECT_EQ(store_->Select(Sel("bob", Slot("09:00"), expiry - Millis(1))).status().code(),
            Code::kSlotHeld);
  EXPECT_FALSE(store_->GetHold(Slot("09:00"), expiry)->has_value());
  auto taken_over = store_->Select(Sel("bob", Slot("09:00"), expiry));
  ASSERT_TRUE(taken_over.ok()) << taken_over.status().ToString();
  EXPECT_EQ(taken_over->client_id, "bob");
}

TEST_F(MySqlStoreTest, SelectOfABookedSlotReturnsSlotBooked) {
  Book("alice", Slot("09:00"));
  EXPECT_EQ(store_->Select(Sel("bob", Slot("09:00"), t0_)).status().code(), Code::kSlotBooked);
  EXPECT_EQ(store_->Select(Sel("alice", Slot("09:00"), t0_)).status().code(), Code::kSlotBooked);
}

TEST_F(MySqlStoreTest, DeselectChecksTheOwnerUnlessToldNotTo) {
  ASSERT_TRUE(store_->Select(Sel("alice", Slot("09:00"), t0_)).ok());
  DeselectRequest bob{"bob", Slot("09:00"), t0_, true};
  EXPECT_EQ(store_->Deselect(bob).code(), Code::kNotHolder);
  EXPECT_TRUE(store_->GetHold(Slot("09:00"), t0_)->has_value());
  EXPECT_OK(store_->Deselect(DeselectRequest{"alice", Slot("09:00"), t0_, true}));
  EXPECT_FALSE(store_->GetHold(Slot("09:00"), t0_)->has_value());
  EXPECT_OK(store_->Deselect(DeselectRequest{"alice", Slot("09:00"), t0_, true}));  // no hold

  ASSERT_TRUE(store_->Select(Sel("alice", Slot("09:00"), t0_)).ok());
  bob.owner_check = false;
  EXPECT_OK(store_->Deselect(bob));
  EXPECT_FALSE(store_->GetHold(Slot("09:00"), t0_)->has_value());

  // Another client's expired hold is no hold.
  ASSERT_TRUE(store_->Select(Sel("alice", Slot("09:00"), t0_)).ok());
  EXPECT_OK(store_->Deselect(DeselectRequest{"bob", Slot("09:00"), t0_ + kTtl, true}));
}

TEST_F(MySqlStoreTest, PollShowsTheDaysLiveHoldsAndBookedTimesSorted) {
  ASSERT_TRUE(store_->Select(Sel("bob", Slot("11:00"), t0_)).ok());
  ASSERT_TRUE(store_->Select(Sel("alice", Slot("09:30"), t0_)).ok());
  ASSERT_TRUE(store_->Select(Sel("carol", Slot("10:00"), t0_ - kTtl + Millis(10))).ok());
  ASSERT_TRUE(store_->Select(Sel("dave", Slot("09:00", "2026-12-02"), t0_)).ok());
  Book("erin", Slot("16:00"));
  Book("frank", Slot("08:00"));

  auto day = store_->Poll(PollRequest{"alice", {kEmp, kDate}, std::nullopt, t0_ + Millis(10)});
  ASSERT_TRUE(day.ok()) << day.status().ToString();
  std::vector<Hold> want = {Hold{"alice", Slot("09:30"), t0_ + kTtl},
                            Hold{"bob", Slot("11:00"), t0_ + kTtl}};
  EXPECT_EQ(day->holds, want);  // carol's expired exactly now; dave's is another day
  EXPECT_EQ(day->booked, (std::vector<std::string>{"08:00", "16:00"}));
  EXPECT_FALSE(day->own.has_value());
  EXPECT_EQ(day->served_by, StorageMode::kMySql);
}

TEST_F(MySqlStoreTest, PollReassertRefreshesRecreatesOrReportsLostAndTaken) {
  auto poll = [&](const std::string& client, const std::string& time, Timestamp now) {
    auto r = store_->Poll(PollRequest{client, {kEmp, kDate}, time, now, kTtl, true});
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() && r->own ? *r->own : HoldAnswer{"none", HoldStatus::kLost, {}};
  };
  ASSERT_TRUE(store_->Select(Sel("alice", Slot("09:00"), t0_)).ok());
  HoldAnswer refreshed = poll("alice", "09:00", t0_ + Millis(5000));
  EXPECT_EQ(refreshed.status, HoldStatus::kHeld);
  EXPECT_EQ(refreshed.expires_at, t0_ + Millis(5000) + kTtl);

  HoldAnswer created = poll("alice", "10:00", t0_ + Millis(6000));  // moves alice's hold
  EXPECT_EQ(created.status, HoldStatus::kHeld);
  EXPECT_FALSE(store_->GetHold(Slot("09:00"), t0_ + Millis(6000))->has_value());

  EXPECT_EQ(poll("bob", "10:00", t0_ + Millis(7000)).status, HoldStatus::kLost);
  Book("carol", Slot("12:00"));
  EXPECT_EQ(poll("bob", "12:00", t0_ + Millis(7000)).status, HoldStatus::kTaken);

  auto lww = store_->Poll(PollRequest{"bob", {kEmp, kDate}, "10:00", t0_, kTtl, false});
  ASSERT_TRUE(lww.ok() && lww->own);
  EXPECT_EQ(lww->own->status, HoldStatus::kHeld);
  EXPECT_EQ((*store_->GetHold(Slot("10:00"), t0_))->client_id, "bob");
}

TEST_F(MySqlStoreTest, ImportHoldsOverwritesSkipsExpiredAndLiveHoldsListsThem) {
  ASSERT_TRUE(store_->Select(Sel("alice", Slot("09:00"), t0_)).ok());
  ASSERT_TRUE(store_->Select(Sel("bob", Slot("10:00"), t0_)).ok());
  std::vector<Hold> incoming = {
      Hold{"carol", Slot("09:00"), t0_ + Millis(60000)},  // overwrites alice
      Hold{"bob", Slot("11:00"), t0_ + Millis(70000)},    // moves bob off 10:00
      Hold{"dave", Slot("12:00"), t0_},                   // expired now: skipped
  };
  EXPECT_OK(store_->ImportHolds(incoming, t0_));
  auto live = store_->LiveHolds(t0_);
  ASSERT_TRUE(live.ok()) << live.status().ToString();
  std::vector<Hold> want = {incoming[0], incoming[1]};
  EXPECT_EQ(*live, want);

  EXPECT_OK(store_->ClearHolds());
  EXPECT_TRUE(store_->LiveHolds(t0_)->empty());
}

TEST_F(MySqlStoreTest, NoteBookedDropsTheHoldAndTheCacheCallsChangeNothingElse) {
  ASSERT_TRUE(store_->Select(Sel("alice", Slot("09:00"), t0_)).ok());
  EXPECT_OK(store_->NoteBooked(Slot("09:00"), "APT-2026-000001"));
  EXPECT_FALSE(store_->GetHold(Slot("09:00"), t0_)->has_value());
  Booking b = Book("bob", Slot("10:00"));
  EXPECT_OK(store_->NoteFreed(Slot("10:00")));
  EXPECT_OK(store_->ReplaceBookedCache({}));
  EXPECT_EQ(*store_->ActiveBookings(""), std::vector<Booking>{b});
  EXPECT_OK(store_->Ping());
}

// ---- bookings ---------------------------------------------------------------------------

TEST_F(MySqlStoreTest, ConfirmBooksWithAStrongIdAndReleasesTheCallersHold) {
  ASSERT_TRUE(store_->Select(Sel("alice", Slot("09:00"), t0_)).ok());
  auto b = store_->Confirm(Conf("alice", Slot("09:00"), "key-1", t0_ + Millis(1000)));
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  EXPECT_EQ(b->id.substr(0, 9), "APT-2026-");
  EXPECT_GE(b->id.size(), 15u);
  EXPECT_EQ(b->client_id, "alice");
  EXPECT_EQ(b->slot, Slot("09:00"));
  EXPECT_EQ(b->idempotency_key, "key-1");
  EXPECT_EQ(b->status, BookingStatus::kActive);
  EXPECT_EQ(b->created_at, t0_ + Millis(1000));
  EXPECT_EQ(*store_->GetBooking(b->id), *b);
  EXPECT_FALSE(store_->GetHold(Slot("09:00"), t0_)->has_value());
  EXPECT_EQ(ActiveRowsOn(Slot("09:00")), 1);
}

TEST_F(MySqlStoreTest, ConfirmOfASlotHeldByAnotherReturnsSlotHeldUnlessHoldsLiveElsewhere) {
  ASSERT_TRUE(store_->Select(Sel("alice", Slot("09:00"), t0_)).ok());
  EXPECT_EQ(store_->Confirm(Conf("bob", Slot("09:00"), "kb", t0_)).status().code(),
            Code::kSlotHeld);
  EXPECT_EQ(ActiveRowsOn(Slot("09:00")), 0);
  ConfirmRequest elsewhere = Conf("bob", Slot("09:00"), "kb", t0_);
  elsewhere.check_holds = false;
  EXPECT_TRUE(store_->Confirm(elsewhere).ok());
  // An expired hold of another client does not block.
  ASSERT_TRUE(store_->Select(Sel("alice", Slot("10:00"), t0_)).ok());
  EXPECT_TRUE(store_->Confirm(Conf("bob", Slot("10:00"), "kb2", t0_ + kTtl)).ok());
}

TEST_F(MySqlStoreTest, ConfirmOfABookedSlotReturnsSlotTakenWithEitherGuard) {
  Book("alice", Slot("09:00"));
  EXPECT_EQ(store_->Confirm(Conf("bob", Slot("09:00"), "kb", t0_)).status().code(),
            Code::kSlotTaken);
  ConfirmRequest legacy = Conf("bob", Slot("09:00"), "kb", t0_);
  legacy.guard = BookingGuard::kCheckThenInsert;
  EXPECT_EQ(store_->Confirm(legacy).status().code(), Code::kSlotTaken);
  legacy.slot = Slot("10:00");
  EXPECT_TRUE(store_->Confirm(legacy).ok());
  EXPECT_EQ(ActiveRowsOn(Slot("09:00")), 1);
}

TEST_F(MySqlStoreTest, ConfirmIsIdempotentOnItsKey) {
  auto first = store_->Confirm(Conf("alice", Slot("09:00"), "same", t0_));
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  auto retry = store_->Confirm(Conf("alice", Slot("09:00"), "same", t0_ + Millis(900)));
  ASSERT_TRUE(retry.ok()) << retry.status().ToString();
  EXPECT_EQ(*retry, *first);
  EXPECT_EQ(store_->Confirm(Conf("alice", Slot("10:00"), "same", t0_)).status().code(),
            Code::kInvalidArgument);
  EXPECT_EQ(store_->Confirm(Conf("bob", Slot("09:00"), "same", t0_)).status().code(),
            Code::kInvalidArgument);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM " + Table("bookings")), 1);
}

TEST_F(MySqlStoreTest, RescheduleMovesTheBookingAndFreesTheOldSlot) {
  Booking b = Book("alice", Slot("09:00"));
  ASSERT_TRUE(store_->Select(Sel("alice", Slot("10:00"), t0_)).ok());
  auto moved = store_->Reschedule(RescheduleRequest{"alice", b.id, Slot("10:00"), t0_});
  ASSERT_TRUE(moved.ok()) << moved.status().ToString();
  EXPECT_EQ(moved->id, b.id);
  EXPECT_EQ(moved->slot, Slot("10:00"));
  EXPECT_EQ(*store_->GetBooking(b.id), *moved);
  EXPECT_EQ(ActiveRowsOn(Slot("09:00")), 0);
  EXPECT_FALSE(store_->GetHold(Slot("10:00"), t0_)->has_value());
  EXPECT_TRUE(store_->Select(Sel("bob", Slot("09:00"), t0_)).ok());
  // Already there: returned unchanged.
  auto same = store_->Reschedule(RescheduleRequest{"alice", b.id, Slot("10:00"), t0_});
  ASSERT_TRUE(same.ok());
  EXPECT_EQ(*same, *moved);
}

TEST_F(MySqlStoreTest, RescheduleRefusalsLeaveTheBookingUntouched) {
  Booking b = Book("alice", Slot("09:00"));
  Book("bob", Slot("10:00"));
  ASSERT_TRUE(store_->Select(Sel("carol", Slot("11:00"), t0_)).ok());
  auto code = [&](const std::string& client, const std::string& id, const std::string& time) {
    return store_->Reschedule(RescheduleRequest{client, id, Slot(time), t0_}).status().code();
  };
  EXPECT_EQ(code("alice", b.id, "10:00"), Code::kSlotTaken);
  EXPECT_EQ(code("alice", b.id, "11:00"), Code::kSlotHeld);
  EXPECT_EQ(code("bob", b.id, "12:00"), Code::kNotHolder);
  EXPECT_EQ(code("alice", "APT-2026-999999", "12:00"), Code::kNotFound);
  EXPECT_EQ(*store_->GetBooking(b.id), b);
  ASSERT_TRUE(store_->Cancel(CancelRequest{"alice", b.id, t0_}).ok());
  EXPECT_EQ(code("alice", b.id, "12:00"), Code::kNotFound);
}

TEST_F(MySqlStoreTest, CancelIsOwnerOnlyIdempotentAndFreesTheSlot) {
  Booking b = Book("alice", Slot("09:00"));
  EXPECT_EQ(store_->Cancel(CancelRequest{"bob", b.id, t0_}).status().code(), Code::kNotHolder);
  EXPECT_EQ(store_->Cancel(CancelRequest{"alice", "APT-2026-999999", t0_}).status().code(),
            Code::kNotFound);
  auto cancelled = store_->Cancel(CancelRequest{"alice", b.id, t0_});
  ASSERT_TRUE(cancelled.ok()) << cancelled.status().ToString();
  EXPECT_EQ(cancelled->status, BookingStatus::kCancelled);
  auto again = store_->Cancel(CancelRequest{"alice", b.id, t0_});
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, *cancelled);
  EXPECT_EQ(*store_->GetBooking(b.id), *cancelled);
  // The slot is free again, and cancelled rows never block it.
  Booking second = Book("bob", Slot("09:00"));
  ASSERT_TRUE(store_->Cancel(CancelRequest{"bob", second.id, t0_}).ok());
  Book("carol", Slot("09:00"));
  EXPECT_EQ(ActiveRowsOn(Slot("09:00")), 1);
}

TEST_F(MySqlStoreTest, ActiveBookingsFiltersByDateAndOrdersById) {
  Booking late = Book("alice", Slot("09:00", "2026-12-05"));
  Booking early = Book("bob", Slot("09:00", "2026-12-01"));
  Booking gone = Book("carol", Slot("10:00", "2026-12-05"));
  Booking mid = Book("dave", Slot("11:00", "2026-12-03"));
  ASSERT_TRUE(store_->Cancel(CancelRequest{"carol", gone.id, t0_}).ok());
  EXPECT_EQ(*store_->ActiveBookings(""), (std::vector<Booking>{late, early, mid}));
  EXPECT_EQ(*store_->ActiveBookings("2026-12-03"), (std::vector<Booking>{late, mid}));
  EXPECT_EQ(store_->GetBooking("APT-2026-999999").status().code(), Code::kNotFound);
}

TEST_F(MySqlStoreTest, TruncateForTestEmptiesBothTables) {
  Book("alice", Slot("09:00"));
  ASSERT_TRUE(store_->Select(Sel("bob", Slot("10:00"), t0_)).ok());
  EXPECT_OK(store_->TruncateForTest());
  EXPECT_TRUE(store_->ActiveBookings("")->empty());
  EXPECT_TRUE(store_->LiveHolds(t0_)->empty());
}

// ---- the constraint itself --------------------------------------------------------------

TEST_F(MySqlStoreTest, UniqueKeyRejectsASecondActiveRowButNotCancelledRows) {
  Book("alice", Slot("09:00"));
  const std::string insert = "INSERT INTO " + Table("bookings") +
                             " (client_id, employee_id, slot_date, slot_time, status, active,"
                             " created_at_ms) VALUES ('raw', ?, ?, ?, ?, ?, 0)";
  const SlotRef s = Slot("09:00");
  auto second = raw_->Execute(insert, {s.employee_id, s.date, s.time, "active", 1});
  EXPECT_FALSE(second.ok());
  EXPECT_EQ(raw_->last_errno(), kErDupEntry) << raw_->last_error();
  for (int i = 0; i < 2; ++i) {
    auto cancelled = raw_->Execute(insert, {s.employee_id, s.date, s.time, "cancelled", nullptr});
    EXPECT_TRUE(cancelled.ok()) << cancelled.status().ToString();
  }
  EXPECT_EQ(ActiveRowsOn(s), 1);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM " + Table("bookings")), 3);
}

// ---- races on the real server -------------------------------------------------------------

// Runs fn(i) on n threads, each with its own MySqlStore, released together.
std::vector<Status> Race(const MySqlOptions& options, int n,
                         const std::function<Status(MySqlStore&, int)>& fn) {
  std::vector<std::unique_ptr<MySqlStore>> stores;
  for (int i = 0; i < n; ++i) {
    MySqlOptions o = options;
    o.pool_size = 1;
    stores.push_back(std::make_unique<MySqlStore>(o));
    EXPECT_TRUE(stores.back()->Ping().ok());  // dial before the start line
  }
  std::vector<Status> out(n);
  std::latch start(n);
  std::vector<std::thread> threads;
  for (int i = 0; i < n; ++i) {
    threads.emplace_back([&, i] {
      start.arrive_and_wait();
      out[i] = fn(*stores[i], i);
    });
  }
  for (auto& t : threads) t.join();
  return out;
}

std::map<Code, int> Tally(const std::vector<Status>& results) {
  std::map<Code, int> n;
  for (const Status& s : results) ++n[s.code()];
  return n;
}

std::string Describe(const std::map<Code, int>& tally) {
  std::string out;
  for (auto [code, n] : tally) out += std::string(CodeName(code)) + "=" + std::to_string(n) + " ";
  return out;
}

TEST_F(MySqlStoreTest, SixteenConcurrentConfirmsOfOneSlotBookItExactlyOnce) {
  const SlotRef s = Slot("09:00");
  auto results = Race(options_, 16, [&](MySqlStore& st, int i) {
    std::string c = "client" + std::to_string(i);
    return st.Confirm(Conf(c, s, "key-" + c, t0_)).status();
  });
  auto tally = Tally(results);
  EXPECT_EQ(tally[Code::kOk], 1) << Describe(tally);
  EXPECT_EQ(tally[Code::kSlotTaken], 15) << Describe(tally);
  EXPECT_EQ(ActiveRowsOn(s), 1);
}

TEST_F(MySqlStoreTest, SixteenConcurrentCheckThenInsertConfirmsNeverDoubleBook) {
  // The legacy guard: SELECT ... FOR UPDATE (REPEATABLE READ gap locks) then INSERT. Its race
  // surfaces as deadlocks (retried, then Unavailable) or SlotTaken; the unique key still holds.
  const SlotRef s = Slot("09:00");
  auto results = Race(options_, 16, [&](MySqlStore& st, int i) {
    std::string c = "client" + std::to_string(i);
    ConfirmRequest r = Conf(c, s, "key-" + c, t0_);
    r.guard = BookingGuard::kCheckThenInsert;
    r.check_holds = false;  // as with holds in Redis: nothing serializes before the check
    return st.Confirm(r).status();
  });
  auto tally = Tally(results);
  std::cout << "[ check-then-insert ] " << Describe(tally) << "\n";
  RecordProperty("check_then_insert_outcomes", Describe(tally));
  EXPECT_EQ(tally[Code::kOk], 1) << Describe(tally);
  EXPECT_EQ(tally[Code::kOk] + tally[Code::kSlotTaken] + tally[Code::kUnavailable], 16)
      << Describe(tally);
  EXPECT_EQ(ActiveRowsOn(s), 1);
}

TEST_F(MySqlStoreTest, SixteenConcurrentSelectsOfOneSlotHaveExactlyOneHolder) {
  const SlotRef s = Slot("09:00");
  std::vector<std::string> holder(16);
  auto results = Race(options_, 16, [&](MySqlStore& st, int i) {
    return st.Select(Sel("client" + std::to_string(i), s, t0_)).status();
  });
  auto tally = Tally(results);
  EXPECT_EQ(tally[Code::kOk], 1) << Describe(tally);
  EXPECT_EQ(tally[Code::kSlotHeld], 15) << Describe(tally);
  int winner = -1;
  for (int i = 0; i < 16; ++i) {
    if (results[i].ok()) winner = i;
  }
  auto got = store_->GetHold(s, t0_);
  ASSERT_TRUE(got.ok() && got->has_value());
  EXPECT_EQ((*got)->client_id, "client" + std::to_string(winner));
}

TEST_F(MySqlStoreTest, ClientsWorkingOnDifferentSlotsOfOneDayNeverFail) {
  // The heartbeat pattern: everyone selects, re-asserts, books and cancels on the same day.
  auto results = Race(options_, 8, [&](MySqlStore& st, int i) -> Status {
    const std::string c = "client" + std::to_string(i);
    const SlotRef mine = Slot(std::to_string(10 + i) + ":00");
    for (int round = 0; round < 20; ++round) {
      const Timestamp now = t0_ + Millis(round);
      SLOTSIM_RETURN_IF_ERROR(st.Select(Sel(c, mine, now)).status());
      auto polled = st.Poll(PollRequest{c, {kEmp, kDate}, mine.time, now, kTtl, true});
      SLOTSIM_RETURN_IF_ERROR(polled.status());
      if (!polled->own || polled->own->status != HoldStatus::kHeld) return Status::Internal("lost");
      auto b = st.Confirm(Conf(c, mine, c + "-" + std::to_string(round), now));
      SLOTSIM_RETURN_IF_ERROR(b.status());
      SLOTSIM_RETURN_IF_ERROR(st.Cancel(CancelRequest{c, b->id, now}).status());
    }
    return Status::Ok();
  });
  for (const Status& s : results) EXPECT_TRUE(s.ok()) << s.ToString();
  EXPECT_TRUE(store_->ActiveBookings("")->empty());
}

TEST_F(MySqlStoreTest, ConfirmRetriedConcurrentlyWithOneKeyMakesOneBooking) {
  const SlotRef s = Slot("09:00");
  std::vector<std::string> ids(8);
  auto results = Race(options_, 8, [&](MySqlStore& st, int i) {
    auto b = st.Confirm(Conf("alice", s, "one-key", t0_));
    if (b.ok()) ids[i] = b->id;
    return b.status();
  });
  auto tally = Tally(results);
  EXPECT_EQ(tally[Code::kOk], 8) << Describe(tally);
  for (const std::string& id : ids) EXPECT_EQ(id, ids[0]);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM " + Table("bookings")), 1);
}

TEST_F(MySqlStoreTest, RescheduleRacingAConfirmNeverDoubleBooksNorLosesTheBooking) {
  auto mover_store = OtherStore();
  auto rival_store = OtherStore();
  std::map<std::string, int> outcomes;
  for (int round = 0; round < 50; ++round) {
    const SlotRef from = Slot("09:00", kDate, 100 + round);
    const SlotRef to = Slot("10:00", kDate, 100 + round);
    Booking b = Book("mover", from);
    Status moved, rival;
    std::latch start(2);
    std::thread t1([&] {
      start.arrive_and_wait();
      moved = mover_store->Reschedule(RescheduleRequest{"mover", b.id, to, t0_}).status();
    });
    std::thread t2([&] {
      start.arrive_and_wait();
      rival = rival_store->Confirm(Conf("rival", to, "r" + std::to_string(round), t0_)).status();
    });
    t1.join();
    t2.join();
    ++outcomes[std::string(CodeName(moved.code())) + "/" + std::string(CodeName(rival.code()))];
    EXPECT_LE(ActiveRowsOn(to), 1) << "round " << round;
    EXPECT_EQ(ActiveRowsOn(to), (moved.ok() ? 1 : 0) + (rival.ok() ? 1 : 0)) << "round " << round;
    auto now = store_->GetBooking(b.id);
    ASSERT_TRUE(now.ok()) << now.status().ToString();
    EXPECT_EQ(now->status, BookingStatus::kActive) << "round " << round;
    EXPECT_EQ(now->slot, moved.ok() ? to : from) << "round " << round;
    EXPECT_EQ(ActiveRowsOn(from), moved.ok() ? 0 : 1) << "round " << round;
    if (!moved.ok()) {
      EXPECT_EQ(moved.code(), Code::kSlotTaken) << moved.ToString();
    }
    if (!rival.ok()) {
      EXPECT_EQ(rival.code(), Code::kSlotTaken) << rival.ToString();
    }
  }
  for (auto& [k, n] : outcomes) std::cout << "[ reschedule/confirm ] " << k << " x" << n << "\n";
}

// ---- lost connections and bounded waits --------------------------------------------------

// The store's pooled connections, found through a database only this test uses.
class MySqlStoreKillTest : public MySqlStoreTest {
 protected:
  void SetUp() override {
    MySqlStoreTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    private_ = options_;
    private_.url.database = "slotsim_" + options_.table_prefix + "kill";
    killable_ = std::make_unique<MySqlStore>(private_);
    ASSERT_OK(killable_->Open());
  }
  void TearDown() override {
    killable_.reset();
    if (raw_ != nullptr && !private_.url.database.empty()) {
      EXPECT_OK(raw_->Query("DROP DATABASE IF EXISTS `" + private_.url.database + "`"));
    }
    MySqlStoreTest::TearDown();
  }

  std::vector<int64_t> ServerIds() {
    auto r = raw_->Execute("SELECT ID FROM information_schema.PROCESSLIST WHERE DB = ? ORDER BY ID",
                           {private_.url.database});
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    std::vector<int64_t> ids;
    if (r.ok()) {
      for (const SqlRow& row : r->rows) ids.push_back(row[0].i);
    }
    return ids;
  }

  // KILLs every connection to the private database.
  void KillAll() {
    for (int64_t id : ServerIds()) {
      raw_->Query("KILL " + std::to_string(id))
          .IgnoreError("a connection may close between the listing and its KILL");
    }
  }

  MySqlOptions private_;
  std::unique_ptr<MySqlStore> killable_;
};

TEST_F(MySqlStoreKillTest, KilledIdleConnectionIsRedialledOnTheNextCall) {
  ASSERT_TRUE(killable_->Select(Sel("alice", Slot("09:00"), t0_)).ok());
  std::vector<int64_t> before = ServerIds();
  ASSERT_FALSE(before.empty());
  KillAll();

  // A read (one statement) and then a transaction, each on a killed connection.
  auto day = killable_->Poll(PollRequest{"bob", {kEmp, kDate}, std::nullopt, t0_});
  ASSERT_TRUE(day.ok()) << day.status().ToString();
  EXPECT_EQ(day->holds.size(), 1u);
  std::vector<int64_t> after = ServerIds();
  ASSERT_FALSE(after.empty());
  for (int64_t id : after) EXPECT_EQ(std::count(before.begin(), before.end(), id), 0) << id;

  KillAll();
  auto booked = killable_->Confirm(Conf("alice", Slot("09:00"), "k", t0_));
  ASSERT_TRUE(booked.ok()) << booked.status().ToString();
  EXPECT_EQ(booked->slot, Slot("09:00"));
}

TEST_F(MySqlStoreKillTest, LockWaitPastTheDeadlineAnswersTimeoutAndAFullPoolTimesOut) {
  MySqlOptions o = private_;
  o.read_timeout_s = 4;  // lock waits end after 3 s: ample time to observe the starved pool
  o.pool_size = 1;
  o.pool_wait = Millis(100);
  MySqlStore store(o);
  ASSERT_TRUE(store.Select(Sel("alice", Slot("09:00"), t0_)).ok());
  // A second raw session locks the hold row and sits on it.
  auto locker = MySqlConnection::Dial(private_, true);
  ASSERT_TRUE(locker.ok());
  ASSERT_OK((*locker)->Query("START TRANSACTION"));
  auto locked = (*locker)->Execute(
      "SELECT client_id FROM `" + options_.table_prefix + "holds` WHERE employee_id = ? FOR UPDATE",
      {kEmp});
  ASSERT_TRUE(locked.ok()) << locked.status().ToString();

  Status blocked;
  std::thread waiter([&] { blocked = store.Select(Sel("bob", Slot("09:00"), t0_)).status(); });
  // Once the waiter's statement sits in the lock wait, it holds the pool's only connection
  // and another call cannot get one.
  bool waiting = false;
  for (int i = 0; i < 100 && !waiting; ++i) {
    auto r = raw_->Execute(
        "SELECT COUNT(*) FROM information_schema.PROCESSLIST"
        " WHERE DB = ? AND COMMAND = 'Execute' AND ID <> CONNECTION_ID()",
        {private_.url.database});
    waiting = r.ok() && r->rows[0][0].i == 1;
    if (!waiting) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_TRUE(waiting);
  Status starved = store.GetHold(Slot("09:00"), t0_).status();
  waiter.join();
  EXPECT_EQ(starved.code(), Code::kTimeout) << starved.ToString();
  EXPECT_NE(starved.message().find("no free connection"), std::string::npos) << starved.message();
  EXPECT_EQ(blocked.code(), Code::kTimeout) << blocked.ToString();
  EXPECT_NE(blocked.message().find("Lock wait"), std::string::npos) << blocked.message();
  (*locker)->RollbackQuietly();
  EXPECT_EQ(store.Select(Sel("bob", Slot("09:00"), t0_)).status().code(), Code::kSlotHeld);
}

}  // namespace
}  // namespace slotsim
