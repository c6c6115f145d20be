// Guarantees the target owes clients that do not play by the flow (rules in checker.h,
// "foreign_releases", "foreign_cancels"): an adversary's deselect of a slot another client
// holds must not release it, and a cancel of another client's booking must not cancel it.
#include <algorithm>

#include "simulator/observe/checker_impl.h"

namespace slotsim {

void Checker::Impl::ReleaseOnDeselect(const OpRecord& op, uint64_t client, uint64_t slot) {
  if (op.outcome != Outcome::kOk || TimeOf(slot) == kNoTime) return;
  const ClientDay key{client, DayOf(slot)};
  const int64_t completed = Us(op.completed);
  pending_releases_[key] = PendingRelease{slot, Us(op.invoked), completed};
  release_order_.emplace_back(key, completed);
  EvictPendingReleases();
}

// A deselect whose client never polled that day again (every client that abandons a hold and
// leaves) is forgotten once no poll that could follow it can still arrive.
void Checker::Impl::EvictPendingReleases() {
  const int64_t horizon = SatSub(watermark_, 2 * slack_us_);
  while (!release_order_.empty() && release_order_.front().second < horizon) {
    auto it = pending_releases_.find(release_order_.front().first);
    if (it != pending_releases_.end() && it->second.completed_us == release_order_.front().second) {
      pending_releases_.erase(it);
    }
    release_order_.pop_front();
  }
}

void Checker::Impl::ReleaseOnPoll(const OpRecord& op, uint64_t client, uint64_t day) {
  if (pending_releases_.empty()) return;
  auto it = pending_releases_.find({client, day});
  if (it == pending_releases_.end()) return;
  const PendingRelease p = it->second;
  const int64_t invoked = Us(op.invoked);
  if (invoked < p.completed_us) return;  // sent before the deselect was answered
  pending_releases_.erase(it);
  const std::string& time = times_.Name(TimeOf(p.slot));
  const auto shows = [&](const std::vector<std::string>& list) {
    return std::find(list.begin(), list.end(), time) != list.end();
  };
  if (op.slot.time == time || shows(op.others_held) || shows(op.booked)) return;
  // The slot is gone from the day. Whether another client still held it is known once every
  // record invoked before this poll has arrived.
  Schedule(
      {SatAdd(invoked, slack_us_), p.invoked_us, p.slot, client, 0, 0, TaskKind::kDecideRelease});
}

void Checker::Impl::DecideRelease(const Task& t) {
  const int64_t poll_invoked = t.due_us - slack_us_;
  auto it = slots_.find(t.a);
  if (it == slots_.end()) return;
  // Beliefs ending after the poll are still open or retained here: they close only at
  // End() + slack, later than this task.
  for (uint32_t id : it->second.beliefs) {
    const Belief& b = beliefs_[id];
    if (b.state == BeliefState::kFree || b.client == t.b) continue;
    if (b.start_us <= t.at_us && b.End() > poll_invoked) {
      ++counts_.foreign_releases;
      return;
    }
  }
}

bool Checker::Impl::ForeignCancel(const OpRecord& op, uint64_t client, BookingState& st) {
  if (!st.acked || st.owner == client) return false;
  if (op.outcome == Outcome::kFail) return true;  // refused: nothing changed, nothing excused
  if (op.outcome == Outcome::kOk) ++counts_.foreign_cancels;
  return false;  // it (may have) cancelled the booking: the usual cancel rule applies
}

}  // namespace slotsim
