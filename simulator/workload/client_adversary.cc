// ClientPool's adversaries (client.h): clients that try what the flow never does, so that the
// checker can tell whether the target holds its guarantees (checker.h, "GUARANTEES").
#include <algorithm>
#include <charconv>

#include "common/check.h"
#include "simulator/workload/client.h"

namespace slotsim {
namespace {

constexpr uint8_t kReleaser = 1;   // release_foreign
constexpr uint8_t kCanceller = 2;  // cancel_foreign
// Polls a releaser makes without finding anyone's hold before it gives up and leaves.
constexpr uint16_t kPatience = 12;

// The booking id `attempt` steps away from `own` ("APT-2026-000042": 41, 43, 40, 44, ...),
// with the same digit width; "" when `own` is not of that form.
std::string NeighbourId(const std::string& own, int attempt) {
  const size_t dash = own.rfind('-');
  if (dash == std::string::npos || dash + 1 >= own.size()) return "";
  const std::string_view digits(own.data() + dash + 1, own.size() - dash - 1);
  int64_t seq = 0;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), seq);
  if (ec != std::errc() || end != digits.data() + digits.size()) return "";
  const int64_t step = attempt / 2 + 1;
  int64_t want = attempt % 2 == 0 ? seq - step : seq + step;
  if (want < 1) want = seq + step;
  std::string n = std::to_string(want);
  if (n.size() < digits.size()) n.insert(0, digits.size() - n.size(), '0');
  return own.substr(0, dash + 1) + n;
}

}  // namespace

void ClientPool::StartAdversary(uint32_t slot) {
  Client& c = At(slot);
  ++adversaries_;
  if (behavior_.release_foreign && behavior_.cancel_foreign) {
    c.adversary = random_.Bernoulli(0.5) ? kReleaser : kCanceller;
  } else {
    c.adversary = behavior_.cancel_foreign ? kCanceller : kReleaser;
  }
}

bool ClientPool::PickForeignHold(Client& c, const std::vector<std::string>& others_held) {
  if (others_held.empty()) return false;
  const std::vector<std::string>& grid = target_.grid().times();
  const std::string& time = others_held[random_.Uniform(others_held.size())];
  auto it = std::lower_bound(grid.begin(), grid.end(), time);
  if (it == grid.end() || *it != time) return false;  // not a time of the grid: nothing to aim at
  c.target_slot = static_cast<int16_t>(it - grid.begin());
  return true;
}

void ClientPool::AdversaryRequest(uint32_t slot, Action action, OpRequest& req) {
  Client& c = At(slot);
  switch (action) {
    case Action::kForeignRelease:
      c.stage = Stage::kSelecting;  // until the poll after it has answered
      req.kind = OpKind::kDeselect;
      SetSlot(c, c.target_slot, req.slot);
      break;
    case Action::kForeignCancel:
      req.kind = OpKind::kCancel;
      SetSlot(c, c.booked, req.slot);
      req.booking_id = NeighbourId(BookingIdOf(slot), c.tries);
      break;
    default:  // kVerify: the plain poll NewFlight made
      break;
  }
}

void ClientPool::AdversaryAfterDone(uint32_t slot, OpKind kind, const OpResult& r) {
  Client& c = At(slot);
  if (c.adversary == kCanceller) {
    switch (kind) {
      case OpKind::kAvailability:
        return AfterAvailability(slot, r);
      case OpKind::kSelect:
        return AfterSelect(c, r);
      case OpKind::kPoll:
        return AfterPoll(slot, r);
      case OpKind::kConfirm:
        c.held = -1;
        if (!r.status.ok() || !r.booking || NeighbourId(r.booking->id, 0).empty()) {
          c.leaving = true;
          return;
        }
        c.booked = c.target_slot;
        c.stage = Stage::kBooked;
        c.tries = 0;
        booking_ids_[slot] = r.booking->id;
        return ScheduleAction(c, Action::kForeignCancel, Micros(0));
      case OpKind::kCancel:
        if (++c.tries >= behavior_.adversary_attempts) {
          c.leaving = true;
          return;
        }
        return ScheduleAction(c, Action::kForeignCancel, Micros(0));
      default:
        c.leaving = true;
        return;
    }
  }
  switch (kind) {
    case OpKind::kAvailability:
      if (!r.status.ok() || !r.availability) {
        c.leaving = true;
        return;
      }
      if (PickForeignHold(c, r.availability->held)) {
        ScheduleAction(c, Action::kForeignRelease, Micros(0));
      }
      return;
    case OpKind::kDeselect:
      return ScheduleAction(c, Action::kVerify, Micros(0));
    case OpKind::kPoll:
      return AdversaryAfterPoll(slot, r);
    default:
      c.leaving = true;
      return;
  }
}

void ClientPool::AdversaryAfterPoll(uint32_t slot, const OpResult& r) {
  Client& c = At(slot);
  if (c.stage == Stage::kSelecting) {
    // The poll after a release (the verify, or a heartbeat that came due first): done.
    c.stage = Stage::kBrowsing;
    c.action = Action::kNone;
    if (++c.tries >= behavior_.adversary_attempts) {
      c.leaving = true;
      return;
    }
  }
  if (++c.ops > kPatience) {
    c.leaving = true;
    return;
  }
  if (c.action == Action::kNone && r.status.ok() && r.poll &&
      PickForeignHold(c, r.poll->others_held)) {
    ScheduleAction(c, Action::kForeignRelease, Micros(0));
  }
}

}  // namespace slotsim
