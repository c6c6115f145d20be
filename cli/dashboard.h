// slotsim run --dashboard ADDR / --metrics-listen ADDR (docs/dashboard.md): the live view of a
// running run, served on net/'s event-driven HTTP server from its own io thread and workers.
// The run's thread publishes a snapshot about once a wall second (RunOptions::live); handlers
// read the latest one under a mutex, so serving never touches the recorder.
//   --dashboard:      GET / (the page), /dashboard.js, /live.json, /metrics
//   --metrics-listen: GET /metrics (Prometheus text), /live.json
// Both listen on loopback unless --listen-any allows another address.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "common/status.h"
#include "simulator/run/run.h"

namespace slotsim::cli {

struct ListenAddress {
  std::string host;  // an IP literal
  uint16_t port = 0;
};

// "HOST:PORT" or "[V6]:PORT" (PORT 0..65535, 0 = any free one; "localhost" = 127.0.0.1).
// InvalidArgument naming `flag` for bad syntax, and for an address that is not loopback
// (127.0.0.0/8, ::1) unless `allow_remote`.
StatusOr<ListenAddress> ParseListenAddress(const std::string& flag, const std::string& text,
                                           bool allow_remote);

class LiveServer {
 public:
  LiveServer();
  ~LiveServer();  // stops both servers
  LiveServer(const LiveServer&) = delete;
  LiveServer& operator=(const LiveServer&) = delete;

  // Starts the dashboard (when `dashboard` is set) and the metrics endpoint (when `metrics`
  // is). Unavailable when an address cannot be bound. Call once.
  Status Start(const ListenAddress* dashboard, const ListenAddress* metrics);
  // Bound ports (0 when that server is not running).
  uint16_t dashboard_port() const;
  uint16_t metrics_port() const;

  // A new snapshot (a reports/live_view.h LiveJson document); thread-safe.
  void Publish(nlohmann::json live);
  uint64_t published() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The live-view flags of `slotsim run` (--dashboard, --metrics-listen, --listen-any), checked.
struct LiveViewFlags {
  std::optional<ListenAddress> dashboard, metrics;
  bool any() const { return dashboard || metrics; }
};
StatusOr<LiveViewFlags> ParseLiveViewFlags(const std::optional<std::string>& dashboard,
                                           const std::optional<std::string>& metrics,
                                           bool listen_any);

// Starts `server` on `flags`, prints where it listens (stderr) and sets options.live to publish
// a LiveJson snapshot of each live result.
Status AttachLiveView(const LiveViewFlags& flags, LiveServer& server, RunOptions& options);
// The last snapshot, from the run's final summary (done: true).
void PublishFinal(LiveServer& server, const nlohmann::json& summary);

}  // namespace slotsim::cli
