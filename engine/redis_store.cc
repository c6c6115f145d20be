// RedisStore: the Store hold calls as Lua scripts (engine/redis_scripts.h) run with EVALSHA on
// a bounded connection pool (engine/redis_connection.h). Each call is one round trip except
// the recovery-time ones (LiveHolds, ReplaceBookedCache, FlushForTest), which may scan.
#include "engine/redis_store.h"

#include <algorithm>
#include <charconv>
#include <map>
#include <mutex>
#include <tuple>
#include <utility>

#include "engine/redis_connection.h"
#include "engine/redis_scripts.h"

namespace slotsim {
namespace {

constexpr int64_t kKeepExtraMs = 3600 * 1000;  // holds hashes outlive their last hold by 1 h
constexpr size_t kHoldsPerImportCall = 256;
constexpr size_t kCommandsPerPipeline = 512;
constexpr int kMaxScanRounds = 100000;

using HoldsByDay = std::map<std::pair<int, std::string>, std::vector<const Hold*>>;

struct ScriptCall {
  std::vector<std::string> keys;
  std::vector<std::string> args;
};

// A script's source and, once a server told us, its SHA1 (the same on every server).
class Script {
 public:
  explicit Script(const char* body) : source_(std::string(redis_scripts::kLuaPrelude) + body) {}
  const std::string& source() const { return source_; }
  std::string sha() const {
    std::lock_guard<std::mutex> lock(mu_);
    return sha_;
  }
  void set_sha(const std::string& sha) {
    std::lock_guard<std::mutex> lock(mu_);
    sha_ = sha;
  }

 private:
  const std::string source_;
  mutable std::mutex mu_;
  std::string sha_;
};

RedisCommand EvalCommand(const char* verb, const std::string& script, const ScriptCall& call) {
  RedisCommand cmd{verb, script, std::to_string(call.keys.size())};
  cmd.insert(cmd.end(), call.keys.begin(), call.keys.end());
  cmd.insert(cmd.end(), call.args.begin(), call.args.end());
  return cmd;
}

bool IsNoScript(const RedisReply& r) { return r.is_error() && r.str.rfind("NOSCRIPT", 0) == 0; }

std::string GlobEscape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '*' || c == '?' || c == '[' || c == ']' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  return out;
}

// "<client_id>|<expires_ms>" -> (client, expiry); false if malformed.
bool ParseHoldValue(const std::string& v, std::string& client, int64_t& expires_ms) {
  const size_t sep = v.find('|');
  if (sep == std::string::npos || sep == 0) return false;
  client = v.substr(0, sep);
  const char* end = v.data() + v.size();
  auto [ptr, ec] = std::from_chars(v.data() + sep + 1, end, expires_ms);
  return ec == std::errc() && ptr == end;
}

// "<emp>:<date>" -> DayRef; false if malformed.
bool ParseDay(const std::string& member, DayRef& day) {
  const size_t sep = member.find(':');
  if (sep == std::string::npos) return false;
  auto [ptr, ec] = std::from_chars(member.data(), member.data() + sep, day.employee_id);
  day.date = member.substr(sep + 1);
  return ec == std::errc() && ptr == member.data() + sep;
}

Status CheckClient(const std::string& client_id) {
  if (client_id.empty() || client_id.find('|') != std::string::npos) {
    return Status::InvalidArgument("client_id must be non-empty and contain no '|'");
  }
  return Status::Ok();
}

Status Unexpected(std::string_view call, const RedisReply& r) {
  return Status::Internal("redis " + std::string(call) + ": unexpected reply '" + r.str + "'");
}

std::string Str(int64_t v) { return std::to_string(v); }

int64_t KeepMs(int64_t now_ms, int64_t expires_ms) {
  return std::max<int64_t>(expires_ms - now_ms, 0) + kKeepExtraMs;
}

}  // namespace

class RedisStore::Impl {
 public:
  explicit Impl(RedisOptions options)
      : opts_(std::move(options)), pool_(opts_.url, opts_.pool_size) {}

  std::string DayMember(const DayRef& d) const {
    return std::to_string(d.employee_id) + ":" + d.date;
  }
  std::string HoldsKey(const DayRef& d) const { return opts_.key_prefix + "holds:" + DayMember(d); }
  std::string BookedKey(const DayRef& d) const {
    return opts_.key_prefix + "booked:" + DayMember(d);
  }
  std::string DaysKey() const { return opts_.key_prefix + "days"; }
  const std::string& prefix() const { return opts_.key_prefix; }

  // One round trip on a pooled connection, pool wait and dial included in the deadline. Any
  // error reply fails the call with Unavailable.
  StatusOr<std::vector<RedisReply>> RoundTrip(const std::vector<RedisCommand>& commands) {
    const SteadyTime deadline = std::chrono::steady_clock::now() + opts_.deadline;
    SLOTSIM_ASSIGN_OR_RETURN(RedisPool::Lease lease, pool_.Acquire(deadline));
    SLOTSIM_ASSIGN_OR_RETURN(std::vector<RedisReply> replies,
                             lease->Run(commands, RemainingAtLeast1ms(deadline)));
    for (const RedisReply& r : replies) SLOTSIM_RETURN_IF_ERROR(ErrorReply(r));
    return replies;
  }

  StatusOr<RedisReply> Command(const RedisCommand& command) {
    SLOTSIM_ASSIGN_OR_RETURN(std::vector<RedisReply> replies, RoundTrip({command}));
    return std::move(replies.front());
  }

  // Runs `calls` of `script` pipelined in one round trip. The first use sends the source
  // (SCRIPT LOAD + EVAL); later ones EVALSHA. NOSCRIPT (a restarted or flushed server) reloads
  // the script and retries those calls once on the same connection.
  StatusOr<std::vector<RedisReply>> Eval(Script& script, const std::vector<ScriptCall>& calls) {
    const SteadyTime deadline = std::chrono::steady_clock::now() + opts_.deadline;
    SLOTSIM_ASSIGN_OR_RETURN(RedisPool::Lease lease, pool_.Acquire(deadline));
    const std::string sha = script.sha();
    std::vector<RedisCommand> commands;
    if (sha.empty()) commands.push_back({"SCRIPT", "LOAD", script.source()});
    for (const ScriptCall& c : calls) {
      commands.push_back(sha.empty() ? EvalCommand("EVAL", script.source(), c)
                                     : EvalCommand("EVALSHA", sha, c));
    }
    SLOTSIM_ASSIGN_OR_RETURN(std::vector<RedisReply> replies,
                             lease->Run(commands, RemainingAtLeast1ms(deadline)));
    if (sha.empty()) {
      SLOTSIM_RETURN_IF_ERROR(ErrorReply(replies.front()));
      script.set_sha(replies.front().str);
      replies.erase(replies.begin());
    }
    SLOTSIM_RETURN_IF_ERROR(RetryNoScript(*lease, script, calls, replies));
    for (const RedisReply& r : replies) SLOTSIM_RETURN_IF_ERROR(ErrorReply(r));
    return replies;
  }

  StatusOr<RedisReply> EvalOne(Script& script, ScriptCall call) {
    SLOTSIM_ASSIGN_OR_RETURN(std::vector<RedisReply> replies, Eval(script, {std::move(call)}));
    return std::move(replies.front());
  }

  // Every key matching `pattern`, by SCAN (bounded number of rounds).
  StatusOr<std::vector<std::string>> Scan(const std::string& pattern) {
    std::vector<std::string> keys;
    std::string cursor = "0";
    for (int round = 0; round < kMaxScanRounds; ++round) {
      SLOTSIM_ASSIGN_OR_RETURN(RedisReply r,
                               Command({"SCAN", cursor, "MATCH", pattern, "COUNT", "1000"}));
      if (r.elements.size() != 2) return Unexpected("SCAN", r);
      cursor = r.elements[0].str;
      for (const RedisReply& k : r.elements[1].elements) keys.push_back(k.str);
      if (cursor == "0") return keys;
    }
    return Status::Internal("redis SCAN " + pattern + " did not finish");
  }

  // The import script's calls for `by_day`, at most kHoldsPerImportCall holds each; a day
  // that does not fit continues in the next call.
  std::vector<ScriptCall> ImportCalls(const HoldsByDay& by_day, int64_t now_ms) const {
    std::vector<ScriptCall> calls;
    size_t in_call = kHoldsPerImportCall;
    for (const auto& [key, day_holds] : by_day) {
      const DayRef day{key.first, key.second};
      int64_t max_expiry_ms = now_ms;
      for (const Hold* h : day_holds) {
        max_expiry_ms = std::max(max_expiry_ms, ToUnixMillis(h->expires_at));
      }
      size_t count_arg = 0;  // index in args of the open day group's hold count; 0 = none
      int64_t count = 0;
      for (const Hold* h : day_holds) {
        if (in_call == kHoldsPerImportCall) {
          calls.push_back({{DaysKey()}, {Str(now_ms)}});
          in_call = 0;
          count_arg = 0;
        }
        std::vector<std::string>& args = calls.back().args;
        if (count_arg == 0) {
          calls.back().keys.push_back(HoldsKey(day));
          args.insert(args.end(), {DayMember(day), Str(KeepMs(now_ms, max_expiry_ms)), "0"});
          count_arg = args.size() - 1;
          count = 0;
        }
        args.insert(args.end(), {h->slot.time, h->client_id, Str(ToUnixMillis(h->expires_at))});
        args[count_arg] = Str(++count);
        ++in_call;
      }
    }
    return calls;
  }

  // Appends the live holds of `days[i]` from its HGETALL reply `replies[i]`; days whose hash
  // is gone are added to `forget`.
  Status CollectHolds(const std::vector<DayRef>& days, const std::vector<RedisReply>& replies,
                      int64_t now_ms, std::vector<Hold>& holds, ScriptCall& forget) const {
    for (size_t i = 0; i < replies.size(); ++i) {
      const std::vector<RedisReply>& flat = replies[i].elements;
      if (flat.empty()) {
        forget.keys.push_back(HoldsKey(days[i]));
        forget.args.push_back(DayMember(days[i]));
      }
      for (size_t f = 0; f + 1 < flat.size(); f += 2) {
        Hold h{{}, {days[i].employee_id, days[i].date, flat[f].str}, {}};
        int64_t ms = 0;
        if (!ParseHoldValue(flat[f + 1].str, h.client_id, ms)) {
          return Unexpected("HGETALL", flat[f + 1]);
        }
        h.expires_at = FromUnixMillis(ms);
        if (ms > now_ms) holds.push_back(std::move(h));
      }
    }
    return Status::Ok();
  }

  Script select{redis_scripts::kSelect};
  Script deselect{redis_scripts::kDeselect};
  Script poll{redis_scripts::kPoll};
  Script import{redis_scripts::kImport};
  Script note_booked{redis_scripts::kNoteBooked};
  Script clear_holds{redis_scripts::kClearHolds};
  Script forget_empty_days{redis_scripts::kForgetEmptyDays};
  Script replace_booked{redis_scripts::kReplaceBooked};

 private:
  Status ErrorReply(const RedisReply& r) const {
    if (!r.is_error()) return Status::Ok();
    return Status::Unavailable("redis " + opts_.url.host + ":" + std::to_string(opts_.url.port) +
                               ": " + r.str);
  }

  Status RetryNoScript(RedisConnection& conn, Script& script, const std::vector<ScriptCall>& calls,
                       std::vector<RedisReply>& replies) {
    std::vector<size_t> missing;
    for (size_t i = 0; i < replies.size(); ++i) {
      if (IsNoScript(replies[i])) missing.push_back(i);
    }
    if (missing.empty()) return Status::Ok();
    std::vector<RedisCommand> commands{{"SCRIPT", "LOAD", script.source()}};
    for (size_t i : missing) commands.push_back(EvalCommand("EVALSHA", script.sha(), calls[i]));
    SLOTSIM_ASSIGN_OR_RETURN(std::vector<RedisReply> again, conn.Run(commands, opts_.deadline));
    SLOTSIM_RETURN_IF_ERROR(ErrorReply(again.front()));
    for (size_t j = 0; j < missing.size(); ++j) replies[missing[j]] = std::move(again[j + 1]);
    return Status::Ok();
  }

  const RedisOptions opts_;
  RedisPool pool_;
};

RedisStore::RedisStore(RedisOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}

RedisStore::~RedisStore() = default;

StatusOr<Hold> RedisStore::Select(const SelectRequest& req) {
  SLOTSIM_RETURN_IF_ERROR(CheckClient(req.client_id));
  const DayRef day = req.slot.day();
  const int64_t now_ms = ToUnixMillis(req.now);
  const int64_t expires_ms = ToUnixMillis(req.now + req.ttl);
  SLOTSIM_ASSIGN_OR_RETURN(
      RedisReply r, impl_->EvalOne(impl_->select,
                                   {{impl_->HoldsKey(day), impl_->BookedKey(day), impl_->DaysKey()},
                                    {Str(now_ms), req.slot.time, req.client_id, Str(expires_ms),
                                     req.conflict_check ? "1" : "0", impl_->DayMember(day),
                                     Str(KeepMs(now_ms, expires_ms))}}));
  if (r.str == "ok") return Hold{req.client_id, req.slot, FromUnixMillis(expires_ms)};
  if (r.str == "held") return Status::SlotHeld();
  if (r.str == "booked") return Status::SlotBooked();
  return Unexpected("select", r);
}

Status RedisStore::Deselect(const DeselectRequest& req) {
  SLOTSIM_ASSIGN_OR_RETURN(
      RedisReply r,
      impl_->EvalOne(impl_->deselect, {{impl_->HoldsKey(req.slot.day())},
                                       {Str(ToUnixMillis(req.now)), req.slot.time, req.client_id,
                                        req.owner_check ? "1" : "0"}}));
  if (r.str == "ok") return Status::Ok();
  if (r.str == "notholder") {
    return Status::NotHolder("slot " + req.slot.time + " is held by another client");
  }
  return Unexpected("deselect", r);
}

StatusOr<DayState> RedisStore::Poll(const PollRequest& req) {
  if (req.reassert_time) SLOTSIM_RETURN_IF_ERROR(CheckClient(req.client_id));
  const int64_t now_ms = ToUnixMillis(req.now);
  const int64_t expires_ms = ToUnixMillis(req.now + req.ttl);
  SLOTSIM_ASSIGN_OR_RETURN(
      RedisReply r,
      impl_->EvalOne(impl_->poll,
                     {{impl_->HoldsKey(req.day), impl_->BookedKey(req.day), impl_->DaysKey()},
                      {Str(now_ms), req.client_id, req.reassert_time.value_or(""), Str(expires_ms),
                       req.conflict_check ? "1" : "0", impl_->DayMember(req.day),
                       Str(KeepMs(now_ms, expires_ms))}}));
  if (r.elements.size() != 3) return Unexpected("poll", r);
  DayState state;
  state.served_by = StorageMode::kRedis;
  const std::vector<RedisReply>& flat = r.elements[1].elements;
  for (size_t i = 0; i + 1 < flat.size(); i += 2) {
    Hold h{{}, {req.day.employee_id, req.day.date, flat[i].str}, {}};
    int64_t ms = 0;
    if (!ParseHoldValue(flat[i + 1].str, h.client_id, ms)) return Unexpected("poll", flat[i + 1]);
    h.expires_at = FromUnixMillis(ms);
    state.holds.push_back(std::move(h));
  }
  std::sort(state.holds.begin(), state.holds.end(),
            [](const Hold& a, const Hold& b) { return a.slot.time < b.slot.time; });
  for (const RedisReply& t : r.elements[2].elements) state.booked.push_back(t.str);
  std::sort(state.booked.begin(), state.booked.end());
  const std::string& own = r.elements[0].str;
  if (!req.reassert_time) return state;
  HoldAnswer answer{*req.reassert_time, HoldStatus::kHeld, {}};
  if (own == "held") {
    answer.expires_at = FromUnixMillis(expires_ms);
  } else if (own == "lost") {
    answer.status = HoldStatus::kLost;
  } else if (own == "taken") {
    answer.status = HoldStatus::kTaken;
  } else {
    return Unexpected("poll", r.elements[0]);
  }
  state.own = answer;
  return state;
}

StatusOr<std::optional<Hold>> RedisStore::GetHold(const SlotRef& slot, Timestamp now) {
  SLOTSIM_ASSIGN_OR_RETURN(RedisReply r,
                           impl_->Command({"HGET", impl_->HoldsKey(slot.day()), slot.time}));
  if (r.type == RedisReply::Type::kNil) return std::optional<Hold>();
  Hold h{{}, slot, {}};
  int64_t ms = 0;
  if (!ParseHoldValue(r.str, h.client_id, ms)) return Unexpected("HGET", r);
  if (ms <= ToUnixMillis(now)) return std::optional<Hold>();
  h.expires_at = FromUnixMillis(ms);
  return std::optional<Hold>(std::move(h));
}

namespace {
Status NoBookings() {
  return Status::Unimplemented("RedisStore holds no bookings; they live in MySQL");
}
}  // namespace

StatusOr<Booking> RedisStore::Confirm(const ConfirmRequest&) { return NoBookings(); }
StatusOr<Booking> RedisStore::Reschedule(const RescheduleRequest&) { return NoBookings(); }
StatusOr<Booking> RedisStore::Cancel(const CancelRequest&) { return NoBookings(); }
StatusOr<Booking> RedisStore::GetBooking(const std::string&) { return NoBookings(); }
StatusOr<std::vector<Booking>> RedisStore::ActiveBookings(const std::string&) {
  return NoBookings();
}

Status RedisStore::Ping() {
  SLOTSIM_ASSIGN_OR_RETURN(RedisReply r, impl_->Command({"PING"}));
  if (r.type != RedisReply::Type::kStatus || r.str != "PONG") return Unexpected("PING", r);
  return Status::Ok();
}

StatusOr<std::vector<Hold>> RedisStore::LiveHolds(Timestamp now) {
  SLOTSIM_ASSIGN_OR_RETURN(RedisReply members, impl_->Command({"SMEMBERS", impl_->DaysKey()}));
  std::vector<Hold> holds;
  ScriptCall forget{{impl_->DaysKey()}, {}};
  const std::vector<RedisReply>& all = members.elements;
  for (size_t begin = 0; begin < all.size(); begin += kCommandsPerPipeline) {
    std::vector<DayRef> days;
    std::vector<RedisCommand> commands;
    for (size_t i = begin; i < std::min(all.size(), begin + kCommandsPerPipeline); ++i) {
      DayRef day;
      if (!ParseDay(all[i].str, day)) return Unexpected("SMEMBERS", all[i]);
      commands.push_back({"HGETALL", impl_->HoldsKey(day)});
      days.push_back(std::move(day));
    }
    SLOTSIM_ASSIGN_OR_RETURN(std::vector<RedisReply> replies, impl_->RoundTrip(commands));
    SLOTSIM_RETURN_IF_ERROR(impl_->CollectHolds(days, replies, ToUnixMillis(now), holds, forget));
  }
  if (forget.keys.size() > 1) {
    SLOTSIM_RETURN_IF_ERROR(impl_->EvalOne(impl_->forget_empty_days, forget).status());
  }
  std::sort(holds.begin(), holds.end(), [](const Hold& a, const Hold& b) {
    return std::tie(a.slot.employee_id, a.slot.date, a.slot.time) <
           std::tie(b.slot.employee_id, b.slot.date, b.slot.time);
  });
  return holds;
}

Status RedisStore::ImportHolds(const std::vector<Hold>& holds, Timestamp now) {
  const int64_t now_ms = ToUnixMillis(now);
  // Grouped by day (order kept within a day), so a script call reads each day's hash once.
  HoldsByDay by_day;
  for (const Hold& h : holds) {
    if (ToUnixMillis(h.expires_at) <= now_ms) continue;
    SLOTSIM_RETURN_IF_ERROR(CheckClient(h.client_id));
    by_day[{h.slot.employee_id, h.slot.date}].push_back(&h);
  }
  const std::vector<ScriptCall> calls = impl_->ImportCalls(by_day, now_ms);
  for (size_t begin = 0; begin < calls.size(); begin += kCommandsPerPipeline) {
    const size_t end = std::min(calls.size(), begin + kCommandsPerPipeline);
    std::vector<ScriptCall> chunk(calls.begin() + begin, calls.begin() + end);
    SLOTSIM_RETURN_IF_ERROR(impl_->Eval(impl_->import, chunk).status());
  }
  return Status::Ok();
}

Status RedisStore::ClearHolds() {
  return impl_->EvalOne(impl_->clear_holds, {{impl_->DaysKey()}, {impl_->prefix() + "holds:"}})
      .status();
}

Status RedisStore::NoteBooked(const SlotRef& slot, const std::string& booking_id) {
  const DayRef day = slot.day();
  return impl_
      ->EvalOne(impl_->note_booked,
                {{impl_->BookedKey(day), impl_->HoldsKey(day)}, {slot.time, booking_id}})
      .status();
}

Status RedisStore::NoteFreed(const SlotRef& slot) {
  return impl_->Command({"HDEL", impl_->BookedKey(slot.day()), slot.time}).status();
}

Status RedisStore::ReplaceBookedCache(const std::vector<Booking>& active) {
  SLOTSIM_ASSIGN_OR_RETURN(std::vector<std::string> stale,
                           impl_->Scan(GlobEscape(impl_->prefix()) + "booked:*"));
  std::map<std::pair<int, std::string>, std::vector<const Booking*>> by_day;
  for (const Booking& b : active) {
    if (b.status == BookingStatus::kActive) by_day[{b.slot.employee_id, b.slot.date}].push_back(&b);
  }
  ScriptCall call{stale, {Str(static_cast<int64_t>(stale.size()))}};
  for (const auto& [key, bookings] : by_day) {
    call.keys.push_back(impl_->BookedKey({key.first, key.second}));
    call.args.push_back(Str(static_cast<int64_t>(bookings.size())));
    for (const Booking* b : bookings) call.args.insert(call.args.end(), {b->slot.time, b->id});
  }
  return impl_->EvalOne(impl_->replace_booked, std::move(call)).status();
}

Status RedisStore::FlushForTest() {
  if (impl_->prefix().empty()) {
    return Status::InvalidArgument("FlushForTest refuses an empty key_prefix (whole database)");
  }
  SLOTSIM_ASSIGN_OR_RETURN(std::vector<std::string> keys,
                           impl_->Scan(GlobEscape(impl_->prefix()) + "*"));
  for (size_t begin = 0; begin < keys.size(); begin += kCommandsPerPipeline) {
    RedisCommand del{"DEL"};
    del.insert(del.end(), keys.begin() + begin,
               keys.begin() + std::min(keys.size(), begin + kCommandsPerPipeline));
    SLOTSIM_RETURN_IF_ERROR(impl_->Command(del).status());
  }
  return Status::Ok();
}

}  // namespace slotsim
