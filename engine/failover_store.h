// FailoverStore: the failover manager. A Store over a primary (Redis: holds and the booked
// cache) and a fallback (MySQL: bookings always, holds while the primary is out).
//
// With the breaker (reference): a backend failure (Unavailable/Timeout) of any primary call
// opens the breaker and the same call is retried on the fallback at once, so the caller sees
// a slower success, not an error. While open, the primary is pinged every probe_interval on the
// Clock's timers; after probes_to_close consecutive good probes the live holds are copied from
// the fallback to the primary (owner and expiry kept), the booked cache is rebuilt from the
// fallback, the fallback's holds are cleared, and only then does the store switch back.
// Without the breaker (legacy): every call tries the primary first, under the primary's own
// deadline, and falls back for that call only.
//
// Bookings always commit on the fallback. In primary mode a confirm checks the slot's hold on
// the primary, commits on the fallback, then marks the slot booked in the primary's cache.
// Every mode switch is logged with time, cause and the duration of the mode it ends.
// Thread-safe. Calls run under a shared lock; the switch back takes it exclusively, so no
// call straddles a migration.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <vector>

#include "common/clock.h"
#include "engine/policy.h"
#include "engine/store.h"

namespace slotsim {

struct FailoverOptions {
  bool breaker = true;
  Millis probe_interval{200};
  int probes_to_close = 3;
  bool migrate_holds = true;
  bool fallback_poll_shows_holds = true;
  size_t switch_log_limit = 1000;  // oldest entries are dropped beyond this
};

// The failover knobs of a policy.
FailoverOptions FailoverOptionsFrom(const Policy& policy);

struct ModeSwitch {
  Timestamp at;
  StorageMode from = StorageMode::kRedis;
  StorageMode to = StorageMode::kMySql;
  std::string cause;
  Micros previous_mode_duration{0};  // how long `from` had been serving
  size_t holds_migrated = 0;
};

class FailoverStore final : public Store {
 public:
  // Both stores and the clock must outlive this object.
  FailoverStore(Store& primary, Store& fallback, Clock& clock, FailoverOptions options);
  ~FailoverStore() override;
  FailoverStore(const FailoverStore&) = delete;
  FailoverStore& operator=(const FailoverStore&) = delete;

  // Picks the starting mode: pings the primary and, if it answers, rebuilds its booked cache
  // from the fallback; otherwise starts in fallback mode with probing armed. Call once.
  Status Start();

  StorageMode mode() const override;
  StatusOr<Hold> Select(const SelectRequest& req) override;
  Status Deselect(const DeselectRequest& req) override;
  StatusOr<DayState> Poll(const PollRequest& req) override;
  StatusOr<std::optional<Hold>> GetHold(const SlotRef& slot, Timestamp now) override;
  StatusOr<Booking> Confirm(const ConfirmRequest& req) override;
  StatusOr<Booking> Reschedule(const RescheduleRequest& req) override;
  StatusOr<Booking> Cancel(const CancelRequest& req) override;
  StatusOr<Booking> GetBooking(const std::string& booking_id) override;
  StatusOr<std::vector<Booking>> ActiveBookings(const std::string& from_date) override;
  Status Ping() override;
  StatusOr<std::vector<Hold>> LiveHolds(Timestamp now) override;
  Status ImportHolds(const std::vector<Hold>& holds, Timestamp now) override;
  Status ClearHolds() override;
  Status NoteBooked(const SlotRef& slot, const std::string& booking_id) override;
  Status NoteFreed(const SlotRef& slot) override;
  Status ReplaceBookedCache(const std::vector<Booking>& active) override;

  bool breaker_open() const { return mode() == StorageMode::kMySql; }
  // Told from outside that the primary lost its state (a supervisor saw redis-server exit; it
  // comes back empty): opens the breaker (legacy: marks the booked cache stale), as a failed
  // primary call would, so the switch back rebuilds the cache. Thread-safe.
  void PrimaryLost(const std::string& cause) { OpenBreakerOrMarkStale(cause); }
  // A copy of the switch log, oldest first.
  std::vector<ModeSwitch> switches() const;
  // Called (on the switching thread, without locks held) after every switch.
  void SetSwitchListener(std::function<void(const ModeSwitch&)> listener);

 private:
  // Runs `call` on the primary or the fallback as the mode says, failing over on a backend
  // failure of the primary. `call(store, on_primary)`.
  // Runs a call on the primary or the fallback as the mode says. `on_primary(failed)` sets
  // `failed` when the primary itself failed (not the fallback inside a booking call); then
  // the breaker opens (or, without it, this call alone falls back) and `on_fallback()` runs.
  template <typename T, typename P, typename F>
  T Route(const char* op, P&& on_primary, F&& on_fallback);
  // Route for calls that go to exactly one store, the same call on either.
  template <typename T, typename F>
  T RouteSimple(const char* op, F&& call);
  void NoteServed(StorageMode served, const std::string& cause);
  // The same, with the cause "<op>: <detail>" built only if the mode changes.
  void NoteServed(StorageMode served, const char* op, const char* detail);
  void OpenBreaker(const std::string& cause);
  // A primary failure seen after the fallback already committed (a cache write).
  void OpenBreakerOrMarkStale(const std::string& cause);
  void RecordSwitch(StorageMode from, StorageMode to, std::string cause, size_t migrated);
  void ArmProbe();
  void Probe();
  Status SwitchBack();
  Status RebuildCache();
  // Booking calls in primary mode; `primary_failed` as in Route.
  StatusOr<Booking> ConfirmOnPrimary(const ConfirmRequest& req, bool& primary_failed);
  StatusOr<Booking> RescheduleOnPrimary(const RescheduleRequest& req, bool& primary_failed);
  StatusOr<Booking> CancelOnPrimary(const CancelRequest& req, bool& primary_failed);

  Store& primary_;
  Store& fallback_;
  Clock& clock_;
  const FailoverOptions options_;

  mutable std::shared_mutex route_mu_;  // shared by calls, exclusive for the switch back
  std::atomic<StorageMode> mode_{StorageMode::kRedis};
  std::atomic<bool> cache_stale_{false};  // legacy: primary failed since the last rebuild

  mutable std::mutex state_mu_;  // guards everything below
  std::vector<ModeSwitch> switches_;
  Timestamp mode_since_;
  int good_probes_ = 0;
  bool probe_armed_ = false;
  bool stopping_ = false;
  Clock::TimerId probe_timer_ = 0;
  std::function<void(const ModeSwitch&)> listener_;
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);  // probes hold it while running
};

}  // namespace slotsim
