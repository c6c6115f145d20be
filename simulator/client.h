// ClientPool: every virtual client of a run, each a small state machine driven by timers on
// the target's clock — no thread and no coroutine stack per client. A client follows the
// booking flow of ARCHITECTURE.md:
//   arrive -> availability -> (browse) -> select a free slot by popularity (on SlotHeld or
//   SlotBooked try another, up to retry_on_held) -> think while polling with selected_time ->
//   confirm (or abandon: deselect) -> maybe reschedule or cancel after another think -> leave.
// From arrival to leaving it polls every heartbeat. One operation is in flight per client at a
// time; a poll that comes due while another operation is in flight is sent when that one
// answers, and its latency is still measured from when it was due (coordinated omission).
// Not thread-safe: runs on the target's clock's thread of control.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <string>
#include <vector>

#include "common/random.h"
#include "simulator/distribution.h"
#include "simulator/history.h"
#include "simulator/target.h"

namespace slotsim {

struct ClientBehavior {
  Micros heartbeat{5'000'000};
  std::vector<std::string> dates;  // the dates clients pick among
  Popularity employee_pick;        // over employee ids 1..employees
  Popularity slot_popularity;      // over grid times, index 0 the most popular
  Distribution browse;             // arrival -> first select
  Distribution think;              // select -> confirm/abandon; booked -> reschedule/cancel
  double abandon = 0.3;
  double reschedule = 0.05;
  double cancel = 0.05;
  int retry_on_held = 3;
  bool poll_with_selected_time = true;
  std::string id_prefix = "c";     // client ids are <prefix><sequence>
};

class ClientPool {
 public:
  // `target`, `random` and `sink` must outlive the pool. `max_live` bounds live clients.
  ClientPool(Target& target, Random& random, ClientBehavior behavior, HistorySink& sink,
             uint64_t max_live);

  // Starts one new client now. Returns false (and counts a rejection) at max_live.
  bool Arrive();
  // Asks `n` live clients (replacing any earlier request) to leave at their next step.
  void Shed(uint64_t n);
  // Stops every client at its next step; no new operations after this.
  void StopAll();

  uint64_t live() const { return live_; }
  uint64_t total() const { return total_; }
  uint64_t rejected() const { return rejected_; }
  uint64_t in_flight() const { return in_flight_; }
  // Called whenever a client leaves (the closed model refills from it).
  void set_on_leave(std::function<void()> fn) { on_leave_ = std::move(fn); }

 private:
  enum class Stage : uint8_t { kArriving, kBrowsing, kSelecting, kHolding, kBooked, kGone };
  enum class Action : uint8_t { kNone, kAvailability, kSelect, kConfirmOrAbandon, kReschedule, kCancel };

  struct Client {
    uint64_t seq = 0;
    Timestamp next_poll;        // intended time of the next heartbeat
    Timestamp next_action;      // intended time of the next flow step (if action != kNone)
    Clock::TimerId timer = 0;
    std::string booking_id;
    uint32_t employee = 1;
    uint16_t day = 0;
    int16_t held = -1;          // grid index of the held slot
    int16_t target_slot = -1;   // grid index being selected / rescheduled to
    int16_t booked = -1;        // grid index of the booking
    uint16_t ops = 0;           // operations sent, for idempotency keys
    uint8_t tries = 0;
    Stage stage = Stage::kArriving;
    Action action = Action::kNone;
    bool busy = false;          // an operation is in flight
    bool leaving = false;
    std::vector<uint16_t> free;  // free slots at the last look (grid indices), pruned as tried
  };

  Client& At(uint32_t slot) { return clients_[slot]; }
  uint32_t Allocate();
  void Wake(uint32_t slot);                 // schedules the client's next due step
  void Step(uint32_t slot);                 // runs whatever is due
  void Send(uint32_t slot, OpRequest req, Timestamp intended);
  void OnDone(uint32_t slot, OpRequest req, Timestamp intended, OpResult r);
  void AfterAvailability(Client& c, const OpResult& r);
  void AfterSelect(Client& c, const OpResult& r);
  void AfterConfirm(Client& c, const OpResult& r);
  void AfterPoll(Client& c, const OpResult& r);
  void StartAction(uint32_t slot);
  void ScheduleAction(Client& c, Action a, Micros delay);
  bool PickSlot(Client& c);                 // sets target_slot from c.free; false if none
  void Leave(uint32_t slot);
  std::string ClientId(const Client& c) const;
  SlotRef SlotOf(const Client& c, int16_t time_index) const;
  void Emit(const OpRequest& req, Timestamp intended, const OpResult& r);

  Target& target_;
  Clock& clock_;
  Random& random_;
  ClientBehavior behavior_;
  HistorySink& sink_;
  const uint64_t max_live_;
  std::deque<Client> clients_;       // slots, reused after a client leaves; never moves
  std::vector<uint32_t> free_slots_;
  uint64_t live_ = 0, total_ = 0, rejected_ = 0, in_flight_ = 0, next_op_id_ = 1;
  uint64_t shed_pending_ = 0;
  bool stopped_ = false;
  std::function<void()> on_leave_;
};

}  // namespace slotsim
