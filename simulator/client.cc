// ClientPool: the virtual clients' state machines.
#include "simulator/client.h"

#include <algorithm>

namespace slotsim {
namespace {

bool IsDomainRefusal(Code code) {
  return code == Code::kSlotHeld || code == Code::kSlotBooked || code == Code::kSlotTaken;
}

}  // namespace

ClientPool::ClientPool(Target& target, Random& random, ClientBehavior behavior,
                       HistorySink& sink, uint64_t max_live)
    : target_(target),
      clock_(target.clock()),
      random_(random),
      behavior_(std::move(behavior)),
      sink_(sink),
      max_live_(max_live) {}

uint32_t ClientPool::Allocate() {
  if (!free_slots_.empty()) {
    const uint32_t slot = free_slots_.back();
    free_slots_.pop_back();
    clients_[slot] = Client{};
    return slot;
  }
  clients_.emplace_back();
  return static_cast<uint32_t>(clients_.size() - 1);
}

bool ClientPool::Arrive() {
  if (stopped_) return false;
  if (live_ >= max_live_) {
    ++rejected_;
    return false;
  }
  const uint32_t slot = Allocate();
  Client& c = At(slot);
  c.seq = ++total_;
  ++live_;
  const int employees = target_.grid().options().employees;
  c.employee = 1 + static_cast<uint32_t>(behavior_.employee_pick.Pick(random_, employees));
  c.day = static_cast<uint16_t>(random_.Uniform(behavior_.dates.size()));
  const Timestamp now = clock_.Now();
  // Spread heartbeats over the interval, as real page loads are.
  c.next_poll = now + Micros(static_cast<int64_t>(random_.Uniform(behavior_.heartbeat.count())));
  c.stage = Stage::kBrowsing;
  ScheduleAction(c, Action::kAvailability, Micros(0));
  Wake(slot);
  return true;
}

void ClientPool::Shed(uint64_t n) { shed_pending_ = n; }

void ClientPool::StopAll() { stopped_ = true; }

std::string ClientPool::ClientId(const Client& c) const {
  return behavior_.id_prefix + std::to_string(c.seq);
}

SlotRef ClientPool::SlotOf(const Client& c, int16_t time_index) const {
  SlotRef s{static_cast<int>(c.employee), behavior_.dates[c.day], ""};
  if (time_index >= 0) s.time = target_.grid().times()[time_index];
  return s;
}

void ClientPool::ScheduleAction(Client& c, Action a, Micros delay) {
  c.action = a;
  c.next_action = clock_.Now() + delay;
}

void ClientPool::Wake(uint32_t slot) {
  Client& c = At(slot);
  if (c.busy || c.stage == Stage::kGone) return;
  if (c.timer != 0) clock_.Cancel(c.timer);
  Timestamp due = c.next_poll;
  if (c.action != Action::kNone && c.next_action < due) due = c.next_action;
  const uint64_t seq = c.seq;
  c.timer = clock_.ScheduleAt(due, [this, slot, seq] {
    Client& client = At(slot);
    if (client.seq != seq || client.stage == Stage::kGone) return;
    client.timer = 0;
    Step(slot);
  });
}

void ClientPool::Step(uint32_t slot) {
  Client& c = At(slot);
  if (stopped_ || c.leaving) return Leave(slot);
  if (shed_pending_ > 0) {
    --shed_pending_;
    return Leave(slot);
  }
  const Timestamp now = clock_.Now();
  const bool action_due = c.action != Action::kNone && c.next_action <= now;
  if (action_due && (c.next_action <= c.next_poll || c.next_poll > now)) return StartAction(slot);
  if (c.next_poll > now) return Wake(slot);
  OpRequest req;
  req.kind = OpKind::kPoll;
  req.client_id = ClientId(c);
  req.slot = SlotOf(c, -1);
  if (c.held >= 0 && behavior_.poll_with_selected_time) {
    req.selected_time = target_.grid().times()[c.held];
  }
  const Timestamp intended = c.next_poll;
  c.next_poll += behavior_.heartbeat;  // a strict schedule: missed beats are still owed
  Send(slot, std::move(req), intended);
}

bool ClientPool::PickSlot(Client& c) {
  if (c.free.empty()) return false;
  // Popularity ranks grid positions; pick a rank, then the free slot nearest that rank.
  const size_t grid_size = target_.grid().times().size();
  const size_t want = behavior_.slot_popularity.Pick(random_, grid_size);
  auto it = std::lower_bound(c.free.begin(), c.free.end(), static_cast<uint16_t>(want));
  if (it == c.free.end()) --it;
  c.target_slot = static_cast<int16_t>(*it);
  c.free.erase(it);
  return true;
}

void ClientPool::StartAction(uint32_t slot) {
  Client& c = At(slot);
  const Action action = c.action;
  const Timestamp intended = c.next_action;
  c.action = Action::kNone;
  OpRequest req;
  req.client_id = ClientId(c);
  switch (action) {
    case Action::kAvailability:
      req.kind = OpKind::kAvailability;
      req.slot = SlotOf(c, -1);
      break;
    case Action::kSelect:
      if (!PickSlot(c)) return Leave(slot);  // nothing left to try: the client gives up
      c.stage = Stage::kSelecting;
      req.kind = OpKind::kSelect;
      req.slot = SlotOf(c, c.target_slot);
      break;
    case Action::kConfirmOrAbandon:
      req.slot = SlotOf(c, c.held);
      if (random_.Bernoulli(behavior_.abandon)) {
        req.kind = OpKind::kDeselect;
      } else {
        req.kind = OpKind::kConfirm;
        req.idempotency_key = "k" + req.client_id + "-" + std::to_string(++c.ops);
      }
      break;
    case Action::kReschedule:
      if (!PickSlot(c)) return Leave(slot);
      req.kind = OpKind::kReschedule;
      req.slot = SlotOf(c, c.target_slot);
      req.booking_id = c.booking_id;
      break;
    case Action::kCancel:
      req.kind = OpKind::kCancel;
      req.slot = SlotOf(c, c.booked);
      req.booking_id = c.booking_id;
      break;
    case Action::kNone:
      return Wake(slot);
  }
  Send(slot, std::move(req), intended);
}

void ClientPool::Send(uint32_t slot, OpRequest req, Timestamp intended) {
  Client& c = At(slot);
  c.busy = true;
  ++in_flight_;
  // The request travels with its callback: the answer is filed against what was asked.
  auto shared = std::make_shared<OpRequest>(std::move(req));
  target_.Submit(*shared, [this, slot, shared, intended](OpResult r) {
    OnDone(slot, std::move(*shared), intended, std::move(r));
  });
}

void ClientPool::OnDone(uint32_t slot, OpRequest req, Timestamp intended, OpResult r) {
  --in_flight_;
  Client& c = At(slot);
  c.busy = false;
  Emit(req, intended, r);
  if (stopped_ || c.leaving) return Leave(slot);
  switch (req.kind) {
    case OpKind::kPoll: AfterPoll(c, r); break;
    case OpKind::kAvailability: AfterAvailability(c, r); break;
    case OpKind::kSelect: AfterSelect(c, r); break;
    case OpKind::kConfirm: AfterConfirm(c, r); break;
    case OpKind::kDeselect:
    case OpKind::kReschedule:
    case OpKind::kCancel: c.leaving = true; break;
  }
  if (c.leaving) return Leave(slot);
  Wake(slot);
}

void ClientPool::AfterAvailability(Client& c, const OpResult& r) {
  if (!r.status.ok() || !r.availability) {
    c.leaving = true;
    return;
  }
  const std::vector<std::string>& times = target_.grid().times();
  c.free.clear();
  for (const std::string& t : r.availability->free) {
    auto it = std::lower_bound(times.begin(), times.end(), t);
    if (it != times.end() && *it == t) c.free.push_back(static_cast<uint16_t>(it - times.begin()));
  }
  ScheduleAction(c, Action::kSelect, behavior_.browse.Sample(random_));
}

void ClientPool::AfterSelect(Client& c, const OpResult& r) {
  if (r.status.ok()) {
    c.held = c.target_slot;
    c.stage = Stage::kHolding;
    ScheduleAction(c, Action::kConfirmOrAbandon, behavior_.think.Sample(random_));
    return;
  }
  if (IsDomainRefusal(r.status.code()) && c.tries < behavior_.retry_on_held) {
    ++c.tries;
    ScheduleAction(c, Action::kSelect, Micros(0));
    return;
  }
  c.leaving = true;
}

void ClientPool::AfterConfirm(Client& c, const OpResult& r) {
  c.held = -1;
  if (!r.status.ok() || !r.booking) {
    c.leaving = true;
    return;
  }
  c.booked = c.target_slot;
  c.booking_id = r.booking->id;
  c.stage = Stage::kBooked;
  const double u = random_.Uniform01();
  if (u < behavior_.reschedule) {
    ScheduleAction(c, Action::kReschedule, behavior_.think.Sample(random_));
  } else if (u < behavior_.reschedule + behavior_.cancel) {
    ScheduleAction(c, Action::kCancel, behavior_.think.Sample(random_));
  } else {
    c.leaving = true;  // booked and done
  }
}

void ClientPool::AfterPoll(Client& c, const OpResult& r) {
  if (!r.status.ok() || !r.poll) return;
  const PollResult& p = *r.poll;
  if (c.held >= 0 && p.own && p.own->status != HoldStatus::kHeld) {
    // The hold is gone (another client has it, or it was booked): look for another slot.
    c.held = -1;
    c.stage = Stage::kSelecting;
    if (c.tries < behavior_.retry_on_held) {
      ++c.tries;
      ScheduleAction(c, Action::kSelect, Micros(0));
    } else {
      c.leaving = true;
      return;
    }
  }
  if (c.stage == Stage::kBooked || c.stage == Stage::kSelecting) {
    // Refresh what this client believes is free, for its next pick.
    const std::vector<std::string>& times = target_.grid().times();
    c.free.clear();
    for (size_t i = 0; i < times.size(); ++i) {
      const std::string& t = times[i];
      if (std::binary_search(p.booked.begin(), p.booked.end(), t)) continue;
      if (std::find(p.others_held.begin(), p.others_held.end(), t) != p.others_held.end()) continue;
      c.free.push_back(static_cast<uint16_t>(i));
    }
  }
}

void ClientPool::Leave(uint32_t slot) {
  Client& c = At(slot);
  if (c.stage == Stage::kGone) return;
  if (c.busy) {
    c.leaving = true;
    return;
  }
  if (c.timer != 0) clock_.Cancel(c.timer);
  c.timer = 0;
  c.stage = Stage::kGone;
  c.free = {};
  c.booking_id = {};
  --live_;
  free_slots_.push_back(slot);
  if (on_leave_ && !stopped_) on_leave_();
}

void ClientPool::Emit(const OpRequest& req, Timestamp intended, const OpResult& r) {
  OpRecord op;
  op.op_id = next_op_id_++;
  op.client_id = req.client_id;
  op.kind = req.kind;
  op.slot = req.slot;
  if (req.kind == OpKind::kPoll && req.selected_time) op.slot.time = *req.selected_time;
  op.booking_id = r.booking ? r.booking->id : req.booking_id;
  op.idempotency_key = req.idempotency_key;
  op.intended = intended;
  op.invoked = r.invoked;
  op.completed = r.completed;
  op.outcome = r.outcome;
  op.code = r.status.code();
  op.served_by = r.served_by;
  if (r.hold) op.hold_expires = r.hold->expires_at;
  if (r.poll) {
    if (r.poll->own) {
      op.own = r.poll->own->status;
      if (r.poll->own->status == HoldStatus::kHeld) op.hold_expires = r.poll->own->expires_at;
    }
    op.others_held = r.poll->others_held;
    op.booked = r.poll->booked;
  }
  if (r.availability) {
    op.others_held = r.availability->held;
    op.booked = r.availability->booked;
  }
  sink_.Record(op);
}

}  // namespace slotsim
