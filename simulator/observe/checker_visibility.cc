// Visibility probes in the checker (rules in checker.h): an OK select waits to be seen in other
// clients' polls of its day; the lag from its completion to the first sighting is recorded, or
// it counts as unseen when its belief ends first.
#include "simulator/observe/checker_impl.h"

namespace slotsim {

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

// `slot` is the poll's day with its selected time (kNoTime without one). A poll that
// re-asserts the probed time comes from a client that believes it holds that slot itself: it
// is no observer of another's hold there, whatever it shows.
void Checker::Impl::VisibilityOnPoll(const OpRecord& op, uint64_t client, uint64_t slot) {
  const uint64_t day = DayOf(slot);
  auto it = visibility_.find(day);
  if (it == visibility_.end()) return;
  const int64_t invoked = Us(op.invoked);
  const uint32_t reasserted = TimeOf(slot);
  for (PendingVisibility& p : it->second) {
    if (p.holder == client || p.time == reasserted || invoked <= p.t0_us) continue;
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

}  // namespace slotsim
