// The event loop behind FaultProxy (internal to simulator/fault_proxy*.cc). One thread owns
// every socket, connection and timer; other threads talk to it only through Apply() and
// Stats(), which queue a command and wake the loop through an eventfd.
//
// Sockets are registered edge-triggered once (in, out, rdhup) and never modified: each side
// remembers whether an edge said it is readable / writable until a read or write says it is
// not. fault_proxy.cc holds the loop, the listener and control; fault_proxy_conn.cc moves the
// bytes of one connection.
#pragma once

#include <sys/socket.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <queue>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "common/random.h"
#include "procs/fault_proxy.h"

namespace slotsim::proxy_internal {

using SteadyClock = std::chrono::steady_clock;
using SteadyTime = SteadyClock::time_point;

// Indexes of Conn::sides and Conn::flows. flows[s] carries bytes read from side s.
constexpr int kClient = 0;
constexpr int kUpstream = 1;

// A resolved address.
struct SockAddr {
  sockaddr_storage addr{};
  socklen_t len = 0;
  int family = 0;
};

// Bytes read but not yet written, released at `due`.
struct Chunk {
  std::string data;
  size_t offset = 0;  // bytes of data already written
  SteadyTime due;
};

// One socket of a connection.
struct Side {
  int fd = -1;
  bool readable = false;    // an edge said so and no read has drained it since
  bool writable = false;    // likewise for writes
  bool hup_seen = false;    // the peer shut its side: read to EOF, never stop at a short read
  bool read_eof = false;    // the peer sent FIN
  bool write_shut = false;  // we sent FIN (shutdown SHUT_WR)
};

// The bytes travelling from one side to the other.
struct Flow {
  std::deque<Chunk> queue;
  size_t queued_bytes = 0;  // payload + a fixed overhead per chunk; reads stop at buffer_bytes
  SteadyTime last_due;      // chunks are never released before an earlier one (TCP keeps order)
  double tokens = 0;        // bandwidth bucket
  SteadyTime refilled;
  std::optional<SteadyTime> timer;  // earliest timer armed for this flow
};

struct Conn {
  uint64_t id = 0;
  Side sides[2];
  Flow flows[2];
  bool connecting = true;  // upstream connect in progress
  bool broken = false;     // a write failed: close with RST at the next check
};

enum class CloseHow { kGraceful, kReset };

// What a timer does when due.
enum class TimerKind : uint8_t { kPump, kConnectDeadline, kResumeAccept };

struct Timer {
  SteadyTime due;
  uint64_t conn_id;  // 0 for kResumeAccept
  TimerKind kind;
  int side;  // kPump: the flow's source side
  bool operator>(const Timer& o) const { return due > o.due; }
};

// Socket helpers shared by the two .cc files.
void SetNoDelay(int fd);
// Closes `fd`, with RST (SO_LINGER 0) for kReset.
void CloseSocket(int fd, CloseHow how);

class ProxyLoop {
 public:
  // Validates, resolves, binds and listens; the thread is not started yet.
  static StatusOr<std::unique_ptr<ProxyLoop>> Create(const FaultProxyOptions& options);
  ~ProxyLoop();  // stops the thread (if started) and closes everything

  Status StartThread();
  int port() const { return port_; }
  // Queues the fault for the loop and waits (bounded) for its result. Not from the loop thread.
  Status Apply(const ProxyFault& fault);
  ProxyStats Stats() const;

 private:
  struct Command {
    ProxyFault fault;
    std::promise<Status> done;
  };

  explicit ProxyLoop(const FaultProxyOptions& options);

  // fault_proxy.cc: the loop, the listener, timers, control.
  void Run();
  std::optional<timespec> NextTimeout() const;
  void Dispatch(uint64_t token, uint32_t events);
  void ProcessReady();
  void RunDueTimers();
  void RunCommands();
  Status ApplyFault(const ProxyFault& fault);
  void RefreshConns(SteadyTime now);
  Status OpenListener();
  void CloseListener();
  void AcceptAll();
  void OnAccepted(int fd);
  void CloseAll(CloseHow how, std::atomic<uint64_t>* counter);
  void Wake();

  // fault_proxy_conn.cc: one connection's bytes.
  void OnConnEvent(Conn& c, int side, uint32_t events);
  bool FinishConnect(Conn& c);
  // Writes what flow `src` may write now, then reads from `src` while there is room. Returns
  // false when the connection was closed (`c` is gone).
  bool Pump(Conn& c, int src);
  bool Flush(Conn& c, int src);
  enum class ReadResult { kData, kDrained, kEof, kError };
  ReadResult ReadOnce(Conn& c, int src);
  void Enqueue(Conn& c, int src, size_t n);
  SteadyTime DueFor(Flow& f, int src, SteadyTime now);
  // Bytes the bandwidth bucket lets through now (all of `want` without a bandwidth fault);
  // when it is 0, *retry_at says when to try again.
  size_t Allowance(Flow& f, size_t want, SteadyTime now, SteadyTime* retry_at);
  void Count(int src, size_t bytes);
  void ArmTimer(Conn& c, int src, SteadyTime due);
  bool CheckDone(Conn& c);
  void CloseConn(Conn& c, CloseHow how);

  static uint64_t Token(uint64_t conn_id, int side) { return conn_id * 2 + side; }

  const FaultProxyOptions options_;
  SockAddr listen_addr_;
  SockAddr upstream_addr_;
  int port_ = 0;
  int epoll_fd_ = -1;
  int wake_fd_ = -1;
  int listen_fd_ = -1;
  std::thread thread_;

  // Loop thread only.
  ProxyFault fault_;
  std::unordered_map<uint64_t, std::unique_ptr<Conn>> conns_;
  uint64_t next_conn_id_ = 1;
  std::priority_queue<Timer, std::vector<Timer>, std::greater<Timer>> timers_;
  std::vector<uint64_t> ready_;  // tokens to serve again without waiting for an edge
  std::vector<char> scratch_;
  Random rng_;

  // Shared with other threads.
  mutable std::mutex mu_;
  std::deque<std::shared_ptr<Command>> commands_;  // guarded by mu_
  ProxyFault published_fault_;                     // guarded by mu_
  bool stopping_ = false;                          // guarded by mu_
  std::atomic<bool> stop_{false};
  std::atomic<bool> listening_{false};
  std::atomic<uint64_t> accepted_{0}, refused_{0}, reset_{0}, dropped_{0}, upstream_failures_{0};
  std::atomic<uint64_t> active_{0}, bytes_to_upstream_{0}, bytes_to_client_{0};
};

}  // namespace slotsim::proxy_internal
