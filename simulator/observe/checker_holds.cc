// Beliefs, the checker's view of holds (rules in checker.h): a client's belief that it holds a
// slot starts, is renewed and ends; once settled it closes, and its overlaps with other
// clients' closed beliefs on the slot are the hold conflicts. Closed beliefs that can no longer
// overlap anything are evicted and their ids reused.
#include "simulator/observe/checker_impl.h"

namespace slotsim {

uint32_t Checker::Impl::Current(uint64_t client, uint64_t day, int64_t invoked, bool* stale) const {
  auto it = index_.find({client, day});
  if (it == index_.end()) return kNone;
  *stale = invoked < beliefs_[it->second].start_us;
  return it->second;
}

uint32_t Checker::Impl::RenewOrStart(uint32_t cur, uint64_t client, uint64_t slot,
                                     const OpRecord& op) {
  const int64_t invoked = Us(op.invoked), completed = Us(op.completed);
  const int64_t expiry = op.hold_expires ? Us(*op.hold_expires) : SatAdd(completed, ttl_us_);
  const int64_t sure = op.hold_expires ? expiry : SatAdd(invoked, ttl_us_);
  if (cur != kNone) {
    Belief& b = beliefs_[cur];
    if (invoked < b.expiry_us) {
      // Its close task finds the later expiry and moves itself.
      b.expiry_us = std::max(b.expiry_us, expiry);
      b.sure_expiry_us = std::max(b.sure_expiry_us, sure);
      b.last_held_us = std::max(b.last_held_us, invoked);
      return cur;
    }
    UnindexBelief(cur);  // lapsed at its expiry; its close task is queued
  }
  return StartBelief(client, slot, op, expiry, sure);
}

uint32_t Checker::Impl::StartBelief(uint64_t client, uint64_t slot, const OpRecord& op,
                                    int64_t expiry, int64_t sure_expiry) {
  uint32_t id;
  if (!free_beliefs_.empty()) {
    id = free_beliefs_.back();
    free_beliefs_.pop_back();
  } else {
    id = static_cast<uint32_t>(beliefs_.size());
    beliefs_.emplace_back();
  }
  const int64_t start = Us(op.completed);
  Belief& b = beliefs_[id];
  b.client = client;
  b.slot = slot;
  b.start_us = start;
  b.expiry_us = std::max(expiry, start);
  b.ended_us = kNever;
  b.sure_expiry_us = sure_expiry;
  b.last_held_us = Us(op.invoked);
  b.state = BeliefState::kOpen;
  b.clipped = false;
  b.lost = false;
  ++live_beliefs_;
  slots_[slot].beliefs.push_back(id);
  index_[{client, DayOf(slot)}] = id;
  ScheduleClose(id);
  return id;
}

// A poll answered lost or taken for the belief's slot: the belief ends; if the poll was sent
// before the hold could have expired, the hold vanished early.
void Checker::Impl::LoseBelief(uint32_t id, const OpRecord& op) {
  Belief& b = beliefs_[id];
  if (Us(op.invoked) < b.sure_expiry_us) {
    ++counts_.lost_holds;
    b.lost = true;
  }
  EndBelief(id, Us(op.completed));
}

// The overlap of `first` (began no later) with `second` is the lost hold's, not a conflict,
// when `first` ended as a lost hold and no answer affirmed it from `second`'s start on: the
// server let `second` take a slot it evidently no longer kept for `first`.
bool Checker::Impl::ChargedToLostHold(const Belief& first, const Belief& second) {
  return first.start_us <= second.start_us && first.lost && first.last_held_us < second.start_us;
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
    if (hi <= lo || ChargedToLostHold(b, o) || ChargedToLostHold(o, b)) continue;
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

}  // namespace slotsim
