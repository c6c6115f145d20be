// ExecuteOp: an OpRequest on the engine.
#include "simulator/workload/engine_ops.h"

namespace slotsim {

void ExecuteOp(SlotEngine& e, const Store& store, const OpRequest& req, OpResult& r) {
  // `r` is a pooled result from an earlier operation: every field is set or reset here.
  r.outcome = Outcome::kOk;
  r.answer = AnswerClass::kOk;
  r.served_by = StorageMode::kMemory;
  r.hold.reset();
  r.booking.reset();
  r.poll.reset();
  r.availability.reset();
  const SlotRef& s = req.slot;
  switch (req.kind) {
    case OpKind::kSelect: {
      StatusOr<Hold> h = e.Select(req.client_id, s.employee_id, s.date, s.time);
      r.status = h.status();
      if (h.ok()) r.hold = *h;
      break;
    }
    case OpKind::kDeselect:
      r.status = e.Deselect(req.client_id, s.employee_id, s.date, s.time);
      break;
    case OpKind::kPoll: {
      std::optional<std::string_view> selected;
      if (req.selected_time) selected = *req.selected_time;
      StatusOr<PollResult> p = e.Poll(req.client_id, s.employee_id, s.date, selected);
      r.status = p.status();
      if (p.ok()) {
        r.served_by = p->storage_mode;
        r.poll = std::move(p).value();
      }
      break;
    }
    case OpKind::kAvailability: {
      StatusOr<Availability> a = e.GetAvailability(s.employee_id, s.date, req.client_id);
      r.status = a.status();
      if (a.ok()) {
        r.served_by = a->storage_mode;
        r.availability = std::move(a).value();
      }
      break;
    }
    case OpKind::kConfirm: {
      StatusOr<Booking> b =
          e.Confirm(req.client_id, s.employee_id, s.date, s.time, req.idempotency_key);
      r.status = b.status();
      if (b.ok()) r.booking = *b;
      break;
    }
    case OpKind::kReschedule: {
      StatusOr<Booking> b =
          e.Reschedule(req.client_id, req.booking_id, s.employee_id, s.date, s.time);
      r.status = b.status();
      if (b.ok()) r.booking = *b;
      break;
    }
    case OpKind::kCancel: {
      StatusOr<Booking> b = e.Cancel(req.client_id, req.booking_id);
      r.status = b.status();
      if (b.ok()) r.booking = *b;
      break;
    }
  }
  if (req.kind != OpKind::kPoll && req.kind != OpKind::kAvailability) {
    r.served_by = store.mode();
  }
}

}  // namespace slotsim
