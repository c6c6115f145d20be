// HttpMetrics: the counters behind `GET /metrics` of slotsim serve, rendered in the Prometheus
// text exposition format (version 0.0.4). Every counter is a fixed array of atomics, so
// recording is lock-free and costs a few nanoseconds on the request path; nothing grows with
// traffic (a bounded label set: route x status class, call x result code).
//
// Series (all prefixed slotsim_):
//   http_requests_total{route,code}           requests answered, by route and HTTP status
//   http_request_duration_seconds{route}      histogram of handler time (parse, engine, answer)
//   engine_calls_total{call,result}           engine calls by result ("OK", "SlotHeld", ...)
//   bookings_total{op}                        successful confirm / reschedule / cancel
//   storage_mode{mode}                        1 for the mode serving now (memory|redis|mysql)
//   breaker_open                              1 while a FailoverStore serves from MySQL
//   mode_switches_total                       FailoverStore switches since start
//   uptime_seconds
//   http_connections_open, http_connections_peak, http_transport_total{event}
//                                             the HTTP front's own counters (connections,
//                                             limits hit: server/http_server.h), when it set
//                                             SetTransportText
// Live holds are not exported: counting them needs a scan of every day on Redis.
// Thread-safe.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>

#include "common/clock.h"
#include "common/status.h"
#include "engine/types.h"
#include "protocol/server_wire.h"

namespace slotsim::http {

class HttpMetrics {
 public:
  HttpMetrics();

  // One answered request. Statuses other than the common ones count under code="other".
  void RecordRequest(Route route, int status, Micros handler_time);
  void RecordCall(Call call, Code result);
  void RecordSwitch() { switches_.fetch_add(1, std::memory_order_relaxed); }
  // Appends the transport's series to every Text() (null: none). Thread-safe.
  void SetTransportText(std::function<void(std::string&)> append);

  // The exposition text. `has_failover` adds breaker_open.
  std::string Text(StorageMode mode, bool has_failover) const;

  // The histogram's upper bounds, seconds.
  static constexpr std::array<double, 16> kBuckets = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005,
                                                      0.01,   0.025,   0.05,   0.1,   0.25,   0.5,
                                                      1,      2.5,     5,      10};
  // The statuses given their own label; the last slot is "other".
  static constexpr std::array<int, 13> kStatuses = {200, 400, 403, 404, 405, 409, 413,
                                                    414, 415, 429, 500, 503, 0};

 private:
  using Counter = std::atomic<uint64_t>;
  struct RouteCounters {
    std::array<Counter, kStatuses.size()> by_status{};
    std::array<Counter, kBuckets.size() + 1> buckets{};  // last: +Inf only
    Counter sum_us{0};
    Counter count{0};
  };
  static constexpr int kCodeCount = slotsim::kCodeCount;

  void AppendRequests(std::string& out) const;
  void AppendLatency(std::string& out) const;
  void AppendCalls(std::string& out) const;
  void AppendState(std::string& out, StorageMode mode, bool has_failover) const;

  std::array<RouteCounters, kRouteCount> routes_{};
  std::array<std::array<Counter, kCodeCount>, kCallCount> calls_{};
  Counter switches_{0};
  mutable std::mutex transport_mu_;
  std::function<void(std::string&)> transport_;
  const std::chrono::steady_clock::time_point started_;
};

}  // namespace slotsim::http
