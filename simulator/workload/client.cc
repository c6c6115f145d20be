// ClientPool: the virtual clients' state machines.
#include "simulator/workload/client.h"

#include <algorithm>
#include <bit>
#include <charconv>

#include "common/check.h"

namespace slotsim {
namespace {

bool IsDomainRefusal(Code code) {
  return code == Code::kSlotHeld || code == Code::kSlotBooked || code == Code::kSlotTaken;
}

// Free-slot bit sets: `n` words, bit i of the set is bit i % 64 of word i / 64.
bool AnyBit(const uint64_t* words, size_t n) {
  return std::any_of(words, words + n, [](uint64_t w) { return w != 0; });
}

// The lowest set bit >= `from`, or -1.
int FirstBitFrom(const uint64_t* words, size_t n, size_t from) {
  for (size_t w = from / 64; w < n; ++w) {
    uint64_t bits = words[w];
    if (w == from / 64) bits &= ~uint64_t{0} << (from % 64);
    if (bits != 0) return static_cast<int>(w * 64 + std::countr_zero(bits));
  }
  return -1;
}

// The highest set bit, or -1.
int LastBit(const uint64_t* words, size_t n) {
  for (size_t w = n; w > 0; --w) {
    if (words[w - 1] != 0)
      return static_cast<int>((w - 1) * 64 + 63 - std::countl_zero(words[w - 1]));
  }
  return -1;
}

void SetBit(uint64_t* words, size_t i, bool on) {
  const uint64_t mask = uint64_t{1} << (i % 64);
  words[i / 64] = on ? (words[i / 64] | mask) : (words[i / 64] & ~mask);
}

// Timer arguments: the slot, the client's timer generation and the low bits of its sequence
// number, so an event meant for an earlier occupant of the slot is recognised and ignored.
uint64_t TimerArg(uint32_t slot, uint8_t gen, uint64_t seq) {
  return slot | (uint64_t{gen} << 32) | ((seq & 0xFFFFFF) << 40);
}

}  // namespace

ClientPool::ClientPool(Target& target, Random& random, ClientBehavior behavior, HistorySink& sink,
                       uint64_t max_live)
    : target_(target),
      clock_(target.clock()),
      sim_clock_(dynamic_cast<SimClock*>(&target.clock())),
      random_(random),
      behavior_(std::move(behavior)),
      sink_(sink),
      max_live_(max_live),
      words_((target.grid().times().size() + 63) / 64) {}

uint32_t ClientPool::Allocate() {
  uint32_t slot;
  if (!free_slots_.empty()) {
    slot = free_slots_.back();
    free_slots_.pop_back();
    // Only Leave frees a slot, once: a live client here would be released twice.
    SLOTSIM_CHECK(slot < slots_ && At(slot).stage == Stage::kGone)
        << "free client slot " << slot << " of " << slots_ << " is still in use";
    At(slot) = Client{};
  } else {
    if ((slots_ & kChunkMask) == 0) chunks_.push_back(std::make_unique<Client[]>(kChunkMask + 1));
    free_words_.resize(free_words_.size() + words_);
    slot = slots_++;
  }
  std::fill_n(FreeOf(slot), words_, 0);
  return slot;
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
  peak_ = std::max(peak_, live_);
  const int employees = target_.grid().options().employees;
  c.employee = 1 + static_cast<uint32_t>(behavior_.employee_pick.Pick(random_, employees));
  c.day = static_cast<uint16_t>(random_.Uniform(behavior_.dates.size()));
  const Timestamp now = clock_.Now();
  // Spread heartbeats over the interval, as real page loads are.
  c.next_poll = now + Micros(static_cast<int64_t>(random_.Uniform(behavior_.heartbeat.count())));
  c.stage = Stage::kBrowsing;
  // Drawn only when there are adversaries, so runs without them keep their random streams.
  if (behavior_.adversary_share > 0 && random_.Bernoulli(behavior_.adversary_share)) {
    StartAdversary(slot);
  }
  ScheduleAction(c, Action::kAvailability, Micros(0));
  Wake(slot);
  return true;
}

void ClientPool::Shed(uint64_t n) { shed_pending_ = n; }

void ClientPool::StopAll() { stopped_ = true; }

void ClientPool::SetClientId(const Client& c, std::string& out) const {
  // Assigned in place: the string keeps its buffer, no temporary is built.
  char digits[20];
  const auto end = std::to_chars(digits, digits + sizeof digits, c.seq).ptr;
  out.assign(behavior_.id_prefix);
  out.append(digits, end);
}

void ClientPool::SetSlot(const Client& c, int16_t time_index, SlotRef& out) const {
  out.employee_id = static_cast<int>(c.employee);
  out.date.assign(behavior_.dates[c.day]);
  if (time_index >= 0) {
    out.time.assign(target_.grid().times()[time_index]);
  } else {
    out.time.clear();
  }
}

void ClientPool::ScheduleAction(Client& c, Action a, Micros delay) {
  c.action = a;
  c.next_action = clock_.Now() + delay;
}

void ClientPool::Wake(uint32_t slot) {
  Client& c = At(slot);
  if (c.busy || c.stage == Stage::kGone) return;
  // A client arms one timer at a time. Re-arming disowns the earlier one, which then fires as
  // a no-op; the flow never re-arms a live timer, so this is a guard, not a path.
  if (c.timer_armed) ++c.timer_gen;
  c.timer_armed = true;
  Timestamp due = c.next_poll;
  if (c.action != Action::kNone && c.next_action < due) due = c.next_action;
  const uint64_t arg = TimerArg(slot, c.timer_gen, c.seq);
  if (sim_clock_ != nullptr) {
    sim_clock_->ScheduleCall(due, *this, arg);
  } else {
    clock_.ScheduleAt(due, [this, arg] { OnTimer(arg); });
  }
}

void ClientPool::OnTimer(uint64_t arg) {
  const auto slot = static_cast<uint32_t>(arg);
  SLOTSIM_CHECK(slot < slots_) << "timer for client slot " << slot << " of " << slots_;
  Client& c = At(slot);
  if (arg != TimerArg(slot, c.timer_gen, c.seq) || !c.timer_armed || c.stage == Stage::kGone) {
    return;
  }
  c.timer_armed = false;
  Step(slot);
}

void ClientPool::Prefetch(uint64_t arg) {
  const auto slot = static_cast<uint32_t>(arg);
  __builtin_prefetch(&At(slot));
  if (prefetched_slot_ < slots_) {
    const Client& c = At(prefetched_slot_);
    if (c.stage != Stage::kGone) {
      target_.WillTouchDay(static_cast<int>(c.employee), behavior_.dates[c.day]);
    }
  }
  prefetched_slot_ = slot;
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
  SendPoll(slot);
}

void ClientPool::SendPoll(uint32_t slot) {
  Client& c = At(slot);
  const uint32_t flight = NewFlight(slot);
  OpRequest& req = flights_[flight].req;
  if (c.held >= 0 && behavior_.poll_with_selected_time) {
    req.selected_time = target_.grid().times()[c.held];
  }
  const Timestamp intended = c.next_poll;
  c.next_poll += behavior_.heartbeat;  // a strict schedule: missed beats are still owed
  Send(flight, intended);
}

bool ClientPool::PickSlot(uint32_t slot) {
  Client& c = At(slot);
  uint64_t* free = FreeOf(slot);
  if (!AnyBit(free, words_)) return false;
  // Popularity ranks grid positions; pick a rank, then the free slot nearest that rank.
  const size_t grid_size = target_.grid().times().size();
  const size_t want = behavior_.slot_popularity.Pick(random_, grid_size);
  int pick = FirstBitFrom(free, words_, want);
  if (pick < 0) pick = LastBit(free, words_);
  c.target_slot = static_cast<int16_t>(pick);
  SetBit(free, static_cast<size_t>(pick), false);
  return true;
}

uint32_t ClientPool::NewFlight(uint32_t slot) {
  uint32_t flight;
  if (!free_flights_.empty()) {
    flight = free_flights_.back();
    free_flights_.pop_back();
  } else {
    flights_.emplace_back();
    flight = static_cast<uint32_t>(flights_.size() - 1);
  }
  Flight& f = flights_[flight];
  f.slot = slot;
  OpRequest& req = f.req;
  const Client& c = At(slot);
  req.kind = OpKind::kPoll;
  SetClientId(c, req.client_id);
  SetSlot(c, -1, req.slot);
  req.selected_time.reset();
  req.booking_id.clear();
  req.idempotency_key.clear();
  return flight;
}

void ClientPool::StartAction(uint32_t slot) {
  Client& c = At(slot);
  const Action action = c.action;
  const Timestamp intended = c.next_action;
  c.action = Action::kNone;
  if (action == Action::kNone) return Wake(slot);
  if ((action == Action::kSelect || action == Action::kReschedule) && !PickSlot(slot)) {
    if (on_sold_out_) on_sold_out_(clock_.Now());
    return Leave(slot);  // nothing left to try: the client gives up
  }
  const uint32_t flight = NewFlight(slot);
  OpRequest& req = flights_[flight].req;
  switch (action) {
    case Action::kAvailability:
      req.kind = OpKind::kAvailability;
      break;
    case Action::kSelect:
      c.stage = Stage::kSelecting;
      req.kind = OpKind::kSelect;
      SetSlot(c, c.target_slot, req.slot);
      break;
    case Action::kConfirmOrAbandon:
      SetSlot(c, c.held, req.slot);
      if (c.adversary == 0 && random_.Bernoulli(behavior_.abandon)) {
        req.kind = OpKind::kDeselect;
      } else {
        req.kind = OpKind::kConfirm;
        req.idempotency_key = "k" + req.client_id + "-" + std::to_string(++c.ops);
      }
      break;
    case Action::kReschedule:
      req.kind = OpKind::kReschedule;
      SetSlot(c, c.target_slot, req.slot);
      req.booking_id = BookingIdOf(slot);
      break;
    case Action::kCancel:
      req.kind = OpKind::kCancel;
      SetSlot(c, c.booked, req.slot);
      req.booking_id = BookingIdOf(slot);
      break;
    case Action::kForeignRelease:
    case Action::kVerify:
    case Action::kForeignCancel:
      AdversaryRequest(slot, action, req);
      break;
    case Action::kNone:
      break;
  }
  Send(flight, intended);
}

const std::string& ClientPool::BookingIdOf(uint32_t slot) const {
  auto it = booking_ids_.find(slot);
  // AfterConfirm keeps the id of every client it schedules to reschedule or cancel.
  SLOTSIM_CHECK(it != booking_ids_.end())
      << "client " << chunks_[slot >> kChunkBits][slot & kChunkMask].seq
      << " moves or cancels a booking whose id it did not keep";
  return it->second;
}

void ClientPool::Send(uint32_t flight, Timestamp intended) {
  Flight& f = flights_[flight];
  f.intended = intended;
  Client& c = At(f.slot);
  SLOTSIM_CHECK(!c.busy && c.stage != Stage::kGone)
      << "client " << c.seq << " sends an operation while another is in flight or after leaving";
  c.busy = true;
  f.sent = true;
  ++in_flight_;
  // The request stays in its pooled Flight until answered, so the callback carries only its
  // index: 16 bytes, which std::function stores without allocating.
  target_.Submit(f.req, intended, [this, flight](OpResult r) { OnDone(flight, r); });
}

void ClientPool::OnDone(uint32_t flight, const OpResult& r) {
  // One answer per operation: a target that answers twice would corrupt the client's flow.
  SLOTSIM_CHECK(flight < flights_.size() && flights_[flight].sent && At(flights_[flight].slot).busy)
      << "answer for flight " << flight << " of " << flights_.size()
      << ", which is not in flight (answered twice?)";
  --in_flight_;
  Flight& f = flights_[flight];
  f.sent = false;
  const uint32_t slot = f.slot;
  const OpKind kind = f.req.kind;
  Emit(f, r);
  free_flights_.push_back(flight);
  Client& c = At(slot);
  c.busy = false;
  if (stopped_ || c.leaving) return Leave(slot);
  if (c.adversary != 0) {
    AdversaryAfterDone(slot, kind, r);
    if (c.leaving) return Leave(slot);
    return Wake(slot);
  }
  switch (kind) {
    case OpKind::kPoll:
      AfterPoll(slot, r);
      break;
    case OpKind::kAvailability:
      AfterAvailability(slot, r);
      break;
    case OpKind::kSelect:
      AfterSelect(c, r);
      break;
    case OpKind::kConfirm:
      AfterConfirm(slot, r);
      break;
    case OpKind::kDeselect:
    case OpKind::kReschedule:
    case OpKind::kCancel:
      c.leaving = true;
      break;
  }
  if (c.leaving) return Leave(slot);
  Wake(slot);
}

void ClientPool::MarkFree(uint32_t slot, const std::vector<std::string>& times, bool free) {
  const std::vector<std::string>& grid = target_.grid().times();
  uint64_t* words = FreeOf(slot);
  for (const std::string& t : times) {
    auto it = std::lower_bound(grid.begin(), grid.end(), t);
    if (it != grid.end() && *it == t) SetBit(words, static_cast<size_t>(it - grid.begin()), free);
  }
}

void ClientPool::AfterAvailability(uint32_t slot, const OpResult& r) {
  Client& c = At(slot);
  if (!r.status.ok() || !r.availability) {
    c.leaving = true;
    return;
  }
  std::fill_n(FreeOf(slot), words_, 0);
  MarkFree(slot, r.availability->free, true);
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

void ClientPool::AfterConfirm(uint32_t slot, const OpResult& r) {
  Client& c = At(slot);
  c.held = -1;
  if (!r.status.ok() || !r.booking) {
    c.leaving = true;
    return;
  }
  c.booked = c.target_slot;
  c.stage = Stage::kBooked;
  const double u = random_.Uniform01();
  if (u < behavior_.reschedule) {
    ScheduleAction(c, Action::kReschedule, behavior_.think.Sample(random_));
  } else if (u < behavior_.reschedule + behavior_.cancel) {
    ScheduleAction(c, Action::kCancel, behavior_.think.Sample(random_));
  } else {
    c.leaving = true;  // booked and done
    return;
  }
  booking_ids_[slot] = r.booking->id;  // only a client that will move or cancel keeps it
}

void ClientPool::AfterPoll(uint32_t slot, const OpResult& r) {
  Client& c = At(slot);
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
    // Refresh what this client believes is free, for its next pick: the grid less what is
    // booked or held by others.
    const size_t grid_size = target_.grid().times().size();
    uint64_t* words = FreeOf(slot);
    std::fill_n(words, words_, 0);
    for (size_t i = 0; i < grid_size; ++i) SetBit(words, i, true);
    MarkFree(slot, p.booked, false);
    MarkFree(slot, p.others_held, false);
  }
}

void ClientPool::Leave(uint32_t slot) {
  Client& c = At(slot);
  if (c.stage == Stage::kGone) return;
  if (c.busy) {
    c.leaving = true;
    return;
  }
  if (c.timer_armed) ++c.timer_gen;  // disowns the armed timer: it fires as a no-op
  c.timer_armed = false;
  c.stage = Stage::kGone;
  std::fill_n(FreeOf(slot), words_, 0);
  booking_ids_.erase(slot);
  SLOTSIM_CHECK(live_ > 0) << "client slot " << slot << " leaves a pool with no live client";
  --live_;
  free_slots_.push_back(slot);
  if (on_leave_ && !stopped_) on_leave_();
}

void ClientPool::Emit(const Flight& f, const OpResult& r) {
  const OpRequest& req = f.req;
  // Filled in place: the reused record's strings and vectors keep their buffers, so filing an
  // operation allocates nothing once they have grown.
  OpRecord& op = record_;
  op.op_id = next_op_id_++;
  op.client_id.assign(req.client_id);
  op.kind = req.kind;
  op.slot.employee_id = req.slot.employee_id;
  op.slot.date.assign(req.slot.date);
  op.slot.time.assign(req.kind == OpKind::kPoll && req.selected_time ? *req.selected_time
                                                                     : req.slot.time);
  op.booking_id.assign(r.booking ? r.booking->id : req.booking_id);
  op.idempotency_key.assign(req.idempotency_key);
  op.intended = f.intended;
  op.invoked = r.invoked;
  op.completed = r.completed;
  op.outcome = r.outcome;
  op.answer = r.answer;
  op.code = r.status.code();
  op.served_by = r.served_by;
  op.hold_expires.reset();
  op.own.reset();
  op.others_held.clear();
  op.booked.clear();
  if (r.hold) op.hold_expires = r.hold->expires_at;
  if (r.poll) {
    if (r.poll->own) {
      op.own = r.poll->own->status;
      if (r.poll->own->status == HoldStatus::kHeld) op.hold_expires = r.poll->own->expires_at;
    }
    op.others_held.assign(r.poll->others_held.begin(), r.poll->others_held.end());
    op.booked.assign(r.poll->booked.begin(), r.poll->booked.end());
  }
  if (r.availability) {
    op.others_held.assign(r.availability->held.begin(), r.availability->held.end());
    op.booked.assign(r.availability->booked.begin(), r.availability->booked.end());
  }
  sink_.Record(op);
}

}  // namespace slotsim
