// HttpServer on net::HttpServer (Boost.Beast over Asio, net/http_server.h): this file maps
// net's requests to HttpApi's and back, answers the transport's own errors as JSON, and adds
// net's counters to /metrics.
#include "server/http_server.h"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

#include "net/http_server.h"
#include "net/io_threads.h"
#include "server/metrics.h"
#include "server/routes.h"

namespace slotsim {
namespace {

constexpr const char* kJson = "application/json; charset=UTF-8";
constexpr int kMaxIoThreads = 8;

int IoThreadCount(const HttpServerOptions& o) {
  if (o.io_threads > 0) return o.io_threads;
  const int cores = static_cast<int>(std::thread::hardware_concurrency());
  return std::clamp(cores, 1, kMaxIoThreads);
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// A path's %XX escapes decoded ('+' stays '+': it means a space only in a query); nullopt on a
// bad escape.
std::optional<std::string> DecodePath(std::string_view raw) {
  std::string out;
  out.reserve(raw.size());
  for (size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] != '%') {
      out.push_back(raw[i]);
      continue;
    }
    if (i + 2 >= raw.size()) return std::nullopt;
    const int hi = HexValue(raw[i + 1]), lo = HexValue(raw[i + 2]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out.push_back(static_cast<char>(hi * 16 + lo));
    i += 2;
  }
  return out;
}

// origin-form "/p?q" or absolute-form "http://host/p?q" -> (path, query) views of `target`.
std::pair<std::string_view, std::string_view> SplitTarget(std::string_view target) {
  if (target.rfind("http://", 0) == 0 || target.rfind("https://", 0) == 0) {
    const size_t slash = target.find('/', target.find("://") + 3);
    target = slash == std::string_view::npos ? std::string_view("/") : target.substr(slash);
  }
  const size_t q = target.find('?');
  if (q == std::string_view::npos) return {target, {}};
  return {target.substr(0, q), target.substr(q + 1)};
}

net::HttpResponse JsonResponse(int status, std::string body, const std::string& content_type) {
  net::HttpResponse r;
  r.status = status;
  r.headers.push_back({"Content-Type", content_type});
  r.body = std::move(body);
  return r;
}

net::HttpResponse ErrorResponse(int status) {
  return JsonResponse(status, http::ErrorJson(http::ErrorForStatus(status)), kJson);
}

Status CheckOptions(const HttpServerOptions& o) {
  if (o.port < 0 || o.port > 65535) return Status::InvalidArgument("port: must be 0..65535");
  if (o.threads < 1 || o.threads > 4096) return Status::InvalidArgument("threads: must be 1..4096");
  if (o.io_threads < 0 || o.io_threads > 256) {
    return Status::InvalidArgument("io_threads: must be 0..256");
  }
  if (o.max_body_bytes < 1) return Status::InvalidArgument("max_body_bytes: must be >= 1");
  if (o.max_header_bytes < 256) return Status::InvalidArgument("max_header_bytes: must be >= 256");
  if (o.keep_alive_max < 1) return Status::InvalidArgument("keep_alive_max: must be >= 1");
  if (o.keep_alive_timeout_s < 1 || o.read_timeout_s < 1) {
    return Status::InvalidArgument("keep_alive_timeout_s, read_timeout_s: must be >= 1");
  }
  if (o.max_connections < 1 || o.max_connections_per_ip < 1 || o.max_queued < 1) {
    return Status::InvalidArgument(
        "max_connections, max_connections_per_ip, max_queued: must be >= 1");
  }
  if (o.listen_backlog < 1) return Status::InvalidArgument("listen_backlog: must be >= 1");
  return Status::Ok();
}

net::HttpServerOptions NetOptions(const HttpServerOptions& o) {
  net::HttpServerOptions n;
  n.host = o.host;
  n.port = static_cast<uint16_t>(o.port);
  n.listen_backlog = o.listen_backlog;
  n.workers = o.threads;
  n.max_queued = o.max_queued;
  n.max_header_bytes = o.max_header_bytes;
  n.max_body_bytes = o.max_body_bytes;
  n.header_timeout = std::chrono::seconds(o.read_timeout_s);
  n.body_timeout = std::chrono::seconds(o.read_timeout_s);
  n.idle_timeout = std::chrono::seconds(o.keep_alive_timeout_s);
  n.write_timeout = std::chrono::seconds(o.read_timeout_s);
  n.max_connections = o.max_connections;
  n.max_connections_per_ip = o.max_connections_per_ip;
  n.max_requests_per_connection = o.keep_alive_max;
  n.error_response = [](int status, std::string_view) { return ErrorResponse(status); };
  return n;
}

// net's counters as Prometheus text: one labelled counter family and the connection gauges.
void AppendTransport(const net::HttpServerStats& s, std::string& out) {
  out +=
      "# HELP slotsim_http_connections_open Client connections open now.\n"
      "# TYPE slotsim_http_connections_open gauge\n"
      "slotsim_http_connections_open " +
      std::to_string(s.connections_open) +
      "\n"
      "# HELP slotsim_http_connections_peak Most client connections open at once.\n"
      "# TYPE slotsim_http_connections_peak gauge\n"
      "slotsim_http_connections_peak " +
      std::to_string(s.connections_peak) +
      "\n"
      "# HELP slotsim_http_transport_total Transport events: connections, limits hit, "
      "requests refused or dropped before the engine.\n"
      "# TYPE slotsim_http_transport_total counter\n";
  const std::pair<const char*, uint64_t> events[] = {
      {"connections_accepted", s.connections_accepted},
      {"rejected_max_connections", s.rejected_max_connections},
      {"rejected_per_ip", s.rejected_per_ip},
      {"requests", s.requests},
      {"pipelined", s.pipelined},
      {"bad_requests", s.bad_requests},
      {"header_too_large", s.header_too_large},
      {"body_too_large", s.body_too_large},
      {"header_timeouts", s.header_timeouts},
      {"body_timeouts", s.body_timeouts},
      {"idle_closed", s.idle_closed},
      {"write_timeouts", s.write_timeouts},
      {"overloaded", s.overloaded},
      {"dropped_closed", s.dropped_closed},
      {"max_requests_closed", s.max_requests_closed},
      {"handler_errors", s.handler_errors},
      {"accept_errors", s.accept_errors},
  };
  for (const auto& [name, n] : events) {
    out += "slotsim_http_transport_total{event=\"" + std::string(name) + "\"} " +
           std::to_string(n) + "\n";
  }
}

}  // namespace

class HttpServer::Impl {
 public:
  Impl(SlotEngine& engine, Clock& clock, FailoverStore* failover, HttpServerOptions options)
      : options_(std::move(options)),
        engine_(engine),
        failover_(failover),
        api_(engine, clock, &metrics_, failover != nullptr) {
    if (options_.readiness) api_.SetReadiness(options_.readiness);
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
  // Answers on a worker thread and counts the request in metrics.
  net::HttpResponse Handle(const net::HttpRequest& req);
  http::ApiResponse Answer(const net::HttpRequest& req);

  HttpServerOptions options_;
  SlotEngine& engine_;
  FailoverStore* failover_;
  http::HttpMetrics metrics_;
  http::HttpApi api_;
  std::unique_ptr<net::IoThreads> io_;
  std::unique_ptr<net::HttpServer> server_;
  std::mutex lifecycle_mu_;
  bool started_ = false;
  bool stopped_ = false;
  int port_ = 0;
};

Status HttpServer::Impl::Start() {
  std::lock_guard<std::mutex> lock(lifecycle_mu_);
  if (started_) return Status::Internal("HttpServer::Start called twice");
  SLOTSIM_RETURN_IF_ERROR(CheckOptions(options_));
  started_ = true;
  io_ = std::make_unique<net::IoThreads>(IoThreadCount(options_));
  io_->Start();
  server_ = std::make_unique<net::HttpServer>(
      *io_, NetOptions(options_),
      [this](const net::HttpRequest& req, net::Reply reply) { reply.Send(Handle(req)); });
  if (Status s = server_->Start(); !s.ok()) {
    server_.reset();
    io_->Stop();
    stopped_ = true;
    return Status::Unavailable("cannot listen on " + options_.host + ":" +
                               std::to_string(options_.port) + ": " + s.message());
  }
  port_ = server_->port();
  net::HttpServer* server = server_.get();
  metrics_.SetTransportText([server, extra = options_.extra_metrics](std::string& out) {
    AppendTransport(server->Stats(), out);
    if (extra) extra(out);
  });
  return Status::Ok();
}

void HttpServer::Impl::Stop() {
  std::lock_guard<std::mutex> lock(lifecycle_mu_);
  if (!started_ || stopped_) return;
  stopped_ = true;
  // Requests being handled are answered; idle connections close at once; then the loops end.
  server_->Stop();
  metrics_.SetTransportText(nullptr);
  io_->Stop();
}

net::HttpResponse HttpServer::Impl::Handle(const net::HttpRequest& req) {
  const auto start = std::chrono::steady_clock::now();
  http::ApiResponse answer;
  try {
    answer = Answer(req);
  } catch (...) {
    answer.status = 500;
    answer.body = http::ErrorJson(http::ErrorForStatus(500));
  }
  const auto took = std::chrono::duration_cast<Micros>(std::chrono::steady_clock::now() - start);
  metrics_.RecordRequest(answer.route, answer.status, took);
  return JsonResponse(answer.status, std::move(answer.body), answer.content_type);
}

http::ApiResponse HttpServer::Impl::Answer(const net::HttpRequest& req) {
  const auto [raw_path, query] = SplitTarget(req.target);
  const std::optional<std::string> path = DecodePath(raw_path);
  const std::string_view content_type = req.Header("Content-Type");
  // A path with a bad escape, or a multipart body (no route takes one), never reaches a route.
  const int refused = !path ? 400 : content_type.rfind("multipart/form-data", 0) == 0 ? 415 : 0;
  if (refused != 0) {
    http::ApiResponse out;
    out.route = http::ResolveRoute(req.method, path.value_or(""), query).route;
    out.status = refused;
    out.body = http::ErrorJson(http::ErrorForStatus(refused));
    return out;
  }
  http::ApiRequest in{req.method,
                      *path,
                      query,
                      content_type,
                      req.Header("X-Idempotency-Key"),
                      req.Header("X-Client-Id"),
                      req.body};
  return api_.Handle(in);
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
