// MemoryStore: holds and bookings in process memory. The embedded default store, and (two of
// them under a FailoverStore) the sim target's model of Redis and of MySQL. Every call is one
// atomic step; behaviour matches RedisStore and MySqlStore so one test suite runs on all three.
// Thread-safe (one mutex); the single-threaded simulator pays an uncontended lock.
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "engine/store.h"

namespace slotsim {

class MemoryStore final : public Store {
 public:
  // `mode` is what mode() reports: kMemory standalone, kRedis / kMySql when modelling one.
  explicit MemoryStore(StorageMode mode = StorageMode::kMemory) : mode_(mode) {}

  StorageMode mode() const override { return mode_; }
  StatusOr<Hold> Select(const SelectRequest& req) override;
  Status Deselect(const DeselectRequest& req) override;
  StatusOr<DayState> Poll(const PollRequest& req) override;
  StatusOr<std::optional<Hold>> GetHold(const SlotRef& slot, Timestamp now) override;
  StatusOr<Booking> Confirm(const ConfirmRequest& req) override;
  StatusOr<Booking> Reschedule(const RescheduleRequest& req) override;
  StatusOr<Booking> Cancel(const CancelRequest& req) override;
  StatusOr<Booking> GetBooking(const std::string& booking_id) override;
  StatusOr<std::vector<Booking>> ActiveBookings(const std::string& from_date) override;
  Status Ping() override { return Status::Ok(); }
  StatusOr<std::vector<Hold>> LiveHolds(Timestamp now) override;
  Status ImportHolds(const std::vector<Hold>& holds, Timestamp now) override;
  Status ClearHolds() override;
  Status NoteBooked(const SlotRef& slot, const std::string& booking_id) override;
  Status NoteFreed(const SlotRef& slot) override;
  Status ReplaceBookedCache(const std::vector<Booking>& active) override;

  // Drops all state, as a Redis restarted without its data would (the sim's restart fault).
  void Wipe();

  // A hint that a call on (employee_id, date) comes soon. Each call advances a short pipeline
  // by one step: it prefetches this day's index slot, the day found for the previous hint, and
  // the holds and booked times of the one before, so a caller that hints a few calls ahead
  // finds the day in cache. Changes nothing observable.
  void PrefetchDay(int employee_id, const std::string& date);

 private:
  // Layout. A million-client sim keeps ~10^6 days, ~10^6 holds and ~10^5 bookings here and
  // every call touches a random day, so: a day is found by one probe of a flat open-addressing
  // index; its holds and booked times are small vectors sorted by time (a cache line or two,
  // not a tree); dates and times, of which a store sees a few dozen, are interned to 4-byte
  // ids; bookings are compact records numbered by their sequence, which their id carries.
  using NameId = uint32_t;  // an interned date or time
  static constexpr NameId kNoName = ~NameId{0};

  struct HoldEntry {
    NameId time;
    Timestamp expires_at;
    std::string client_id;
  };
  struct BookedEntry {
    NameId time;
    std::string booking_id;  // own or cached
  };
  // One (employee, date): its holds and booked times, each sorted by time (as strings).
  struct Day {
    int employee_id = 0;
    NameId date = 0;
    std::vector<HoldEntry> holds;
    std::vector<BookedEntry> booked;
  };
  // A booking this store committed; its id is StrongBookingId(year, seq).
  struct Record {
    std::string client_id;
    std::string idempotency_key;
    Timestamp created_at;
    int employee_id = 0;
    NameId date = 0;
    NameId time = 0;
    int16_t year = 0;
    BookingStatus status = BookingStatus::kActive;
  };

  NameId Intern(const std::string& name) { return NameIdOf(name, true); }
  NameId FindName(const std::string& name) { return NameIdOf(name, false); }  // or kNoName
  // Every call looks up a date and often a time, so names of up to 16 bytes go through a small
  // direct-mapped cache that compares them as two words, before the hash map.
  NameId NameIdOf(const std::string& name, bool add);
  struct CachedName {
    uint64_t head = 0, tail = 0;  // the name's bytes as PackName packs them
    uint32_t size = 0;
    NameId id = kNoName;
  };
  // The entry for `time` in a day's holds or booked vector, or end().
  template <typename Entries>
  auto FindTime(Entries& entries, const std::string& time) const;
  // Inserts `entry` in time order, or replaces the entry with the same time.
  template <typename Entries, typename Entry>
  void PutTime(Entries& entries, Entry entry);
  template <typename Entries>
  void EraseTime(Entries& entries, const std::string& time);

  // Days live in fixed chunks: references stay valid as days are added (until Wipe()), and a
  // day's address comes from a small chunk table that stays in cache, so a prefetch does not
  // have to wait for a lookup first.
  static constexpr size_t kDayChunk = 4096;
  Day& DayAt(size_t i) { return day_chunks_[i / kDayChunk][i % kDayChunk]; }
  // The day, created empty on first use.
  Day& DayOf(int employee_id, const std::string& date);
  Day& DayOf(const SlotRef& slot) { return DayOf(slot.employee_id, slot.date); }
  void GrowIndex();
  // Drops expired holds of `day`.
  static void Prune(Day& day, Timestamp now);
  // Drops the client's holds on `day` other than the one on `keep_time`.
  static void ReleaseOtherHold(Day& day, const std::string& client, NameId keep_time);
  // Select's rule on a pruned day: holds `time` for `client_id` until now + ttl (releasing the
  // client's other hold of the day) and returns that expiry, or SlotBooked / SlotHeld.
  StatusOr<Timestamp> HoldIn(Day& day, const std::string& client_id, const std::string& time,
                             Timestamp now, Millis ttl, bool conflict_check);

  // The record of a booking id this store made, or null; `seq` receives its sequence number.
  Record* FindBooking(const std::string& id, int64_t* seq = nullptr);
  Booking BookingOf(const Record& r, int64_t seq) const;
  SlotRef SlotOf(const Record& r) const;

  const StorageMode mode_;
  std::mutex mu_;
  std::vector<std::string> names_;  // by NameId
  std::unordered_map<std::string, NameId> name_ids_;
  std::array<CachedName, 256> name_cache_{};
  std::vector<std::unique_ptr<Day[]>> day_chunks_;  // days in creation order
  size_t day_count_ = 0;
  // Open addressing, linear probing, a power of two long: (day index + 1) << 32 | hash bits
  // (to skip most foreign days without touching them); 0 = empty. At most half full.
  std::vector<uint64_t> day_index_;
  std::deque<Record> records_;                            // sequence first_seq_ + i
  std::unordered_map<std::string, int64_t> by_idem_key_;  // idempotency key -> sequence
  int64_t first_seq_ = 1;  // of records_[0]; Wipe() drops records but not the numbering
  int64_t next_seq_ = 1;
  // PrefetchDay's pipeline: the last few hints, newest at prefetch_next_ - 1.
  struct PrefetchStep {
    uint64_t hash = 0;
    int employee_id = 0;
    NameId date = kNoName;
    Day* day = nullptr;
  };
  std::array<PrefetchStep, 4> prefetch_{};
  size_t prefetch_next_ = 0;
};

}  // namespace slotsim
