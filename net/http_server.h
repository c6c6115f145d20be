// HttpServer: an event-driven HTTP/1.1 server front on Boost.Beast — accept and every read and
// write run on IoThreads' event loops, the handler runs on a bounded WorkerPool, and its answer
// is posted back to the connection's loop. One slow handler, or thousands of idle or slow
// clients, hold no thread. What `slotsim serve` is to run on (docs/net.md).
//
// Per connection, requests are read one at a time, answered in order. Bytes read past the end
// of a request (a pipelined next request) stay in the connection's buffer for the next parse.
// While a request waits for or runs in the handler, the server keeps reading ahead (up to a
// bound), so it sees a client that closes: such a request still queued is dropped, never run.
//
// Every hard limit is an option with a default, is answered with its status and counted in
// HttpServerStats (docs/net.md has the table):
//   header block > max_header_bytes -> 431; body > max_body_bytes -> 413 (a declared
//   Content-Length at once); header block not complete header_timeout after the connection
//   opened or the request's first byte (slowloris) -> 408; body not complete body_timeout
//   after its header -> 408; no next request within idle_timeout -> closed; framing that is not
//   strictly valid (framing.h) or malformed HTTP -> 400; connections over max_connections, or
//   over max_connections_per_ip from one address -> 503 at once; worker queue full -> 503 with
//   Retry-After; max_requests_per_connection reached -> the last answer says Connection: close.
// Each of 400/408/413/431 closes the connection after the answer (the framing can no longer be
// trusted); the server half-closes, then drains what the client still sends for up to
// linger_timeout, so the client reads the answer instead of a reset.
//
// Thread-safety: Start, Stop, port and Stats may be called from any thread; the handler is
// called on worker threads, concurrently. Times are steady-clock wall time (real sockets).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "common/status.h"
#include "net/http_message.h"
#include "net/io_threads.h"

namespace slotsim::net {

// Where a handler's answer goes: the connection the request came on. Implemented by net/.
class ReplyTarget {
 public:
  virtual ~ReplyTarget() = default;
  // Delivers the answer to request `request_index` (from any thread). `abandoned`: the Reply
  // was destroyed unsent (the server answers 500 and counts it).
  virtual void Deliver(uint64_t request_index, HttpResponse response, bool abandoned) = 0;
};

// The handle a handler answers through: Send exactly once, from any thread, now or later. A
// Reply destroyed without Send answers 500 (counted as handler_errors). Move-only.
class Reply {
 public:
  Reply(std::shared_ptr<ReplyTarget> target, uint64_t request_index);
  Reply(Reply&& other) noexcept;
  Reply& operator=(Reply&&) = delete;
  Reply(const Reply&) = delete;
  ~Reply();

  // Sends the answer; a second Send is a SLOTSIM_CHECK failure. If the client has gone, the
  // answer is dropped.
  void Send(HttpResponse response);
  bool sent() const { return target_ == nullptr; }

 private:
  std::shared_ptr<ReplyTarget> target_;
  uint64_t request_index_;
};

// Runs on a worker thread; `request` lives until it returns (copy what a later Send needs).
using HttpHandler = std::function<void(const HttpRequest& request, Reply reply)>;

struct HttpServerOptions {
  std::string host = "127.0.0.1";  // an IPv4 or IPv6 address literal
  uint16_t port = 0;               // 0: the kernel picks one; port() tells which
  int listen_backlog = 4096;

  int workers = 16;          // handler threads
  size_t max_queued = 1024;  // requests waiting for a worker; more -> 503 + Retry-After
  int retry_after_s = 1;     // the Retry-After of every 503

  size_t max_header_bytes = 16 * 1024;  // request line + header block
  size_t max_body_bytes = 64 * 1024;    // after de-chunking
  std::chrono::milliseconds header_timeout{10000};
  std::chrono::milliseconds body_timeout{10000};
  std::chrono::milliseconds idle_timeout{5000};    // between requests on a keep-alive connection
  std::chrono::milliseconds write_timeout{10000};  // an answer not taken by then: closed
  std::chrono::milliseconds linger_timeout{1000};  // draining after an error answer
  std::chrono::milliseconds stop_timeout{10000};   // Stop(): in-flight requests' grace

  size_t max_connections = 10000;        // open at once; more -> 503 and close
  size_t max_connections_per_ip = 1000;  // open at once from one remote address
  uint64_t max_requests_per_connection = 1000000;

  // Builds the body of the server's own error answers (400, 408, 413, 431, 500, 503) from the
  // status and a short reason. Null: text/plain "<reason>\n". Called on io threads.
  std::function<HttpResponse(int status, std::string_view reason)> error_response;
};

// Counters since Start (each a total, except the *_open and peak gauges).
struct HttpServerStats {
  uint64_t connections_accepted = 0;
  uint64_t connections_open = 0;
  uint64_t connections_peak = 0;
  uint64_t rejected_max_connections = 0;  // 503: max_connections
  uint64_t rejected_per_ip = 0;           // 503: max_connections_per_ip
  uint64_t requests = 0;                  // complete requests read
  uint64_t pipelined = 0;                 // of which already (partly) buffered when started
  uint64_t responses = 0;                 // answers written, the server's own included
  uint64_t bad_requests = 0;              // 400: framing or malformed HTTP
  uint64_t header_too_large = 0;          // 431
  uint64_t body_too_large = 0;            // 413
  uint64_t header_timeouts = 0;           // 408 before the header block was complete
  uint64_t body_timeouts = 0;             // 408 while reading a body
  uint64_t idle_closed = 0;               // keep-alive connections closed for idling
  uint64_t write_timeouts = 0;            // clients that did not take their answer
  uint64_t overloaded = 0;                // 503 + Retry-After: the worker queue was full
  uint64_t dropped_closed = 0;            // queued requests dropped because their client had closed
  uint64_t max_requests_closed = 0;       // connections closed at max_requests_per_connection
  uint64_t handler_errors = 0;            // 500: a Reply destroyed unsent
  uint64_t accept_errors = 0;             // accept() failures (e.g. out of descriptors)
};

class HttpServer {
 public:
  // `io` must be started and outlive the server. `handler` must be set.
  HttpServer(IoThreads& io, HttpServerOptions options, HttpHandler handler);
  // Stop().
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds and listens, accepting on io.At(0) and spreading connections over io.Next().
  // InvalidArgument for bad options or host; Unavailable when the address cannot be bound.
  // Call once.
  Status Start();

  // The bound port (after a successful Start).
  uint16_t port() const;

  // Stops accepting and closes idle connections at once; requests being handled are answered
  // (with Connection: close) for up to stop_timeout, then every connection is closed. Returns
  // when the handler runs nowhere any more (it waits for running handlers). Idempotent; must
  // not be called from the handler.
  void Stop();

  HttpServerStats Stats() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace slotsim::net
