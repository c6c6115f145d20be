// HttpClientConnection: one event-driven keep-alive HTTP/1.1 connection, as a browser keeps one
// per site — the http target's per-client connection (issue 11). Connect, write and read are
// asynchronous on one io context with deadlines, so thousands of these (one per virtual client)
// run on one or two io threads.
//
// Requests given to Send are sent one at a time, in order, on the one connection (no
// pipelining); the next waits in a bounded queue. The connection is opened on the first request
// and again after any close; while idle, one read stays open so a close by the server is seen
// at once and the next request goes on a fresh connection (nothing was sent on the dead one).
// A request whose write fails on a reused connection is sent once more on a fresh one. Any
// transport error, and an answer that says Connection: close, closes the connection.
//
// Each answer says how long the request waited for its connection (queued behind earlier
// requests, connecting) apart from its round trip, so a slow target shows as waiting, not as
// the harness's lateness. Times are steady-clock wall time (real sockets).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "net/http_message.h"
#include "net/io_threads.h"

namespace slotsim::net {

// Why a request got no HTTP answer.
enum class TransportError {
  kNone = 0,
  kRefused,         // connect refused (or unreachable): nothing was sent
  kConnectTimeout,  // connect did not finish within connect_timeout: nothing was sent
  kTimeout,         // no complete answer within the request's timeout
  kReset,           // the connection was reset or closed before the answer was complete
  kMalformed,       // the answer is not valid HTTP/1.1
  kTooLarge,        // the answer's header or body is over the client's limit
  kQueueFull,       // max_queued requests were already waiting: nothing was sent
  kClosed,          // Close() (or the destructor) ended the request
  kResolve,         // the host name did not resolve: nothing was sent
};
// "refused", "connect_timeout", "timeout", "reset", "malformed", ... ("none" for kNone).
std::string_view TransportErrorName(TransportError error);

struct ClientRequest {
  std::string method = "GET";
  std::string target = "/";
  HttpHeaders headers;  // Host and Content-Length are set by the client
  std::string body;
  std::chrono::milliseconds timeout{0};  // write + answer; 0: the connection's request_timeout
};

struct ClientResponse {
  TransportError error = TransportError::kNone;
  std::string error_message;  // for an error: what failed, e.g. "connect: Connection refused"
  int status = 0;             // the HTTP status, when error == kNone
  HttpHeaders headers;
  std::string body;
  bool keep_alive = false;  // the server keeps the connection open

  // Whether any byte of the request was written: a failed write request may have taken effect
  // when true (its outcome is unknown), and surely did not when false.
  bool request_sent = false;
  bool reused_connection = false;  // sent on a connection an earlier request used
  int attempts = 0;                // connections the request was written to (2: a retry)

  // From Send to the first byte written: queued behind earlier requests on this connection,
  // plus connecting. Then connect_time, the part of it spent connecting for this request (0 on
  // a reused connection), and round_trip, from the first byte written to the answer's last.
  std::chrono::nanoseconds connection_wait{0};
  std::chrono::nanoseconds connect_time{0};
  std::chrono::nanoseconds round_trip{0};

  bool ok() const { return error == TransportError::kNone; }
  std::string_view Header(std::string_view name) const { return FindHeader(headers, name); }
};

// Called exactly once per request, on the connection's io thread; must not block.
using ClientCallback = std::function<void(ClientResponse response)>;

struct HttpClientOptions {
  std::string host = "127.0.0.1";  // an address literal, or a name (resolved once, then cached)
  uint16_t port = 80;
  std::string host_header;  // the Host header; "" means host:port
  std::chrono::milliseconds connect_timeout{2000};
  std::chrono::milliseconds request_timeout{10000};
  size_t max_response_header_bytes = 64 * 1024;
  size_t max_response_body_bytes = 16 << 20;
  size_t max_queued = 64;  // requests waiting behind the one in flight
};

class HttpClientConnection {
 public:
  // Lives on `io`, which must be running and outlive every callback. Connects lazily.
  HttpClientConnection(boost::asio::io_context& io, HttpClientOptions options);
  // On io.Next().
  HttpClientConnection(IoThreads& io, HttpClientOptions options);
  // Close(). Callbacks of requests still pending run afterwards (with kClosed), on the io
  // thread, possibly after the destructor returned: they must not refer to what it destroys.
  ~HttpClientConnection();
  HttpClientConnection(const HttpClientConnection&) = delete;
  HttpClientConnection& operator=(const HttpClientConnection&) = delete;

  // Queues `request`; `done` gets its answer or transport error. Thread-safe.
  void Send(ClientRequest request, ClientCallback done);

  // Closes the connection; pending requests end with kClosed, later Sends too. Thread-safe.
  void Close();

  // TCP connections opened so far (a keep-alive connection counts once). Thread-safe.
  uint64_t connects() const;

 private:
  class Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace slotsim::net
