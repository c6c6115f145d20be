// HttpServer: the listening socket, option checks, Reply, and the orderly stop. Connections
// are served by server_connection.cc.
#include "net/http_server.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdio>
#include <future>
#include <mutex>

#include "common/check.h"
#include "net/server_connection.h"
#include "net/server_shared.h"

namespace slotsim::net {

namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using boost::system::error_code;

// After a failed accept (out of descriptors, most likely) wait this long before the next, so
// the loop does not spin while the condition lasts.
constexpr std::chrono::milliseconds kAcceptRetry{50};

// The listening socket on io.At(0); accepted sockets go to io.Next().
class Acceptor : public std::enable_shared_from_this<Acceptor> {
 public:
  Acceptor(IoThreads& io, std::shared_ptr<ServerShared> shared)
      : io_(io), shared_(std::move(shared)), acceptor_(io.At(0)), retry_(io.At(0)) {}

  Status Listen(const HttpServerOptions& o) {
    error_code ec;
    asio::ip::address address = asio::ip::make_address(o.host, ec);
    if (ec) return Status::InvalidArgument("listen host is not an IP address: '" + o.host + "'");
    const tcp::endpoint endpoint(address, o.port);
    const std::string where = o.host + ":" + std::to_string(o.port);
    acceptor_.open(endpoint.protocol(), ec);
    if (!ec) acceptor_.set_option(tcp::acceptor::reuse_address(true), ec);
    if (!ec) acceptor_.bind(endpoint, ec);
    if (!ec) acceptor_.listen(o.listen_backlog, ec);
    if (ec) return Status::Unavailable("cannot listen on " + where + ": " + ec.message());
    port_ = acceptor_.local_endpoint(ec).port();
    if (ec) return Status::Unavailable("cannot read the bound port: " + ec.message());
    return Status::Ok();
  }

  uint16_t port() const { return port_; }

  void Accept() {
    acceptor_.async_accept(io_.Next(), [self = shared_from_this()](error_code ec, tcp::socket s) {
      self->OnAccept(ec, std::move(s));
    });
  }

  // Closes the listening socket on its thread; returns when it is closed (or after `wait`).
  void Close(std::chrono::milliseconds wait) {
    auto done = std::make_shared<std::promise<void>>();
    std::future<void> closed = done->get_future();
    asio::post(acceptor_.get_executor(), [self = shared_from_this(), done] {
      error_code ignored;
      self->acceptor_.close(ignored);
      self->retry_.cancel();
      done->set_value();
    });
    closed.wait_for(wait);
  }

 private:
  void OnAccept(const error_code& ec, tcp::socket socket) {
    if (!acceptor_.is_open() || ec == asio::error::operation_aborted) return;
    if (ec) {
      ++shared_->counters.accept_errors;
      retry_.expires_after(kAcceptRetry);
      retry_.async_wait([self = shared_from_this()](error_code wait_ec) {
        if (!wait_ec && self->acceptor_.is_open()) self->Accept();
      });
      return;
    }
    ServeConnection(shared_, std::move(socket));
    Accept();
  }

  IoThreads& io_;
  const std::shared_ptr<ServerShared> shared_;
  tcp::acceptor acceptor_;
  asio::steady_timer retry_;
  uint16_t port_ = 0;
};

Status CheckOptions(const HttpServerOptions& o) {
  auto bad = [](const std::string& what) {
    return Status::InvalidArgument("http server: " + what);
  };
  if (o.workers < 1) return bad("workers must be >= 1");
  if (o.max_queued < 1) return bad("max_queued must be >= 1");
  if (o.listen_backlog < 1) return bad("listen_backlog must be >= 1");
  if (o.retry_after_s < 0) return bad("retry_after_s must be >= 0");
  if (o.max_header_bytes < 64 || o.max_header_bytes > (1u << 30)) {
    return bad("max_header_bytes must be in 64..1 GiB");
  }
  if (o.max_connections < 1 || o.max_connections_per_ip < 1) {
    return bad("max_connections and max_connections_per_ip must be >= 1");
  }
  if (o.max_requests_per_connection < 1) return bad("max_requests_per_connection must be >= 1");
  using std::chrono::milliseconds;
  for (milliseconds t : {o.header_timeout, o.body_timeout, o.idle_timeout, o.write_timeout,
                         o.linger_timeout, o.stop_timeout}) {
    if (t <= milliseconds(0)) return bad("every timeout must be > 0");
  }
  return Status::Ok();
}

}  // namespace

Reply::Reply(std::shared_ptr<ReplyTarget> target, uint64_t request_index)
    : target_(std::move(target)), request_index_(request_index) {}

Reply::Reply(Reply&& other) noexcept
    : target_(std::move(other.target_)), request_index_(other.request_index_) {}

Reply::~Reply() {
  if (target_) target_->Deliver(request_index_, HttpResponse{}, /*abandoned=*/true);
}

void Reply::Send(HttpResponse response) {
  SLOTSIM_CHECK(target_ != nullptr) << "Reply::Send called twice (or on a moved-from Reply)";
  SLOTSIM_CHECK(response.status >= 200 && response.status <= 599)
      << "HTTP status " << response.status;
  std::shared_ptr<ReplyTarget> target = std::move(target_);
  target->Deliver(request_index_, std::move(response), /*abandoned=*/false);
}

struct HttpServer::Impl {
  Impl(IoThreads& i, HttpServerOptions o, HttpHandler h)
      : io(i), options(std::move(o)), handler(std::move(h)) {}

  IoThreads& io;
  HttpServerOptions options;
  HttpHandler handler;
  std::shared_ptr<ServerShared> shared;  // from Start
  std::shared_ptr<Acceptor> acceptor;
  std::mutex mu;  // Start / Stop
  bool started = false;
  bool stopped = false;
};

HttpServer::HttpServer(IoThreads& io, HttpServerOptions options, HttpHandler handler)
    : impl_(std::make_unique<Impl>(io, std::move(options), std::move(handler))) {
  SLOTSIM_CHECK(impl_->handler != nullptr) << "HttpServer needs a handler";
}

HttpServer::~HttpServer() { Stop(); }

Status HttpServer::Start() {
  std::lock_guard<std::mutex> lock(impl_->mu);
  SLOTSIM_CHECK(!impl_->started) << "HttpServer::Start called twice";
  impl_->started = true;
  SLOTSIM_RETURN_IF_ERROR(CheckOptions(impl_->options));
  impl_->shared = std::make_shared<ServerShared>(impl_->options, impl_->handler);
  impl_->acceptor = std::make_shared<Acceptor>(impl_->io, impl_->shared);
  Status listening = impl_->acceptor->Listen(impl_->options);
  if (!listening.ok()) {
    impl_->acceptor.reset();
    return listening;
  }
  impl_->acceptor->Accept();
  return Status::Ok();
}

uint16_t HttpServer::port() const { return impl_->acceptor ? impl_->acceptor->port() : 0; }

void HttpServer::Stop() {
  std::lock_guard<std::mutex> lock(impl_->mu);
  if (impl_->stopped || !impl_->shared) return;
  impl_->stopped = true;
  ServerShared& shared = *impl_->shared;
  if (impl_->acceptor) impl_->acceptor->Close(std::chrono::seconds(1));
  for (auto& conn : shared.BeginStop()) conn->RequestStop();
  if (!shared.WaitNoConnections(impl_->options.stop_timeout)) {
    for (auto& conn : shared.Open()) conn->ForceClose();
    // Bounded: the io threads close each one promptly, unless they were stopped first.
    if (!shared.WaitNoConnections(std::chrono::seconds(1))) {
      std::fprintf(stderr, "net: http server stopped with connections still open\n");
    }
  }
  shared.pool.Stop();
}

HttpServerStats HttpServer::Stats() const {
  return impl_->shared ? impl_->shared->Snapshot() : HttpServerStats{};
}

}  // namespace slotsim::net
