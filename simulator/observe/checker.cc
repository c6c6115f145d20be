// The online consistency checker (rules in checker.h). State lives in flat tables keyed by
// compact integers: beliefs in a pool indexed by (client hash, day), booking intervals and
// belief ids per slot, one pending visibility probe per slot, and a min-heap of settle tasks
// that decide about an instant once no record older than it can still arrive.
#include "simulator/observe/checker.h"

#include <algorithm>
#include <functional>
#include <limits>
#include <queue>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

namespace slotsim {
namespace {

constexpr int64_t kNever = std::numeric_limits<int64_t>::max();
constexpr int64_t kDawn = std::numeric_limits<int64_t>::min();
constexpr uint32_t kNone = std::numeric_limits<uint32_t>::max();
constexpr uint32_t kTimeBits = 12;
constexpr uint32_t kNoTime = (1u << kTimeBits) - 1;  // the day key's time part
constexpr uint32_t kMaxDates = 1u << 20;
constexpr uint64_t kInternedBooking = uint64_t{1} << 63;

int64_t Us(Timestamp t) { return t.time_since_epoch().count(); }
int64_t SatAdd(int64_t a, int64_t b) { return a > kNever - b ? kNever : a + b; }  // b >= 0
int64_t SatSub(int64_t a, int64_t b) { return a < kDawn + b ? kDawn : a - b; }    // b >= 0

uint64_t Mix(uint64_t x) {  // splitmix64's finalizer
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// Slot key: employee (32 bits) | date id (20) | time id (12). A day key has time kNoTime.
uint64_t MakeSlotKey(int employee, uint32_t date, uint32_t time) {
  return (uint64_t{static_cast<uint32_t>(employee)} << 32) | (uint64_t{date} << kTimeBits) | time;
}
uint64_t DayOf(uint64_t slot) { return slot | kNoTime; }
uint32_t TimeOf(uint64_t slot) { return static_cast<uint32_t>(slot & kNoTime); }

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

// "APT-YYYY-NNNNNN" in StrongBookingId's canonical form -> year << 40 | seq; 0 if not.
uint64_t PackStrongId(std::string_view id) {
  if (id.size() < 15 || id.size() > 21 || id.substr(0, 4) != "APT-" || id[8] != '-') return 0;
  uint64_t year = 0, seq = 0;
  for (size_t i = 4; i < 8; ++i) {
    if (id[i] < '0' || id[i] > '9') return 0;
    year = year * 10 + static_cast<uint64_t>(id[i] - '0');
  }
  const std::string_view digits = id.substr(9);
  if (digits.size() > 6 && digits[0] == '0') return 0;  // not canonical: would alias
  for (char c : digits) {
    if (c < '0' || c > '9') return 0;
    seq = seq * 10 + static_cast<uint64_t>(c - '0');
  }
  return (year << 40) | seq | (uint64_t{1} << 62);  // bit 62: never 0 for a valid id
}

enum class BeliefState : uint8_t { kFree, kOpen, kClosed };

struct Belief {
  uint64_t client = 0;
  uint64_t slot = 0;
  int64_t start_us = 0;
  int64_t expiry_us = 0;
  int64_t ended_us = kNever;  // explicit end; the final end once closed
  uint32_t gen = 0;
  BeliefState state = BeliefState::kFree;
  bool clipped = false;  // cut by Finish()
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
  bool cancel_invoked = false;  // any outcome: excuses a missing booking
  bool cancelled = false;       // a cancel with outcome ok or unknown: no longer active
  bool slot_uncertain = false;  // a reschedule with unknown outcome since the last ack
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

enum class TaskKind : uint8_t { kCloseBelief, kCheckBooking, kEvictBookings, kFinalizeVisibility };

struct Task {
  int64_t due_us;
  int64_t at_us;  // check: ack time; finalize: seen time
  uint64_t a;     // slot (check, evict) or day (finalize)
  uint64_t b;     // booking (check)
  uint32_t c;     // belief id (close) or time id (finalize)
  uint32_t gen;   // belief generation (close)
  TaskKind kind;
  bool operator>(const Task& o) const { return due_us > o.due_us; }
};

}  // namespace

class Checker::Impl {
 public:
  explicit Impl(CheckerOptions o)
      : ttl_us_(std::chrono::duration_cast<Micros>(o.hold_ttl).count()),
        slack_us_(std::chrono::duration_cast<Micros>(o.max_op_duration).count()),
        max_conflict_intervals_(o.max_conflict_intervals) {}

  void Record(const OpRecord& op);
  void AddFailoverWindow(Timestamp s, Timestamp e) { windows_.push_back({Us(s), Us(e)}); }
  void Finish(const std::vector<Booking>& final_bookings, Timestamp end);
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
  void OnCancel(const OpRecord& op, uint64_t slot);

  // Beliefs.
  uint32_t Current(uint64_t client, uint64_t day, int64_t invoked, bool* stale) const;
  uint32_t RenewOrStart(uint32_t cur, uint64_t client, uint64_t slot, int64_t invoked,
                        int64_t completed, int64_t expiry);
  uint32_t StartBelief(uint64_t client, uint64_t slot, int64_t start, int64_t expiry);
  void EndBelief(uint32_t id, int64_t at);
  void UnindexBelief(uint32_t id);
  void CloseBelief(const Task& t);
  void EvictClosedBeliefs(SlotState& s);

  // Bookings.
  void AckBooking(uint64_t booking, uint64_t slot, int64_t at);
  void EndInterval(uint64_t booking, uint64_t slot, int64_t at);
  void CheckBooking(const Task& t);
  void EvictBookings(uint64_t slot);
  void CheckFinalState(const std::vector<Booking>& final_bookings, int64_t end);

  // Visibility.
  void AddPendingVisibility(uint64_t slot, uint32_t belief, int64_t t0);
  void VisibilityOnPoll(const OpRecord& op, uint64_t client, uint64_t day);
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
  std::priority_queue<Task, std::vector<Task>, std::greater<Task>> tasks_;

  std::vector<std::pair<int64_t, int64_t>> windows_;
  std::vector<std::pair<int64_t, int64_t>> conflict_intervals_;
  ConsistencyReport counts_;
};

// ---- dispatch ---------------------------------------------------------------------------

void Checker::Impl::Record(const OpRecord& op) {
  ++counts_.records;
  const int64_t invoked = Us(op.invoked);
  if (finished_ || invoked < SatSub(watermark_, slack_us_)) ++counts_.late_records;
  if (finished_) return;
  watermark_ = std::max(watermark_, Us(op.completed));
  uint64_t slot = 0;
  if (op.kind != OpKind::kAvailability && SlotKeyOf(op.slot, &slot)) {
    ++counts_.ops_checked;
    const uint64_t client = std::hash<std::string_view>{}(op.client_id);
    switch (op.kind) {
      case OpKind::kSelect:
        OnSelect(op, client, slot);
        break;
      case OpKind::kDeselect:
        OnDeselect(op, client, slot);
        break;
      case OpKind::kPoll:
        OnPoll(op, client, slot);
        break;
      case OpKind::kConfirm:
        OnConfirm(op, client, slot);
        break;
      case OpKind::kReschedule:
        OnReschedule(op, client, slot);
        break;
      case OpKind::kCancel:
        OnCancel(op, slot);
        break;
      case OpKind::kAvailability:
        break;
    }
  }
  ProcessDue(watermark_, /*inclusive=*/false);
}

bool Checker::Impl::SlotKeyOf(const SlotRef& s, uint64_t* key) {
  const uint32_t date = dates_.Id(s.date);
  // An empty time (a poll without selected_time) is the day itself.
  const uint32_t time = s.time.empty() ? kNoTime : times_.Id(s.time);
  if (date == kNone || time == kNone) return false;
  *key = MakeSlotKey(s.employee_id, date, time);
  return true;
}

uint64_t Checker::Impl::BookingKeyOf(std::string_view id) {
  const uint64_t packed = PackStrongId(id);
  return packed != 0 ? packed : (kInternedBooking | odd_bookings_.Id(id));
}

void Checker::Impl::ProcessDue(int64_t horizon, bool inclusive) {
  while (!tasks_.empty()) {
    const Task t = tasks_.top();
    if (inclusive ? t.due_us > horizon : t.due_us >= horizon) break;
    tasks_.pop();
    switch (t.kind) {
      case TaskKind::kCloseBelief:
        CloseBelief(t);
        break;
      case TaskKind::kCheckBooking:
        CheckBooking(t);
        break;
      case TaskKind::kEvictBookings:
        EvictBookings(t.a);
        break;
      case TaskKind::kFinalizeVisibility:
        FinalizeVisibility(t);
        break;
    }
  }
}

// ---- operations -------------------------------------------------------------------------

void Checker::Impl::OnSelect(const OpRecord& op, uint64_t client, uint64_t slot) {
  if (TimeOf(slot) == kNoTime) return;
  const int64_t invoked = Us(op.invoked), completed = Us(op.completed);
  bool stale = false;
  uint32_t cur = Current(client, DayOf(slot), invoked, &stale);
  if (stale) return;
  if (cur != kNone && beliefs_[cur].slot != slot) {
    EndBelief(cur, invoked);
    cur = kNone;
  }
  if (op.outcome == Outcome::kOk) {
    const int64_t expiry = op.hold_expires ? Us(*op.hold_expires) : SatAdd(completed, ttl_us_);
    const uint32_t id = RenewOrStart(cur, client, slot, invoked, completed, expiry);
    AddPendingVisibility(slot, id, completed);
  } else if (op.outcome == Outcome::kFail && cur != kNone) {
    EndBelief(cur, completed);  // told it does not hold S
  }
}

void Checker::Impl::OnDeselect(const OpRecord& op, uint64_t client, uint64_t slot) {
  bool stale = false;
  const uint32_t cur = Current(client, DayOf(slot), Us(op.invoked), &stale);
  if (!stale && cur != kNone && beliefs_[cur].slot == slot) EndBelief(cur, Us(op.invoked));
}

void Checker::Impl::OnPoll(const OpRecord& op, uint64_t client, uint64_t slot) {
  if (op.outcome != Outcome::kOk) return;
  const int64_t invoked = Us(op.invoked), completed = Us(op.completed);
  bool stale = false;
  uint32_t cur = Current(client, DayOf(slot), invoked, &stale);
  if (TimeOf(slot) != kNoTime && op.own && !stale) {
    if (*op.own == HoldStatus::kHeld) {
      if (cur != kNone && beliefs_[cur].slot != slot) {
        EndBelief(cur, invoked);
        cur = kNone;
      }
      const int64_t expiry = op.hold_expires ? Us(*op.hold_expires) : SatAdd(completed, ttl_us_);
      RenewOrStart(cur, client, slot, invoked, completed, expiry);
    } else if (cur != kNone && beliefs_[cur].slot == slot) {
      if (invoked < beliefs_[cur].expiry_us) ++counts_.lost_holds;
      EndBelief(cur, completed);
    }
  }
  VisibilityOnPoll(op, client, DayOf(slot));
}

void Checker::Impl::OnConfirm(const OpRecord& op, uint64_t client, uint64_t slot) {
  const int64_t invoked = Us(op.invoked), completed = Us(op.completed);
  bool stale = false;
  const uint32_t cur = Current(client, DayOf(slot), invoked, &stale);
  if (!stale && cur != kNone && beliefs_[cur].slot == slot) EndBelief(cur, completed);
  if (op.outcome == Outcome::kOk && !op.booking_id.empty()) {
    AckBooking(BookingKeyOf(op.booking_id), slot, completed);
  } else if (op.outcome == Outcome::kUnknown && !op.idempotency_key.empty()) {
    unknown_confirm_keys_.insert(op.idempotency_key);
  }
}

void Checker::Impl::OnReschedule(const OpRecord& op, uint64_t client, uint64_t slot) {
  const int64_t invoked = Us(op.invoked), completed = Us(op.completed);
  bool stale = false;
  const uint32_t cur = Current(client, DayOf(slot), invoked, &stale);
  if (!stale && cur != kNone && beliefs_[cur].slot == slot) EndBelief(cur, completed);
  if (op.booking_id.empty() || op.outcome == Outcome::kFail) return;
  const uint64_t booking = BookingKeyOf(op.booking_id);
  BookingState& st = bookings_[booking];
  if (st.acked && st.slot == slot) {
    if (op.outcome == Outcome::kOk) st.slot_uncertain = false;
    return;  // already there: an idempotent repeat
  }
  if (st.acked) EndInterval(booking, st.slot, invoked);
  if (op.outcome == Outcome::kUnknown) {
    st.slot_uncertain = true;
    return;
  }
  AckBooking(booking, slot, completed);
}

void Checker::Impl::OnCancel(const OpRecord& op, uint64_t slot) {
  if (op.booking_id.empty()) return;
  const uint64_t booking = BookingKeyOf(op.booking_id);
  BookingState& st = bookings_[booking];
  st.cancel_invoked = true;
  if (op.outcome == Outcome::kFail) return;
  st.cancelled = true;
  EndInterval(booking, st.acked ? st.slot : slot, Us(op.invoked));
}

// ---- beliefs ----------------------------------------------------------------------------

uint32_t Checker::Impl::Current(uint64_t client, uint64_t day, int64_t invoked, bool* stale) const {
  auto it = index_.find({client, day});
  if (it == index_.end()) return kNone;
  *stale = invoked < beliefs_[it->second].start_us;
  return it->second;
}

uint32_t Checker::Impl::RenewOrStart(uint32_t cur, uint64_t client, uint64_t slot, int64_t invoked,
                                     int64_t completed, int64_t expiry) {
  if (cur != kNone) {
    Belief& b = beliefs_[cur];
    if (invoked < b.expiry_us) {
      // Its close task finds the later expiry and moves itself.
      b.expiry_us = std::max(b.expiry_us, expiry);
      return cur;
    }
    UnindexBelief(cur);  // lapsed at its expiry; its close task is queued
  }
  return StartBelief(client, slot, completed, expiry);
}

uint32_t Checker::Impl::StartBelief(uint64_t client, uint64_t slot, int64_t start, int64_t expiry) {
  uint32_t id;
  if (!free_beliefs_.empty()) {
    id = free_beliefs_.back();
    free_beliefs_.pop_back();
  } else {
    id = static_cast<uint32_t>(beliefs_.size());
    beliefs_.emplace_back();
  }
  Belief& b = beliefs_[id];
  b.client = client;
  b.slot = slot;
  b.start_us = start;
  b.expiry_us = std::max(expiry, start);
  b.ended_us = kNever;
  b.state = BeliefState::kOpen;
  b.clipped = false;
  ++live_beliefs_;
  slots_[slot].beliefs.push_back(id);
  index_[{client, DayOf(slot)}] = id;
  ScheduleClose(id);
  return id;
}

void Checker::Impl::ScheduleClose(uint32_t id) {
  const Belief& b = beliefs_[id];
  Schedule({SatAdd(b.End(), slack_us_), 0, 0, 0, id, b.gen, TaskKind::kCloseBelief});
}

void Checker::Impl::EndBelief(uint32_t id, int64_t at) {
  Belief& b = beliefs_[id];
  const int64_t before = b.End();
  b.ended_us = std::min(b.ended_us, std::max(at, b.start_us));
  if (b.End() < before) ScheduleClose(id);
  UnindexBelief(id);
}

void Checker::Impl::UnindexBelief(uint32_t id) {
  const Belief& b = beliefs_[id];
  auto it = index_.find({b.client, DayOf(b.slot)});
  if (it != index_.end() && it->second == id) index_.erase(it);
}

void Checker::Impl::CloseBelief(const Task& t) {
  Belief& b = beliefs_[t.c];
  if (b.state != BeliefState::kOpen || b.gen != t.gen) return;
  const int64_t end = b.End();
  if (SatAdd(end, slack_us_) > t.due_us) return ScheduleClose(t.c);  // renewed since
  b.state = BeliefState::kClosed;
  b.ended_us = end;
  UnindexBelief(t.c);
  SlotState& s = slots_[b.slot];
  for (uint32_t other : s.beliefs) {
    const Belief& o = beliefs_[other];
    if (other == t.c || o.state != BeliefState::kClosed || o.client == b.client) continue;
    const int64_t lo = std::max(b.start_us, o.start_us), hi = std::min(end, o.ended_us);
    if (hi <= lo) continue;
    ++counts_.hold_conflicts;
    counts_.hold_conflict_total_us += hi - lo;
    if (conflict_intervals_.size() < max_conflict_intervals_) {
      conflict_intervals_.emplace_back(lo, hi);
    } else if (!InsideFailover(lo, hi)) {
      ++counts_.hold_conflicts_outside_failover;  // classified now: the interval is not kept
    }
  }
  auto vis = visibility_.find(DayOf(b.slot));
  if (vis != visibility_.end()) {
    std::vector<PendingVisibility>& list = vis->second;
    for (size_t i = 0; i < list.size(); ++i) {
      if (list[i].belief != t.c || list[i].gen != b.gen) continue;
      if (list[i].seen_us < end || !b.clipped) ResolveVisibility(list[i]);
      list[i] = list.back();
      list.pop_back();
      --pending_visibility_;
      break;
    }
  }
  EvictClosedBeliefs(s);
}

// A closed belief still matters while an open one on its slot began before it ended; later
// beliefs all begin after the settled horizon, hence after it.
void Checker::Impl::EvictClosedBeliefs(SlotState& s) {
  int64_t min_open_start = kNever;
  for (uint32_t id : s.beliefs) {
    if (beliefs_[id].state == BeliefState::kOpen) {
      min_open_start = std::min(min_open_start, beliefs_[id].start_us);
    }
  }
  size_t kept = 0;
  for (uint32_t id : s.beliefs) {
    Belief& b = beliefs_[id];
    if (b.state == BeliefState::kOpen || b.ended_us > min_open_start) {
      s.beliefs[kept++] = id;
      continue;
    }
    b.state = BeliefState::kFree;
    ++b.gen;
    free_beliefs_.push_back(id);
    --live_beliefs_;
  }
  s.beliefs.resize(kept);
}

// ---- bookings ---------------------------------------------------------------------------

void Checker::Impl::AckBooking(uint64_t booking, uint64_t slot, int64_t at) {
  BookingState& st = bookings_[booking];
  SlotState& s = slots_[slot];
  const bool active_here =
      st.acked && st.slot == slot &&
      std::any_of(s.bookings.begin(), s.bookings.end(), [&](const BookingInterval& i) {
        return i.booking == booking && i.removed_us == kNever;
      });
  st.acked = true;
  st.slot = slot;
  st.slot_uncertain = false;
  if (active_here || st.cancelled) return;  // a repeat, or already cancelled
  s.bookings.push_back({booking, at, kNever});
  ++s.pending_checks;
  Schedule({SatAdd(at, slack_us_), at, slot, booking, 0, 0, TaskKind::kCheckBooking});
}

void Checker::Impl::EndInterval(uint64_t booking, uint64_t slot, int64_t at) {
  auto it = slots_.find(slot);
  if (it == slots_.end()) return;
  for (BookingInterval& i : it->second.bookings) {
    if (i.booking != booking || i.removed_us != kNever) continue;
    i.removed_us = std::max(at, i.acked_us);
    Schedule({SatAdd(i.removed_us, slack_us_), 0, slot, 0, 0, 0, TaskKind::kEvictBookings});
  }
}

// Runs once nothing invoked before the ack can still arrive: counts a new episode when the
// booking raised the slot from one to two acknowledged-active bookings.
void Checker::Impl::CheckBooking(const Task& t) {
  SlotState& s = slots_[t.a];
  --s.pending_checks;
  const BookingInterval* self = nullptr;
  for (const BookingInterval& i : s.bookings) {
    if (i.booking == t.b && i.acked_us == t.at_us) self = &i;
  }
  if (self != nullptr && self->removed_us > t.at_us) {
    int others = 0;
    for (const BookingInterval& i : s.bookings) {
      if (&i == self || i.removed_us <= t.at_us) continue;
      if (i.acked_us < t.at_us || (i.acked_us == t.at_us && i.booking < t.b)) ++others;
    }
    if (others == 1) ++counts_.double_bookings;
  }
  EvictBookings(t.a);
}

void Checker::Impl::EvictBookings(uint64_t slot) {
  SlotState& s = slots_[slot];
  if (s.pending_checks != 0) return;
  const int64_t horizon = SatSub(watermark_, slack_us_);
  s.bookings.erase(std::remove_if(s.bookings.begin(), s.bookings.end(),
                                  [&](const BookingInterval& i) {
                                    return i.removed_us != kNever && i.removed_us < horizon;
                                  }),
                   s.bookings.end());
}

void Checker::Impl::CheckFinalState(const std::vector<Booking>& final_bookings, int64_t end) {
  std::unordered_map<uint64_t, uint64_t, U64Hash> final_slot;  // booking -> slot
  std::unordered_map<uint64_t, int, U64Hash> per_slot;
  for (const Booking& b : final_bookings) {
    uint64_t slot = 0;
    if (b.status != BookingStatus::kActive || !SlotKeyOf(b.slot, &slot)) continue;
    const uint64_t key = BookingKeyOf(b.id);
    final_slot[key] = slot;
    ++per_slot[slot];
    auto it = bookings_.find(key);
    const bool told = it != bookings_.end() && it->second.acked;
    if (!told && !unknown_confirm_keys_.contains(b.idempotency_key)) ++counts_.phantom_bookings;
  }
  for (const auto& [key, st] : bookings_) {
    if (!st.acked || st.cancel_invoked) continue;
    auto it = final_slot.find(key);
    if (it == final_slot.end() || (it->second != st.slot && !st.slot_uncertain)) {
      ++counts_.lost_bookings;
    }
  }
  for (const auto& [slot, n] : per_slot) {
    if (n < 2) continue;
    int active_at_end = 0;
    auto it = slots_.find(slot);
    if (it != slots_.end()) {
      for (const BookingInterval& i : it->second.bookings) {
        active_at_end += (i.acked_us <= end && i.removed_us > end) ? 1 : 0;
      }
    }
    if (active_at_end < 2) ++counts_.double_bookings;  // else: the history episode's tail
  }
}

// ---- visibility -------------------------------------------------------------------------

void Checker::Impl::AddPendingVisibility(uint64_t slot, uint32_t belief, int64_t t0) {
  const Belief& b = beliefs_[belief];
  PendingVisibility fresh{TimeOf(slot), belief, b.gen, b.client, t0};
  std::vector<PendingVisibility>& list = visibility_[DayOf(slot)];
  for (PendingVisibility& p : list) {
    if (p.time != fresh.time) continue;
    if (p.belief == belief && p.gen == b.gen) return;  // a re-select: keep the first t0
    ResolveVisibility(p);
    p = fresh;
    return;
  }
  list.push_back(fresh);
  ++pending_visibility_;
}

void Checker::Impl::VisibilityOnPoll(const OpRecord& op, uint64_t client, uint64_t day) {
  auto it = visibility_.find(day);
  if (it == visibility_.end()) return;
  const int64_t invoked = Us(op.invoked);
  for (PendingVisibility& p : it->second) {
    if (p.holder == client || invoked <= p.t0_us) continue;
    p.first_us = std::min(p.first_us, invoked);
    if (invoked >= p.seen_us) continue;
    const std::string& time = times_.Name(p.time);
    if (std::find(op.others_held.begin(), op.others_held.end(), time) == op.others_held.end()) {
      continue;
    }
    p.seen_us = invoked;
    Schedule(
        {SatAdd(invoked, slack_us_), invoked, day, 0, p.time, 0, TaskKind::kFinalizeVisibility});
  }
}

// Records the lag of a probe, or counts it unseen when no sighting came before its belief ended.
void Checker::Impl::ResolveVisibility(const PendingVisibility& p) {
  const Belief& b = beliefs_[p.belief];
  const int64_t end = (b.gen == p.gen && b.state != BeliefState::kFree) ? b.End() : kNever;
  if (p.seen_us < end) {
    counts_.visibility_lag_us.Record(p.first_us == p.seen_us ? 0 : p.seen_us - p.t0_us);
  } else {
    ++counts_.visibility_unseen;
  }
}

void Checker::Impl::FinalizeVisibility(const Task& t) {
  auto it = visibility_.find(t.a);
  if (it == visibility_.end()) return;
  std::vector<PendingVisibility>& list = it->second;
  for (size_t i = 0; i < list.size(); ++i) {
    if (list[i].time != t.c || list[i].seen_us != t.at_us) continue;
    ResolveVisibility(list[i]);
    list[i] = list.back();
    list.pop_back();
    --pending_visibility_;
    return;
  }
}

// ---- end of run and report --------------------------------------------------------------

void Checker::Impl::Finish(const std::vector<Booking>& final_bookings, Timestamp end) {
  if (finished_) return;
  finished_ = true;
  const int64_t end_us = Us(end);
  for (uint32_t id = 0; id < beliefs_.size(); ++id) {
    Belief& b = beliefs_[id];
    if (b.state != BeliefState::kOpen || b.End() <= end_us) continue;
    b.clipped = true;
    b.ended_us = std::max(end_us, b.start_us);
    ScheduleClose(id);
  }
  watermark_ = kNever;
  ProcessDue(kNever, /*inclusive=*/true);
  CheckFinalState(final_bookings, end_us);
  counts_.finished = true;
}

ConsistencyReport Checker::Impl::Report() const {
  ConsistencyReport r = counts_;
  r.hold_conflict_total_ms = static_cast<double>(r.hold_conflict_total_us) / 1000.0;
  for (const auto& [lo, hi] : conflict_intervals_) {
    if (!InsideFailover(lo, hi)) ++r.hold_conflicts_outside_failover;
  }
  const Histogram& h = r.visibility_lag_us;
  r.visibility_lag_ms = {static_cast<double>(h.ValueAtPercentile(50)) / 1000.0,
                         static_cast<double>(h.ValueAtPercentile(99)) / 1000.0,
                         static_cast<double>(h.Max()) / 1000.0};
  return r;
}

CheckerMemory Checker::Impl::Memory() const {
  return {live_beliefs_, slots_.size(),       bookings_.size(),
          tasks_.size(), pending_visibility_, conflict_intervals_.size()};
}

// ---- Checker ----------------------------------------------------------------------------

Checker::Checker(CheckerOptions options) : impl_(std::make_unique<Impl>(options)) {}
Checker::~Checker() = default;
void Checker::Record(const OpRecord& op) { impl_->Record(op); }
void Checker::AddFailoverWindow(Timestamp start, Timestamp end) {
  impl_->AddFailoverWindow(start, end);
}
void Checker::Finish(const std::vector<Booking>& final_active_bookings, Timestamp end) {
  impl_->Finish(final_active_bookings, end);
}
ConsistencyReport Checker::report() const { return impl_->Report(); }
CheckerMemory Checker::memory() const { return impl_->Memory(); }

}  // namespace slotsim
