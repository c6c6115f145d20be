// RedisStore: holds and a booked-slot cache in Redis (hiredis 0.14). It owns no bookings:
// its booking calls answer Unimplemented, and FailoverStore routes them to MySQL.
//
// Layout (DB from the URL, keys under `key_prefix`):
//   <prefix>holds:<emp>:<date>   hash  time -> "<client_id>|<expires_at_unix_ms>"
//   <prefix>booked:<emp>:<date>  hash  time -> booking id   (the cache; MySQL is the truth)
//   <prefix>days                 set   "<emp>:<date>" of every holds hash (for LiveHolds)
// A poll reads one day with one EVALSHA, never a SCAN. Select, deselect and poll-with-reassert
// are Lua scripts, so the owner check and the release of the caller's previous hold are atomic.
// Expiry is the caller's clock (`now` in each request) compared with the stored expiry, so a
// hold expires exactly when the engine's Clock says; expired fields are dropped lazily.
//
// Thread-safe: a bounded pool of connections; a call that cannot get a connection within the
// deadline answers Timeout. Every round trip (pool wait and dial included) runs under `deadline`
// (redisSetTimeout); a refused connect, a timeout, a dropped connection or an error reply
// (LOADING, READONLY, OOM, NOAUTH, ...) answers Unavailable/Timeout. A timed-out or dropped
// connection is discarded (a dropped one also empties the pool) and re-dialled later; an error
// reply leaves the connection in use. NOSCRIPT reloads the script and retries once. The hold
// calls are one round trip; LiveHolds, ReplaceBookedCache, FlushForTest (and a huge
// ImportHolds) may take several.
// Implementation: redis_store.cc, redis_scripts.h (Lua), redis_connection.{h,cc} (hiredis).
// The first connection sets SIGPIPE to ignored if it is at its default (hiredis writes with
// write(2); a dead peer must become Unavailable, not kill the process).
#pragma once

#include <memory>
#include <string>

#include "common/url.h"
#include "engine/store.h"

namespace slotsim {

struct RedisOptions {
  RedisUrl url;
  Millis deadline{50};  // per command, connect included
  int pool_size = 8;    // connections kept at most
  std::string key_prefix = "slotsim:";
};

class RedisStore final : public Store {
 public:
  // Does not connect; the first call dials.
  explicit RedisStore(RedisOptions options);
  ~RedisStore() override;

  StorageMode mode() const override { return StorageMode::kRedis; }
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

  // Deletes every key under the prefix (tests only).
  Status FlushForTest();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace slotsim
