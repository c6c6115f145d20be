// HttpMetrics: lock-free counters and their Prometheus text.
#include "server/metrics.h"

#include <algorithm>
#include <cstdarg>
#include <cstdio>

namespace slotsim::http {
namespace {

constexpr auto kRelaxed = std::memory_order_relaxed;

void AppendLine(std::string& out, const char* format, ...) __attribute__((format(printf, 2, 3)));
void AppendLine(std::string& out, const char* format, ...) {
  char buf[256];
  va_list args;
  va_start(args, format);
  const int n = std::vsnprintf(buf, sizeof buf, format, args);
  va_end(args);
  if (n > 0) out.append(buf, std::min<size_t>(static_cast<size_t>(n), sizeof buf - 1));
}

std::string RouteLabel(int route) { return std::string(RouteName(static_cast<Route>(route))); }

}  // namespace

HttpMetrics::HttpMetrics() : started_(std::chrono::steady_clock::now()) {}

void HttpMetrics::RecordRequest(Route route, int status, Micros handler_time) {
  RouteCounters& c = routes_[static_cast<int>(route)];
  size_t s = 0;
  while (s + 1 < kStatuses.size() && kStatuses[s] != status) ++s;
  c.by_status[s].fetch_add(1, kRelaxed);
  const double seconds = static_cast<double>(handler_time.count()) / 1e6;
  size_t b = 0;
  while (b < kBuckets.size() && seconds > kBuckets[b]) ++b;
  c.buckets[b].fetch_add(1, kRelaxed);  // per bucket here; Text() makes them cumulative
  c.sum_us.fetch_add(static_cast<uint64_t>(std::max<int64_t>(0, handler_time.count())), kRelaxed);
  c.count.fetch_add(1, kRelaxed);
}

void HttpMetrics::RecordCall(Call call, Code result) {
  calls_[static_cast<int>(call)][static_cast<int>(result)].fetch_add(1, kRelaxed);
}

void HttpMetrics::AppendRequests(std::string& out) const {
  out += "# HELP slotsim_http_requests_total HTTP requests answered, by route and status.\n";
  out += "# TYPE slotsim_http_requests_total counter\n";
  for (int r = 0; r < kRouteCount; ++r) {
    for (size_t s = 0; s < kStatuses.size(); ++s) {
      const uint64_t n = routes_[r].by_status[s].load(kRelaxed);
      if (n == 0) continue;
      const std::string code = kStatuses[s] == 0 ? "other" : std::to_string(kStatuses[s]);
      AppendLine(out, "slotsim_http_requests_total{route=\"%s\",code=\"%s\"} %llu\n",
                 RouteLabel(r).c_str(), code.c_str(), static_cast<unsigned long long>(n));
    }
  }
}

void HttpMetrics::AppendLatency(std::string& out) const {
  out += "# HELP slotsim_http_request_duration_seconds Handler time per request, by route.\n";
  out += "# TYPE slotsim_http_request_duration_seconds histogram\n";
  for (int r = 0; r < kRouteCount; ++r) {
    const RouteCounters& c = routes_[r];
    const uint64_t count = c.count.load(kRelaxed);
    if (count == 0) continue;
    const std::string route = RouteLabel(r);
    uint64_t cumulative = 0;
    for (size_t b = 0; b < kBuckets.size(); ++b) {
      cumulative += c.buckets[b].load(kRelaxed);
      AppendLine(out, "slotsim_http_request_duration_seconds_bucket{route=\"%s\",le=\"%g\"} %llu\n",
                 route.c_str(), kBuckets[b], static_cast<unsigned long long>(cumulative));
    }
    cumulative += c.buckets[kBuckets.size()].load(kRelaxed);
    AppendLine(out, "slotsim_http_request_duration_seconds_bucket{route=\"%s\",le=\"+Inf\"} %llu\n",
               route.c_str(), static_cast<unsigned long long>(cumulative));
    AppendLine(out, "slotsim_http_request_duration_seconds_sum{route=\"%s\"} %.6f\n", route.c_str(),
               static_cast<double>(c.sum_us.load(kRelaxed)) / 1e6);
    AppendLine(out, "slotsim_http_request_duration_seconds_count{route=\"%s\"} %llu\n",
               route.c_str(), static_cast<unsigned long long>(cumulative));
  }
}

void HttpMetrics::AppendCalls(std::string& out) const {
  out += "# HELP slotsim_engine_calls_total Slot engine calls, by call and result.\n";
  out += "# TYPE slotsim_engine_calls_total counter\n";
  uint64_t bookings[3] = {0, 0, 0};
  for (int call = 0; call < kCallCount; ++call) {
    for (int code = 0; code < kCodeCount; ++code) {
      const uint64_t n = calls_[call][code].load(kRelaxed);
      if (n == 0) continue;
      AppendLine(out, "slotsim_engine_calls_total{call=\"%s\",result=\"%s\"} %llu\n",
                 std::string(CallName(static_cast<Call>(call))).c_str(),
                 std::string(CodeName(static_cast<Code>(code))).c_str(),
                 static_cast<unsigned long long>(n));
    }
  }
  const Call booking_calls[3] = {Call::kConfirm, Call::kReschedule, Call::kCancel};
  for (int i = 0; i < 3; ++i) bookings[i] = calls_[static_cast<int>(booking_calls[i])][0].load();
  out += "# HELP slotsim_bookings_total Successful booking operations.\n";
  out += "# TYPE slotsim_bookings_total counter\n";
  for (int i = 0; i < 3; ++i) {
    AppendLine(out, "slotsim_bookings_total{op=\"%s\"} %llu\n",
               std::string(CallName(booking_calls[i])).c_str(),
               static_cast<unsigned long long>(bookings[i]));
  }
}

void HttpMetrics::AppendState(std::string& out, StorageMode mode, bool has_failover) const {
  out += "# HELP slotsim_storage_mode 1 for the storage mode serving now.\n";
  out += "# TYPE slotsim_storage_mode gauge\n";
  for (StorageMode m : {StorageMode::kMemory, StorageMode::kRedis, StorageMode::kMySql}) {
    AppendLine(out, "slotsim_storage_mode{mode=\"%s\"} %d\n",
               std::string(StorageModeName(m)).c_str(), m == mode ? 1 : 0);
  }
  if (has_failover) {
    out += "# HELP slotsim_breaker_open 1 while Redis is out and MySQL serves the holds.\n";
    out += "# TYPE slotsim_breaker_open gauge\n";
    AppendLine(out, "slotsim_breaker_open %d\n", mode == StorageMode::kMySql ? 1 : 0);
  }
  out += "# HELP slotsim_mode_switches_total Storage mode switches since start.\n";
  out += "# TYPE slotsim_mode_switches_total counter\n";
  AppendLine(out, "slotsim_mode_switches_total %llu\n",
             static_cast<unsigned long long>(switches_.load(kRelaxed)));
  const auto up = std::chrono::steady_clock::now() - started_;
  out += "# HELP slotsim_uptime_seconds Seconds since the server started.\n";
  out += "# TYPE slotsim_uptime_seconds gauge\n";
  AppendLine(out, "slotsim_uptime_seconds %.3f\n", std::chrono::duration<double>(up).count());
}

std::string HttpMetrics::Text(StorageMode mode, bool has_failover) const {
  std::string out;
  out.reserve(8192);
  AppendRequests(out);
  AppendLatency(out);
  AppendCalls(out);
  AppendState(out, mode, has_failover);
  std::lock_guard<std::mutex> lock(transport_mu_);
  if (transport_) transport_(out);
  return out;
}

void HttpMetrics::SetTransportText(std::function<void(std::string&)> append) {
  std::lock_guard<std::mutex> lock(transport_mu_);
  transport_ = std::move(append);
}

}  // namespace slotsim::http
