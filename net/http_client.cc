// HttpClientConnection on a Beast tcp_stream: one request at a time from a bounded queue,
// deadlines by the stream's expiry (which closes the socket when it passes), an idle read that
// notices a close by the server. Every member of Impl is touched only on its io thread; Send
// and Close post to it.
#include "net/http_client.h"

#include <poll.h>

#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <list>
#include <optional>
#include <vector>

#include "common/check.h"

namespace slotsim::net {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using boost::system::error_code;
using SteadyClock = std::chrono::steady_clock;

std::string ToStd(beast::string_view v) { return std::string(v.data(), v.size()); }

bool IsHttpError(const error_code& ec) {
  return ec.category() == make_error_code(http::error::end_of_stream).category();
}

// What a failed write or read means for the caller.
TransportError ErrorOfTransfer(const error_code& ec) {
  if (ec == beast::error::timeout) return TransportError::kTimeout;
  if (ec == http::error::body_limit || ec == http::error::header_limit ||
      ec == http::error::buffer_overflow) {
    return TransportError::kTooLarge;
  }
  if (ec == http::error::end_of_stream || ec == http::error::partial_message) {
    return TransportError::kReset;
  }
  if (IsHttpError(ec)) return TransportError::kMalformed;
  return TransportError::kReset;  // reset, broken pipe, eof, aborted
}

std::string HostHeader(const HttpClientOptions& o) {
  if (!o.host_header.empty()) return o.host_header;
  const bool v6 = o.host.find(':') != std::string::npos;
  return (v6 ? "[" + o.host + "]" : o.host) + ":" + std::to_string(o.port);
}

}  // namespace

std::string_view TransportErrorName(TransportError error) {
  switch (error) {
    case TransportError::kNone:
      return "none";
    case TransportError::kRefused:
      return "refused";
    case TransportError::kConnectTimeout:
      return "connect_timeout";
    case TransportError::kTimeout:
      return "timeout";
    case TransportError::kReset:
      return "reset";
    case TransportError::kMalformed:
      return "malformed";
    case TransportError::kTooLarge:
      return "too_large";
    case TransportError::kQueueFull:
      return "queue_full";
    case TransportError::kClosed:
      return "closed";
    case TransportError::kResolve:
      return "resolve";
  }
  return "unknown";
}

class HttpClientConnection::Impl : public std::enable_shared_from_this<Impl> {
 public:
  Impl(asio::io_context& io, HttpClientOptions options)
      : opt_(std::move(options)), host_header_(HostHeader(opt_)), stream_(io), resolver_(io) {}

  void Send(ClientRequest request, ClientCallback done) {
    Pending p{std::move(request), std::move(done), SteadyClock::now(), {}, {}};
    asio::post(stream_.get_executor(), [self = shared_from_this(), p = std::move(p)]() mutable {
      self->Enqueue(std::move(p));
    });
  }

  void Close() {
    asio::post(stream_.get_executor(), [self = shared_from_this()] { self->CloseNow(); });
  }

  std::atomic<uint64_t> connects{0};

 private:
  struct Pending {
    ClientRequest request;
    ClientCallback done;
    SteadyClock::time_point queued_at;
    SteadyClock::time_point deadline;  // from its first write
    ClientResponse result;
  };
  enum class State { kDisconnected, kConnecting, kIdle, kBusy };

  void Enqueue(Pending p) {
    if (closed_) return Complete(p, TransportError::kClosed, "the connection was closed");
    if (queue_.size() > opt_.max_queued) {  // the front one is in flight
      return Complete(p, TransportError::kQueueFull, "too many requests queued");
    }
    queue_.push_back(std::move(p));
    Pump();
  }

  // Moves the queue along: connect, start the front request, or watch the idle connection.
  void Pump() {
    if (closed_ || state_ == State::kConnecting || state_ == State::kBusy) return;
    if (state_ == State::kDisconnected) {
      if (!queue_.empty()) Connect();
      return;
    }
    if (queue_.empty()) {
      if (!idle_read_pending_) WatchIdle();
      return;
    }
    if (idle_read_pending_) {  // its completion pumps again
      error_code ignored;
      stream_.socket().cancel(ignored);
      return;
    }
    StartRequest();
  }

  void Connect() {
    state_ = State::kConnecting;
    connect_start_ = SteadyClock::now();
    if (!endpoints_.empty()) return ConnectResolved();
    error_code ec;
    asio::ip::address address = asio::ip::make_address(opt_.host, ec);
    if (!ec) {
      endpoints_.emplace_back(address, opt_.port);
      return ConnectResolved();
    }
    resolver_.async_resolve(
        opt_.host, std::to_string(opt_.port),
        [self = shared_from_this()](error_code ec, tcp::resolver::results_type results) {
          if (self->closed_) return;
          for (const auto& entry : results) self->endpoints_.push_back(entry.endpoint());
          if (ec || self->endpoints_.empty()) {
            self->state_ = State::kDisconnected;
            return self->FailFront(
                TransportError::kResolve,
                "resolve " + self->opt_.host + ": " + (ec ? ec.message() : "no address"));
          }
          self->ConnectResolved();
        });
  }

  void ConnectResolved() {
    stream_.expires_after(opt_.connect_timeout);
    stream_.async_connect(endpoints_, [self = shared_from_this()](error_code ec, tcp::endpoint) {
      self->OnConnected(ec);
    });
  }

  void OnConnected(const error_code& ec) {
    if (closed_) return;
    queue_.front().result.connect_time += SteadyClock::now() - connect_start_;
    if (ec) {
      state_ = State::kDisconnected;
      stream_.close();
      const bool timed_out = ec == beast::error::timeout;
      return FailFront(timed_out ? TransportError::kConnectTimeout : TransportError::kRefused,
                       "connect: " + ec.message());
    }
    ++connects;
    used_ = false;
    buffer_.clear();
    error_code ignored;
    stream_.socket().set_option(tcp::no_delay(true), ignored);
    state_ = State::kIdle;
    StartRequest();
  }

  void StartRequest() {
    state_ = State::kBusy;
    Pending& p = queue_.front();
    const ClientRequest& in = p.request;
    req_.emplace();
    const http::verb verb = http::string_to_verb(in.method);
    if (verb == http::verb::unknown) {
      req_->method_string(in.method);
    } else {
      req_->method(verb);
    }
    req_->target(in.target);
    req_->version(11);
    req_->set(http::field::host, host_header_);
    for (const HttpHeader& h : in.headers) {
      if (EqualsIgnoreCase(h.name, "Host") || EqualsIgnoreCase(h.name, "Content-Length")) continue;
      req_->insert(h.name, h.value);
    }
    req_->body() = in.body;  // kept in `p` too: a retry sends it again
    req_->prepare_payload();
    const SteadyClock::time_point now = SteadyClock::now();
    if (p.result.attempts == 0) {
      p.deadline = now + (in.timeout.count() > 0 ? in.timeout : opt_.request_timeout);
    }
    ++p.result.attempts;
    p.result.reused_connection = used_;
    p.result.connection_wait = now - p.queued_at;
    write_start_ = now;
    stream_.expires_at(p.deadline);
    http::async_write(stream_, *req_, [self = shared_from_this()](error_code ec, size_t n) {
      self->OnWritten(ec, n);
    });
  }

  void OnWritten(const error_code& ec, size_t written) {
    if (closed_) return;
    Pending& p = queue_.front();
    if (written > 0) p.result.request_sent = true;
    if (ec) {
      // A kept-alive connection the server closed while we were not looking: nothing reached
      // it, so send once more on a fresh connection.
      const bool retry =
          used_ && written == 0 && p.result.attempts == 1 && ec != beast::error::timeout;
      Disconnect();
      if (retry) return Pump();
      return FailFront(ErrorOfTransfer(ec), "write: " + ec.message());
    }
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(opt_.max_response_header_bytes));
    parser_->body_limit(static_cast<std::uint64_t>(opt_.max_response_body_bytes));
    if (req_->method() == http::verb::head) parser_->skip(true);
    // Header first, then body: Beast 1.74's eager parse (async_read) loses the body_limit
    // error of a Content-Length when body bytes arrive in the same read, and reads on.
    http::async_read_header(stream_, buffer_, *parser_,
                            [self = shared_from_this()](error_code ec, size_t) {
                              if (ec || self->closed_ || self->parser_->is_done()) {
                                return self->OnRead(ec);
                              }
                              http::async_read(self->stream_, self->buffer_, *self->parser_,
                                               [self](error_code ec, size_t) { self->OnRead(ec); });
                            });
  }

  void OnRead(const error_code& ec) {
    if (closed_) return;
    if (ec) {
      Disconnect();
      return FailFront(ErrorOfTransfer(ec), "read: " + ec.message());
    }
    Pending p = std::move(queue_.front());
    queue_.pop_front();
    auto msg = parser_->release();
    ClientResponse& r = p.result;
    r.round_trip = SteadyClock::now() - write_start_;
    r.status = static_cast<int>(msg.result_int());
    r.keep_alive = msg.keep_alive();
    for (const auto& field : msg) {
      r.headers.push_back({ToStd(field.name_string()), ToStd(field.value())});
    }
    r.body = std::move(msg.body());
    req_.reset();  // an idle connection holds no message
    parser_.reset();
    used_ = true;
    // Bytes after the answer were not asked for: the connection cannot be trusted any more.
    if (!r.keep_alive || buffer_.size() > 0) {
      Disconnect();
    } else {
      state_ = State::kIdle;
      stream_.expires_never();
    }
    p.done(std::move(r));
    Pump();
  }

  // While idle, one wait for readability stays open (no buffer held): it completes when the
  // server closes the connection.
  void WatchIdle() {
    idle_read_pending_ = true;
    stream_.expires_never();
    buffer_.shrink_to_fit();
    stream_.socket().async_wait(tcp::socket::wait_read, [self = shared_from_this()](error_code ec) {
      self->idle_read_pending_ = false;
      if (self->closed_) return;
      // Cancelled to send; anything else (a close, unasked bytes) ends the connection, and
      // the next request opens a fresh one. A close that arrived just before the cancel is
      // still a close: sending on that socket would only read its end of stream.
      if (ec != asio::error::operation_aborted || self->ReadableNow()) self->Disconnect();
      self->Pump();
    });
  }

  // Whether the idle socket has something to read now (its end of stream, or bytes nobody
  // asked for), without waiting.
  bool ReadableNow() {
    pollfd p{stream_.socket().native_handle(), POLLIN, 0};
    return ::poll(&p, 1, 0) > 0;
  }

  void Disconnect() {
    error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.close();
    buffer_.clear();
    state_ = State::kDisconnected;
  }

  void FailFront(TransportError error, std::string message) {
    Pending p = std::move(queue_.front());
    queue_.pop_front();
    Complete(p, error, std::move(message));
    Pump();
  }

  void Complete(Pending& p, TransportError error, std::string message) {
    p.result.error = error;
    p.result.error_message = std::move(message);
    p.done(std::move(p.result));
  }

  void CloseNow() {
    if (closed_) return;
    closed_ = true;
    resolver_.cancel();
    Disconnect();
    std::list<Pending> pending = std::move(queue_);
    queue_.clear();
    for (Pending& p : pending) Complete(p, TransportError::kClosed, "the connection was closed");
  }

  const HttpClientOptions opt_;
  const std::string host_header_;
  beast::tcp_stream stream_;
  tcp::resolver resolver_;
  std::vector<tcp::endpoint> endpoints_;  // resolved once
  beast::flat_buffer buffer_;
  std::optional<http::request<http::string_body>> req_;
  std::optional<http::response_parser<http::string_body>> parser_;
  std::list<Pending> queue_;  // the front one is in flight while connecting or busy;
  // a list, not a deque: an idle connection's empty queue holds no memory
  State state_ = State::kDisconnected;
  SteadyClock::time_point connect_start_;
  SteadyClock::time_point write_start_;
  bool idle_read_pending_ = false;
  bool used_ = false;  // this TCP connection has carried an answer
  bool closed_ = false;
};

HttpClientConnection::HttpClientConnection(asio::io_context& io, HttpClientOptions options)
    : impl_(std::make_shared<Impl>(io, std::move(options))) {}

HttpClientConnection::HttpClientConnection(IoThreads& io, HttpClientOptions options)
    : HttpClientConnection(io.Next(), std::move(options)) {}

HttpClientConnection::~HttpClientConnection() { impl_->Close(); }

void HttpClientConnection::Send(ClientRequest request, ClientCallback done) {
  SLOTSIM_CHECK(done != nullptr) << "HttpClientConnection::Send needs a callback";
  impl_->Send(std::move(request), std::move(done));
}

void HttpClientConnection::Close() { impl_->Close(); }

uint64_t HttpClientConnection::connects() const { return impl_->connects.load(); }

}  // namespace slotsim::net
