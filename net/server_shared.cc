// ServerShared: limits, registry and counters of one HttpServer; see server_shared.h.
#include "net/server_shared.h"

#include <algorithm>

namespace slotsim::net {

namespace {

// Refused connections answered 503 at the same time (each lives at most write_timeout +
// linger_timeout); more are closed without an answer.
constexpr int kMaxRejecting = 256;

}  // namespace

ServerShared::ServerShared(HttpServerOptions opts, HttpHandler h)
    : options(std::move(opts)), handler(std::move(h)), pool(options.workers, options.max_queued) {}

Admission ServerShared::Admit(uint64_t id, const std::string& ip,
                              std::weak_ptr<ConnectionControl> conn) {
  std::lock_guard<std::mutex> lock(mu_);
  if (stopping_) return Admission::kStopping;
  ++accepted_;
  if (live_.size() >= options.max_connections) {
    ++rejected_max_;
    return Admission::kMaxConnections;
  }
  auto [it, inserted] = per_ip_.try_emplace(ip, 0);
  if (it->second >= options.max_connections_per_ip) {
    ++rejected_ip_;
    return Admission::kPerIp;
  }
  ++it->second;
  live_.emplace(id, std::move(conn));
  peak_ = std::max<uint64_t>(peak_, live_.size());
  return Admission::kAdmitted;
}

void ServerShared::Release(uint64_t id, const std::string& ip) {
  std::lock_guard<std::mutex> lock(mu_);
  live_.erase(id);
  auto it = per_ip_.find(ip);
  if (it != per_ip_.end() && --it->second == 0) per_ip_.erase(it);
  if (live_.empty()) no_connections_.notify_all();
}

bool ServerShared::TryBeginReject() {
  if (rejecting_.fetch_add(1) < kMaxRejecting) return true;
  rejecting_.fetch_sub(1);
  return false;
}

void ServerShared::EndReject() { rejecting_.fetch_sub(1); }

std::vector<std::shared_ptr<ConnectionControl>> ServerShared::BeginStop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  return Open();
}

std::vector<std::shared_ptr<ConnectionControl>> ServerShared::Open() const {
  std::vector<std::shared_ptr<ConnectionControl>> open;
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& [id, weak] : live_) {
    if (auto conn = weak.lock()) open.push_back(std::move(conn));
  }
  return open;
}

bool ServerShared::WaitNoConnections(std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mu_);
  return no_connections_.wait_for(lock, timeout, [&] { return live_.empty(); });
}

bool ServerShared::stopping() const {
  std::lock_guard<std::mutex> lock(mu_);
  return stopping_;
}

HttpResponse ServerShared::ErrorResponse(int status, std::string_view reason) const {
  if (options.error_response) {
    HttpResponse r = options.error_response(status, reason);
    r.status = status;
    return r;
  }
  HttpResponse r;
  r.status = status;
  r.headers.push_back({"Content-Type", "text/plain; charset=utf-8"});
  r.body = std::string(reason) + "\n";
  return r;
}

HttpServerStats ServerShared::Snapshot() const {
  HttpServerStats s;
  {
    std::lock_guard<std::mutex> lock(mu_);
    s.connections_accepted = accepted_;
    s.connections_open = live_.size();
    s.connections_peak = peak_;
    s.rejected_max_connections = rejected_max_;
    s.rejected_per_ip = rejected_ip_;
  }
  const ServerCounters& c = counters;
  s.requests = c.requests;
  s.pipelined = c.pipelined;
  s.responses = c.responses;
  s.bad_requests = c.bad_requests;
  s.header_too_large = c.header_too_large;
  s.body_too_large = c.body_too_large;
  s.header_timeouts = c.header_timeouts;
  s.body_timeouts = c.body_timeouts;
  s.idle_closed = c.idle_closed;
  s.write_timeouts = c.write_timeouts;
  s.overloaded = c.overloaded;
  s.dropped_closed = c.dropped_closed;
  s.max_requests_closed = c.max_requests_closed;
  s.handler_errors = c.handler_errors;
  s.accept_errors = c.accept_errors;
  return s;
}

}  // namespace slotsim::net
