// FaultProxy's public face and the event loop's outer parts: options, the listener, accepting,
// timers, and fault changes sent from other threads. The bytes of a connection move in
// fault_proxy_conn.cc.
#include "procs/fault_proxy.h"

#include <netdb.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <system_error>

#include "procs/fault_proxy_loop.h"

namespace slotsim {
namespace proxy_internal {
namespace {

constexpr uint64_t kWakeToken = 0;
constexpr uint64_t kListenToken = 1;  // connection tokens are id * 2 + side, id >= 1
constexpr int kBacklog = 4096;
constexpr int kMaxEvents = 256;
constexpr int kAcceptsPerWake = 64;  // then other sockets get a turn
constexpr auto kAcceptRetry = std::chrono::milliseconds(50);
constexpr auto kApplyDeadline = std::chrono::seconds(5);
constexpr size_t kScratchBytes = 64 * 1024;
constexpr size_t kMinBufferBytes = 1024;
constexpr size_t kMaxBufferBytes = 64 * 1024 * 1024;
constexpr int64_t kMaxBytesPerS = 1'000'000'000'000;
constexpr int kReservedFds = 64;  // listener, epoll, eventfd, and the rest of the process

std::string Errno(const std::string& what) { return what + ": " + std::strerror(errno); }

StatusOr<SockAddr> Resolve(const ProxyEndpoint& e, bool passive) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV | (passive ? AI_PASSIVE : 0);
  addrinfo* res = nullptr;
  const std::string port = std::to_string(e.port);
  const int rc = getaddrinfo(e.host.c_str(), port.c_str(), &hints, &res);
  if (rc != 0 || res == nullptr) {
    return Status::InvalidArgument("cannot resolve " + ToString(e) + ": " + gai_strerror(rc));
  }
  SockAddr out;
  std::memcpy(&out.addr, res->ai_addr, res->ai_addrlen);
  out.len = res->ai_addrlen;
  out.family = res->ai_family;
  freeaddrinfo(res);
  return out;
}

Status ValidateOptions(const FaultProxyOptions& o) {
  if (o.listen.port < 0 || o.listen.port > 65535) {
    return Status::InvalidArgument("listen port must be 0..65535, got " +
                                   std::to_string(o.listen.port));
  }
  if (o.upstream.port < 1 || o.upstream.port > 65535) {
    return Status::InvalidArgument("upstream port must be 1..65535, got " +
                                   std::to_string(o.upstream.port));
  }
  rlimit files{};
  getrlimit(RLIMIT_NOFILE, &files);
  const uint64_t fd_limit = files.rlim_cur;
  if (o.max_connections < 1 ||
      2 * static_cast<uint64_t>(o.max_connections) + kReservedFds > fd_limit) {
    return Status::InvalidArgument(
        "max_connections must be 1.." + std::to_string((fd_limit - kReservedFds) / 2) +
        " (two descriptors each; the open-file limit is " + std::to_string(fd_limit) + ")");
  }
  if (o.buffer_bytes < kMinBufferBytes || o.buffer_bytes > kMaxBufferBytes) {
    return Status::InvalidArgument("buffer_bytes must be 1024 .. 67108864");
  }
  if (o.upstream_connect_timeout <= Micros(0)) {
    return Status::InvalidArgument("upstream_connect_timeout must be positive");
  }
  return Status::Ok();
}

Status ValidateFault(const ProxyFault& f) {
  if (f.latency < Micros(0) || f.jitter < Micros(0)) {
    return Status::InvalidArgument("latency and jitter must not be negative");
  }
  if (f.kind == ProxyFault::Kind::kBandwidth &&
      (f.bytes_per_s < 1 || f.bytes_per_s > kMaxBytesPerS)) {
    return Status::InvalidArgument("bandwidth must be 1 .. 10^12 bytes/s, got " +
                                   std::to_string(f.bytes_per_s));
  }
  return Status::Ok();
}

}  // namespace

ProxyLoop::ProxyLoop(const FaultProxyOptions& options)
    : options_(options), scratch_(kScratchBytes), rng_(options.seed) {}

StatusOr<std::unique_ptr<ProxyLoop>> ProxyLoop::Create(const FaultProxyOptions& options) {
  SLOTSIM_RETURN_IF_ERROR(ValidateOptions(options));
  std::unique_ptr<ProxyLoop> loop(new ProxyLoop(options));
  SLOTSIM_ASSIGN_OR_RETURN(loop->listen_addr_, Resolve(options.listen, /*passive=*/true));
  SLOTSIM_ASSIGN_OR_RETURN(loop->upstream_addr_, Resolve(options.upstream, /*passive=*/false));
  loop->epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
  if (loop->epoll_fd_ < 0) return Status::Internal(Errno("epoll_create1"));
  loop->wake_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (loop->wake_fd_ < 0) return Status::Internal(Errno("eventfd"));
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u64 = kWakeToken;
  if (epoll_ctl(loop->epoll_fd_, EPOLL_CTL_ADD, loop->wake_fd_, &ev) != 0) {
    return Status::Internal(Errno("epoll_ctl(eventfd)"));
  }
  SLOTSIM_RETURN_IF_ERROR(loop->OpenListener());
  return loop;
}

ProxyLoop::~ProxyLoop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  stop_.store(true);
  if (thread_.joinable()) {
    Wake();
    thread_.join();
  } else {
    CloseListener();
  }
  if (wake_fd_ >= 0) close(wake_fd_);
  if (epoll_fd_ >= 0) close(epoll_fd_);
}

Status ProxyLoop::StartThread() {
  try {
    thread_ = std::thread([this] { Run(); });
  } catch (const std::system_error& e) {
    return Status::Internal(std::string("cannot start the fault proxy thread: ") + e.what());
  }
  return Status::Ok();
}

Status ProxyLoop::OpenListener() {
  const int fd = socket(listen_addr_.family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return Status::Unavailable(Errno("socket"));
  const int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  if (bind(fd, reinterpret_cast<const sockaddr*>(&listen_addr_.addr), listen_addr_.len) != 0 ||
      listen(fd, kBacklog) != 0) {
    ProxyEndpoint at = options_.listen;
    if (port_ != 0) at.port = port_;
    Status s = Status::Unavailable(Errno("cannot listen on " + ToString(at)));
    close(fd);
    return s;
  }
  // Keep the bound address: after `down` the listener is re-bound to this very port.
  listen_addr_.len = sizeof(listen_addr_.addr);
  getsockname(fd, reinterpret_cast<sockaddr*>(&listen_addr_.addr), &listen_addr_.len);
  const auto& a = listen_addr_.addr;
  // Set once, before the thread starts (port() reads it from any thread); a re-bind keeps it.
  if (port_ == 0) {
    port_ = ntohs(a.ss_family == AF_INET6 ? reinterpret_cast<const sockaddr_in6&>(a).sin6_port
                                          : reinterpret_cast<const sockaddr_in&>(a).sin_port);
  }
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLET;
  ev.data.u64 = kListenToken;
  if (epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev) != 0) {
    Status s = Status::Internal(Errno("epoll_ctl(listener)"));
    close(fd);
    return s;
  }
  listen_fd_ = fd;
  listening_.store(true);
  return Status::Ok();
}

void ProxyLoop::CloseListener() {
  if (listen_fd_ < 0) return;
  close(listen_fd_);  // connections still in the accept queue are reset by the kernel
  listen_fd_ = -1;
  listening_.store(false);
}

void ProxyLoop::Run() {
  std::vector<epoll_event> events(kMaxEvents);
  while (!stop_.load(std::memory_order_relaxed)) {
    const std::optional<timespec> timeout = NextTimeout();
    const int n =
        epoll_pwait2(epoll_fd_, events.data(), kMaxEvents, timeout ? &*timeout : nullptr, nullptr);
    if (n < 0 && errno != EINTR) break;  // only a broken epoll fd gets here
    for (int i = 0; i < n; ++i) Dispatch(events[i].data.u64, events[i].events);
    ProcessReady();
    RunDueTimers();
  }
  CloseAll(CloseHow::kGraceful, nullptr);
  CloseListener();
  std::lock_guard<std::mutex> lock(mu_);
  for (auto& cmd : commands_) cmd->done.set_value(Status::Unavailable("fault proxy stopped"));
  commands_.clear();
}

std::optional<timespec> ProxyLoop::NextTimeout() const {
  if (!ready_.empty()) return timespec{0, 0};
  if (timers_.empty()) return std::nullopt;
  const auto wait = timers_.top().due - SteadyClock::now();
  const int64_t ns = std::max<int64_t>(0, std::chrono::nanoseconds(wait).count());
  return timespec{static_cast<time_t>(ns / 1'000'000'000), static_cast<long>(ns % 1'000'000'000)};
}

void ProxyLoop::Dispatch(uint64_t token, uint32_t events) {
  if (token == kWakeToken) {
    uint64_t count;
    while (read(wake_fd_, &count, sizeof(count)) > 0) {
    }
    RunCommands();
    return;
  }
  if (token == kListenToken) {
    if (listen_fd_ >= 0) AcceptAll();
    return;
  }
  auto it = conns_.find(token / 2);
  if (it != conns_.end()) OnConnEvent(*it->second, static_cast<int>(token % 2), events);
}

void ProxyLoop::ProcessReady() {
  std::vector<uint64_t> batch;
  batch.swap(ready_);
  for (uint64_t token : batch) Dispatch(token, EPOLLIN);
}

void ProxyLoop::RunDueTimers() {
  const SteadyTime now = SteadyClock::now();
  while (!timers_.empty() && timers_.top().due <= now) {
    const Timer t = timers_.top();
    timers_.pop();
    if (t.kind == TimerKind::kResumeAccept) {
      if (listen_fd_ >= 0) AcceptAll();
      continue;
    }
    auto it = conns_.find(t.conn_id);
    if (it == conns_.end()) continue;  // closed meanwhile
    Conn& c = *it->second;
    if (t.kind == TimerKind::kConnectDeadline) {
      if (c.connecting) {
        upstream_failures_.fetch_add(1, std::memory_order_relaxed);
        CloseConn(c, CloseHow::kReset);
      }
      continue;
    }
    Flow& f = c.flows[t.side];
    if (f.timer && *f.timer <= now) f.timer.reset();
    Pump(c, t.side);
  }
}

void ProxyLoop::AcceptAll() {
  for (int i = 0; i < kAcceptsPerWake; ++i) {
    const int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd >= 0) {
      OnAccepted(fd);
      continue;
    }
    if (errno == EINTR || errno == ECONNABORTED || errno == EPROTO) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return;
    // Out of descriptors or memory: the connection waits in the backlog; try again soon.
    timers_.push({SteadyClock::now() + kAcceptRetry, 0, TimerKind::kResumeAccept, 0});
    return;
  }
  ready_.push_back(kListenToken);  // edge-triggered: more may be queued
}

void ProxyLoop::OnAccepted(int fd) {
  if (fault_.kind == ProxyFault::Kind::kReset) {
    reset_.fetch_add(1, std::memory_order_relaxed);
    CloseSocket(fd, CloseHow::kReset);
    return;
  }
  if (conns_.size() >= static_cast<size_t>(options_.max_connections)) {
    refused_.fetch_add(1, std::memory_order_relaxed);
    CloseSocket(fd, CloseHow::kReset);
    return;
  }
  SetNoDelay(fd);
  const int up = socket(upstream_addr_.family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  int rc = -1;
  if (up >= 0) {
    SetNoDelay(up);
    rc = connect(up, reinterpret_cast<const sockaddr*>(&upstream_addr_.addr), upstream_addr_.len);
  }
  if (up < 0 || (rc != 0 && errno != EINPROGRESS)) {
    upstream_failures_.fetch_add(1, std::memory_order_relaxed);
    if (up >= 0) close(up);
    CloseSocket(fd, CloseHow::kReset);
    return;
  }
  auto conn = std::make_unique<Conn>();
  Conn& c = *conn;
  c.id = next_conn_id_++;
  c.sides[kClient].fd = fd;
  c.sides[kClient].writable = true;  // a fresh socket's send buffer is empty
  c.sides[kUpstream].fd = up;
  c.connecting = rc != 0;
  c.sides[kUpstream].writable = !c.connecting;
  const SteadyTime now = SteadyClock::now();
  for (Flow& f : c.flows) f.last_due = f.refilled = now;
  conns_.emplace(c.id, std::move(conn));
  for (int side : {kClient, kUpstream}) {
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
    ev.data.u64 = Token(c.id, side);
    if (epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, c.sides[side].fd, &ev) != 0) {
      upstream_failures_.fetch_add(1, std::memory_order_relaxed);
      CloseConn(c, CloseHow::kReset);
      return;
    }
  }
  accepted_.fetch_add(1, std::memory_order_relaxed);
  active_.store(conns_.size(), std::memory_order_relaxed);
  if (c.connecting) {
    timers_.push({now + options_.upstream_connect_timeout, c.id, TimerKind::kConnectDeadline, 0});
  }
}

void ProxyLoop::CloseAll(CloseHow how, std::atomic<uint64_t>* counter) {
  std::vector<uint64_t> ids;
  ids.reserve(conns_.size());
  for (const auto& [id, conn] : conns_) ids.push_back(id);
  if (counter != nullptr) counter->fetch_add(ids.size(), std::memory_order_relaxed);
  for (uint64_t id : ids) CloseConn(*conns_.at(id), how);
}

void ProxyLoop::RunCommands() {
  std::deque<std::shared_ptr<Command>> batch;
  {
    std::lock_guard<std::mutex> lock(mu_);
    batch.swap(commands_);
  }
  for (auto& cmd : batch) cmd->done.set_value(ApplyFault(cmd->fault));
}

Status ProxyLoop::ApplyFault(const ProxyFault& fault) {
  fault_ = fault;
  {
    std::lock_guard<std::mutex> lock(mu_);
    published_fault_ = fault;
  }
  Status status;
  if (fault.kind == ProxyFault::Kind::kDown) {
    CloseListener();
    CloseAll(CloseHow::kGraceful, &dropped_);
  } else if (listen_fd_ < 0) {
    status = OpenListener();
  }
  if (fault.kind == ProxyFault::Kind::kReset) CloseAll(CloseHow::kReset, &reset_);
  RefreshConns(SteadyClock::now());
  return status;
}

void ProxyLoop::RefreshConns(SteadyTime now) {
  std::vector<uint64_t> ids;
  ids.reserve(conns_.size());
  for (const auto& [id, conn] : conns_) ids.push_back(id);
  for (uint64_t id : ids) {
    Conn& c = *conns_.at(id);
    for (Flow& f : c.flows) {
      f.tokens = 0;  // a new bandwidth starts with an empty bucket
      f.refilled = now;
      if (fault_.kind == ProxyFault::Kind::kLatency) continue;
      for (Chunk& chunk : f.queue) chunk.due = std::min(chunk.due, now);
      f.last_due = std::min(f.last_due, now);
    }
    // Resume what the previous fault held back (e.g. after a blackhole).
    if (Pump(c, kClient)) Pump(c, kUpstream);
  }
}

void ProxyLoop::Wake() {
  const uint64_t one = 1;
  [[maybe_unused]] ssize_t n = write(wake_fd_, &one, sizeof(one));
}

Status ProxyLoop::Apply(const ProxyFault& fault) {
  SLOTSIM_RETURN_IF_ERROR(ValidateFault(fault));
  if (std::this_thread::get_id() == thread_.get_id()) {
    return Status::Internal("SetFault called from the fault proxy's own thread");
  }
  auto cmd = std::make_shared<Command>();
  cmd->fault = fault;
  std::future<Status> done = cmd->done.get_future();
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) return Status::Unavailable("fault proxy is stopping");
    commands_.push_back(cmd);
  }
  Wake();
  if (done.wait_for(kApplyDeadline) != std::future_status::ready) {
    return Status::Timeout("fault proxy did not apply \"" + ToString(fault) + "\" within 5s");
  }
  return done.get();
}

ProxyStats ProxyLoop::Stats() const {
  ProxyStats s;
  s.connections_accepted = accepted_.load(std::memory_order_relaxed);
  s.connections_refused = refused_.load(std::memory_order_relaxed);
  s.connections_reset = reset_.load(std::memory_order_relaxed);
  s.connections_dropped = dropped_.load(std::memory_order_relaxed);
  s.upstream_failures = upstream_failures_.load(std::memory_order_relaxed);
  s.connections_active = active_.load(std::memory_order_relaxed);
  s.bytes_to_upstream = bytes_to_upstream_.load(std::memory_order_relaxed);
  s.bytes_to_client = bytes_to_client_.load(std::memory_order_relaxed);
  s.listening = listening_.load(std::memory_order_relaxed);
  std::lock_guard<std::mutex> lock(mu_);
  s.fault = published_fault_;
  return s;
}

}  // namespace proxy_internal

FaultProxy::FaultProxy(std::unique_ptr<proxy_internal::ProxyLoop> loop) : loop_(std::move(loop)) {}

FaultProxy::~FaultProxy() = default;

StatusOr<std::unique_ptr<FaultProxy>> FaultProxy::Start(const FaultProxyOptions& options) {
  SLOTSIM_ASSIGN_OR_RETURN(std::unique_ptr<proxy_internal::ProxyLoop> loop,
                           proxy_internal::ProxyLoop::Create(options));
  SLOTSIM_RETURN_IF_ERROR(loop->StartThread());
  return std::unique_ptr<FaultProxy>(new FaultProxy(std::move(loop)));
}

int FaultProxy::port() const { return loop_->port(); }

Status FaultProxy::SetFault(const ProxyFault& fault) { return loop_->Apply(fault); }

ProxyStats FaultProxy::stats() const { return loop_->Stats(); }

}  // namespace slotsim
