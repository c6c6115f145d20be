// HttpServer on cpp-httplib 0.11 (Debian 12's compiled library; see docs/platform.md,
// "cpp-httplib as Debian ships it", for why each setting below is needed). httplib types stay in
// this file.
#include "server/http_server.h"

#include <dirent.h>
#include <httplib.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_set>

#include "server/metrics.h"
#include "server/routes.h"

namespace slotsim {
namespace {

using HandlerResponse = httplib::Server::HandlerResponse;
constexpr const char* kJson = "application/json; charset=UTF-8";
constexpr auto kStartWait = std::chrono::seconds(5);

// httplib keeps its listening socket protected; the backlog can only be raised through it.
class BacklogServer : public httplib::Server {
 public:
  int listening_fd() const { return svr_sock_; }
};

std::string_view QueryOf(const std::string& target) {
  const size_t q = target.find('?');
  return q == std::string::npos ? std::string_view() : std::string_view(target).substr(q + 1);
}

// A request's peer (httplib's remote_addr and remote_port) as one number: cheap to keep per
// request; a collision can only keep an idle connection open until its keep-alive timeout.
uint64_t PeerKey(const std::string& addr, int port) {
  return (std::hash<std::string>{}(addr) << 16) ^ static_cast<uint64_t>(port & 0xffff);
}

// For a TCP connection accepted on `port`: its peer as PeerKey. nullopt for anything else
// (listening sockets, other descriptors, connections this process made).
std::optional<uint64_t> AcceptedPeer(int fd, int port) {
  int listening = 0;
  socklen_t len = sizeof(listening);
  if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) != 0 || listening) return {};
  sockaddr_storage local{}, peer{};
  len = sizeof(local);
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&local), &len) != 0) return {};
  const int local_port =
      local.ss_family == AF_INET    ? ntohs(reinterpret_cast<sockaddr_in*>(&local)->sin_port)
      : local.ss_family == AF_INET6 ? ntohs(reinterpret_cast<sockaddr_in6*>(&local)->sin6_port)
                                    : -1;
  if (local_port != port) return {};
  socklen_t peer_len = sizeof(peer);
  if (getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &peer_len) != 0) return {};
  char host[NI_MAXHOST], service[NI_MAXSERV];
  if (getnameinfo(reinterpret_cast<sockaddr*>(&peer), peer_len, host, sizeof host, service,
                  sizeof service, NI_NUMERICHOST | NI_NUMERICSERV) != 0) {
    return {};
  }
  return PeerKey(host, std::atoi(service));
}

// Ends the read side of every connection accepted on `port` whose peer `busy` does not name.
// httplib 0.11 leaves a worker waiting on an idle keep-alive connection for the whole
// keep-alive timeout even after stop(); with its read side shut it sees end-of-stream at once.
// Busy connections (a request read and not yet answered) are left alone: httplib refuses to
// write an answer on a socket that reads end-of-stream.
template <typename Busy>
void ShutdownIdleReads(int port, Busy&& busy) {
  DIR* dir = opendir("/proc/self/fd");
  if (dir == nullptr) return;
  while (dirent* entry = readdir(dir)) {
    const int fd = std::atoi(entry->d_name);
    if (fd <= 2 || fd == dirfd(dir)) continue;
    std::optional<uint64_t> peer = AcceptedPeer(fd, port);
    if (peer && !busy(*peer)) shutdown(fd, SHUT_RD);
  }
  closedir(dir);
}

Status CheckOptions(const HttpServerOptions& o) {
  if (o.port < 0 || o.port > 65535) return Status::InvalidArgument("port: must be 0..65535");
  if (o.threads < 1 || o.threads > 4096) return Status::InvalidArgument("threads: must be 1..4096");
  if (o.max_body_bytes < 1) return Status::InvalidArgument("max_body_bytes: must be >= 1");
  if (o.keep_alive_max < 1) return Status::InvalidArgument("keep_alive_max: must be >= 1");
  if (o.keep_alive_timeout_s < 1 || o.read_timeout_s < 1) {
    return Status::InvalidArgument("keep_alive_timeout_s, read_timeout_s: must be >= 1");
  }
  if (o.listen_backlog < 1) return Status::InvalidArgument("listen_backlog: must be >= 1");
  return Status::Ok();
}

}  // namespace

class HttpServer::Impl {
 public:
  Impl(SlotEngine& engine, Clock& clock, FailoverStore* failover, HttpServerOptions options)
      : options_(std::move(options)),
        engine_(engine),
        failover_(failover),
        api_(engine, clock, &metrics_, failover != nullptr) {
    if (failover_ != nullptr) {
      failover_->SetSwitchListener([this](const ModeSwitch& s) {
        metrics_.RecordSwitch();
        if (options_.on_switch) options_.on_switch(s);
      });
    }
  }

  ~Impl() {
    Stop();
    if (failover_ != nullptr) failover_->SetSwitchListener(nullptr);
  }

  Status Start();
  void Stop();
  int port() const { return port_; }
  std::string MetricsText() const {
    return metrics_.Text(engine_.store().mode(), failover_ != nullptr);
  }

 private:
  void Configure();
  Status Bind();
  // Reads the body (at most max_body_bytes) and answers; 413 / 415 / 400 when it cannot.
  void ReadAndHandle(const httplib::Request& req, httplib::Response& res,
                     const httplib::ContentReader& reader);
  void Handle(const httplib::Request& req, std::string_view body, httplib::Response& res);
  // Answers with the transport error `status` as JSON.
  void AnswerError(const httplib::Request& req, int status, httplib::Response& res);
  HandlerResponse OnError(const httplib::Request& req, httplib::Response& res);

  HttpServerOptions options_;
  SlotEngine& engine_;
  FailoverStore* failover_;
  http::HttpMetrics metrics_;
  http::HttpApi api_;
  BacklogServer server_;
  std::thread thread_;
  std::mutex lifecycle_mu_;
  // Peers of the requests between routing and their answer being written (for Stop).
  std::mutex busy_mu_;
  std::unordered_multiset<uint64_t> busy_;
  bool started_ = false;
  bool stopped_ = false;
  int port_ = 0;
};

void HttpServer::Impl::Configure() {
  server_.set_tcp_nodelay(true);  // without it every answer stalls ~44 ms (delayed ACK)
  server_.set_keep_alive_max_count(options_.keep_alive_max);
  server_.set_keep_alive_timeout(options_.keep_alive_timeout_s);
  server_.set_read_timeout(options_.read_timeout_s, 0);
  server_.set_write_timeout(options_.read_timeout_s, 0);
  server_.set_payload_max_length(options_.max_body_bytes);
  const size_t threads = static_cast<size_t>(options_.threads);
  server_.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  // Every method and path goes to one dispatcher; HttpApi does the routing. Bodies are read
  // through a content reader so that their size is bounded here: httplib bounds a
  // Content-Length body by the payload limit, but a chunked body only chunk by chunk.
  const std::string any = ".*";
  auto plain = [this](const httplib::Request& req, httplib::Response& res) {
    Handle(req, req.body, res);
  };
  auto with_body = [this](const httplib::Request& req, httplib::Response& res,
                          const httplib::ContentReader& reader) {
    ReadAndHandle(req, res, reader);
  };
  server_.Get(any, plain);
  server_.Options(any, plain);
  server_.Delete(any, plain);  // without a body
  server_.Post(any, with_body);
  server_.Put(any, with_body);
  server_.Patch(any, with_body);
  server_.Delete(any, with_body);
  // A request is busy from routing (its head read) until its answer is written (the logger).
  server_.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response&) {
    std::lock_guard<std::mutex> lock(busy_mu_);
    busy_.insert(PeerKey(req.remote_addr, req.remote_port));
    return HandlerResponse::Unhandled;
  });
  server_.set_logger([this](const httplib::Request& req, const httplib::Response&) {
    std::lock_guard<std::mutex> lock(busy_mu_);
    auto it = busy_.find(PeerKey(req.remote_addr, req.remote_port));
    if (it != busy_.end()) busy_.erase(it);
  });
  // httplib's default sets SO_REUSEPORT, which lets a second server bind the same port and
  // silently share its connections; a busy port must be an error.
  server_.set_socket_options([](socket_t sock) {
    const int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
  });
  server_.set_error_handler(httplib::Server::HandlerWithResponse(
      [this](const httplib::Request& req, httplib::Response& res) { return OnError(req, res); }));
  server_.set_exception_handler(
      [](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
        res.status = 500;
        res.set_content(http::ErrorJson(http::ErrorForStatus(500)), kJson);
      });
}

Status HttpServer::Impl::Bind() {
  if (options_.port == 0) {
    port_ = server_.bind_to_any_port(options_.host);
  } else {
    port_ = server_.bind_to_port(options_.host, options_.port) ? options_.port : -1;
  }
  if (port_ <= 0) {
    return Status::Unavailable("cannot listen on " + options_.host + ":" +
                               std::to_string(options_.port) + ": " + std::strerror(errno));
  }
  // httplib listened with a backlog of 5; listening again on the bound socket raises it.
  if (::listen(server_.listening_fd(), options_.listen_backlog) != 0) {
    return Status::Unavailable(std::string("listen backlog: ") + std::strerror(errno));
  }
  return Status::Ok();
}

Status HttpServer::Impl::Start() {
  std::lock_guard<std::mutex> lock(lifecycle_mu_);
  if (started_) return Status::Internal("HttpServer::Start called twice");
  SLOTSIM_RETURN_IF_ERROR(CheckOptions(options_));
  Configure();
  SLOTSIM_RETURN_IF_ERROR(Bind());
  started_ = true;
  thread_ = std::thread([this] { server_.listen_after_bind(); });
  // stop() is a no-op until the accept loop runs, so Stop() must not race ahead of it.
  const auto until = std::chrono::steady_clock::now() + kStartWait;
  while (!server_.is_running() && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  if (!server_.is_running()) return Status::Internal("the accept loop did not start");
  return Status::Ok();
}

void HttpServer::Impl::Stop() {
  std::lock_guard<std::mutex> lock(lifecycle_mu_);
  if (!started_ || stopped_) return;
  stopped_ = true;
  // Closes the listening socket; the workers finish the requests they are serving (each
  // keep-alive loop ends after its current request) and the pool joins them.
  server_.stop();
  ShutdownIdleReads(port_, [this](uint64_t peer) {
    std::lock_guard<std::mutex> lock(busy_mu_);
    return busy_.count(peer) > 0;
  });
  if (thread_.joinable()) thread_.join();
}

void HttpServer::Impl::ReadAndHandle(const httplib::Request& req, httplib::Response& res,
                                     const httplib::ContentReader& reader) {
  // The multipart reader would call a receiver we do not give it; no route takes multipart.
  if (req.is_multipart_form_data()) return AnswerError(req, 415, res);
  std::string body;
  bool too_big = false;
  const bool read = reader([&](const char* data, size_t n) {
    if (body.size() + n > options_.max_body_bytes) {
      too_big = true;
      return false;
    }
    body.append(data, n);
    return true;
  });
  if (!read) return AnswerError(req, too_big || res.status == 413 ? 413 : 400, res);
  Handle(req, body, res);
}

void HttpServer::Impl::Handle(const httplib::Request& req, std::string_view body,
                              httplib::Response& res) {
  const auto start = std::chrono::steady_clock::now();
  http::ApiResponse out;
  try {
    const std::string content_type = req.get_header_value("Content-Type");
    const std::string idempotency_key = req.get_header_value("X-Idempotency-Key");
    const std::string client_id = req.get_header_value("X-Client-Id");
    http::ApiRequest in{req.method, req.path, QueryOf(req.target), content_type, idempotency_key,
                        client_id,  body};
    out = api_.Handle(in);
  } catch (...) {
    out.status = 500;
    out.body = http::ErrorJson(http::ErrorForStatus(500));
  }
  res.status = out.status;
  res.set_content(std::move(out.body), out.content_type.c_str());
  const auto took = std::chrono::duration_cast<Micros>(std::chrono::steady_clock::now() - start);
  metrics_.RecordRequest(out.route, out.status, took);
}

void HttpServer::Impl::AnswerError(const httplib::Request& req, int status,
                                   httplib::Response& res) {
  res.status = status;
  res.set_content(http::ErrorJson(http::ErrorForStatus(status)), kJson);
  metrics_.RecordRequest(http::ResolveRoute(req.method, req.path, QueryOf(req.target)).route,
                         status, Micros(0));
}

HandlerResponse HttpServer::Impl::OnError(const httplib::Request& req, httplib::Response& res) {
  if (!res.body.empty()) return HandlerResponse::Unhandled;  // an answer of ours: keep it
  // The transport's own errors: malformed request, oversized target, ...
  AnswerError(req, res.status, res);
  return HandlerResponse::Handled;
}

HttpServer::HttpServer(SlotEngine& engine, Clock& clock, FailoverStore* failover,
                       HttpServerOptions options)
    : impl_(std::make_unique<Impl>(engine, clock, failover, std::move(options))) {}

HttpServer::~HttpServer() = default;

Status HttpServer::Start() { return impl_->Start(); }
int HttpServer::port() const { return impl_->port(); }
void HttpServer::Stop() { impl_->Stop(); }
std::string HttpServer::MetricsText() const { return impl_->MetricsText(); }

}  // namespace slotsim
