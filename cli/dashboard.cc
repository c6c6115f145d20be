// The live view's HTTP side (cli/dashboard.h).
#include "cli/dashboard.h"

#include <arpa/inet.h>

#include <charconv>
#include <cstdio>

#include "net/http_server.h"
#include "net/io_threads.h"
#include "reports/live_view.h"
#include "reports/summary.h"

namespace slotsim::cli {
namespace {

bool IsLoopback(const std::string& host) {
  in_addr v4{};
  if (inet_pton(AF_INET, host.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
  in6_addr v6{};
  if (inet_pton(AF_INET6, host.c_str(), &v6) == 1) {
    static const in6_addr kLoop = IN6ADDR_LOOPBACK_INIT;
    return std::equal(std::begin(v6.s6_addr), std::end(v6.s6_addr), std::begin(kLoop.s6_addr));
  }
  return false;
}

bool IsAddress(const std::string& host) {
  in_addr v4{};
  in6_addr v6{};
  return inet_pton(AF_INET, host.c_str(), &v4) == 1 || inet_pton(AF_INET6, host.c_str(), &v6) == 1;
}

net::HttpResponse Answer(int status, const char* type, std::string body) {
  net::HttpResponse r;
  r.status = status;
  r.headers = {
      {"Content-Type", type}, {"Cache-Control", "no-store"}, {"X-Content-Type-Options", "nosniff"}};
  r.body = std::move(body);
  return r;
}

}  // namespace

StatusOr<ListenAddress> ParseListenAddress(const std::string& flag, const std::string& text,
                                           bool allow_remote) {
  const std::string expected = "--" + flag + ": expected HOST:PORT (e.g. 127.0.0.1:8090, " +
                               "[::1]:8090), got \"" + text + "\"";
  const size_t colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0) return Status::InvalidArgument(expected);
  std::string host = text.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  if (host == "localhost") host = "127.0.0.1";
  const std::string port_text = text.substr(colon + 1);
  unsigned port = 0;
  const auto [end, ec] =
      std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (port_text.empty() || ec != std::errc() || end != port_text.data() + port_text.size() ||
      port > 65535) {
    return Status::InvalidArgument(expected + " (PORT: 0 .. 65535)");
  }
  if (!IsAddress(host)) {
    return Status::InvalidArgument(expected + " (HOST: an IPv4 or IPv6 address, or localhost)");
  }
  if (!allow_remote && !IsLoopback(host)) {
    return Status::InvalidArgument("--" + flag + " " + text +
                                   ": not a loopback address; the live view has no "
                                   "authentication, so slotsim listens on 127.0.0.1 or ::1 "
                                   "only unless --listen-any is given");
  }
  return ListenAddress{host, static_cast<uint16_t>(port)};
}

struct LiveServer::Impl {
  mutable std::mutex mu;
  nlohmann::json live = nlohmann::json::object();
  uint64_t published = 0;
  net::IoThreads io{1};
  std::unique_ptr<net::HttpServer> dashboard, metrics;
  bool io_started = false;

  net::HttpResponse Handle(const net::HttpRequest& req, bool full) {
    if (req.method != "GET" && req.method != "HEAD") {
      return Answer(405, "text/plain; charset=utf-8", "GET only\n");
    }
    const std::string path = req.target.substr(0, req.target.find('?'));
    nlohmann::json snapshot;
    {
      std::lock_guard<std::mutex> lock(mu);
      snapshot = live;
    }
    if (path == "/metrics") {
      return Answer(200, "text/plain; version=0.0.4; charset=utf-8", PrometheusText(snapshot));
    }
    if (path == "/live.json") {
      return Answer(200, "application/json", snapshot.dump() + "\n");
    }
    if (full && (path == "/" || path == "/index.html")) {
      net::HttpResponse r = Answer(200, "text/html; charset=utf-8", DashboardPage());
      r.headers.push_back({"Content-Security-Policy", kDashboardCsp});
      return r;
    }
    if (full && path == "/dashboard.js") {
      return Answer(200, "text/javascript; charset=utf-8", DashboardScript());
    }
    return Answer(404, "text/plain; charset=utf-8", "not found: " + path + "\n");
  }

  Status Listen(const ListenAddress& at, bool full, std::unique_ptr<net::HttpServer>& out) {
    if (!io_started) {
      io.Start();
      io_started = true;
    }
    net::HttpServerOptions o;
    o.host = at.host;
    o.port = at.port;
    o.workers = 2;
    o.max_queued = 64;
    o.max_connections = 256;
    out = std::make_unique<net::HttpServer>(
        io, o, [this, full](const net::HttpRequest& req, net::Reply reply) {
          reply.Send(Handle(req, full));
        });
    if (Status s = out->Start(); !s.ok()) {
      out.reset();
      return Status::Unavailable("cannot listen on " + at.host + ":" + std::to_string(at.port) +
                                 ": " + s.message());
    }
    return Status::Ok();
  }
};

LiveServer::LiveServer() : impl_(std::make_unique<Impl>()) {}

LiveServer::~LiveServer() {
  if (impl_->dashboard) impl_->dashboard->Stop();
  if (impl_->metrics) impl_->metrics->Stop();
  if (impl_->io_started) impl_->io.Stop();
}

Status LiveServer::Start(const ListenAddress* dashboard, const ListenAddress* metrics) {
  if (dashboard != nullptr)
    SLOTSIM_RETURN_IF_ERROR(impl_->Listen(*dashboard, true, impl_->dashboard));
  if (metrics != nullptr) SLOTSIM_RETURN_IF_ERROR(impl_->Listen(*metrics, false, impl_->metrics));
  return Status::Ok();
}

uint16_t LiveServer::dashboard_port() const {
  return impl_->dashboard ? impl_->dashboard->port() : 0;
}
uint16_t LiveServer::metrics_port() const { return impl_->metrics ? impl_->metrics->port() : 0; }

void LiveServer::Publish(nlohmann::json live) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  impl_->live = std::move(live);
  ++impl_->published;
}

uint64_t LiveServer::published() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->published;
}

}  // namespace slotsim::cli

namespace slotsim::cli {

StatusOr<LiveViewFlags> ParseLiveViewFlags(const std::optional<std::string>& dashboard,
                                           const std::optional<std::string>& metrics,
                                           bool listen_any) {
  LiveViewFlags flags;
  if (dashboard) {
    SLOTSIM_ASSIGN_OR_RETURN(flags.dashboard,
                             ParseListenAddress("dashboard", *dashboard, listen_any));
  }
  if (metrics) {
    SLOTSIM_ASSIGN_OR_RETURN(flags.metrics,
                             ParseListenAddress("metrics-listen", *metrics, listen_any));
  }
  if (listen_any && !flags.any()) {
    return Status::InvalidArgument("--listen-any: only with --dashboard or --metrics-listen");
  }
  return flags;
}

namespace {
std::string Url(const ListenAddress& at, uint16_t port, const char* path) {
  const std::string host = at.host.find(':') != std::string::npos ? "[" + at.host + "]" : at.host;
  return "http://" + host + ":" + std::to_string(port) + path;
}
}  // namespace

Status AttachLiveView(const LiveViewFlags& flags, LiveServer& server, RunOptions& options) {
  if (!flags.any()) return Status::Ok();
  SLOTSIM_RETURN_IF_ERROR(server.Start(flags.dashboard ? &*flags.dashboard : nullptr,
                                       flags.metrics ? &*flags.metrics : nullptr));
  if (flags.dashboard) {
    std::fprintf(stderr, "dashboard: %s\n",
                 Url(*flags.dashboard, server.dashboard_port(), "/").c_str());
  }
  if (flags.metrics) {
    std::fprintf(stderr, "metrics: %s\n",
                 Url(*flags.metrics, server.metrics_port(), "/metrics").c_str());
  }
  std::fflush(stderr);
  options.live = [&server](const RunResult& live, Micros elapsed) {
    const nlohmann::json summary = SummaryJson(live);
    nlohmann::json j = LiveJson(summary, static_cast<double>(elapsed.count()) / 1e6, false,
                                server.published() + 1);
    j["duration_s"] = static_cast<double>(live.scenario.duration.count()) / 1e6;
    server.Publish(std::move(j));
  };
  return Status::Ok();
}

void PublishFinal(LiveServer& server, const nlohmann::json& summary) {
  server.Publish(LiveJson(summary, summary.value("duration_s", 0.0), true, server.published() + 1));
}

}  // namespace slotsim::cli
