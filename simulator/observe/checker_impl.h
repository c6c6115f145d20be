// Checker::Impl, the state of the online consistency checker (rules in checker.h), shared by
// its files: checker.cc (dispatch of records, operations, end of run and report),
// checker_holds.cc (beliefs and hold conflicts), checker_bookings.cc (booking intervals and the
// final state) and checker_visibility.cc (visibility probes). Internal: included only there.
//
// State lives in flat tables keyed by compact integers: beliefs in a pool indexed by (client
// hash, day), booking intervals and belief ids per slot, one pending visibility probe per slot,
// and a min-heap of settle tasks that decide about an instant once no record older than it can
// still arrive.
#pragma once

#include <algorithm>
#include <cstdint>
#include <deque>
#include <functional>
#include <limits>
#include <queue>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "simulator/observe/checker.h"

namespace slotsim {

inline constexpr int64_t kNever = std::numeric_limits<int64_t>::max();
inline constexpr int64_t kDawn = std::numeric_limits<int64_t>::min();
inline constexpr uint32_t kNone = std::numeric_limits<uint32_t>::max();
inline constexpr uint32_t kTimeBits = 12;
inline constexpr uint32_t kNoTime = (1u << kTimeBits) - 1;  // the day key's time part
inline constexpr uint32_t kMaxDates = 1u << 20;
inline constexpr uint64_t kInternedBooking = uint64_t{1} << 63;

inline int64_t Us(Timestamp t) { return t.time_since_epoch().count(); }
inline int64_t SatAdd(int64_t a, int64_t b) { return a > kNever - b ? kNever : a + b; }  // b >= 0
inline int64_t SatSub(int64_t a, int64_t b) { return a < kDawn + b ? kDawn : a - b; }    // b >= 0

inline uint64_t Mix(uint64_t x) {  // splitmix64's finalizer
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// Slot key: employee (32 bits) | date id (20) | time id (12). A day key has time kNoTime.
inline uint64_t MakeSlotKey(int employee, uint32_t date, uint32_t time) {
  return (uint64_t{static_cast<uint32_t>(employee)} << 32) | (uint64_t{date} << kTimeBits) | time;
}
inline uint64_t DayOf(uint64_t slot) { return slot | kNoTime; }
inline uint32_t TimeOf(uint64_t slot) { return static_cast<uint32_t>(slot & kNoTime); }

struct U64Hash {
  size_t operator()(uint64_t x) const { return Mix(x); }
};
struct ClientDay {
  uint64_t client;
  uint64_t day;
  bool operator==(const ClientDay&) const = default;
};
struct ClientDayHash {
  size_t operator()(const ClientDay& k) const { return Mix(k.client ^ Mix(k.day)); }
};
struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

// Dense ids for a small set of strings (dates, times, odd booking ids); kNone when full.
class Interner {
 public:
  explicit Interner(uint32_t limit) : limit_(limit) {}
  uint32_t Id(std::string_view s) {
    auto it = ids_.find(s);
    if (it != ids_.end()) return it->second;
    if (names_.size() >= limit_) return kNone;
    const uint32_t id = static_cast<uint32_t>(names_.size());
    names_.emplace_back(s);
    ids_.emplace(names_.back(), id);
    return id;
  }
  const std::string& Name(uint32_t id) const { return names_[id]; }

 private:
  uint32_t limit_;
  std::vector<std::string> names_;
  std::unordered_map<std::string, uint32_t, StringHash, std::equal_to<>> ids_;
};

enum class BeliefState : uint8_t { kFree, kOpen, kClosed };

struct Belief {
  uint64_t client = 0;
  uint64_t slot = 0;
  int64_t start_us = 0;
  int64_t expiry_us = 0;
  int64_t ended_us = kNever;  // explicit end; the final end once closed
  // The expiry a lost answer is judged against: the stated one, else the renewing operation's
  // invocation + hold_ttl (the server's own expiry can be no earlier than that).
  int64_t sure_expiry_us = 0;
  int64_t last_held_us = 0;  // invocation of the latest answer that affirmed the hold
  uint32_t gen = 0;
  BeliefState state = BeliefState::kFree;
  bool clipped = false;  // cut by Finish()
  bool lost = false;     // ended as a lost hold (counted in lost_holds)
  int64_t End() const { return std::min(expiry_us, ended_us); }
};

struct BookingInterval {
  uint64_t booking;
  int64_t acked_us;
  int64_t removed_us;  // kNever while active
};

struct SlotState {
  std::vector<uint32_t> beliefs;  // open and retained closed ones
  std::vector<BookingInterval> bookings;
  uint32_t pending_checks = 0;  // booking checks not yet run
};

struct BookingState {
  uint64_t slot = 0;  // last acknowledged slot
  bool acked = false;
  bool cancel_invoked = false;    // any outcome: excuses a missing booking
  bool cancelled = false;         // a cancel with outcome ok or unknown: no longer active
  bool slot_uncertain = false;    // a reschedule with unknown outcome since the last ack
  int64_t interval_acked_us = 0;  // start of its interval on `slot` (its last one)
  int64_t last_ack_us = 0;        // completion of the latest OK answer that named it
  uint64_t owner = 0;             // the client whose confirm acknowledged it (when acked)
};

// An OK deselect waiting for its client's next poll of the day (checker_guarantees.cc).
struct PendingRelease {
  uint64_t slot;
  int64_t invoked_us;
  int64_t completed_us;
};

// A moment a booking joined a slot that already had acknowledged-active bookings: a double
// booking episode unless lost bookings (known only at Finish) take the others away. The other
// bookings' keys are candidate_others_[first_other, first_other + others).
struct DoubleCandidate {
  uint64_t slot;
  uint64_t booking;
  int64_t at_us;
  uint32_t first_other;
  uint32_t others;
};

struct PendingVisibility {
  uint32_t time;
  uint32_t belief;
  uint32_t gen;
  uint64_t holder;
  int64_t t0_us;
  int64_t first_us = kNever;  // earliest qualifying poll
  int64_t seen_us = kNever;   // earliest qualifying poll that showed the slot
};

enum class TaskKind : uint8_t {
  kCloseBelief,
  kCheckBooking,
  kEvictBookings,
  kFinalizeVisibility,
  kDecideRelease
};

struct Task {
  int64_t due_us;
  int64_t at_us;  // check: ack time; finalize: seen time; release: the deselect's invocation
  uint64_t a;     // slot (check, evict) or day (finalize)
  uint64_t b;     // booking (check) or releasing client (release)
  uint32_t c;     // belief id (close) or time id (finalize)
  uint32_t gen;   // belief generation (close)
  TaskKind kind;
  bool operator>(const Task& o) const { return due_us > o.due_us; }
};

class Checker::Impl {
 public:
  explicit Impl(CheckerOptions o)
      : ttl_us_(std::chrono::duration_cast<Micros>(o.hold_ttl).count()),
        slack_us_(std::chrono::duration_cast<Micros>(o.max_op_duration).count()),
        max_conflict_intervals_(o.max_conflict_intervals),
        max_double_candidates_(o.max_double_candidates) {}

  void Record(const OpRecord& op);
  void AddFailoverWindow(Timestamp s, Timestamp e) { windows_.push_back({Us(s), Us(e)}); }
  void Finish(const std::vector<Booking>& final_bookings, Timestamp end,
              ReadBack read_back = ReadBack::kComplete, const std::string& reason = "");
  ConsistencyReport Report() const;
  CheckerMemory Memory() const;

 private:
  bool SlotKeyOf(const SlotRef& s, uint64_t* key);
  uint64_t BookingKeyOf(std::string_view id);

  void OnSelect(const OpRecord& op, uint64_t client, uint64_t slot);
  void OnDeselect(const OpRecord& op, uint64_t client, uint64_t slot);
  void OnPoll(const OpRecord& op, uint64_t client, uint64_t slot);
  void OnConfirm(const OpRecord& op, uint64_t client, uint64_t slot);
  void OnReschedule(const OpRecord& op, uint64_t client, uint64_t slot);
  void OnCancel(const OpRecord& op, uint64_t client, uint64_t slot);

  // Beliefs (checker_holds.cc).
  uint32_t Current(uint64_t client, uint64_t day, int64_t invoked, bool* stale) const;
  uint32_t RenewOrStart(uint32_t cur, uint64_t client, uint64_t slot, const OpRecord& op);
  uint32_t StartBelief(uint64_t client, uint64_t slot, const OpRecord& op, int64_t expiry,
                       int64_t sure_expiry);
  void LoseBelief(uint32_t id, const OpRecord& op);
  static bool ChargedToLostHold(const Belief& first, const Belief& second);
  void EndBelief(uint32_t id, int64_t at);
  void UnindexBelief(uint32_t id);
  void CloseBelief(const Task& t);
  void EvictClosedBeliefs(SlotState& s);

  // Bookings (checker_bookings.cc).
  void AckBooking(uint64_t booking, uint64_t slot, int64_t at);
  void EndInterval(uint64_t booking, uint64_t slot, int64_t at);
  void CheckBooking(const Task& t);
  void EvictBookings(uint64_t slot);
  void CheckFinalState(const std::vector<Booking>& final_bookings, int64_t end);
  void SettleDoubleCandidates(const std::unordered_set<uint64_t, U64Hash>& lost);
  bool VanishedAt(const std::unordered_set<uint64_t, U64Hash>& lost, uint64_t booking,
                  uint64_t slot, int64_t t) const;

  // Guarantees: foreign releases and cancels (checker_guarantees.cc).
  void ReleaseOnDeselect(const OpRecord& op, uint64_t client, uint64_t slot);
  void ReleaseOnPoll(const OpRecord& op, uint64_t client, uint64_t day);
  void DecideRelease(const Task& t);
  void EvictPendingReleases();
  bool ForeignCancel(const OpRecord& op, uint64_t client, BookingState& st);

  // Visibility (checker_visibility.cc).
  void AddPendingVisibility(uint64_t slot, uint32_t belief, int64_t t0);
  void VisibilityOnPoll(const OpRecord& op, uint64_t client, uint64_t slot);
  void ResolveVisibility(const PendingVisibility& p);
  void FinalizeVisibility(const Task& t);

  bool InsideFailover(int64_t lo, int64_t hi) const {
    return std::any_of(windows_.begin(), windows_.end(),
                       [&](const auto& w) { return lo <= w.second && w.first < hi; });
  }
  void Schedule(const Task& t) { tasks_.push(t); }
  void ScheduleClose(uint32_t id);
  void ProcessDue(int64_t horizon, bool inclusive);

  const int64_t ttl_us_;
  const int64_t slack_us_;
  const size_t max_conflict_intervals_;
  const size_t max_double_candidates_;
  int64_t watermark_ = kDawn;
  bool finished_ = false;

  Interner dates_{kMaxDates};
  Interner times_{kNoTime};
  Interner odd_bookings_{kNone - 1};

  std::vector<Belief> beliefs_;
  std::vector<uint32_t> free_beliefs_;
  size_t live_beliefs_ = 0;
  std::unordered_map<ClientDay, uint32_t, ClientDayHash> index_;
  std::unordered_map<uint64_t, SlotState, U64Hash> slots_;
  std::unordered_map<uint64_t, BookingState, U64Hash> bookings_;
  std::unordered_set<std::string> unknown_confirm_keys_;
  std::unordered_map<uint64_t, std::vector<PendingVisibility>, U64Hash> visibility_;
  size_t pending_visibility_ = 0;
  std::unordered_map<ClientDay, PendingRelease, ClientDayHash> pending_releases_;
  std::deque<std::pair<ClientDay, int64_t>> release_order_;  // (key, completion) for eviction
  std::priority_queue<Task, std::vector<Task>, std::greater<Task>> tasks_;

  std::vector<std::pair<int64_t, int64_t>> windows_;
  std::vector<std::pair<int64_t, int64_t>> conflict_intervals_;
  std::vector<DoubleCandidate> double_candidates_;
  std::vector<uint64_t> candidate_others_;
  uint64_t provisional_doubles_ = 0;  // counted online among double_candidates_
  ConsistencyReport counts_;
};

}  // namespace slotsim
