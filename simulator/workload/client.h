// ClientPool: every virtual client of a run, each a small state machine driven by timers on
// the target's clock — no thread and no coroutine stack per client. A client follows the
// booking flow of docs/architecture.md ("The system under test"):
//   arrive -> availability -> (browse) -> select a free slot by popularity (on SlotHeld or
//   SlotBooked try another, up to retry_on_held) -> think while polling with selected_time ->
//   confirm (or abandon: deselect) -> maybe reschedule or cancel after another think -> leave.
// An adversary (a share of arrivals, ClientBehavior::adversary_share) tests the target's
// guarantees instead: after its availability it polls its day; when a poll shows a slot held
// by another client it deselects it and polls again at once (release_foreign); or it books a
// slot, then cancels the booking ids next to its own (cancel_foreign). The checker decides
// what the target let it do (docs/consistency.md, "Guarantees").
// From arrival to leaving it polls every heartbeat. One operation is in flight per client at a
// time; a poll that comes due while another operation is in flight is sent when that one
// answers, and its latency is still measured from when it was due (coordinated omission).
// Not thread-safe: runs on the target's clock's thread of control.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/random.h"
#include "simulator/observe/history.h"
#include "simulator/scenario/distribution.h"
#include "simulator/workload/target.h"

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
  std::string id_prefix = "c";  // client ids are <prefix><sequence>
  // Adversaries (docs/scenarios.md, "[adversaries]"): the probability an arriving client is
  // one (0: no draw is made, so runs without adversaries keep their random streams), what it
  // tries, and how many times before it leaves.
  double adversary_share = 0;
  bool release_foreign = true;
  bool cancel_foreign = false;
  int adversary_attempts = 3;
};

// Memory. A million-client run keeps every client in this pool, so a client is a 48-byte
// struct plus its free-slot bits (one word per 64 grid slots) in a flat array; a booking id is
// kept, in a side table, only by clients that will reschedule or cancel; the requests in
// flight live in a small pool of their own. On a SimClock the timers are allocation-free
// ScheduleCall events; on other clocks each is a ScheduleAt of a 16-byte lambda.
class ClientPool final : private SimClock::Handler {
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
  uint64_t peak() const { return peak_; }  // the most clients live at once so far
  uint64_t total() const { return total_; }
  uint64_t rejected() const { return rejected_; }
  uint64_t adversaries() const { return adversaries_; }
  uint64_t in_flight() const { return in_flight_; }
  // Called whenever a client leaves (the closed model refills from it).
  void set_on_leave(std::function<void()> fn) { on_leave_ = std::move(fn); }
  // Called when a client gives up because its day had no free slot left to try.
  void set_on_sold_out(std::function<void(Timestamp)> fn) { on_sold_out_ = std::move(fn); }

 private:
  enum class Stage : uint8_t { kArriving, kBrowsing, kSelecting, kHolding, kBooked, kGone };
  enum class Action : uint8_t {
    kNone,
    kAvailability,
    kSelect,
    kConfirmOrAbandon,
    kReschedule,
    kCancel,
    kForeignRelease,  // adversary: deselect a slot another client holds
    kVerify,          // adversary: a plain poll right after it
    kForeignCancel,   // adversary: cancel a booking id next to its own
  };

  struct Client {
    uint64_t seq = 0;
    Timestamp next_poll;    // intended time of the next heartbeat
    Timestamp next_action;  // intended time of the next flow step (if action != kNone)
    uint32_t employee = 1;
    uint16_t day = 0;
    int16_t held = -1;         // grid index of the held slot
    int16_t target_slot = -1;  // grid index being selected / rescheduled to
    int16_t booked = -1;       // grid index of the booking
    uint16_t ops = 0;          // operations sent, for idempotency keys
    uint8_t tries = 0;
    uint8_t timer_gen = 0;  // bumped to disown an armed timer (see Wake)
    Stage stage = Stage::kArriving;
    Action action = Action::kNone;
    bool busy = false;  // an operation is in flight
    bool leaving = false;
    bool timer_armed = false;
    uint8_t adversary = 0;  // 0, or which AdversaryKind (client_adversary.cc)
  };

  // One operation in flight: what was asked, kept until its answer is filed.
  struct Flight {
    OpRequest req;
    Timestamp intended;
    uint32_t slot = 0;
    bool sent = false;  // submitted and not yet answered
  };

  // Clients live in fixed chunks: references stay valid as the pool grows, and finding a
  // client's address reads only the small chunk table, which stays in cache (so Prefetch does
  // not wait for a lookup first).
  static constexpr uint32_t kChunkBits = 12;  // 4096 clients, 192 KiB
  static constexpr uint32_t kChunkMask = (1u << kChunkBits) - 1;
  Client& At(uint32_t slot) { return chunks_[slot >> kChunkBits][slot & kChunkMask]; }
  uint64_t* FreeOf(uint32_t slot) { return &free_words_[size_t{slot} * words_]; }
  uint32_t Allocate();
  void Wake(uint32_t slot);             // schedules the client's next due step
  void OnTimer(uint64_t arg) override;  // a client's timer fired
  // A client's timer fires soon: fetches its cache line now, and hints the target about the
  // day of the client hinted one call earlier (whose line has arrived meanwhile).
  void Prefetch(uint64_t arg) override;
  void Step(uint32_t slot);  // runs whatever is due
  void SendPoll(uint32_t slot);
  // Fills a pooled request for `slot` (kind poll, client id and day set); Send submits it.
  uint32_t NewFlight(uint32_t slot);
  void Send(uint32_t flight, Timestamp intended);
  void OnDone(uint32_t flight, const OpResult& r);
  void AfterAvailability(uint32_t slot, const OpResult& r);
  void AfterSelect(Client& c, const OpResult& r);
  void AfterConfirm(uint32_t slot, const OpResult& r);
  void AfterPoll(uint32_t slot, const OpResult& r);
  // Adversaries (client_adversary.cc).
  void StartAdversary(uint32_t slot);
  void AdversaryAfterPoll(uint32_t slot, const OpResult& r);
  void AdversaryAfterDone(uint32_t slot, OpKind kind, const OpResult& r);
  void AdversaryRequest(uint32_t slot, Action action, OpRequest& req);
  bool PickForeignHold(Client& c, const std::vector<std::string>& others_held);
  void StartAction(uint32_t slot);
  void ScheduleAction(Client& c, Action a, Micros delay);
  bool PickSlot(uint32_t slot);  // sets target_slot from the free bits; false if none
  void MarkFree(uint32_t slot, const std::vector<std::string>& times, bool free);
  void Leave(uint32_t slot);
  // The booking a client kept to reschedule or cancel.
  const std::string& BookingIdOf(uint32_t slot) const;
  void SetClientId(const Client& c, std::string& out) const;
  void SetSlot(const Client& c, int16_t time_index, SlotRef& out) const;
  void Emit(const Flight& f, const OpResult& r);

  Target& target_;
  Clock& clock_;
  SimClock* sim_clock_;  // the same clock when it is a SimClock, else null
  Random& random_;
  ClientBehavior behavior_;
  HistorySink& sink_;
  const uint64_t max_live_;
  const size_t words_;  // free-slot words per client: ceil(grid size / 64)
  std::vector<std::unique_ptr<Client[]>> chunks_;  // slots, reused after a client leaves
  uint32_t slots_ = 0;                             // slots ever allocated
  std::vector<uint64_t> free_words_;               // per slot: bit i = grid time i looked free
  std::vector<uint32_t> free_slots_;
  std::unordered_map<uint32_t, std::string> booking_ids_;  // slot -> booking to move/cancel
  std::deque<Flight> flights_;                             // pooled; at most one per live client
  std::vector<uint32_t> free_flights_;
  uint32_t prefetched_slot_ = UINT32_MAX;  // Prefetch's previous client, if any
  OpRecord record_;  // reused by Emit so its strings and vectors keep capacity
  uint64_t live_ = 0, total_ = 0, rejected_ = 0, in_flight_ = 0, next_op_id_ = 1;
  uint64_t shed_pending_ = 0;
  uint64_t peak_ = 0;
  uint64_t adversaries_ = 0;
  bool stopped_ = false;
  std::function<void()> on_leave_;
  std::function<void(Timestamp)> on_sold_out_;
};

}  // namespace slotsim
