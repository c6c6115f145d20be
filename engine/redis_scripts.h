// The Lua scripts behind RedisStore (internal to redis_store.cc). Each script is kLuaPrelude
// followed by its body; RedisStore loads them with SCRIPT LOAD and runs them with EVALSHA.
//
// Hold values are "<client_id>|<expires_at_unix_ms>". Times are compared with ARGV `now` (the
// caller's clock, unix ms): a hold is live while now < expiry. Expired fields met by a script
// are deleted. Every script that writes a hold also adds the day to the days set and extends
// (never shortens) the TTL of the holds hash and of the days set to at least `keep_ms`, so
// abandoned days vanish while the days set outlives every holds hash it names.
#pragma once

namespace slotsim::redis_scripts {

inline constexpr const char* kLuaPrelude = R"lua(
local function parse(v)
  local sep = string.find(v, '|', 1, true)
  if not sep then return '', 0 end
  return string.sub(v, 1, sep - 1), tonumber(string.sub(v, sep + 1)) or 0
end

-- The day's live holds as time -> {owner, raw value}; deletes the expired ones.
local function load_day(key, now)
  local flat = redis.call('HGETALL', key)
  local live, dead = {}, {}
  for i = 1, #flat, 2 do
    local owner, exp = parse(flat[i + 1])
    if exp > now then live[flat[i]] = {owner, flat[i + 1]} else dead[#dead + 1] = flat[i] end
  end
  if #dead > 0 then redis.call('HDEL', key, unpack(dead)) end
  return live
end

-- Writes client's hold on time and releases the client's other hold of the day.
local function put_hold(live, key, time, client, value)
  for t, h in pairs(live) do
    if h[1] == client and t ~= time then
      redis.call('HDEL', key, t)
      live[t] = nil
    end
  end
  redis.call('HSET', key, time, value)
  live[time] = {client, value}
end

local function extend(key, ms)
  if redis.call('PTTL', key) < ms then redis.call('PEXPIRE', key, ms) end
end

local function remember_day(holds_key, days_key, day, keep_ms)
  redis.call('SADD', days_key, day)
  extend(holds_key, keep_ms)
  extend(days_key, keep_ms)
end
)lua";

// KEYS: holds, booked, days. ARGV: now, time, client, expires_ms, conflict_check (1|0), day,
// keep_ms. Returns 'ok', 'booked' or 'held'.
inline constexpr const char* kSelect = R"lua(
local now = tonumber(ARGV[1])
local time, client = ARGV[2], ARGV[3]
if redis.call('HEXISTS', KEYS[2], time) == 1 then return 'booked' end
local live = load_day(KEYS[1], now)
local cur = live[time]
if cur and cur[1] ~= client and ARGV[5] == '1' then return 'held' end
put_hold(live, KEYS[1], time, client, client .. '|' .. ARGV[4])
remember_day(KEYS[1], KEYS[3], ARGV[6], tonumber(ARGV[7]))
return 'ok'
)lua";

// KEYS: holds. ARGV: now, time, client, owner_check (1|0). Returns 'ok' or 'notholder'.
inline constexpr const char* kDeselect = R"lua(
local v = redis.call('HGET', KEYS[1], ARGV[2])
if not v then return 'ok' end
local owner, exp = parse(v)
if exp > tonumber(ARGV[1]) and owner ~= ARGV[3] and ARGV[4] == '1' then return 'notholder' end
redis.call('HDEL', KEYS[1], ARGV[2])
return 'ok'
)lua";

// KEYS: holds, booked, days. ARGV: now, client, reassert_time ('' = none), expires_ms,
// conflict_check (1|0), day, keep_ms. Returns {own, {time, value, ...}, {booked time, ...}}
// where own is '' (no reassert), 'held', 'lost' or 'taken'.
inline constexpr const char* kPoll = R"lua(
local now = tonumber(ARGV[1])
local client, time = ARGV[2], ARGV[3]
local booked = redis.call('HKEYS', KEYS[2])
local live = load_day(KEYS[1], now)
local own = ''
if time ~= '' then
  own = 'held'
  for _, t in ipairs(booked) do
    if t == time then own = 'taken' end
  end
  local cur = live[time]
  if own == 'held' and cur and cur[1] ~= client and ARGV[5] == '1' then own = 'lost' end
  if own == 'held' then
    put_hold(live, KEYS[1], time, client, client .. '|' .. ARGV[4])
    remember_day(KEYS[1], KEYS[3], ARGV[6], tonumber(ARGV[7]))
  end
end
local flat = {}
for t, h in pairs(live) do
  flat[#flat + 1] = t
  flat[#flat + 1] = h[2]
end
return {own, flat, booked}
)lua";

// KEYS: days, then one holds key per day group. ARGV: now, then per group: day, keep_ms, n,
// then n x (time, client, expires_ms). Overwrites each slot; last hold of a client wins.
inline constexpr const char* kImport = R"lua(
local now = tonumber(ARGV[1])
local a = 2
for k = 2, #KEYS do
  local day, keep, n = ARGV[a], tonumber(ARGV[a + 1]), tonumber(ARGV[a + 2])
  a = a + 3
  local live = load_day(KEYS[k], now)
  for _ = 1, n do
    local time, client = ARGV[a], ARGV[a + 1]
    put_hold(live, KEYS[k], time, client, client .. '|' .. ARGV[a + 2])
    a = a + 3
  end
  remember_day(KEYS[k], KEYS[1], day, keep)
end
return 'ok'
)lua";

// KEYS: booked, holds. ARGV: time, booking_id.
inline constexpr const char* kNoteBooked = R"lua(
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('HDEL', KEYS[2], ARGV[1])
return 'ok'
)lua";

// KEYS: days. ARGV: holds key prefix ("<prefix>holds:"). Deletes every holds hash.
inline constexpr const char* kClearHolds = R"lua(
for _, day in ipairs(redis.call('SMEMBERS', KEYS[1])) do redis.call('DEL', ARGV[1] .. day) end
redis.call('DEL', KEYS[1])
return 'ok'
)lua";

// KEYS: days, then holds keys. ARGV: the day of each holds key. Forgets days whose hash is gone
// (atomically, so a concurrent select's SADD is never undone).
inline constexpr const char* kForgetEmptyDays = R"lua(
for i = 2, #KEYS do
  if redis.call('EXISTS', KEYS[i]) == 0 then redis.call('SREM', KEYS[1], ARGV[i - 1]) end
end
return 'ok'
)lua";

// KEYS: the booked hashes to delete, then the ones to write. ARGV: number to delete, then per
// written key: n, then n x (time, booking_id).
inline constexpr const char* kReplaceBooked = R"lua(
local ndel = tonumber(ARGV[1])
for i = 1, ndel do redis.call('DEL', KEYS[i]) end
local a = 2
for k = ndel + 1, #KEYS do
  local n = tonumber(ARGV[a])
  a = a + 1
  for _ = 1, n do
    redis.call('HSET', KEYS[k], ARGV[a], ARGV[a + 1])
    a = a + 2
  end
end
return 'ok'
)lua";

}  // namespace slotsim::redis_scripts
