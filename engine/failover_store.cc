// The failover manager: routing, the breaker, probing and the switch back with hold migration.
#include "engine/failover_store.h"

#include <thread>

#include "common/check.h"
#include "engine/grid.h"

namespace slotsim {
namespace {

const Status& StatusOf(const Status& s) { return s; }
template <typename T>
const Status& StatusOf(const StatusOr<T>& s) {
  return s.status();
}

}  // namespace

FailoverOptions FailoverOptionsFrom(const Policy& p) {
  FailoverOptions o;
  o.breaker = p.breaker;
  o.probe_interval = p.probe_interval;
  o.probes_to_close = p.probes_to_close;
  o.migrate_holds = p.migrate_holds;
  o.fallback_poll_shows_holds = p.fallback_poll_shows_holds;
  return o;
}

FailoverStore::FailoverStore(Store& primary, Store& fallback, Clock& clock, FailoverOptions options)
    : primary_(primary), fallback_(fallback), clock_(clock), options_(options) {
  mode_since_ = clock_.Now();
}

FailoverStore::~FailoverStore() {
  {
    std::lock_guard<std::mutex> lock(state_mu_);
    stopping_ = true;
    if (probe_armed_) clock_.Cancel(probe_timer_);
  }
  // A probe already running on the timer thread holds `alive_`; wait for it to finish.
  std::weak_ptr<int> alive = alive_;
  alive_.reset();
  while (!alive.expired()) std::this_thread::yield();
}

Status FailoverStore::Start() {
  Status s = primary_.Ping();
  if (s.ok()) s = RebuildCache();
  if (s.ok()) return Status::Ok();
  if (!options_.breaker) {
    cache_stale_ = true;
    return Status::Ok();
  }
  OpenBreaker("start: " + s.ToString());
  return Status::Ok();
}

StorageMode FailoverStore::mode() const { return mode_.load(); }

template <typename T, typename P, typename F>
T FailoverStore::Route(const char* op, P&& on_primary, F&& on_fallback) {
  std::shared_lock<std::shared_mutex> lock(route_mu_);
  // Legacy: the primary failed since the cache was last built. Rebuild it (reading every active
  // booking) only once the primary answers again, not on every request of an outage.
  if (!options_.breaker && cache_stale_ && primary_.Ping().ok() && RebuildCache().ok()) {
    cache_stale_ = false;
  }
  const bool try_primary = options_.breaker ? mode_ == StorageMode::kRedis : !cache_stale_;
  // Causes are built only when a mode changes: this runs on every request.
  std::string cause;
  if (try_primary) {
    bool failed = false;
    T r = on_primary(failed);
    if (!failed) {
      if (!options_.breaker) NoteServed(StorageMode::kRedis, op, "primary ok");
      return r;
    }
    cause = std::string(op) + ": " + StatusOf(r).ToString();
    if (options_.breaker) {
      OpenBreaker(cause);
    } else {
      cache_stale_ = true;
    }
  } else {
    cause = "primary stale cache";
  }
  if (!options_.breaker) NoteServed(StorageMode::kMySql, cause);
  return on_fallback();
}

template <typename T, typename F>
T FailoverStore::RouteSimple(const char* op, F&& call) {
  return Route<T>(
      op,
      [&](bool& failed) {
        T r = call(primary_);
        failed = StatusOf(r).IsBackendFailure();
        return r;
      },
      [&] { return call(fallback_); });
}

StatusOr<Hold> FailoverStore::Select(const SelectRequest& req) {
  return RouteSimple<StatusOr<Hold>>("select", [&](Store& s) { return s.Select(req); });
}

Status FailoverStore::Deselect(const DeselectRequest& req) {
  return RouteSimple<Status>("deselect", [&](Store& s) { return s.Deselect(req); });
}

StatusOr<DayState> FailoverStore::Poll(const PollRequest& req) {
  StatusOr<DayState> r =
      RouteSimple<StatusOr<DayState>>("poll", [&](Store& s) { return s.Poll(req); });
  if (r.ok() && r->served_by != StorageMode::kRedis && !options_.fallback_poll_shows_holds) {
    r->holds.clear();  // the legacy plugin's fallback poll shows no holds
  }
  return r;
}

StatusOr<std::optional<Hold>> FailoverStore::GetHold(const SlotRef& slot, Timestamp now) {
  return RouteSimple<StatusOr<std::optional<Hold>>>("get_hold",
                                                    [&](Store& s) { return s.GetHold(slot, now); });
}

StatusOr<Booking> FailoverStore::ConfirmOnPrimary(const ConfirmRequest& req, bool& primary_failed) {
  if (req.check_holds) {
    StatusOr<std::optional<Hold>> hold = primary_.GetHold(req.slot, req.now);
    if (!hold.ok()) {
      primary_failed = hold.status().IsBackendFailure();
      return hold.status();
    }
    if (*hold && (*hold)->client_id != req.client_id) return Status::SlotHeld();
  }
  ConfirmRequest on_truth = req;
  on_truth.check_holds = false;  // the holds live on the primary and were checked there
  StatusOr<Booking> booking = fallback_.Confirm(on_truth);
  if (!booking.ok()) return booking;
  Status cached = primary_.NoteBooked(booking->slot, booking->id);
  // The booking stands; a primary that failed to cache it is failed over (and the cache is
  // rebuilt from the truth before the primary serves again).
  if (cached.IsBackendFailure()) OpenBreakerOrMarkStale("confirm cache: " + cached.ToString());
  return booking;
}

StatusOr<Booking> FailoverStore::Confirm(const ConfirmRequest& req) {
  return Route<StatusOr<Booking>>(
      "confirm", [&](bool& failed) { return ConfirmOnPrimary(req, failed); },
      [&] { return fallback_.Confirm(req); });
}

StatusOr<Booking> FailoverStore::RescheduleOnPrimary(const RescheduleRequest& req,
                                                     bool& primary_failed) {
  if (req.check_holds) {
    StatusOr<std::optional<Hold>> hold = primary_.GetHold(req.new_slot, req.now);
    if (!hold.ok()) {
      primary_failed = hold.status().IsBackendFailure();
      return hold.status();
    }
    if (*hold && (*hold)->client_id != req.client_id) return Status::SlotHeld();
  }
  StatusOr<Booking> before = fallback_.GetBooking(req.booking_id);
  if (!before.ok()) return before;
  RescheduleRequest on_truth = req;
  on_truth.check_holds = false;
  StatusOr<Booking> after = fallback_.Reschedule(on_truth);
  if (!after.ok() || after->slot == before->slot) return after;
  Status cached = primary_.NoteFreed(before->slot);
  if (cached.ok()) cached = primary_.NoteBooked(after->slot, after->id);
  if (cached.IsBackendFailure()) OpenBreakerOrMarkStale("reschedule cache: " + cached.ToString());
  return after;
}

StatusOr<Booking> FailoverStore::Reschedule(const RescheduleRequest& req) {
  return Route<StatusOr<Booking>>(
      "reschedule", [&](bool& failed) { return RescheduleOnPrimary(req, failed); },
      [&] { return fallback_.Reschedule(req); });
}

StatusOr<Booking> FailoverStore::CancelOnPrimary(const CancelRequest& req, bool&) {
  StatusOr<Booking> before = fallback_.GetBooking(req.booking_id);
  if (!before.ok()) return before;
  StatusOr<Booking> after = fallback_.Cancel(req);
  if (!after.ok() || before->status != BookingStatus::kActive) return after;
  Status cached = primary_.NoteFreed(after->slot);
  if (cached.IsBackendFailure()) OpenBreakerOrMarkStale("cancel cache: " + cached.ToString());
  return after;
}

StatusOr<Booking> FailoverStore::Cancel(const CancelRequest& req) {
  return Route<StatusOr<Booking>>(
      "cancel", [&](bool& failed) { return CancelOnPrimary(req, failed); },
      [&] { return fallback_.Cancel(req); });
}

StatusOr<Booking> FailoverStore::GetBooking(const std::string& booking_id) {
  return fallback_.GetBooking(booking_id);
}

StatusOr<std::vector<Booking>> FailoverStore::ActiveBookings(const std::string& from_date) {
  return fallback_.ActiveBookings(from_date);
}

Status FailoverStore::Ping() {
  return RouteSimple<Status>("ping", [&](Store& s) { return s.Ping(); });
}

StatusOr<std::vector<Hold>> FailoverStore::LiveHolds(Timestamp now) {
  return RouteSimple<StatusOr<std::vector<Hold>>>("live_holds",
                                                  [&](Store& s) { return s.LiveHolds(now); });
}

Status FailoverStore::ImportHolds(const std::vector<Hold>& holds, Timestamp now) {
  return RouteSimple<Status>("import_holds", [&](Store& s) { return s.ImportHolds(holds, now); });
}

Status FailoverStore::ClearHolds() {
  return RouteSimple<Status>("clear_holds", [&](Store& s) { return s.ClearHolds(); });
}

Status FailoverStore::NoteBooked(const SlotRef& slot, const std::string& booking_id) {
  return mode_ == StorageMode::kRedis ? primary_.NoteBooked(slot, booking_id) : Status::Ok();
}

Status FailoverStore::NoteFreed(const SlotRef& slot) {
  return mode_ == StorageMode::kRedis ? primary_.NoteFreed(slot) : Status::Ok();
}

Status FailoverStore::ReplaceBookedCache(const std::vector<Booking>& active) {
  return mode_ == StorageMode::kRedis ? primary_.ReplaceBookedCache(active) : Status::Ok();
}

// ---- breaker, probing, switching -------------------------------------------------------

void FailoverStore::OpenBreakerOrMarkStale(const std::string& cause) {
  if (options_.breaker) {
    OpenBreaker(cause);
  } else {
    cache_stale_ = true;
  }
}

void FailoverStore::OpenBreaker(const std::string& cause) {
  StorageMode expected = StorageMode::kRedis;
  if (!mode_.compare_exchange_strong(expected, StorageMode::kMySql)) return;  // already open
  {
    std::lock_guard<std::mutex> lock(state_mu_);
    good_probes_ = 0;
  }
  RecordSwitch(StorageMode::kRedis, StorageMode::kMySql, cause, 0);
  ArmProbe();
}

void FailoverStore::NoteServed(StorageMode served, const std::string& cause) {
  StorageMode previous = mode_.exchange(served);
  if (previous != served) RecordSwitch(previous, served, cause, 0);
}

void FailoverStore::NoteServed(StorageMode served, const char* op, const char* detail) {
  StorageMode previous = mode_.exchange(served);
  if (previous != served) RecordSwitch(previous, served, std::string(op) + ": " + detail, 0);
}

void FailoverStore::RecordSwitch(StorageMode from, StorageMode to, std::string cause,
                                 size_t migrated) {
  SLOTSIM_CHECK(from != to) << "a switch from " << StorageModeName(from)
                            << " to itself, cause: " << cause;
  ModeSwitch sw;
  std::function<void(const ModeSwitch&)> listener;
  {
    std::lock_guard<std::mutex> lock(state_mu_);
    sw.at = clock_.Now();
    sw.from = from;
    sw.to = to;
    sw.cause = std::move(cause);
    sw.previous_mode_duration = sw.at - mode_since_;
    sw.holds_migrated = migrated;
    mode_since_ = sw.at;
    if (switches_.size() >= options_.switch_log_limit) switches_.erase(switches_.begin());
    switches_.push_back(sw);
    listener = listener_;
  }
  if (listener) listener(sw);
}

std::vector<ModeSwitch> FailoverStore::switches() const {
  std::lock_guard<std::mutex> lock(state_mu_);
  return switches_;
}

void FailoverStore::SetSwitchListener(std::function<void(const ModeSwitch&)> listener) {
  std::lock_guard<std::mutex> lock(state_mu_);
  listener_ = std::move(listener);
}

void FailoverStore::ArmProbe() {
  std::lock_guard<std::mutex> lock(state_mu_);
  if (probe_armed_ || stopping_) return;
  probe_armed_ = true;
  std::weak_ptr<int> alive = alive_;
  probe_timer_ = clock_.ScheduleAt(clock_.Now() + options_.probe_interval, [this, alive] {
    std::shared_ptr<int> hold = alive.lock();
    if (hold) Probe();
  });
}

void FailoverStore::Probe() {
  {
    std::lock_guard<std::mutex> lock(state_mu_);
    probe_armed_ = false;
    if (stopping_) return;
  }
  if (mode_ != StorageMode::kMySql) return;
  Status s = primary_.Ping();
  int good;
  {
    std::lock_guard<std::mutex> lock(state_mu_);
    good = s.ok() ? ++good_probes_ : (good_probes_ = 0);
  }
  if (s.ok() && good >= options_.probes_to_close) {
    if (SwitchBack().ok()) return;
    std::lock_guard<std::mutex> lock(state_mu_);
    good_probes_ = 0;
  }
  ArmProbe();
}

Status FailoverStore::SwitchBack() {
  std::unique_lock<std::shared_mutex> lock(route_mu_);
  // Only an open breaker probes, and only its probe closes it: open -> closed, once.
  SLOTSIM_CHECK(options_.breaker && mode_ == StorageMode::kMySql)
      << "switch back to redis while serving from " << StorageModeName(mode_)
      << (options_.breaker ? "" : " without a breaker");
  const Timestamp now = clock_.Now();
  size_t migrated = 0;
  if (options_.migrate_holds) {
    StatusOr<std::vector<Hold>> holds = fallback_.LiveHolds(now);
    if (!holds.ok()) return holds.status();
    SLOTSIM_RETURN_IF_ERROR(primary_.ImportHolds(*holds, now));
    migrated = holds->size();
  }
  SLOTSIM_RETURN_IF_ERROR(RebuildCache());
  // Holds now live on the primary; stale copies here would resurface at the next outage.
  if (options_.migrate_holds) SLOTSIM_RETURN_IF_ERROR(fallback_.ClearHolds());
  mode_ = StorageMode::kRedis;
  lock.unlock();
  RecordSwitch(StorageMode::kMySql, StorageMode::kRedis,
               std::to_string(options_.probes_to_close) + " consecutive good probes", migrated);
  return Status::Ok();
}

Status FailoverStore::RebuildCache() {
  StatusOr<std::vector<Booking>> active = fallback_.ActiveBookings(DateOf(clock_.Now()));
  if (!active.ok()) return active.status();
  return primary_.ReplaceBookedCache(*active);
}

}  // namespace slotsim
