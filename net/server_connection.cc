// ServerConnection: one connection's read / handle / write loop on its io thread. Every member
// is touched only on that thread, except Deliver, RequestStop and ForceClose, which post to it.
//
// The loop: [idle: wait for a byte] -> header (deadline) -> framing check -> body (deadline)
// -> handler on the worker pool, reading ahead meanwhile -> answer (deadline) -> next request
// from what is already buffered, or idle. Errors that leave the framing in doubt answer and
// close; a close half-closes and drains for linger_timeout so the answer is read, not reset.
#include "net/server_connection.h"

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <cstdio>
#include <exception>
#include <optional>

#include "common/check.h"
#include "net/framing.h"

namespace slotsim::net {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using boost::system::error_code;

constexpr size_t kReadChunk = 4096;
constexpr size_t kLingerMaxBytes = 1 << 20;  // drained after an error answer, at most
constexpr char kContinue[] = "HTTP/1.1 100 Continue\r\n\r\n";

std::string ToStd(beast::string_view v) { return std::string(v.data(), v.size()); }

bool IsHttpError(const error_code& ec) {
  return ec.category() == make_error_code(http::error::end_of_stream).category();
}

class ServerConnection final : public ConnectionControl,
                               public ReplyTarget,
                               public std::enable_shared_from_this<ServerConnection> {
 public:
  ServerConnection(std::shared_ptr<ServerShared> shared, tcp::socket socket, uint64_t id,
                   std::string ip, uint16_t port)
      : shared_(std::move(shared)),
        opt_(shared_->options),
        socket_(std::move(socket)),
        timer_(socket_.get_executor()),
        id_(id),
        ip_(std::move(ip)),
        port_(port) {}

  // Admitted: serve it (posted to its thread).
  void StartAdmitted() {
    registered_ = true;
    asio::post(socket_.get_executor(), [self = shared_from_this()] { self->Start(); });
  }
  // Refused by a limit: answer 503 and close (posted to its thread).
  void StartRejected(std::string reason) {
    rejecting_ = true;
    asio::post(socket_.get_executor(),
               [self = shared_from_this(), reason] { self->WriteError(503, reason, true); });
  }

  void RequestStop() override {
    asio::post(socket_.get_executor(), [self = shared_from_this()] {
      self->stop_requested_ = true;
      if (self->phase_ == Phase::kIdle || self->phase_ == Phase::kHeader ||
          self->phase_ == Phase::kBody) {
        self->Close();
      }
    });
  }
  void ForceClose() override {
    asio::post(socket_.get_executor(), [self = shared_from_this()] { self->Close(); });
  }
  void Deliver(uint64_t index, HttpResponse response, bool abandoned) override {
    asio::post(socket_.get_executor(),
               [self = shared_from_this(), index, r = std::move(response), abandoned]() mutable {
                 self->OnReply(index, std::move(r), abandoned);
               });
  }

 private:
  enum class Phase { kIdle, kHeader, kBody, kHandling, kWriting, kClosing, kClosed };
  enum class Deadline { kNone, kIdle, kHeader, kBody, kWrite, kLinger };

  void Start() {
    error_code ignored;
    socket_.set_option(tcp::no_delay(true), ignored);
    ReadNext();
  }

  // Starts reading the next request: from the buffer when bytes are there (pipelined), else
  // after an idle wait (the header deadline of a first request runs from the accept).
  void ReadNext() {
    if (closed_) return;
    if (stop_requested_) return Close();
    headers_.clear();
    version_ = 11;
    keep_alive_ = true;
    head_ = false;
    if (requests_ > 0 && buffer_.size() == 0) return WaitIdle();
    if (requests_ > 0) ++shared_->counters.pipelined;
    ReadHeader();
  }

  // Waits for the socket to become readable without a buffer or a parser, so an idle
  // keep-alive connection costs a socket and a timer, not a read buffer.
  void WaitIdle() {
    phase_ = Phase::kIdle;
    parser_.reset();
    buffer_.shrink_to_fit();
    Arm(Deadline::kIdle, opt_.idle_timeout);
    socket_.async_wait(tcp::socket::wait_read, [self = shared_from_this()](error_code ec) {
      Deadline fired = self->Disarm();
      if (self->closed_) return;
      if (ec) {
        if (fired == Deadline::kIdle) ++self->shared_->counters.idle_closed;
        return self->Close();
      }
      self->ReadHeader();  // bytes came, or an EOF, which the header read reports
    });
  }

  void ReadHeader() {
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(opt_.max_header_bytes));
    parser_->body_limit(static_cast<std::uint64_t>(opt_.max_body_bytes));
    phase_ = Phase::kHeader;
    Arm(Deadline::kHeader, opt_.header_timeout);
    http::async_read_header(
        socket_, buffer_, *parser_,
        [self = shared_from_this()](error_code ec, size_t) { self->OnHeader(ec); });
  }

  void OnHeader(error_code ec) {
    Deadline fired = Disarm();
    if (closed_) return;
    if (ec) return OnReadError(ec, fired);
    const auto& msg = parser_->get();
    version_ = msg.version();
    for (const auto& field : msg) {
      headers_.push_back({ToStd(field.name_string()), ToStd(field.value())});
    }
    Status framing = CheckRequestFraming(version_, headers_);
    if (!framing.ok()) {
      ++shared_->counters.bad_requests;
      return WriteError(400, framing.message(), true);
    }
    if (parser_->is_done()) return Dispatch();
    if (!EqualsIgnoreCase(FindHeader(headers_, "Expect"), "100-continue")) return ReadBody();
    phase_ = Phase::kBody;
    Arm(Deadline::kWrite, opt_.write_timeout);
    asio::async_write(socket_, asio::buffer(kContinue, sizeof(kContinue) - 1),
                      [self = shared_from_this()](error_code ec, size_t) {
                        self->Disarm();
                        if (self->closed_) return;
                        if (ec) return self->Close();
                        self->ReadBody();
                      });
  }

  void ReadBody() {
    phase_ = Phase::kBody;
    Arm(Deadline::kBody, opt_.body_timeout);
    http::async_read(socket_, buffer_, *parser_,
                     [self = shared_from_this()](error_code ec, size_t) {
                       Deadline fired = self->Disarm();
                       if (self->closed_) return;
                       if (ec) return self->OnReadError(ec, fired);
                       self->Dispatch();
                     });
  }

  // A read of a request failed: answer what the client did wrong, or close when it left.
  void OnReadError(const error_code& ec, Deadline fired) {
    ServerCounters& c = shared_->counters;
    if (fired == Deadline::kHeader) {
      ++c.header_timeouts;
      return WriteError(408, "request header timeout", true);
    }
    if (fired == Deadline::kBody) {
      ++c.body_timeouts;
      return WriteError(408, "request body timeout", true);
    }
    if (ec == http::error::header_limit || ec == http::error::buffer_overflow) {
      ++c.header_too_large;
      return WriteError(431, "request header fields too large", true);
    }
    if (ec == http::error::body_limit) {
      ++c.body_too_large;
      return WriteError(413, "request body too large", true);
    }
    if (IsHttpError(ec) && ec != http::error::end_of_stream && ec != http::error::partial_message) {
      ++c.bad_requests;
      return WriteError(400, "malformed request: " + ec.message(), true);
    }
    Close();  // the client closed or reset, or the stop closed the socket
  }

  void Dispatch() {
    ++shared_->counters.requests;
    auto msg = parser_->release();
    HttpRequest req;
    req.method = ToStd(msg.method_string());
    req.target = ToStd(msg.target());
    req.version = msg.version();
    req.headers = std::move(headers_);
    req.body = std::move(msg.body());
    req.keep_alive = msg.keep_alive();
    req.remote_address = ip_;
    req.remote_port = port_;
    req.connection_id = id_;
    req.request_index = requests_++;
    req.received_at = std::chrono::steady_clock::now();
    keep_alive_ = req.keep_alive;
    head_ = msg.method() == http::verb::head;
    phase_ = Phase::kHandling;
    auto self = shared_from_this();
    if (!shared_->pool.TryPost(id_, [self, r = std::move(req)] { self->RunHandler(r); })) {
      ++shared_->counters.overloaded;
      return WriteError(503, "server busy", false);
    }
    StartReadAhead();
  }

  // On a worker thread. An exception from the handler destroys its Reply unsent (-> 500).
  void RunHandler(const HttpRequest& request) {
    try {
      shared_->handler(request, Reply(shared_from_this(), request.request_index));
    } catch (const std::exception& e) {
      std::fprintf(stderr, "net: the HTTP handler threw: %s\n", e.what());
    } catch (...) {
      std::fprintf(stderr, "net: the HTTP handler threw\n");
    }
  }

  // While a request is handled or answered, keep one read open (bounded by a request's worth
  // of buffer): it collects pipelined bytes and tells when the client goes away.
  void StartReadAhead() {
    if (read_ahead_pending_ || closed_ || peer_closed_) return;
    if (buffer_.size() >= opt_.max_header_bytes + opt_.max_body_bytes) return;
    ReadSome();
  }
  void ReadSome() {
    read_ahead_pending_ = true;
    socket_.async_read_some(
        buffer_.prepare(kReadChunk),
        [self = shared_from_this()](error_code ec, size_t n) { self->OnReadAhead(ec, n); });
  }

  void OnReadAhead(error_code ec, size_t n) {
    read_ahead_pending_ = false;
    if (closed_) return;
    if (!ec) buffer_.commit(n);
    if (phase_ == Phase::kClosing) return DrainStep(ec, n);
    if (ec && ec != asio::error::operation_aborted) return PeerGone();
    if (resume_after_read_ahead_) {
      resume_after_read_ahead_ = false;
      return ReadNext();
    }
    if (phase_ == Phase::kHandling || phase_ == Phase::kWriting) StartReadAhead();
  }

  // The client closed (or reset) while its request was queued, handled or answered.
  void PeerGone() {
    peer_closed_ = true;
    if (phase_ == Phase::kHandling) {
      if (shared_->pool.Cancel(id_)) {
        ++shared_->counters.dropped_closed;
        Close();
      }
      return;  // already running: its answer is written, best effort, then we close
    }
    if (phase_ == Phase::kWriting) {
      close_after_write_ = true;
      return;
    }
    Close();
  }

  void OnReply(uint64_t index, HttpResponse response, bool abandoned) {
    if (abandoned) ++shared_->counters.handler_errors;
    if (closed_ || phase_ == Phase::kClosing) return;
    SLOTSIM_CHECK(phase_ == Phase::kHandling) << "an answer while not handling a request";
    SLOTSIM_CHECK_EQ(index + 1, requests_) << "an answer for another request";
    if (abandoned) response = shared_->ErrorResponse(500, "the handler sent no answer");
    bool close = response.close;
    Write(std::move(response), close);
  }

  void WriteError(int status, std::string_view reason, bool close) {
    HttpResponse r = shared_->ErrorResponse(status, reason);
    if (status == 503) r.headers.push_back({"Retry-After", std::to_string(opt_.retry_after_s)});
    Write(std::move(r), close);
  }

  void Write(HttpResponse r, bool close) {
    const bool at_max = requests_ >= opt_.max_requests_per_connection;
    const bool closing = close || !keep_alive_ || stop_requested_ || peer_closed_;
    if (at_max && !closing) ++shared_->counters.max_requests_closed;
    close_after_write_ = closing || at_max;
    response_.emplace(static_cast<http::status>(r.status), version_);
    for (HttpHeader& h : r.headers) {
      if (EqualsIgnoreCase(h.name, "Content-Length") || EqualsIgnoreCase(h.name, "Connection") ||
          EqualsIgnoreCase(h.name, "Transfer-Encoding")) {
        continue;
      }
      response_->insert(h.name, h.value);
    }
    response_->keep_alive(!close_after_write_);
    // HTTP/1.0 closes by default and Beast then says nothing; say it anyway.
    if (close_after_write_) response_->set(http::field::connection, "close");
    if (head_) {
      response_->content_length(r.body.size());  // HEAD: the length a GET would have, no body
    } else {
      response_->body() = std::move(r.body);
      response_->prepare_payload();
    }
    phase_ = Phase::kWriting;
    Arm(Deadline::kWrite, opt_.write_timeout);
    http::async_write(socket_, *response_,
                      [self = shared_from_this()](error_code ec, size_t) { self->OnWritten(ec); });
  }

  void OnWritten(error_code ec) {
    Disarm();
    if (closed_) return;
    if (ec) return Close();
    ++shared_->counters.responses;
    response_.reset();
    if (close_after_write_) return GracefulClose();
    phase_ = Phase::kIdle;
    if (read_ahead_pending_) {  // let its completion start the next request
      resume_after_read_ahead_ = true;
      error_code ignored;
      socket_.cancel(ignored);
      return;
    }
    ReadNext();
  }

  // Half-closes, then reads and discards until the client closes, linger_timeout passes or
  // kLingerMaxBytes were drained, so the client reads our answer instead of a reset.
  void GracefulClose() {
    phase_ = Phase::kClosing;
    error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_send, ignored);
    if (peer_closed_) return Close();
    Arm(Deadline::kLinger, opt_.linger_timeout);
    if (read_ahead_pending_) return;  // its completion continues the drain
    buffer_.clear();
    ReadSome();
  }
  void DrainStep(const error_code& ec, size_t n) {
    buffer_.clear();
    drained_ += n;
    if (ec || drained_ > kLingerMaxBytes) return Close();
    ReadSome();
  }

  void Close() {
    if (closed_) return;
    const bool was_handling = phase_ == Phase::kHandling;
    closed_ = true;
    phase_ = Phase::kClosed;
    Disarm();
    error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
    if (was_handling && shared_->pool.Cancel(id_)) ++shared_->counters.dropped_closed;
    if (registered_) shared_->Release(id_, ip_);
    if (rejecting_) shared_->EndReject();
  }

  // One deadline at a time; a generation number tells a stale expiry from the armed one.
  void Arm(Deadline which, std::chrono::milliseconds after) {
    const uint64_t generation = ++timer_generation_;
    armed_ = which;
    fired_ = Deadline::kNone;
    timer_.expires_after(after);
    timer_.async_wait([self = shared_from_this(), generation](error_code ec) {
      if (ec || generation != self->timer_generation_ || self->closed_) return;
      self->OnDeadline(self->armed_);
    });
  }
  // Cancels the deadline; returns it if it had fired (else kNone).
  Deadline Disarm() {
    Deadline fired = fired_;
    ++timer_generation_;
    armed_ = fired_ = Deadline::kNone;
    timer_.cancel();
    return fired;
  }
  void OnDeadline(Deadline which) {
    fired_ = which;
    error_code ignored;
    switch (which) {
      case Deadline::kIdle:
      case Deadline::kHeader:
      case Deadline::kBody:
        socket_.cancel(ignored);  // the read completes with operation_aborted, then answers
        return;
      case Deadline::kWrite:
        ++shared_->counters.write_timeouts;
        return Close();
      case Deadline::kLinger:
        return Close();
      case Deadline::kNone:
        return;
    }
  }

  const std::shared_ptr<ServerShared> shared_;
  const HttpServerOptions& opt_;
  tcp::socket socket_;
  asio::steady_timer timer_;
  beast::flat_buffer buffer_;  // kept across requests: it holds pipelined bytes
  std::optional<http::request_parser<http::string_body>> parser_;
  std::optional<http::response<http::string_body>> response_;
  HttpHeaders headers_;  // of the request being read
  const uint64_t id_;
  const std::string ip_;
  const uint16_t port_;

  Phase phase_ = Phase::kIdle;
  Deadline armed_ = Deadline::kNone;
  Deadline fired_ = Deadline::kNone;
  uint64_t timer_generation_ = 0;
  uint64_t requests_ = 0;  // complete requests read
  size_t drained_ = 0;
  unsigned version_ = 11;
  bool keep_alive_ = true;
  bool head_ = false;
  bool read_ahead_pending_ = false;
  bool resume_after_read_ahead_ = false;
  bool peer_closed_ = false;
  bool stop_requested_ = false;
  bool close_after_write_ = false;
  bool registered_ = false;
  bool rejecting_ = false;
  bool closed_ = false;
};

}  // namespace

void ServeConnection(std::shared_ptr<ServerShared> shared, tcp::socket socket) {
  try {
    error_code ec;
    tcp::endpoint remote = socket.remote_endpoint(ec);
    if (ec) return;  // the client is already gone; the socket closes here
    std::string ip = remote.address().to_string();
    const uint64_t id = shared->NextConnectionId();
    auto conn =
        std::make_shared<ServerConnection>(shared, std::move(socket), id, ip, remote.port());
    switch (shared->Admit(id, ip, conn)) {
      case Admission::kAdmitted:
        return conn->StartAdmitted();
      case Admission::kStopping:
        return;
      case Admission::kMaxConnections:
        if (shared->TryBeginReject()) conn->StartRejected("too many connections");
        return;
      case Admission::kPerIp:
        if (shared->TryBeginReject()) conn->StartRejected("too many connections from " + ip);
        return;
    }
  } catch (const std::exception& e) {  // allocation: drop this connection, keep accepting
    std::fprintf(stderr, "net: cannot serve an accepted connection: %s\n", e.what());
  }
}

}  // namespace slotsim::net
