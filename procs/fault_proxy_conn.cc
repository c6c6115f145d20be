// The bytes of one proxied connection: reading with backpressure, delaying (latency), pacing
// (bandwidth), holding (blackhole), half-close and closing. Runs on the loop thread only.
//
// With no fault a chunk is written straight from the read buffer to the other side (no copy,
// no timer); only what cannot be written at once is queued.
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "procs/fault_proxy_loop.h"

namespace slotsim::proxy_internal {
namespace {

constexpr int kReadsPerPump = 16;       // then the connection goes to the back of the ready list
constexpr double kBurstSeconds = 0.01;  // the bandwidth bucket holds 10 ms worth of bytes
constexpr double kMaxBurstBytes = 64 * 1024;
// What a queued chunk costs besides its bytes; counted against buffer_bytes so that a stream of
// tiny delayed chunks is bounded in memory too, not only in payload.
constexpr size_t kChunkOverheadBytes = 64;

bool WouldBlock() { return errno == EAGAIN || errno == EWOULDBLOCK; }

}  // namespace

void SetNoDelay(int fd) {
  const int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

void CloseSocket(int fd, CloseHow how) {
  if (how == CloseHow::kReset) {
    const linger rst{1, 0};  // close sends RST instead of FIN
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &rst, sizeof(rst));
  }
  close(fd);
}

void ProxyLoop::OnConnEvent(Conn& c, int side, uint32_t events) {
  if (side == kUpstream && c.connecting) {
    if ((events & (EPOLLOUT | EPOLLERR | EPOLLHUP)) == 0) return;
    if (!FinishConnect(c)) return;
  }
  if (events & EPOLLERR) {
    CloseConn(c, CloseHow::kReset);
    return;
  }
  Side& s = c.sides[side];
  const bool peer_shut = (events & (EPOLLRDHUP | EPOLLHUP)) != 0;
  if (peer_shut && fault_.kind == ProxyFault::Kind::kBlackhole) {
    // Nothing can be forwarded any more: a peer that hangs up during a blackhole is gone.
    CloseConn(c, CloseHow::kGraceful);
    return;
  }
  if (peer_shut) s.hup_seen = true;
  if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP)) s.readable = true;
  if (events & (EPOLLOUT | EPOLLHUP)) s.writable = true;
  if (s.readable && !Pump(c, side)) return;
  if (events & (EPOLLOUT | EPOLLHUP)) Pump(c, 1 - side);  // the flow into `side`
}

bool ProxyLoop::FinishConnect(Conn& c) {
  int err = 0;
  socklen_t len = sizeof(err);
  if (getsockopt(c.sides[kUpstream].fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0) err = errno;
  if (err != 0) {
    upstream_failures_.fetch_add(1, std::memory_order_relaxed);
    CloseConn(c, CloseHow::kReset);
    return false;
  }
  c.connecting = false;
  c.sides[kUpstream].writable = true;
  return Pump(c, kClient);  // what the client sent meanwhile
}

bool ProxyLoop::Pump(Conn& c, int src) {
  Side& in = c.sides[src];
  Flow& f = c.flows[src];
  for (int reads = 0;; ++reads) {
    if (!Flush(c, src)) return false;
    if (fault_.kind == ProxyFault::Kind::kBlackhole || !in.readable || in.read_eof) break;
    if (src == kUpstream && c.connecting) break;
    // Backpressure: leave the bytes in the kernel until the other side takes ours.
    if (f.queued_bytes >= options_.buffer_bytes) break;
    if (reads == kReadsPerPump) {
      ready_.push_back(Token(c.id, src));
      break;
    }
    if (ReadOnce(c, src) == ReadResult::kError) {
      CloseConn(c, CloseHow::kReset);  // the peer reset: pass the reset on
      return false;
    }
  }
  return CheckDone(c);
}

ProxyLoop::ReadResult ProxyLoop::ReadOnce(Conn& c, int src) {
  Side& in = c.sides[src];
  const size_t want = std::min(scratch_.size(), options_.buffer_bytes - c.flows[src].queued_bytes);
  const ssize_t n = recv(in.fd, scratch_.data(), want, 0);
  if (n > 0) {
    // Edge-triggered: a short read drained the socket and a later arrival raises a new edge.
    // Once the peer's FIN was signalled, read on until recv says EOF.
    if (static_cast<size_t>(n) < want && !in.hup_seen) in.readable = false;
    Enqueue(c, src, static_cast<size_t>(n));
    return ReadResult::kData;
  }
  if (n == 0) {
    in.read_eof = true;
    in.readable = false;
    return ReadResult::kEof;
  }
  if (errno == EINTR) return ReadResult::kData;
  if (WouldBlock()) {
    in.readable = false;
    return ReadResult::kDrained;
  }
  return ReadResult::kError;
}

void ProxyLoop::Enqueue(Conn& c, int src, size_t n) {
  Flow& f = c.flows[src];
  Side& out = c.sides[1 - src];
  const SteadyTime now = SteadyClock::now();
  const SteadyTime due = DueFor(f, src, now);
  const bool direct = f.queue.empty() && due <= now && out.writable &&
                      fault_.kind != ProxyFault::Kind::kBandwidth &&
                      !(src == kClient && c.connecting);
  size_t written = 0;
  if (direct) {
    const ssize_t w = send(out.fd, scratch_.data(), n, MSG_NOSIGNAL);
    if (w >= 0) {
      written = static_cast<size_t>(w);
      Count(src, written);
      if (written < n) out.writable = false;
    } else if (WouldBlock()) {
      out.writable = false;
    } else if (errno != EINTR) {
      c.broken = true;  // Flush closes it
      return;
    }
  }
  if (written < n) {
    f.queue.push_back(Chunk{std::string(scratch_.data() + written, n - written), 0, due});
    f.queued_bytes += n - written + kChunkOverheadBytes;
  }
}

SteadyTime ProxyLoop::DueFor(Flow& f, int src, SteadyTime now) {
  SteadyTime due = now;
  // Latency applies to what the upstream answers (Toxiproxy's default "downstream" stream), so
  // a request/response round trip takes `latency` longer, not twice that.
  if (fault_.kind == ProxyFault::Kind::kLatency && src == kUpstream) {
    int64_t us = fault_.latency.count();
    const int64_t jitter = fault_.jitter.count();
    if (jitter > 0) us += static_cast<int64_t>(rng_.Uniform(2 * jitter + 1)) - jitter;
    due += Micros(std::max<int64_t>(0, us));
  }
  due = std::max(due, f.last_due);  // jitter must not reorder the stream
  f.last_due = due;
  return due;
}

size_t ProxyLoop::Allowance(Flow& f, size_t want, SteadyTime now, SteadyTime* retry_at) {
  if (fault_.kind != ProxyFault::Kind::kBandwidth) return want;
  const double rate = static_cast<double>(fault_.bytes_per_s);
  const double burst = std::clamp(rate * kBurstSeconds, 1.0, kMaxBurstBytes);
  const double elapsed = std::chrono::duration<double>(now - f.refilled).count();
  f.tokens = std::min(burst, f.tokens + elapsed * rate);
  f.refilled = now;
  if (f.tokens >= 1) return std::min(want, static_cast<size_t>(f.tokens));
  const double need = std::min(static_cast<double>(want), burst) - f.tokens;
  const auto wait = std::chrono::duration<double>(need / rate);
  *retry_at = now + std::chrono::duration_cast<std::chrono::nanoseconds>(wait) + Micros(1);
  return 0;
}

void ProxyLoop::Count(int src, size_t bytes) {
  auto& counter = src == kClient ? bytes_to_upstream_ : bytes_to_client_;
  counter.fetch_add(bytes, std::memory_order_relaxed);
}

bool ProxyLoop::Flush(Conn& c, int src) {
  if (c.broken) {
    CloseConn(c, CloseHow::kReset);
    return false;
  }
  if (fault_.kind == ProxyFault::Kind::kBlackhole || (src == kClient && c.connecting)) return true;
  Flow& f = c.flows[src];
  Side& out = c.sides[1 - src];
  const SteadyTime now = SteadyClock::now();
  while (!f.queue.empty() && out.writable) {
    Chunk& chunk = f.queue.front();
    if (chunk.due > now) {
      ArmTimer(c, src, chunk.due);
      break;
    }
    SteadyTime retry_at;
    const size_t len = Allowance(f, chunk.data.size() - chunk.offset, now, &retry_at);
    if (len == 0) {
      ArmTimer(c, src, retry_at);
      break;
    }
    const ssize_t w = send(out.fd, chunk.data.data() + chunk.offset, len, MSG_NOSIGNAL);
    if (w < 0) {
      if (errno == EINTR) continue;
      if (WouldBlock()) {
        out.writable = false;
        break;
      }
      CloseConn(c, CloseHow::kReset);
      return false;
    }
    const size_t sent = static_cast<size_t>(w);
    Count(src, sent);
    if (fault_.kind == ProxyFault::Kind::kBandwidth) f.tokens -= static_cast<double>(sent);
    chunk.offset += sent;
    f.queued_bytes -= sent;
    if (chunk.offset == chunk.data.size()) {
      f.queue.pop_front();
      f.queued_bytes -= kChunkOverheadBytes;
    }
    if (sent < len) {
      out.writable = false;
      break;
    }
  }
  // Pass a half-close on once everything before it was delivered.
  if (f.queue.empty() && c.sides[src].read_eof && !out.write_shut) {
    shutdown(out.fd, SHUT_WR);
    out.write_shut = true;
  }
  return true;
}

void ProxyLoop::ArmTimer(Conn& c, int src, SteadyTime due) {
  Flow& f = c.flows[src];
  if (f.timer && *f.timer <= due) return;  // an earlier timer will pump this flow anyway
  f.timer = due;
  timers_.push({due, c.id, TimerKind::kPump, src});
}

bool ProxyLoop::CheckDone(Conn& c) {
  for (int src : {kClient, kUpstream}) {
    const bool done =
        c.sides[src].read_eof && c.flows[src].queue.empty() && c.sides[1 - src].write_shut;
    if (!done) return true;
  }
  CloseConn(c, CloseHow::kGraceful);
  return false;
}

void ProxyLoop::CloseConn(Conn& c, CloseHow how) {
  const int fds[2] = {c.sides[kClient].fd, c.sides[kUpstream].fd};
  conns_.erase(c.id);  // `c` is gone
  // Count first: whoever sees the close may look at stats() at once.
  active_.store(conns_.size(), std::memory_order_relaxed);
  for (int fd : fds) {
    if (fd >= 0) CloseSocket(fd, how);  // close also removes it from the epoll set
  }
}

}  // namespace slotsim::proxy_internal
