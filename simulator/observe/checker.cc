// The online consistency checker (rules in checker.h; its state in checker_impl.h): records
// dispatched by kind, what each operation does to beliefs and bookings, the settle tasks run
// as time moves on, the end of the run and the report.
#include "simulator/observe/checker_impl.h"

namespace slotsim {

namespace {

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

}  // namespace

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
        OnCancel(op, client, slot);
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
      case TaskKind::kDecideRelease:
        DecideRelease(t);
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
    const uint32_t id = RenewOrStart(cur, client, slot, op);
    AddPendingVisibility(slot, id, completed);
  } else if (op.outcome == Outcome::kFail && cur != kNone) {
    EndBelief(cur, completed);  // told it does not hold S
  }
}

void Checker::Impl::OnDeselect(const OpRecord& op, uint64_t client, uint64_t slot) {
  bool stale = false;
  const uint32_t cur = Current(client, DayOf(slot), Us(op.invoked), &stale);
  if (!stale && cur != kNone && beliefs_[cur].slot == slot) EndBelief(cur, Us(op.invoked));
  ReleaseOnDeselect(op, client, slot);
}

void Checker::Impl::OnPoll(const OpRecord& op, uint64_t client, uint64_t slot) {
  if (op.outcome != Outcome::kOk) return;
  const int64_t invoked = Us(op.invoked);
  bool stale = false;
  uint32_t cur = Current(client, DayOf(slot), invoked, &stale);
  if (TimeOf(slot) != kNoTime && op.own && !stale) {
    if (*op.own == HoldStatus::kHeld) {
      if (cur != kNone && beliefs_[cur].slot != slot) {
        EndBelief(cur, invoked);
        cur = kNone;
      }
      RenewOrStart(cur, client, slot, op);
    } else if (cur != kNone && beliefs_[cur].slot == slot) {
      LoseBelief(cur, op);
    }
  }
  VisibilityOnPoll(op, client, slot);
  ReleaseOnPoll(op, client, DayOf(slot));
}

void Checker::Impl::OnConfirm(const OpRecord& op, uint64_t client, uint64_t slot) {
  const int64_t invoked = Us(op.invoked), completed = Us(op.completed);
  bool stale = false;
  const uint32_t cur = Current(client, DayOf(slot), invoked, &stale);
  if (!stale && cur != kNone && beliefs_[cur].slot == slot) EndBelief(cur, completed);
  if (op.outcome == Outcome::kOk && !op.booking_id.empty()) {
    const uint64_t booking = BookingKeyOf(op.booking_id);
    AckBooking(booking, slot, completed);
    bookings_[booking].owner = client;
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
    if (op.outcome == Outcome::kOk) {
      st.slot_uncertain = false;
      st.last_ack_us = std::max(st.last_ack_us, completed);
    }
    return;  // already there: an idempotent repeat
  }
  if (st.acked) EndInterval(booking, st.slot, invoked);
  if (op.outcome == Outcome::kUnknown) {
    st.slot_uncertain = true;
    return;
  }
  AckBooking(booking, slot, completed);
}

void Checker::Impl::OnCancel(const OpRecord& op, uint64_t client, uint64_t slot) {
  if (op.booking_id.empty()) return;
  const uint64_t booking = BookingKeyOf(op.booking_id);
  BookingState& st = bookings_[booking];
  if (ForeignCancel(op, client, st)) return;
  st.cancel_invoked = true;
  if (op.outcome == Outcome::kFail) return;
  st.cancelled = true;
  EndInterval(booking, st.acked ? st.slot : slot, Us(op.invoked));
}

// ---- end of run and report --------------------------------------------------------------

void Checker::Impl::Finish(const std::vector<Booking>& final_bookings, Timestamp end,
                           ReadBack read_back, const std::string& reason) {
  if (finished_) return;
  finished_ = true;
  counts_.read_back = read_back;
  counts_.measurement = MeasurementOf(read_back, reason);
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
  return {live_beliefs_,
          slots_.size(),
          bookings_.size(),
          tasks_.size(),
          pending_visibility_,
          conflict_intervals_.size(),
          double_candidates_.size()};
}

// ---- Checker ----------------------------------------------------------------------------

Checker::Checker(CheckerOptions options) : impl_(std::make_unique<Impl>(options)) {}
Checker::~Checker() = default;
void Checker::Record(const OpRecord& op) { impl_->Record(op); }
void Checker::AddFailoverWindow(Timestamp start, Timestamp end) {
  impl_->AddFailoverWindow(start, end);
}
void Checker::Finish(const std::vector<Booking>& final_active_bookings, Timestamp end,
                     ReadBack read_back, const std::string& reason) {
  impl_->Finish(final_active_bookings, end, read_back, reason);
}
ConsistencyReport Checker::report() const { return impl_->Report(); }
CheckerMemory Checker::memory() const { return impl_->Memory(); }

}  // namespace slotsim
