// RedisConnection and RedisPool: a small blocking Redis client over hiredis 0.14 for RedisStore
// (and for tests that inspect a server). hiredis types stay in redis_connection.cc; callers see
// commands as string vectors and replies as plain RedisReply trees.
//
// Deadlines are wall time measured on std::chrono::steady_clock: they bound socket waits (the
// kernel's SO_RCVTIMEO/SO_SNDTIMEO), which no simulated Clock can move, so RedisStore is for
// the real targets only.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "common/url.h"

namespace slotsim {

// One decoded RESP reply. Error replies ("-ERR ...") are values of type kError, not failures:
// the connection stays usable after them.
struct RedisReply {
  enum class Type { kNil, kString, kStatus, kInteger, kArray, kError };
  Type type = Type::kNil;
  std::string str;  // kString, kStatus, kError
  int64_t integer = 0;
  std::vector<RedisReply> elements;  // kArray

  bool is_error() const { return type == Type::kError; }
  bool is_text() const { return type == Type::kString || type == Type::kStatus; }
};

using RedisCommand = std::vector<std::string>;
using SteadyTime = std::chrono::steady_clock::time_point;

// One blocking hiredis connection. Not thread-safe: RedisPool hands it to one caller at a time.
// After a transport failure (timeout, reset, EOF) the reply stream is out of sync, so the
// connection reports !usable() and must be discarded.
class RedisConnection {
 public:
  // Connects (TCP, then AUTH and SELECT when the URL asks) within `timeout`. Refused or reset
  // -> Unavailable; no answer in time -> Timeout; an error reply to AUTH/SELECT -> Unavailable.
  static StatusOr<std::unique_ptr<RedisConnection>> Dial(const RedisUrl& url, Micros timeout);
  ~RedisConnection();
  RedisConnection(const RedisConnection&) = delete;
  RedisConnection& operator=(const RedisConnection&) = delete;

  // Sends every command in one write and reads one reply per command (one round trip). Each
  // socket wait is bounded by `timeout` (at least 1 ms). A transport failure answers Timeout or
  // Unavailable and leaves the connection unusable.
  StatusOr<std::vector<RedisReply>> Run(const std::vector<RedisCommand>& commands, Micros timeout);

  // Run() of one command.
  StatusOr<RedisReply> Command(const RedisCommand& command, Micros timeout);

  // False once a transport failure happened.
  bool usable() const { return !broken_; }
  // True when the failure said the server is gone (refused, reset, EOF) rather than slow, so
  // other idle connections to it are presumably dead too.
  bool lost() const { return lost_; }

 private:
  struct Context;  // owns the hiredis context
  explicit RedisConnection(std::unique_ptr<Context> ctx, std::string address);
  Status SetTimeout(Micros timeout);
  Status Fail(std::string_view what);

  std::unique_ptr<Context> ctx_;
  std::string address_;      // "host:port", for messages
  int64_t timeout_ms_ = -1;  // the socket timeout currently set, rounded up to ms
  bool broken_ = false;
  bool lost_ = false;
};

// A bounded, thread-safe pool of connections to one server. Connections are dialled lazily;
// a broken one is dropped when returned, and a lost one also drops every idle connection
// (they point at the same dead or restarted server).
class RedisPool {
 public:
  // A connection on loan; goes back to the pool (or away, if broken) when destroyed.
  class Lease {
   public:
    Lease(Lease&& o) noexcept;
    Lease& operator=(Lease&&) = delete;
    ~Lease();
    RedisConnection* operator->() const { return conn_.get(); }
    RedisConnection& operator*() const { return *conn_; }

   private:
    friend class RedisPool;
    Lease(RedisPool* pool, std::unique_ptr<RedisConnection> conn, uint64_t generation);
    RedisPool* pool_;
    std::unique_ptr<RedisConnection> conn_;
    uint64_t generation_;
  };

  RedisPool(RedisUrl url, int size);
  ~RedisPool();
  RedisPool(const RedisPool&) = delete;
  RedisPool& operator=(const RedisPool&) = delete;

  // An idle connection, or a new one dialled if fewer than `size` exist, waiting for one to
  // come back otherwise. Past `deadline` -> Timeout; a failed dial -> its status. Every lease
  // must be destroyed before the pool.
  StatusOr<Lease> Acquire(SteadyTime deadline);

 private:
  void Release(std::unique_ptr<RedisConnection> conn, uint64_t generation);
  // Drops every idle connection and retires leased ones (caller holds mu_).
  void FlushLocked(std::vector<std::unique_ptr<RedisConnection>>& doomed);

  const RedisUrl url_;
  const int size_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<RedisConnection>> idle_;
  int open_ = 0;             // idle + leased + being dialled
  uint64_t generation_ = 0;  // bumped by a flush; older leases are discarded on return
};

// Time left until `deadline`, never less than 1 ms (a zero socket timeout means "forever").
Micros RemainingAtLeast1ms(SteadyTime deadline);

}  // namespace slotsim
