// hiredis 0.14 behind RedisConnection/RedisPool. hiredis 0.14 has no per-command timeout, so
// the socket timeout is the deadline; a timed-out context has half-read replies in flight and
// is never reused.
#include "engine/redis_connection.h"

#include <hiredis/hiredis.h>
#include <signal.h>
#include <sys/time.h>

#include <cerrno>
#include <cstring>
#include <mutex>
#include <utility>

namespace slotsim {
namespace {

// hiredis writes with write(2): a peer that died mid-write would raise SIGPIPE and kill the
// process. With SIGPIPE ignored the write fails with EPIPE and becomes Unavailable instead.
// Only the default disposition is changed; a handler the program installed is kept.
void IgnoreSigpipeOnce() {
  static std::once_flag once;
  std::call_once(once, [] {
    struct sigaction current;
    if (sigaction(SIGPIPE, nullptr, &current) == 0 && current.sa_handler == SIG_DFL) {
      signal(SIGPIPE, SIG_IGN);
    }
  });
}

timeval ToTimeval(Micros timeout) {
  const int64_t us = std::max<int64_t>(timeout.count(), 1000);
  timeval tv;
  tv.tv_sec = static_cast<time_t>(us / 1000000);
  tv.tv_usec = static_cast<suseconds_t>(us % 1000000);
  return tv;
}

bool IsTimeoutErrno(int err) {
  return err == EAGAIN || err == EWOULDBLOCK || err == ETIMEDOUT || err == EINPROGRESS;
}

// A transport error of `c` as a Status: a socket wait that ran out is Timeout, anything else
// (refused, reset, EOF, protocol) Unavailable.
Status ContextError(const redisContext* c, int saved_errno, const std::string& address,
                    std::string_view what) {
  std::string msg = "redis " + address + ": " + std::string(what) + ": " + c->errstr;
  if (c->err == REDIS_ERR_IO && IsTimeoutErrno(saved_errno)) return Status::Timeout(msg);
  return Status::Unavailable(msg);
}

RedisReply Convert(const redisReply* r) {
  RedisReply out;
  switch (r->type) {
    case REDIS_REPLY_STRING:
      out.type = RedisReply::Type::kString;
      out.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_STATUS:
      out.type = RedisReply::Type::kStatus;
      out.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_ERROR:
      out.type = RedisReply::Type::kError;
      out.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_INTEGER:
      out.type = RedisReply::Type::kInteger;
      out.integer = r->integer;
      break;
    case REDIS_REPLY_ARRAY:
      out.type = RedisReply::Type::kArray;
      out.elements.reserve(r->elements);
      for (size_t i = 0; i < r->elements; ++i) out.elements.push_back(Convert(r->element[i]));
      break;
    default:
      out.type = RedisReply::Type::kNil;
  }
  return out;
}

}  // namespace

struct RedisConnection::Context {
  explicit Context(redisContext* c) : c(c) {}
  ~Context() { redisFree(c); }
  redisContext* c;
};

Micros RemainingAtLeast1ms(SteadyTime deadline) {
  const auto left = std::chrono::duration_cast<Micros>(deadline - std::chrono::steady_clock::now());
  return std::max(left, Micros(1000));
}

RedisConnection::RedisConnection(std::unique_ptr<Context> ctx, std::string address)
    : ctx_(std::move(ctx)), address_(std::move(address)) {}

RedisConnection::~RedisConnection() = default;

StatusOr<std::unique_ptr<RedisConnection>> RedisConnection::Dial(const RedisUrl& url,
                                                                 Micros timeout) {
  IgnoreSigpipeOnce();
  const SteadyTime deadline = std::chrono::steady_clock::now() + timeout;
  const std::string address = url.host + ":" + std::to_string(url.port);
  errno = 0;
  redisContext* c = redisConnectWithTimeout(url.host.c_str(), url.port, ToTimeval(timeout));
  const int saved_errno = errno;
  if (c == nullptr) return Status::Unavailable("redis " + address + ": cannot allocate context");
  auto ctx = std::make_unique<Context>(c);
  if (c->err != 0) return ContextError(c, saved_errno, address, "connect");
  std::unique_ptr<RedisConnection> conn(new RedisConnection(std::move(ctx), address));
  std::vector<RedisCommand> hello;
  if (!url.password.empty()) hello.push_back({"AUTH", url.password});
  if (url.db != 0) hello.push_back({"SELECT", std::to_string(url.db)});
  if (hello.empty()) return conn;
  SLOTSIM_ASSIGN_OR_RETURN(std::vector<RedisReply> replies,
                           conn->Run(hello, RemainingAtLeast1ms(deadline)));
  for (const RedisReply& r : replies) {
    if (r.is_error()) return Status::Unavailable("redis " + address + ": " + r.str);
  }
  return conn;
}

Status RedisConnection::SetTimeout(Micros timeout) {
  // Rounded up to whole ms so a pooled connection keeps its setting (no syscall) when the
  // caller's budget is the same deadline as last time.
  const int64_t ms = std::max<int64_t>((timeout.count() + 999) / 1000, 1);
  if (ms == timeout_ms_) return Status::Ok();
  if (redisSetTimeout(ctx_->c, ToTimeval(Millis(ms))) != REDIS_OK) {
    return Fail("set timeout");
  }
  timeout_ms_ = ms;
  return Status::Ok();
}

Status RedisConnection::Fail(std::string_view what) {
  const int saved_errno = errno;
  broken_ = true;
  Status s = ContextError(ctx_->c, saved_errno, address_, what);
  lost_ = s.code() == Code::kUnavailable;
  return s;
}

StatusOr<std::vector<RedisReply>> RedisConnection::Run(const std::vector<RedisCommand>& commands,
                                                       Micros timeout) {
  if (broken_) return Status::Unavailable("redis " + address_ + ": connection is broken");
  SLOTSIM_RETURN_IF_ERROR(SetTimeout(timeout));
  std::vector<const char*> argv;
  std::vector<size_t> argvlen;
  for (const RedisCommand& cmd : commands) {
    argv.clear();
    argvlen.clear();
    for (const std::string& a : cmd) {
      argv.push_back(a.data());
      argvlen.push_back(a.size());
    }
    if (redisAppendCommandArgv(ctx_->c, static_cast<int>(argv.size()), argv.data(),
                               argvlen.data()) != REDIS_OK) {
      return Fail("append command");
    }
  }
  std::vector<RedisReply> replies;
  replies.reserve(commands.size());
  for (size_t i = 0; i < commands.size(); ++i) {
    void* raw = nullptr;
    errno = 0;
    if (redisGetReply(ctx_->c, &raw) != REDIS_OK || raw == nullptr) {
      return Fail(commands[i].empty() ? "command" : commands[i][0]);
    }
    replies.push_back(Convert(static_cast<redisReply*>(raw)));
    freeReplyObject(raw);
  }
  return replies;
}

StatusOr<RedisReply> RedisConnection::Command(const RedisCommand& command, Micros timeout) {
  SLOTSIM_ASSIGN_OR_RETURN(std::vector<RedisReply> replies, Run({command}, timeout));
  return std::move(replies.front());
}

// ---- RedisPool ---------------------------------------------------------------------------

RedisPool::Lease::Lease(RedisPool* pool, std::unique_ptr<RedisConnection> conn, uint64_t generation)
    : pool_(pool), conn_(std::move(conn)), generation_(generation) {}

RedisPool::Lease::Lease(Lease&& o) noexcept
    : pool_(o.pool_), conn_(std::move(o.conn_)), generation_(o.generation_) {}

RedisPool::Lease::~Lease() {
  if (conn_ != nullptr) pool_->Release(std::move(conn_), generation_);
}

RedisPool::RedisPool(RedisUrl url, int size) : url_(std::move(url)), size_(std::max(size, 1)) {}

RedisPool::~RedisPool() = default;

StatusOr<RedisPool::Lease> RedisPool::Acquire(SteadyTime deadline) {
  std::unique_lock<std::mutex> lock(mu_);
  while (idle_.empty() && open_ >= size_) {
    if (cv_.wait_until(lock, deadline) == std::cv_status::timeout && idle_.empty() &&
        open_ >= size_) {
      return Status::Timeout("redis " + url_.host + ":" + std::to_string(url_.port) +
                             ": no free connection before the deadline (pool_size " +
                             std::to_string(size_) + ")");
    }
  }
  const uint64_t generation = generation_;
  if (!idle_.empty()) {
    std::unique_ptr<RedisConnection> conn = std::move(idle_.back());
    idle_.pop_back();
    return Lease(this, std::move(conn), generation);
  }
  ++open_;
  lock.unlock();
  StatusOr<std::unique_ptr<RedisConnection>> conn =
      RedisConnection::Dial(url_, RemainingAtLeast1ms(deadline));
  if (conn.ok()) return Lease(this, std::move(conn).value(), generation);
  std::vector<std::unique_ptr<RedisConnection>> doomed;
  lock.lock();
  --open_;
  // A refused dial means the idle connections point at a dead server.
  if (conn.status().code() == Code::kUnavailable) FlushLocked(doomed);
  cv_.notify_one();
  lock.unlock();
  return conn.status();
}

void RedisPool::Release(std::unique_ptr<RedisConnection> conn, uint64_t generation) {
  std::vector<std::unique_ptr<RedisConnection>> doomed;
  std::lock_guard<std::mutex> lock(mu_);
  if (conn->usable() && generation == generation_) {
    idle_.push_back(std::move(conn));
    cv_.notify_one();
    return;
  }
  --open_;
  if (conn->lost() && generation == generation_) FlushLocked(doomed);
  doomed.push_back(std::move(conn));
  cv_.notify_all();
}

void RedisPool::FlushLocked(std::vector<std::unique_ptr<RedisConnection>>& doomed) {
  open_ -= static_cast<int>(idle_.size());
  for (auto& c : idle_) doomed.push_back(std::move(c));
  idle_.clear();
  ++generation_;
}

}  // namespace slotsim
