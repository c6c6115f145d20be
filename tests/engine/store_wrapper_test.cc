// StoreWrapper: every Store call reaches the target unchanged; BeforeCall sees each call (with
// whether it writes) and can answer it instead; a decorator overrides only what it changes.
#include "engine/store_wrapper.h"

#include <gtest/gtest.h>

#include <set>
#include <vector>

#include "engine/memory_store.h"

namespace slotsim {
namespace {

constexpr const char* kDate = "2026-12-02";

// Records every call it sees; refuses them all while `refuse` is set.
class RecordingStore final : public StoreWrapper {
 public:
  using StoreWrapper::StoreWrapper;

  std::vector<StoreCall> calls;
  bool refuse = false;

 private:
  Status BeforeCall(const StoreCall& call) override {
    calls.push_back(call);
    return refuse ? Status::Unavailable("refused by the decorator") : Status::Ok();
  }
};

// Overrides one method only.
class RenamingStore final : public StoreWrapper {
 public:
  using StoreWrapper::StoreWrapper;

  StatusOr<Hold> Select(const SelectRequest& r) override {
    SelectRequest renamed = r;
    renamed.client_id = "renamed-" + r.client_id;
    return StoreWrapper::Select(renamed);
  }
};

class StoreWrapperTest : public ::testing::Test {
 protected:
  SlotRef Slot(const std::string& time) const { return {1, kDate, time}; }
  SelectRequest Sel(const std::string& client, const std::string& time) const {
    return {client, Slot(time), now_};
  }

  MemoryStore target_{StorageMode::kRedis};
  Timestamp now_ = SimClock::DefaultStart();
};

TEST_F(StoreWrapperTest, EveryCallReachesTheTarget) {
  RecordingStore w(target_);
  EXPECT_EQ(w.mode(), StorageMode::kRedis);
  ASSERT_TRUE(w.Select(Sel("alice", "09:00")).ok());
  StatusOr<std::optional<Hold>> held = target_.GetHold(Slot("09:00"), now_);
  ASSERT_TRUE(held.ok() && held->has_value());
  EXPECT_EQ((*held)->client_id, "alice");
  EXPECT_EQ(w.GetHold(Slot("09:00"), now_).value(), *held);
  StatusOr<Booking> b = w.Confirm({"alice", Slot("09:00"), "k1", now_});
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  EXPECT_EQ(target_.GetBooking(b->id).value(), *b);
  StatusOr<Booking> moved = w.Reschedule({"alice", b->id, Slot("10:00"), now_});
  ASSERT_TRUE(moved.ok()) << moved.status().ToString();
  EXPECT_EQ(w.GetBooking(b->id)->slot.time, "10:00");
  EXPECT_EQ(w.Cancel({"alice", b->id, now_})->status, BookingStatus::kCancelled);
  EXPECT_TRUE(w.ActiveBookings("")->empty());
  EXPECT_TRUE(w.Ping().ok());
  ASSERT_TRUE(w.ImportHolds({Hold{"bob", Slot("11:00"), now_ + Micros(1000)}}, now_).ok());
  EXPECT_EQ(w.LiveHolds(now_)->size(), 1u);
  EXPECT_TRUE(w.Deselect({"bob", Slot("11:00"), now_}).ok());
  EXPECT_TRUE(w.NoteBooked(Slot("12:00"), "APT-2026-000009").ok());
  EXPECT_EQ(w.Poll({"carol", {1, kDate}, std::nullopt, now_})->booked,
            std::vector<std::string>({"12:00"}));
  EXPECT_TRUE(w.NoteFreed(Slot("12:00")).ok());
  EXPECT_TRUE(w.ReplaceBookedCache({}).ok());
  EXPECT_TRUE(w.ClearHolds().ok());
  // Each of the 16 methods once; mode() is not a call to the store.
  std::set<StoreMethod> methods;
  for (const StoreCall& c : w.calls) methods.insert(c.method);
  EXPECT_EQ(w.calls.size(), 16u);
  EXPECT_EQ(methods.size(), 16u);
}

TEST_F(StoreWrapperTest, BeforeCallSeesTheMethodAndWhetherItWrites) {
  RecordingStore w(target_);
  ASSERT_TRUE(w.Select(Sel("alice", "09:00")).ok());
  ASSERT_TRUE(w.Poll({"alice", {1, kDate}, std::nullopt, now_}).ok());
  ASSERT_TRUE(w.Poll({"alice", {1, kDate}, "09:00", now_}).ok());
  ASSERT_TRUE(w.GetHold(Slot("09:00"), now_).ok());
  ASSERT_EQ(w.calls.size(), 4u);
  EXPECT_EQ(w.calls[0].method, StoreMethod::kSelect);
  EXPECT_TRUE(w.calls[0].writes);
  EXPECT_EQ(w.calls[1].method, StoreMethod::kPoll);
  EXPECT_FALSE(w.calls[1].writes);  // a plain poll only reads
  EXPECT_TRUE(w.calls[2].writes);   // a re-assert may create or refresh the hold
  EXPECT_EQ(w.calls[3].method, StoreMethod::kGetHold);
  EXPECT_FALSE(w.calls[3].writes);
}

TEST_F(StoreWrapperTest, RefusedCallNeverReachesTheTarget) {
  RecordingStore w(target_);
  w.refuse = true;
  StatusOr<Hold> h = w.Select(Sel("alice", "09:00"));
  EXPECT_EQ(h.status().code(), Code::kUnavailable);
  EXPECT_EQ(w.Ping().code(), Code::kUnavailable);
  StatusOr<std::optional<Hold>> held = target_.GetHold(Slot("09:00"), now_);
  ASSERT_TRUE(held.ok());
  EXPECT_FALSE(held->has_value());
}

TEST_F(StoreWrapperTest, DecoratorOverridesOnlyWhatItChanges) {
  RenamingStore w(target_);
  StatusOr<Hold> h = w.Select(Sel("alice", "09:00"));
  ASSERT_TRUE(h.ok()) << h.status().ToString();
  EXPECT_EQ(h->client_id, "renamed-alice");
  StatusOr<std::optional<Hold>> held = w.GetHold(Slot("09:00"), now_);  // forwarded as is
  ASSERT_TRUE(held.ok() && held->has_value());
  EXPECT_EQ((*held)->client_id, "renamed-alice");
}

}  // namespace
}  // namespace slotsim
