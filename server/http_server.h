// HttpServer: the reference SlotEngine over HTTP with the AppointEase wire format
// (docs/protocol.md); what `slotsim serve` runs. Requests are answered by HttpApi (routes.h);
// this class puts it on net::HttpServer (net/http_server.h, docs/net.md): accept, reads and
// writes run on `io_threads` event loops, engine calls on a bounded pool of `threads` workers,
// so a slow store or thousands of idle or slow clients hold no event loop and no worker.
//
// Hard limits (each an option here and a `slotsim serve` flag; each hit is answered as JSON
// with its status and counted in /metrics as slotsim_http_transport_total{event=...}):
// request line + headers over max_header_bytes -> 431; body over max_body_bytes -> 413;
// headers or body not complete within read_timeout_s -> 408 (slowloris); idle keep-alive
// connections closed after keep_alive_timeout_s; more than max_connections open, or
// max_connections_per_ip from one address -> 503; more than max_queued requests waiting for a
// worker -> 503 with Retry-After; keep_alive_max requests per connection. Framing is strict
// (duplicate or invalid Content-Length, Content-Length with Transfer-Encoding -> 400) and
// pipelined requests are answered in order. A request whose client closed while it waited for
// a worker is dropped, never run.
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
#include "protocol/server_wire.h"

namespace slotsim {

struct HttpServerOptions {
  std::string host = "127.0.0.1";  // an IPv4 or IPv6 address literal
  int port = 8080;                 // 0: the kernel picks a free port; port() tells which
  int threads = 64;                // workers running engine calls
  int io_threads = 0;              // event loops; 0: one per core, at most 8
  size_t max_body_bytes = 64 * 1024;
  size_t max_header_bytes = 16 * 1024;   // request line + header block
  size_t keep_alive_max = 1000000;       // requests per connection before the server closes it
  int keep_alive_timeout_s = 5;          // an idle keep-alive connection is closed after this
  int read_timeout_s = 10;               // headers, then the body, must arrive within this
  size_t max_connections = 10000;        // open at once
  size_t max_connections_per_ip = 1000;  // open at once from one client address
  size_t max_queued = 1024;              // requests waiting for a worker
  int listen_backlog = 4096;
  // /readyz and /healthz: whether bookings can be taken, per backend (routes.h,
  // HttpApi::SetReadiness). Null: the store's own Ping().
  std::function<http::Readiness()> readiness;
  // Appends more series to /metrics after the server's own (e.g. `serve --managed`'s
  // supervision, procs/supervisor.h); called on a worker thread per scrape. Optional.
  std::function<void(std::string&)> extra_metrics;
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
