// HttpServer: the reference SlotEngine over HTTP with the AppointEase wire format
// (docs/protocol.md), on cpp-httplib; what `slotsim serve` runs. Requests are answered by
// HttpApi (http_api.h); this class owns the listening socket, the worker pool, the transport's
// own errors (malformed HTTP, oversized bodies) as JSON, metrics and the orderly stop.
//
// Production settings (docs/platform.md, "cpp-httplib as Debian ships it"):
// TCP_NODELAY on, a listen backlog of `listen_backlog` (re-listen on the bound socket), a pool
// of `threads` workers, keep-alive up to `keep_alive_max` requests per connection, bodies above
// `max_body_bytes` refused with 413, chunked or not (form-encoded bodies also above httplib's
// fixed 8 KiB), SO_REUSEADDR without httplib's SO_REUSEPORT (a busy port fails Start). Every
// answer is JSON, including 404 for unknown routes and 400 for malformed requests.
//
// The worker pool is thread-per-connection (httplib's model): an open keep-alive connection
// occupies one worker until it closes or idles for `keep_alive_timeout_s`; connections beyond
// `threads` wait, accepted, until a worker frees. Size `threads` to the clients' connection
// count. httplib waits on sockets with select(), so a descriptor number >= 1024 is answered 500.
//
// Latency for metrics is measured with the steady clock around each handler (wall time by
// nature, like the process supervision of the real-time targets).
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "common/clock.h"
#include "common/status.h"
#include "engine/failover_store.h"
#include "engine/slot_engine.h"

namespace slotsim {

struct HttpServerOptions {
  std::string host = "127.0.0.1";
  int port = 8080;  // 0: the kernel picks a free port; port() tells which
  int threads = 64;
  size_t max_body_bytes = 64 * 1024;
  size_t keep_alive_max = 1000000;  // requests per connection before the server closes it
  int keep_alive_timeout_s = 5;     // an idle keep-alive connection is closed after this
  int read_timeout_s = 5;           // a request that stalls this long mid-read is dropped
  int listen_backlog = 4096;
  // Called after every mode switch of the FailoverStore (on the switching thread, no locks
  // held), e.g. to log it. Optional.
  std::function<void(const ModeSwitch&)> on_switch;
};

class HttpServer {
 public:
  // `engine` and `clock` (the engine's) must outlive the server. `failover` is the engine's
  // FailoverStore, or null; when given, the server takes its switch listener (counting switches
  // for /metrics, then calling options.on_switch).
  HttpServer(SlotEngine& engine, Clock& clock, FailoverStore* failover, HttpServerOptions options);
  // Stop().
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds host:port and starts serving on a background thread; returns once the socket
  // listens. InvalidArgument for bad options; Unavailable when the address cannot be bound.
  // Call once.
  Status Start();

  // The bound port (after Start), the picked one when options.port was 0.
  int port() const;

  // Stops accepting, lets every request in flight finish and be answered, closes the
  // connections, and returns when the workers are done. Idempotent; thread-safe.
  void Stop();

  // The /metrics text (Prometheus exposition format).
  std::string MetricsText() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace slotsim
