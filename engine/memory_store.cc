// MemoryStore: every Store call as one step under one mutex. The hold rules here are the
// reference the Redis scripts and MySQL transactions reproduce.
#include "engine/memory_store.h"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstring>
#include <tuple>

namespace slotsim {
namespace {

int YearOf(Timestamp t) {
  using namespace std::chrono;
  return static_cast<int>(year_month_day(floor<days>(t)).year());
}

uint64_t HashDay(int employee_id, uint32_t date) {
  uint64_t x = (uint64_t{static_cast<uint32_t>(employee_id)} << 32) | date;
  x ^= x >> 33;  // murmur3's finalizer: ids that differ in a few bits land far apart
  x *= 0xFF51AFD7ED558CCDull;
  x ^= x >> 33;
  return x;
}

constexpr uint64_t kHashBits = 0xFFFFFFFFull;

uint64_t Load8(const char* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}
uint64_t Load4(const char* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}

// Two words that, with its size, determine a name of up to 16 bytes: its first and last 8
// bytes (they overlap below 16), or for shorter names its first and last 4. Fixed-size loads
// only: a variable-length copy would be a library call and stall the loads that follow it.
void PackName(const std::string& s, uint64_t* head, uint64_t* tail) {
  const char* p = s.data();
  const size_t n = s.size();
  *head = *tail = 0;
  if (n >= 8) {
    *head = Load8(p);
    *tail = Load8(p + n - 8);
  } else if (n >= 4) {
    *head = Load4(p) | (Load4(p + n - 4) << 32);
  } else {
    for (size_t i = 0; i < n; ++i) *head |= uint64_t{static_cast<unsigned char>(p[i])} << (8 * i);
  }
}

}  // namespace

// ---- interning and the sorted per-day vectors ------------------------------------------

MemoryStore::NameId MemoryStore::NameIdOf(const std::string& name, bool add) {
  CachedName key;
  CachedName* cached = nullptr;
  if (name.size() <= 16) {
    key.size = static_cast<uint32_t>(name.size());
    PackName(name, &key.head, &key.tail);
    const uint64_t h =
        key.head * 0x9E3779B97F4A7C15ull ^ (key.tail + key.size) * 0xC2B2AE3D27D4EB4Full;
    cached = &name_cache_[(h >> 56) % name_cache_.size()];
    if (cached->id != kNoName && cached->size == key.size && cached->head == key.head &&
        cached->tail == key.tail) {
      return cached->id;
    }
  }
  NameId id = kNoName;
  if (add) {
    auto [it, added] = name_ids_.try_emplace(name, static_cast<NameId>(names_.size()));
    if (added) names_.push_back(name);
    id = it->second;
  } else if (auto it = name_ids_.find(name); it != name_ids_.end()) {
    id = it->second;
  }
  if (cached != nullptr && id != kNoName) {
    key.id = id;
    *cached = key;
  }
  return id;
}

template <typename Entries>
auto MemoryStore::FindTime(Entries& entries, const std::string& time) const {
  auto it =
      std::lower_bound(entries.begin(), entries.end(), time,
                       [&](const auto& e, const std::string& t) { return names_[e.time] < t; });
  return it != entries.end() && names_[it->time] == time ? it : entries.end();
}

template <typename Entries, typename Entry>
void MemoryStore::PutTime(Entries& entries, Entry entry) {
  const std::string& time = names_[entry.time];
  auto it =
      std::lower_bound(entries.begin(), entries.end(), time,
                       [&](const auto& e, const std::string& t) { return names_[e.time] < t; });
  if (it != entries.end() && it->time == entry.time) {
    *it = std::move(entry);
  } else {
    entries.insert(it, std::move(entry));
  }
}

template <typename Entries>
void MemoryStore::EraseTime(Entries& entries, const std::string& time) {
  auto it = FindTime(entries, time);
  if (it != entries.end()) entries.erase(it);
}

// ---- days --------------------------------------------------------------------------------

MemoryStore::Day& MemoryStore::DayOf(int employee_id, const std::string& date) {
  if (day_index_.empty()) day_index_.assign(1024, 0);
  const NameId date_id = Intern(date);
  const uint64_t hash = HashDay(employee_id, date_id);
  const size_t mask = day_index_.size() - 1;
  size_t i = hash & mask;
  for (; day_index_[i] != 0; i = (i + 1) & mask) {
    const uint64_t e = day_index_[i];
    if ((e & kHashBits) != (hash & kHashBits)) continue;
    Day& day = DayAt((e >> 32) - 1);
    if (day.employee_id == employee_id && day.date == date_id) return day;
  }
  if (day_count_ % kDayChunk == 0) day_chunks_.push_back(std::make_unique<Day[]>(kDayChunk));
  Day& day = DayAt(day_count_++);
  day.employee_id = employee_id;
  day.date = date_id;
  day_index_[i] = (uint64_t{day_count_} << 32) | (hash & kHashBits);
  if (day_count_ * 2 > day_index_.size()) GrowIndex();
  return day;
}

void MemoryStore::GrowIndex() {
  day_index_.assign(day_index_.size() * 2, 0);
  const size_t mask = day_index_.size() - 1;
  for (size_t d = 0; d < day_count_; ++d) {
    const uint64_t hash = HashDay(DayAt(d).employee_id, DayAt(d).date);
    size_t i = hash & mask;
    while (day_index_[i] != 0) i = (i + 1) & mask;
    day_index_[i] = (uint64_t{d + 1} << 32) | (hash & kHashBits);
  }
}

void MemoryStore::PrefetchDay(int employee_id, const std::string& date) {
  std::lock_guard<std::mutex> lock(mu_);
  if (day_index_.empty()) return;
  const size_t mask = day_index_.size() - 1;
  auto at = [&](size_t back) -> PrefetchStep& {
    return prefetch_[(prefetch_next_ - back) % prefetch_.size()];
  };
  // Oldest first: each step reads only what an earlier hint brought into cache.
  if (const Day* day = at(3).day) {
    // Empty vectors have no buffer: prefetching null would cost a page walk for nothing.
    if (!day->holds.empty()) __builtin_prefetch(day->holds.data());
    if (!day->booked.empty()) __builtin_prefetch(day->booked.data());
  }
  if (PrefetchStep& step = at(2); step.date != kNoName) {
    for (size_t i = step.hash & mask; day_index_[i] != 0; i = (i + 1) & mask) {
      const uint64_t e = day_index_[i];
      if ((e & kHashBits) != (step.hash & kHashBits)) continue;
      step.day = &DayAt((e >> 32) - 1);
      __builtin_prefetch(step.day);
      break;
    }
  }
  PrefetchStep& fresh = at(0);
  fresh = PrefetchStep{};
  fresh.date = FindName(date);
  if (fresh.date != kNoName) {
    fresh.employee_id = employee_id;
    fresh.hash = HashDay(employee_id, fresh.date);
    __builtin_prefetch(&day_index_[fresh.hash & mask]);
  }
  ++prefetch_next_;
}

void MemoryStore::Prune(Day& day, Timestamp now) {
  std::erase_if(day.holds, [now](const HoldEntry& h) { return h.expires_at <= now; });
}

void MemoryStore::ReleaseOtherHold(Day& day, const std::string& client, NameId keep_time) {
  std::erase_if(day.holds,
                [&](const HoldEntry& h) { return h.time != keep_time && h.client_id == client; });
}

// ---- bookings ----------------------------------------------------------------------------

MemoryStore::Record* MemoryStore::FindBooking(const std::string& id, int64_t* seq_out) {
  // Ids are StrongBookingId(year, seq): the sequence after the last '-' picks the record, and
  // the whole id must then be that record's.
  const size_t dash = id.rfind('-');
  if (dash == std::string::npos) return nullptr;
  int64_t seq = 0;
  const char* end = id.data() + id.size();
  auto [ptr, ec] = std::from_chars(id.data() + dash + 1, end, seq);
  if (ec != std::errc() || ptr != end || seq < first_seq_ || seq >= next_seq_) return nullptr;
  Record& r = records_[static_cast<size_t>(seq - first_seq_)];
  if (StrongBookingId(r.year, seq) != id) return nullptr;
  if (seq_out != nullptr) *seq_out = seq;
  return &r;
}

SlotRef MemoryStore::SlotOf(const Record& r) const {
  return SlotRef{r.employee_id, names_[r.date], names_[r.time]};
}

Booking MemoryStore::BookingOf(const Record& r, int64_t seq) const {
  return Booking{StrongBookingId(r.year, seq),
                 r.client_id,
                 SlotOf(r),
                 r.idempotency_key,
                 r.status,
                 r.created_at};
}

// ---- Store -------------------------------------------------------------------------------

StatusOr<Timestamp> MemoryStore::HoldIn(Day& day, const std::string& client_id,
                                        const std::string& time, Timestamp now, Millis ttl,
                                        bool conflict_check) {
  if (FindTime(day.booked, time) != day.booked.end()) return Status::SlotBooked();
  auto it = FindTime(day.holds, time);
  if (it != day.holds.end() && it->client_id != client_id && conflict_check) {
    return Status::SlotHeld();
  }
  const NameId time_id = Intern(time);
  ReleaseOtherHold(day, client_id, time_id);
  const Timestamp expires = now + std::chrono::duration_cast<Micros>(ttl);
  PutTime(day.holds, HoldEntry{time_id, expires, client_id});
  return expires;
}

StatusOr<Hold> MemoryStore::Select(const SelectRequest& req) {
  std::lock_guard<std::mutex> lock(mu_);
  Day& day = DayOf(req.slot);
  Prune(day, req.now);
  StatusOr<Timestamp> expires =
      HoldIn(day, req.client_id, req.slot.time, req.now, req.ttl, req.conflict_check);
  if (!expires.ok()) return expires.status();
  return Hold{req.client_id, req.slot, *expires};
}

Status MemoryStore::Deselect(const DeselectRequest& req) {
  std::lock_guard<std::mutex> lock(mu_);
  Day& day = DayOf(req.slot);
  Prune(day, req.now);
  auto it = FindTime(day.holds, req.slot.time);
  if (it == day.holds.end()) return Status::Ok();
  if (req.owner_check && it->client_id != req.client_id) {
    return Status::NotHolder("slot " + req.slot.time + " is held by another client");
  }
  day.holds.erase(it);
  return Status::Ok();
}

StatusOr<DayState> MemoryStore::Poll(const PollRequest& req) {
  std::lock_guard<std::mutex> lock(mu_);
  Day& day = DayOf(req.day.employee_id, req.day.date);
  Prune(day, req.now);
  DayState state;
  state.served_by = mode_;
  if (req.reassert_time) {
    // Re-asserting is Select's rule on this (already pruned) day.
    StatusOr<Timestamp> held =
        HoldIn(day, req.client_id, *req.reassert_time, req.now, req.ttl, req.conflict_check);
    HoldAnswer answer{*req.reassert_time, HoldStatus::kHeld, {}};
    if (held.ok()) {
      answer.expires_at = *held;
    } else if (held.status().code() == Code::kSlotBooked) {
      answer.status = HoldStatus::kTaken;
    } else {
      answer.status = HoldStatus::kLost;
    }
    state.own = answer;
  }
  state.holds.reserve(day.holds.size());
  for (const HoldEntry& h : day.holds) {
    state.holds.push_back(
        Hold{h.client_id, {req.day.employee_id, req.day.date, names_[h.time]}, h.expires_at});
  }
  state.booked.reserve(day.booked.size());
  for (const BookedEntry& b : day.booked) state.booked.push_back(names_[b.time]);
  return state;
}

StatusOr<std::optional<Hold>> MemoryStore::GetHold(const SlotRef& slot, Timestamp now) {
  std::lock_guard<std::mutex> lock(mu_);
  Day& day = DayOf(slot);
  Prune(day, now);
  auto it = FindTime(day.holds, slot.time);
  if (it == day.holds.end()) return std::optional<Hold>();
  return std::optional<Hold>(Hold{it->client_id, slot, it->expires_at});
}

StatusOr<Booking> MemoryStore::Confirm(const ConfirmRequest& req) {
  std::lock_guard<std::mutex> lock(mu_);
  if (auto it = by_idem_key_.find(req.idempotency_key); it != by_idem_key_.end()) {
    const int64_t seq = it->second;
    const Record& existing = records_[static_cast<size_t>(seq - first_seq_)];
    if (existing.client_id != req.client_id || !(SlotOf(existing) == req.slot)) {
      return Status::InvalidArgument("idempotency_key was already used for another booking");
    }
    return BookingOf(existing, seq);
  }
  Day& day = DayOf(req.slot);
  Prune(day, req.now);
  auto hold = FindTime(day.holds, req.slot.time);
  if (req.check_holds && hold != day.holds.end() && hold->client_id != req.client_id) {
    return Status::SlotHeld();
  }
  if (FindTime(day.booked, req.slot.time) != day.booked.end()) return Status::SlotTaken();
  const int64_t seq = next_seq_++;
  Record& r = records_.emplace_back();
  r.client_id = req.client_id;
  r.idempotency_key = req.idempotency_key;
  r.created_at = req.now;
  r.employee_id = req.slot.employee_id;
  r.date = day.date;
  r.time = Intern(req.slot.time);
  r.year = static_cast<int16_t>(YearOf(req.now));
  Booking b = BookingOf(r, seq);
  by_idem_key_[req.idempotency_key] = seq;
  PutTime(day.booked, BookedEntry{r.time, b.id});
  if (hold != day.holds.end() && hold->client_id == req.client_id) day.holds.erase(hold);
  return b;
}

StatusOr<Booking> MemoryStore::Reschedule(const RescheduleRequest& req) {
  std::lock_guard<std::mutex> lock(mu_);
  int64_t seq = 0;
  Record* b = FindBooking(req.booking_id, &seq);
  if (b == nullptr || b->status != BookingStatus::kActive) {
    return Status::NotFound("no active booking " + req.booking_id);
  }
  if (b->client_id != req.client_id) return Status::NotHolder("booking belongs to another client");
  if (SlotOf(*b) == req.new_slot) return BookingOf(*b, seq);
  Day& target = DayOf(req.new_slot);
  Prune(target, req.now);
  auto hold = FindTime(target.holds, req.new_slot.time);
  if (req.check_holds && hold != target.holds.end() && hold->client_id != req.client_id) {
    return Status::SlotHeld();
  }
  if (FindTime(target.booked, req.new_slot.time) != target.booked.end()) {
    return Status::SlotTaken();
  }
  const std::string id = StrongBookingId(b->year, seq);
  EraseTime(DayOf(b->employee_id, names_[b->date]).booked, names_[b->time]);
  b->employee_id = req.new_slot.employee_id;
  b->date = target.date;
  b->time = Intern(req.new_slot.time);
  PutTime(target.booked, BookedEntry{b->time, id});
  if (hold != target.holds.end() && hold->client_id == req.client_id) target.holds.erase(hold);
  return BookingOf(*b, seq);
}

StatusOr<Booking> MemoryStore::Cancel(const CancelRequest& req) {
  std::lock_guard<std::mutex> lock(mu_);
  int64_t seq = 0;
  Record* b = FindBooking(req.booking_id, &seq);
  if (b == nullptr) return Status::NotFound("no booking " + req.booking_id);
  if (b->client_id != req.client_id) return Status::NotHolder("booking belongs to another client");
  if (b->status == BookingStatus::kCancelled) return BookingOf(*b, seq);
  b->status = BookingStatus::kCancelled;
  Day& day = DayOf(b->employee_id, names_[b->date]);
  if (auto it = FindTime(day.booked, names_[b->time]);
      it != day.booked.end() && it->booking_id == req.booking_id) {
    day.booked.erase(it);
  }
  return BookingOf(*b, seq);
}

StatusOr<Booking> MemoryStore::GetBooking(const std::string& booking_id) {
  std::lock_guard<std::mutex> lock(mu_);
  int64_t seq = 0;
  Record* b = FindBooking(booking_id, &seq);
  if (b == nullptr) return Status::NotFound("no booking " + booking_id);
  return BookingOf(*b, seq);
}

StatusOr<std::vector<Booking>> MemoryStore::ActiveBookings(const std::string& from_date) {
  std::lock_guard<std::mutex> lock(mu_);
  auto wanted = [&](const Record& r) {
    return r.status == BookingStatus::kActive && names_[r.date] >= from_date;
  };
  // Counted first so the answer (which may hold every booking of a long run) is allocated
  // once, at its size. Records are in sequence order, which is creation order.
  std::vector<Booking> out;
  out.reserve(static_cast<size_t>(std::count_if(records_.begin(), records_.end(), wanted)));
  for (size_t i = 0; i < records_.size(); ++i) {
    if (wanted(records_[i])) out.push_back(BookingOf(records_[i], first_seq_ + int64_t(i)));
  }
  return out;
}

StatusOr<std::vector<Hold>> MemoryStore::LiveHolds(Timestamp now) {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<Hold> out;
  for (size_t d = 0; d < day_count_; ++d) {
    Day& day = DayAt(d);
    Prune(day, now);
    for (const HoldEntry& h : day.holds) {
      out.push_back(
          Hold{h.client_id, {day.employee_id, names_[day.date], names_[h.time]}, h.expires_at});
    }
  }
  // Days are kept in creation order; answer in (employee, date, time) order as the other
  // stores do.
  std::sort(out.begin(), out.end(), [](const Hold& a, const Hold& b) {
    return std::tie(a.slot.employee_id, a.slot.date, a.slot.time) <
           std::tie(b.slot.employee_id, b.slot.date, b.slot.time);
  });
  return out;
}

Status MemoryStore::ImportHolds(const std::vector<Hold>& holds, Timestamp now) {
  std::lock_guard<std::mutex> lock(mu_);
  for (const Hold& h : holds) {
    if (h.expires_at <= now) continue;
    Day& day = DayOf(h.slot);
    const NameId time = Intern(h.slot.time);
    ReleaseOtherHold(day, h.client_id, time);
    PutTime(day.holds, HoldEntry{time, h.expires_at, h.client_id});
  }
  return Status::Ok();
}

Status MemoryStore::ClearHolds() {
  std::lock_guard<std::mutex> lock(mu_);
  for (size_t d = 0; d < day_count_; ++d) DayAt(d).holds.clear();
  return Status::Ok();
}

Status MemoryStore::NoteBooked(const SlotRef& slot, const std::string& booking_id) {
  std::lock_guard<std::mutex> lock(mu_);
  Day& day = DayOf(slot);
  PutTime(day.booked, BookedEntry{Intern(slot.time), booking_id});
  EraseTime(day.holds, slot.time);
  return Status::Ok();
}

Status MemoryStore::NoteFreed(const SlotRef& slot) {
  std::lock_guard<std::mutex> lock(mu_);
  EraseTime(DayOf(slot).booked, slot.time);
  return Status::Ok();
}

Status MemoryStore::ReplaceBookedCache(const std::vector<Booking>& active) {
  std::lock_guard<std::mutex> lock(mu_);
  for (size_t d = 0; d < day_count_; ++d) {
    Day& day = DayAt(d);
    // Own active bookings stay: a standalone store's bookings are its truth.
    std::erase_if(day.booked, [&](const BookedEntry& e) {
      const Record* b = FindBooking(e.booking_id);
      return b == nullptr || b->status != BookingStatus::kActive;
    });
  }
  for (const Booking& b : active) {
    PutTime(DayOf(b.slot).booked, BookedEntry{Intern(b.slot.time), b.id});
  }
  return Status::Ok();
}

void MemoryStore::Wipe() {
  std::lock_guard<std::mutex> lock(mu_);
  day_chunks_.clear();
  day_count_ = 0;
  day_index_.clear();
  prefetch_.fill(PrefetchStep{});
  records_.clear();
  by_idem_key_.clear();
  first_seq_ = next_seq_;
}

}  // namespace slotsim
