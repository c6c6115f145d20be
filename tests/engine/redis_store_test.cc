// RedisStore: hold semantics against the shared Redis (each test under its own key prefix),
// and round-trip counting and faults against private redis-server children. Expiry is decided
// by the `now` each request carries, so no test sleeps to let a hold expire.
#include "engine/redis_store.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <latch>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "engine/redis_connection.h"
#include "tests/support/servers.h"

namespace slotsim {
namespace {

using ::slotsim::testing::RedisProcess;
using std::chrono::steady_clock;

const Timestamp kNow = FromUnixMillis(1'800'000'000'000);  // 2027-01-15
constexpr Millis kTtl{300000};
constexpr int kEmp = 7;
const std::string kDate = "2027-01-15";

SlotRef Slot(const std::string& time, int emp = kEmp, const std::string& date = kDate) {
  return {emp, date, time};
}

std::vector<std::string> HoldTimes(const std::vector<Hold>& holds) {
  std::vector<std::string> out;
  for (const Hold& h : holds) out.push_back(h.client_id + "@" + h.slot.date + "/" + h.slot.time);
  return out;
}

class RedisStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SLOTSIM_NEED_REDIS(url);
    shared_url_ = url;
    store_ = MakeStore(url);
  }

  void TearDown() override {
    for (auto& s : stores_) {
      if (s.shared) {
        EXPECT_TRUE(s.store->FlushForTest().ok());
      }
    }
  }

  // A store on `url` under a fresh key prefix; flushed at the end if on the shared server.
  RedisStore* MakeStore(const RedisUrl& url, Millis deadline = Millis(2000), int pool_size = 8) {
    RedisOptions o;
    o.url = url;
    o.deadline = deadline;
    o.pool_size = pool_size;
    o.key_prefix = slotsim::testing::UniquePrefix("rs");
    stores_.push_back(
        {std::make_unique<RedisStore>(o), url.port == shared_url_.port, o.key_prefix});
    return stores_.back().store.get();
  }

  const std::string& PrefixOf(const RedisStore* store) const {
    for (const auto& s : stores_) {
      if (s.store.get() == store) return s.prefix;
    }
    static const std::string none;
    return none;
  }

  StatusOr<Hold> Select(const std::string& client, const std::string& time, Timestamp now = kNow,
                        bool conflict_check = true, Millis ttl = kTtl) {
    return store_->Select({client, Slot(time), now, ttl, conflict_check});
  }

  Status Deselect(const std::string& client, const std::string& time, Timestamp now = kNow,
                  bool owner_check = true) {
    return store_->Deselect({client, Slot(time), now, owner_check});
  }

  StatusOr<DayState> Poll(const std::string& client, std::optional<std::string> reassert,
                          Timestamp now = kNow, bool conflict_check = true) {
    return store_->Poll({client, {kEmp, kDate}, std::move(reassert), now, kTtl, conflict_check});
  }

  // The owner of the live hold on `time` ("" when free).
  std::string Owner(const std::string& time, Timestamp now = kNow) {
    StatusOr<std::optional<Hold>> h = store_->GetHold(Slot(time), now);
    EXPECT_TRUE(h.ok()) << h.status().ToString();
    return h.ok() && h->has_value() ? (*h)->client_id : "";
  }

  // A private redis-server, or nullptr after recording why.
  std::unique_ptr<RedisProcess> StartPrivateRedis() {
    StatusOr<std::unique_ptr<RedisProcess>> p = RedisProcess::Start();
    if (!p.ok()) {
      ADD_FAILURE() << "cannot start a private redis-server: " << p.status().ToString();
      return nullptr;
    }
    return std::move(p).value();
  }

  struct OwnedStore {
    std::unique_ptr<RedisStore> store;
    bool shared;
    std::string prefix;
  };
  RedisUrl shared_url_;
  std::vector<OwnedStore> stores_;
  RedisStore* store_ = nullptr;
};

// An admin connection for inspecting a server behind the store's back.
std::unique_ptr<RedisConnection> Admin(const RedisUrl& url) {
  StatusOr<std::unique_ptr<RedisConnection>> c = RedisConnection::Dial(url, Millis(2000));
  EXPECT_TRUE(c.ok()) << c.status().ToString();
  return c.ok() ? std::move(c).value() : nullptr;
}

RedisReply AdminRun(RedisConnection& conn, const RedisCommand& cmd) {
  StatusOr<RedisReply> r = conn.Command(cmd, Millis(2000));
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? std::move(r).value() : RedisReply{};
}

// ---- hold semantics ------------------------------------------------------------------------

TEST_F(RedisStoreTest, SelectOfFreeSlotHoldsItUntilNowPlusTtl) {
  StatusOr<Hold> h = Select("alice", "09:00");
  ASSERT_TRUE(h.ok()) << h.status().ToString();
  EXPECT_EQ(h->client_id, "alice");
  EXPECT_EQ(h->slot, Slot("09:00"));
  EXPECT_EQ(h->expires_at, kNow + kTtl);
  StatusOr<std::optional<Hold>> got = store_->GetHold(Slot("09:00"), kNow);
  ASSERT_TRUE(got.ok());
  ASSERT_TRUE(got->has_value());
  EXPECT_EQ(**got, *h);
  EXPECT_EQ(store_->mode(), StorageMode::kRedis);
}

TEST_F(RedisStoreTest, SelectOfSlotHeldByAnotherClientReturnsSlotHeld) {
  ASSERT_TRUE(Select("alice", "09:00").ok());
  EXPECT_EQ(Select("bob", "09:00").status().code(), Code::kSlotHeld);
  EXPECT_EQ(Owner("09:00"), "alice");
}

TEST_F(RedisStoreTest, SelectOfOwnHeldSlotRefreshesExpiry) {
  ASSERT_TRUE(Select("alice", "09:00").ok());
  const Timestamp later = kNow + Millis(10000);
  StatusOr<Hold> h = Select("alice", "09:00", later);
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->expires_at, later + kTtl);
  EXPECT_EQ(Owner("09:00", kNow + kTtl + Millis(5000)), "alice");
}

TEST_F(RedisStoreTest, SelectOfAnotherSlotReleasesPreviousHoldOfTheSameDayOnly) {
  ASSERT_TRUE(Select("alice", "09:00").ok());
  ASSERT_TRUE(store_->Select({"alice", Slot("09:00", kEmp, "2027-01-16"), kNow, kTtl}).ok());
  ASSERT_TRUE(store_->Select({"alice", Slot("09:00", kEmp + 1), kNow, kTtl}).ok());
  ASSERT_TRUE(Select("alice", "10:00").ok());
  EXPECT_EQ(Owner("09:00"), "");
  EXPECT_EQ(Owner("10:00"), "alice");
  StatusOr<std::vector<Hold>> all = store_->LiveHolds(kNow);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(HoldTimes(*all),
            (std::vector<std::string>{"alice@2027-01-15/10:00", "alice@2027-01-16/09:00",
                                      "alice@2027-01-15/09:00"}));
}

TEST_F(RedisStoreTest, SelectWithoutConflictCheckOverwritesAnotherClientsHold) {
  ASSERT_TRUE(Select("alice", "09:00").ok());
  StatusOr<Hold> h = Select("bob", "09:00", kNow + Millis(1), /*conflict_check=*/false);
  ASSERT_TRUE(h.ok()) << h.status().ToString();
  EXPECT_EQ(Owner("09:00"), "bob");
}

TEST_F(RedisStoreTest, SelectOfBookedSlotReturnsSlotBookedEvenWithoutConflictCheck) {
  ASSERT_TRUE(store_->NoteBooked(Slot("09:00"), "APT-2027-000001").ok());
  EXPECT_EQ(Select("alice", "09:00").status().code(), Code::kSlotBooked);
  EXPECT_EQ(Select("alice", "09:00", kNow, false).status().code(), Code::kSlotBooked);
  EXPECT_EQ(Owner("09:00"), "");
}

TEST_F(RedisStoreTest, NoteBookedDropsTheHoldAndNoteFreedReopensTheSlot) {
  ASSERT_TRUE(Select("alice", "09:00").ok());
  ASSERT_TRUE(store_->NoteBooked(Slot("09:00"), "APT-2027-000001").ok());
  EXPECT_EQ(Owner("09:00"), "");
  StatusOr<DayState> day = Poll("", std::nullopt);
  ASSERT_TRUE(day.ok());
  EXPECT_TRUE(day->holds.empty());
  EXPECT_EQ(day->booked, std::vector<std::string>{"09:00"});
  ASSERT_TRUE(store_->NoteFreed(Slot("09:00")).ok());
  EXPECT_TRUE(Select("bob", "09:00").ok());
}

TEST_F(RedisStoreTest, DeselectReleasesOnlyTheCallersHold) {
  ASSERT_TRUE(Select("alice", "09:00").ok());
  EXPECT_EQ(Deselect("bob", "09:00").code(), Code::kNotHolder);
  EXPECT_EQ(Owner("09:00"), "alice");
  EXPECT_TRUE(Deselect("alice", "09:00").ok());
  EXPECT_EQ(Owner("09:00"), "");
  EXPECT_TRUE(Deselect("alice", "09:00").ok()) << "no hold at all is OK";
}

TEST_F(RedisStoreTest, DeselectWithoutOwnerCheckReleasesAnotherClientsHold) {
  ASSERT_TRUE(Select("alice", "09:00").ok());
  EXPECT_TRUE(Deselect("bob", "09:00", kNow, /*owner_check=*/false).ok());
  EXPECT_EQ(Owner("09:00"), "");
}

TEST_F(RedisStoreTest, DeselectOfExpiredHoldOfAnotherClientIsOk) {
  ASSERT_TRUE(Select("alice", "09:00").ok());
  EXPECT_TRUE(Deselect("bob", "09:00", kNow + kTtl).ok());
}

TEST_F(RedisStoreTest, HoldIsLiveOneMillisecondBeforeExpiryAndGoneAtExpiry) {
  ASSERT_TRUE(Select("alice", "09:00").ok());
  const Timestamp expiry = kNow + kTtl;
  const Timestamp before = expiry - Millis(1);
  EXPECT_EQ(Owner("09:00", before), "alice");
  EXPECT_EQ(Owner("09:00", expiry), "");
  StatusOr<DayState> at_before = Poll("", std::nullopt, before);
  ASSERT_TRUE(at_before.ok());
  EXPECT_EQ(at_before->holds.size(), 1u);
  EXPECT_EQ(Select("bob", "09:00", before).status().code(), Code::kSlotHeld);
  EXPECT_EQ(Deselect("bob", "09:00", before).code(), Code::kNotHolder);
  StatusOr<DayState> at_expiry = Poll("", std::nullopt, expiry);
  ASSERT_TRUE(at_expiry.ok());
  EXPECT_TRUE(at_expiry->holds.empty());
  EXPECT_TRUE(Select("bob", "09:00", expiry).ok());
  EXPECT_EQ(Owner("09:00", expiry), "bob");
}

TEST_F(RedisStoreTest, PollReturnsLiveHoldsAndBookedTimesSorted) {
  ASSERT_TRUE(Select("carol", "11:00").ok());
  ASSERT_TRUE(Select("alice", "09:00").ok());
  ASSERT_TRUE(Select("bob", "10:00", kNow, true, Millis(1000)).ok());  // expires first
  ASSERT_TRUE(store_->Select({"dave", Slot("09:30", kEmp + 1), kNow, kTtl}).ok());
  ASSERT_TRUE(store_->NoteBooked(Slot("14:00"), "APT-2027-000002").ok());
  ASSERT_TRUE(store_->NoteBooked(Slot("09:30"), "APT-2027-000003").ok());
  StatusOr<DayState> day = Poll("", std::nullopt, kNow + Millis(1000));
  ASSERT_TRUE(day.ok()) << day.status().ToString();
  EXPECT_EQ(HoldTimes(day->holds),
            (std::vector<std::string>{"alice@2027-01-15/09:00", "carol@2027-01-15/11:00"}));
  EXPECT_EQ(day->holds[0].expires_at, kNow + kTtl);
  EXPECT_EQ(day->booked, (std::vector<std::string>{"09:30", "14:00"}));
  EXPECT_FALSE(day->own.has_value());
  EXPECT_EQ(day->served_by, StorageMode::kRedis);
}

TEST_F(RedisStoreTest, PollReassertRefreshesTheCallersHold) {
  ASSERT_TRUE(Select("alice", "09:00").ok());
  const Timestamp later = kNow + Millis(5000);
  StatusOr<DayState> day = Poll("alice", "09:00", later);
  ASSERT_TRUE(day.ok()) << day.status().ToString();
  ASSERT_TRUE(day->own.has_value());
  EXPECT_EQ(day->own->time, "09:00");
  EXPECT_EQ(day->own->status, HoldStatus::kHeld);
  EXPECT_EQ(day->own->expires_at, later + kTtl);
  ASSERT_EQ(day->holds.size(), 1u);
  EXPECT_EQ(day->holds[0].expires_at, later + kTtl);
  EXPECT_EQ(Owner("09:00", kNow + kTtl), "alice");
}

TEST_F(RedisStoreTest, PollReassertRecreatesAFreeHoldAndReleasesTheOtherOne) {
  ASSERT_TRUE(Select("alice", "10:00").ok());
  StatusOr<DayState> day = Poll("alice", "09:00");
  ASSERT_TRUE(day.ok());
  ASSERT_TRUE(day->own.has_value());
  EXPECT_EQ(day->own->status, HoldStatus::kHeld);
  EXPECT_EQ(HoldTimes(day->holds), std::vector<std::string>{"alice@2027-01-15/09:00"});
  EXPECT_EQ(Owner("10:00"), "");
}

TEST_F(RedisStoreTest, PollReassertOfAnotherClientsHoldIsLost) {
  ASSERT_TRUE(Select("bob", "09:00").ok());
  StatusOr<DayState> day = Poll("alice", "09:00");
  ASSERT_TRUE(day.ok());
  ASSERT_TRUE(day->own.has_value());
  EXPECT_EQ(day->own->status, HoldStatus::kLost);
  EXPECT_EQ(Owner("09:00"), "bob");
}

TEST_F(RedisStoreTest, PollReassertWithoutConflictCheckOverwrites) {
  ASSERT_TRUE(Select("bob", "09:00").ok());
  StatusOr<DayState> day = Poll("alice", "09:00", kNow, /*conflict_check=*/false);
  ASSERT_TRUE(day.ok());
  EXPECT_EQ(day->own->status, HoldStatus::kHeld);
  EXPECT_EQ(Owner("09:00"), "alice");
}

TEST_F(RedisStoreTest, PollReassertOfBookedSlotIsTaken) {
  ASSERT_TRUE(store_->NoteBooked(Slot("09:00"), "APT-2027-000004").ok());
  StatusOr<DayState> day = Poll("alice", "09:00", kNow, false);
  ASSERT_TRUE(day.ok());
  EXPECT_EQ(day->own->status, HoldStatus::kTaken);
  EXPECT_EQ(Owner("09:00"), "");
}

TEST_F(RedisStoreTest, ImportHoldsOverwritesAndKeepsOneHoldPerClientPerDay) {
  ASSERT_TRUE(Select("alice", "09:00").ok());
  ASSERT_TRUE(Select("frank", "12:00").ok());
  const Timestamp e1 = kNow + Millis(60000), e2 = kNow + Millis(120000);
  std::vector<Hold> in = {
      {"bob", Slot("09:00"), e1},     // overwrites alice
      {"carol", Slot("10:00"), e1},   //
      {"carol", Slot("11:00"), e2},   // carol's later hold wins
      {"dave", Slot("13:00"), kNow},  // expired: skipped
      {"frank", Slot("13:30"), e2},   // releases frank's 12:00
      {"erin", Slot("09:00", kEmp, "2027-01-16"), e1},
  };
  ASSERT_TRUE(store_->ImportHolds(in, kNow).ok());
  StatusOr<std::vector<Hold>> all = store_->LiveHolds(kNow);
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  EXPECT_EQ(HoldTimes(*all),
            (std::vector<std::string>{"bob@2027-01-15/09:00", "carol@2027-01-15/11:00",
                                      "frank@2027-01-15/13:30", "erin@2027-01-16/09:00"}));
  ASSERT_EQ(all->size(), 4u);
  EXPECT_EQ((*all)[0].expires_at, e1);
  EXPECT_EQ((*all)[1].expires_at, e2);
}

TEST_F(RedisStoreTest, ImportHoldsOfManyDaysSpansSeveralScriptCalls) {
  std::vector<Hold> in;
  for (int emp = 0; emp < 40; ++emp) {
    for (int slot = 0; slot < 17; ++slot) {  // 17 a day: some days span two script calls
      const std::string time = (slot < 10 ? "0" : "") + std::to_string(slot) + ":00";
      in.push_back({"c" + std::to_string(emp) + "_" + std::to_string(slot),
                    {emp, kDate, time},
                    kNow + kTtl});
    }
  }
  ASSERT_TRUE(store_->ImportHolds(in, kNow).ok());
  StatusOr<std::vector<Hold>> all = store_->LiveHolds(kNow);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(*all, in);  // `in` is already in LiveHolds' (employee, date, time) order
}

TEST_F(RedisStoreTest, LiveHoldsListsEveryLiveHoldOfEveryDay) {
  ASSERT_TRUE(Select("alice", "09:00").ok());
  ASSERT_TRUE(Select("bob", "10:00", kNow, true, Millis(1000)).ok());
  ASSERT_TRUE(store_->Select({"carol", Slot("11:00", 3, "2027-02-01"), kNow, kTtl}).ok());
  ASSERT_TRUE(store_->Select({"dave", Slot("08:00", 9, "2027-01-01"), kNow, kTtl}).ok());
  ASSERT_TRUE(store_->Deselect({"dave", Slot("08:00", 9, "2027-01-01"), kNow}).ok());
  StatusOr<std::vector<Hold>> all = store_->LiveHolds(kNow + Millis(1000));
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  EXPECT_EQ(HoldTimes(*all),
            (std::vector<std::string>{"carol@2027-02-01/11:00", "alice@2027-01-15/09:00"}));
  // The emptied day was forgotten; asking again gives the same answer.
  StatusOr<std::vector<Hold>> again = store_->LiveHolds(kNow + Millis(1000));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(HoldTimes(*again), HoldTimes(*all));
}

TEST_F(RedisStoreTest, ClearHoldsDeletesEveryHoldButKeepsTheBookedCache) {
  ASSERT_TRUE(Select("alice", "09:00").ok());
  ASSERT_TRUE(store_->Select({"bob", Slot("10:00", 3, "2027-02-01"), kNow, kTtl}).ok());
  ASSERT_TRUE(store_->NoteBooked(Slot("14:00"), "APT-2027-000005").ok());
  ASSERT_TRUE(store_->ClearHolds().ok());
  StatusOr<std::vector<Hold>> all = store_->LiveHolds(kNow);
  ASSERT_TRUE(all.ok());
  EXPECT_TRUE(all->empty());
  StatusOr<DayState> day = Poll("", std::nullopt);
  ASSERT_TRUE(day.ok());
  EXPECT_EQ(day->booked, std::vector<std::string>{"14:00"});
  EXPECT_TRUE(Select("carol", "09:00").ok());
}

TEST_F(RedisStoreTest, ReplaceBookedCacheReplacesTheWholeCache) {
  ASSERT_TRUE(store_->NoteBooked(Slot("09:00"), "APT-2027-000001").ok());
  ASSERT_TRUE(store_->NoteBooked(Slot("10:00", kEmp, "2027-01-16"), "APT-2027-000002").ok());
  std::vector<Booking> active = {
      {"APT-2027-000003", "alice", Slot("11:00"), "k3", BookingStatus::kActive, kNow},
      {"APT-2027-000004", "bob", Slot("12:00", 2, "2027-03-01"), "k4", BookingStatus::kActive,
       kNow},
  };
  ASSERT_TRUE(store_->ReplaceBookedCache(active).ok());
  auto booked = [&](int emp, const std::string& date) {
    StatusOr<DayState> d = store_->Poll({"", {emp, date}, std::nullopt, kNow, kTtl, true});
    EXPECT_TRUE(d.ok());
    return d.ok() ? d->booked : std::vector<std::string>{"error"};
  };
  EXPECT_EQ(booked(kEmp, kDate), std::vector<std::string>{"11:00"});
  EXPECT_EQ(booked(kEmp, "2027-01-16"), std::vector<std::string>{});
  EXPECT_EQ(booked(2, "2027-03-01"), std::vector<std::string>{"12:00"});
  EXPECT_TRUE(Select("carol", "09:00").ok());
  EXPECT_EQ(Select("carol", "11:00").status().code(), Code::kSlotBooked);
}

TEST_F(RedisStoreTest, BookingCallsAnswerUnimplemented) {
  EXPECT_EQ(store_->Confirm({"alice", Slot("09:00"), "k", kNow}).status().code(),
            Code::kUnimplemented);
  EXPECT_EQ(store_->Reschedule({"alice", "APT-1", Slot("09:00"), kNow}).status().code(),
            Code::kUnimplemented);
  EXPECT_EQ(store_->Cancel({"alice", "APT-1", kNow}).status().code(), Code::kUnimplemented);
  EXPECT_EQ(store_->GetBooking("APT-1").status().code(), Code::kUnimplemented);
  EXPECT_EQ(store_->ActiveBookings("").status().code(), Code::kUnimplemented);
}

TEST_F(RedisStoreTest, PingAnswersOk) { EXPECT_TRUE(store_->Ping().ok()); }

TEST_F(RedisStoreTest, HoldsHashExpiresAnHourAfterItsLastHold) {
  ASSERT_TRUE(Select("alice", "09:00").ok());
  std::unique_ptr<RedisConnection> admin = Admin(shared_url_);
  ASSERT_NE(admin, nullptr);
  const std::string prefix = PrefixOf(store_);
  const RedisReply holds = AdminRun(*admin, {"PTTL", prefix + "holds:7:2027-01-15"});
  const RedisReply days = AdminRun(*admin, {"PTTL", prefix + "days"});
  const int64_t keep_ms = kTtl.count() + 3600 * 1000;
  EXPECT_GT(holds.integer, kTtl.count());
  EXPECT_LE(holds.integer, keep_ms);
  EXPECT_GT(days.integer, kTtl.count());
  EXPECT_LE(days.integer, keep_ms);
  // A shorter hold later never shortens the hash's life.
  ASSERT_TRUE(Select("bob", "10:00", kNow, true, Millis(1000)).ok());
  EXPECT_GT(AdminRun(*admin, {"PTTL", prefix + "holds:7:2027-01-15"}).integer, kTtl.count());
}

TEST_F(RedisStoreTest, ConcurrentSelectsOfOneSlotHaveExactlyOneWinner) {
  constexpr int kThreads = 16;
  RedisStore* store = MakeStore(shared_url_, Millis(5000), kThreads);
  for (int round = 0; round < 5; ++round) {
    const std::string time = "1" + std::to_string(round) + ":00";
    std::latch start(kThreads);
    std::vector<Code> codes(kThreads);
    std::vector<std::thread> threads;
    for (int i = 0; i < kThreads; ++i) {
      threads.emplace_back([&, i] {
        start.arrive_and_wait();
        codes[i] =
            store->Select({"client" + std::to_string(i), Slot(time), kNow, kTtl}).status().code();
      });
    }
    for (auto& t : threads) t.join();
    int ok = 0, held = 0, winner = -1;
    for (int i = 0; i < kThreads; ++i) {
      if (codes[i] == Code::kOk) ++ok, winner = i;
      if (codes[i] == Code::kSlotHeld) ++held;
    }
    EXPECT_EQ(ok, 1) << "round " << round;
    EXPECT_EQ(held, kThreads - 1) << "round " << round;
    StatusOr<std::optional<Hold>> h = store->GetHold(Slot(time), kNow);
    ASSERT_TRUE(h.ok() && h->has_value());
    EXPECT_EQ((*h)->client_id, "client" + std::to_string(winner));
  }
}

// ---- private servers: round trips and faults ------------------------------------------------

int64_t EvalshaCalls(RedisConnection& admin) {
  const std::string info = AdminRun(admin, {"INFO", "commandstats"}).str;
  const std::string key = "cmdstat_evalsha:calls=";
  const size_t at = info.find(key);
  return at == std::string::npos ? 0 : std::stoll(info.substr(at + key.size()));
}

TEST_F(RedisStoreTest, PollIsOneRoundTrip) {
  std::unique_ptr<RedisProcess> redis = StartPrivateRedis();
  ASSERT_NE(redis, nullptr);
  RedisStore* store = MakeStore(redis->url());
  ASSERT_TRUE(store->Select({"alice", Slot("09:00"), kNow, kTtl}).ok());  // loads the scripts
  ASSERT_TRUE(store->Poll({"alice", {kEmp, kDate}, "09:00", kNow, kTtl, true}).ok());
  std::unique_ptr<RedisConnection> admin = Admin(redis->url());
  ASSERT_NE(admin, nullptr);
  // With a zero threshold the slow log records every command with its client's address.
  AdminRun(*admin, {"CLIENT", "SETNAME", "admin"});
  AdminRun(*admin, {"CONFIG", "SET", "slowlog-log-slower-than", "0"});
  AdminRun(*admin, {"CONFIG", "SET", "slowlog-max-len", "1000"});
  const int64_t evalsha_before = EvalshaCalls(*admin);
  AdminRun(*admin, {"SLOWLOG", "RESET"});

  StatusOr<DayState> day = store->Poll({"alice", {kEmp, kDate}, "09:00", kNow, kTtl, true});
  ASSERT_TRUE(day.ok()) << day.status().ToString();
  ASSERT_EQ(day->holds.size(), 1u);

  const RedisReply log = AdminRun(*admin, {"SLOWLOG", "GET", "1000"});
  std::vector<std::string> store_commands;
  for (const RedisReply& entry : log.elements) {
    ASSERT_GE(entry.elements.size(), 6u);
    // Commands a script runs are logged too, from a pseudo client at "?:0".
    const bool from_socket = entry.elements[4].str.rfind("127.0.0.1:", 0) == 0;
    if (entry.elements[5].str == "admin" || !from_socket) continue;
    store_commands.push_back(entry.elements[3].elements.at(0).str);
  }
  EXPECT_EQ(store_commands, std::vector<std::string>{"EVALSHA"});
  EXPECT_EQ(EvalshaCalls(*admin) - evalsha_before, 1);
}

TEST_F(RedisStoreTest, UnreachableServerAnswersUnavailable) {
  RedisUrl url;
  url.port = slotsim::testing::FreeLoopbackPort();
  RedisStore* store = MakeStore(url, Millis(200));
  EXPECT_EQ(store->Ping().code(), Code::kUnavailable);
  EXPECT_EQ(store->Select({"alice", Slot("09:00"), kNow, kTtl}).status().code(),
            Code::kUnavailable);
}

TEST_F(RedisStoreTest, KilledServerAnswersUnavailableAndARestartedOneIsUsedAgain) {
  std::unique_ptr<RedisProcess> redis = StartPrivateRedis();
  ASSERT_NE(redis, nullptr);
  RedisStore* store = MakeStore(redis->url(), Millis(200), 4);
  ASSERT_TRUE(store->Select({"alice", Slot("09:00"), kNow, kTtl}).ok());
  redis->Kill();
  EXPECT_EQ(store->Select({"bob", Slot("10:00"), kNow, kTtl}).status().code(), Code::kUnavailable);
  EXPECT_EQ(store->Ping().code(), Code::kUnavailable);
  EXPECT_EQ(store->Poll({"", {kEmp, kDate}, std::nullopt, kNow, kTtl, true}).status().code(),
            Code::kUnavailable);
  ASSERT_TRUE(redis->Restart().ok());
  // Same store: it re-dials, and reloads its scripts into the empty server (NOSCRIPT).
  EXPECT_TRUE(store->Ping().ok());
  StatusOr<Hold> h = store->Select({"bob", Slot("10:00"), kNow, kTtl});
  EXPECT_TRUE(h.ok()) << h.status().ToString();
  StatusOr<std::optional<Hold>> gone = store->GetHold(Slot("09:00"), kNow);
  ASSERT_TRUE(gone.ok());
  EXPECT_FALSE(gone->has_value()) << "a restarted server has no data";
}

TEST_F(RedisStoreTest, StoppedServerAnswersTimeoutWithoutHangingAndIsUsedAgainAfterContinue) {
  std::unique_ptr<RedisProcess> redis = StartPrivateRedis();
  ASSERT_NE(redis, nullptr);
  const Millis deadline(100);
  RedisStore* store = MakeStore(redis->url(), deadline, 2);
  ASSERT_TRUE(store->Select({"alice", Slot("09:00"), kNow, kTtl}).ok());
  redis->Stop();
  // Generous bound: only against hanging, not a performance assertion.
  const auto bound = deadline + std::chrono::seconds(1);
  auto started = steady_clock::now();
  Status s = store->Select({"bob", Slot("10:00"), kNow, kTtl}).status();
  EXPECT_LT(steady_clock::now() - started, bound);
  EXPECT_EQ(s.code(), Code::kTimeout) << s.ToString();
  // A new connection is accepted by the kernel, so only the answer proves life.
  started = steady_clock::now();
  s = store->Ping();
  EXPECT_LT(steady_clock::now() - started, bound);
  EXPECT_EQ(s.code(), Code::kTimeout) << s.ToString();
  // More callers than connections: the ones waiting for the pool time out too.
  std::vector<Status> results(4);
  std::vector<std::thread> threads;
  started = steady_clock::now();
  for (size_t i = 0; i < results.size(); ++i) {
    threads.emplace_back([&, i] { results[i] = store->Ping(); });
  }
  for (auto& t : threads) t.join();
  EXPECT_LT(steady_clock::now() - started, bound);
  for (const Status& r : results) EXPECT_TRUE(r.IsBackendFailure()) << r.ToString();

  redis->Continue();
  EXPECT_TRUE(store->Ping().ok());
  StatusOr<Hold> h = store->Select({"carol", Slot("11:00"), kNow, kTtl});
  EXPECT_TRUE(h.ok()) << h.status().ToString();
}

TEST_F(RedisStoreTest, FlushedScriptCacheIsReloaded) {
  std::unique_ptr<RedisProcess> redis = StartPrivateRedis();
  ASSERT_NE(redis, nullptr);
  RedisStore* store = MakeStore(redis->url());
  ASSERT_TRUE(store->Select({"alice", Slot("09:00"), kNow, kTtl}).ok());
  std::unique_ptr<RedisConnection> admin = Admin(redis->url());
  ASSERT_NE(admin, nullptr);
  AdminRun(*admin, {"SCRIPT", "FLUSH"});
  EXPECT_TRUE(store->Select({"alice", Slot("10:00"), kNow, kTtl}).ok());
  EXPECT_EQ(store->Select({"bob", Slot("10:00"), kNow, kTtl}).status().code(), Code::kSlotHeld);
}

TEST_F(RedisStoreTest, ErrorRepliesAnswerUnavailableWithTheServerMessage) {
  std::unique_ptr<RedisProcess> redis = StartPrivateRedis();
  ASSERT_NE(redis, nullptr);
  RedisStore* store = MakeStore(redis->url(), Millis(1000));
  ASSERT_TRUE(store->Select({"alice", Slot("09:00"), kNow, kTtl}).ok());
  std::unique_ptr<RedisConnection> admin = Admin(redis->url());
  ASSERT_NE(admin, nullptr);
  AdminRun(*admin, {"CONFIG", "SET", "maxmemory", "1"});
  Status oom = store->Select({"bob", Slot("10:00"), kNow, kTtl}).status();
  EXPECT_EQ(oom.code(), Code::kUnavailable);
  EXPECT_NE(oom.message().find("OOM"), std::string::npos) << oom.ToString();
  AdminRun(*admin, {"CONFIG", "SET", "maxmemory", "0"});
  EXPECT_TRUE(store->Select({"bob", Slot("10:00"), kNow, kTtl}).ok()) << "connection kept";

  AdminRun(*admin, {"CONFIG", "SET", "requirepass", "s3cret"});
  Status noauth = MakeStore(redis->url(), Millis(1000))->Ping();
  EXPECT_EQ(noauth.code(), Code::kUnavailable);
  EXPECT_NE(noauth.message().find("NOAUTH"), std::string::npos) << noauth.ToString();
  RedisUrl with_password = redis->url();
  with_password.password = "s3cret";
  EXPECT_TRUE(MakeStore(with_password, Millis(1000))->Ping().ok());
}

}  // namespace
}  // namespace slotsim
