// ServerShared: what the acceptor and every connection of one HttpServer share — the options,
// the handler and its worker pool, the counters, and the registry of open connections (for the
// per-address limit and the orderly stop). Internal to net/; no Asio or Beast type, so the
// registry logic compiles without them. Connections hold it by shared_ptr, so a completion
// handler that runs after HttpServer::Stop still finds it.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "net/http_server.h"
#include "net/worker_pool.h"

namespace slotsim::net {

// The stop controls of one connection; both post to its io thread, so they are thread-safe.
class ConnectionControl {
 public:
  virtual ~ConnectionControl() = default;
  // Closes it now if no request is in flight; else the answer says Connection: close.
  virtual void RequestStop() = 0;
  // Closes it now.
  virtual void ForceClose() = 0;
};

// The counters of HttpServerStats that connections add to (the gauges live in the registry).
struct ServerCounters {
  std::atomic<uint64_t> requests{0}, pipelined{0}, responses{0}, bad_requests{0},
      header_too_large{0}, body_too_large{0}, header_timeouts{0}, body_timeouts{0}, idle_closed{0},
      write_timeouts{0}, overloaded{0}, dropped_closed{0}, max_requests_closed{0},
      handler_errors{0}, accept_errors{0};
};

enum class Admission { kAdmitted, kStopping, kMaxConnections, kPerIp };

class ServerShared {
 public:
  // Options must have been validated (HttpServer::Start does).
  ServerShared(HttpServerOptions options, HttpHandler handler);

  const HttpServerOptions options;
  const HttpHandler handler;
  WorkerPool pool;
  ServerCounters counters;

  uint64_t NextConnectionId() { return next_id_.fetch_add(1, std::memory_order_relaxed); }

  // Counts an accepted connection and registers it unless a limit (or the stop) refuses it.
  Admission Admit(uint64_t id, const std::string& ip, std::weak_ptr<ConnectionControl> conn);
  // Unregisters an admitted connection (once, when it closes).
  void Release(uint64_t id, const std::string& ip);

  // At most a fixed number of refused connections are answered 503 at once; beyond that they
  // are closed unanswered, so a connection flood cannot grow the refusals without bound.
  bool TryBeginReject();
  void EndReject();

  // Marks the server stopping (Admit refuses from now on) and returns the open connections.
  std::vector<std::shared_ptr<ConnectionControl>> BeginStop();
  // The connections still open.
  std::vector<std::shared_ptr<ConnectionControl>> Open() const;
  // Waits until no connection is open; false when `timeout` passed first.
  bool WaitNoConnections(std::chrono::milliseconds timeout);
  bool stopping() const;

  // The server's own error answer for `status` (options.error_response, or text/plain).
  HttpResponse ErrorResponse(int status, std::string_view reason) const;

  HttpServerStats Snapshot() const;

 private:
  mutable std::mutex mu_;
  std::condition_variable no_connections_;
  std::unordered_map<uint64_t, std::weak_ptr<ConnectionControl>> live_;
  std::unordered_map<std::string, size_t> per_ip_;
  uint64_t accepted_ = 0, peak_ = 0, rejected_max_ = 0, rejected_ip_ = 0;
  bool stopping_ = false;
  std::atomic<uint64_t> next_id_{1};
  std::atomic<int> rejecting_{0};
};

}  // namespace slotsim::net
