// FaultProxy: a TCP proxy on loopback that stands between an engine and its Redis (or MySQL) and
// injects network faults at run time, with Toxiproxy's vocabulary: latency (+ jitter), blackhole
// (Toxiproxy's "timeout"), reset (reset_peer), down and bandwidth. The local and http targets use
// it for the proxy_* scenario faults; `slotsim proxy` runs one stand-alone (docs/proxy.md).
//
// One event-loop thread serves every connection (epoll, non-blocking sockets, TCP_NODELAY on both
// sides). Each direction of a connection buffers at most `buffer_bytes`; when full, the proxy
// stops reading that side, so a slow peer pushes back instead of growing memory.
//
// It reads the wall (monotonic) clock and spawns its one thread on its own, unlike the rest of
// the simulator: it exists only for the wall-clock targets, where real sockets set the pace.
// Jitter draws come from a Random seeded by FaultProxyOptions::seed.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "common/clock.h"
#include "common/status.h"

namespace slotsim {

// "HOST:PORT", as --listen, --upstream and --control take it.
struct ProxyEndpoint {
  std::string host = "127.0.0.1";  // a numeric address or a name getaddrinfo resolves
  int port = 0;
};

// Parses "127.0.0.1:6379", "localhost:0" or "[::1]:6379"; InvalidArgument naming the text.
StatusOr<ProxyEndpoint> ParseProxyEndpoint(std::string_view text);
std::string ToString(const ProxyEndpoint& endpoint);  // "127.0.0.1:6379"

// The one fault a proxy applies at a time.
struct ProxyFault {
  enum class Kind {
    kNone,       // forward everything at once
    kLatency,    // delay each chunk from upstream to client by latency ± jitter (uniform)
    kBlackhole,  // accept and keep connections; forward nothing either way; bytes are held
    kReset,      // close every connection with RST; accept new ones and reset them at once
    kDown,       // stop listening (connect is refused); close every connection (FIN)
    kBandwidth,  // at most bytes_per_s in each direction of each connection (token bucket)
  };
  Kind kind = Kind::kNone;
  Micros latency{0};  // kLatency
  Micros jitter{0};   // kLatency: each delay is uniform in [latency - jitter, latency + jitter]
  int64_t bytes_per_s = 0;  // kBandwidth: 1 .. 10^12

  static ProxyFault None() { return {}; }
  static ProxyFault Latency(Micros latency, Micros jitter = Micros(0));
  static ProxyFault Blackhole();
  static ProxyFault Reset();
  static ProxyFault Down();
  static ProxyFault Bandwidth(int64_t bytes_per_s);
};

// Parses a fault as the control commands spell it: "latency 20ms [jitter 5ms]", "blackhole",
// "reset", "down", "bandwidth 100000" (bytes/s), "clear" or "none". InvalidArgument otherwise.
StatusOr<ProxyFault> ParseProxyFault(std::string_view text);
// The same spelling back: "latency 20ms jitter 5ms", "bandwidth 100000", "none", ...
std::string ToString(const ProxyFault& fault);

struct FaultProxyOptions {
  ProxyEndpoint listen;    // port 0: the kernel picks a free port, see FaultProxy::port()
  ProxyEndpoint upstream;  // where every accepted connection is forwarded (port required)
  // Connections proxied at once. Beyond it a new connection is accepted and reset at once, and
  // counted in ProxyStats::connections_refused. Each takes two file descriptors.
  int max_connections = 1024;
  // Bytes held per direction per connection (delayed, paced or blackholed). 1 KiB .. 64 MiB.
  size_t buffer_bytes = 256 * 1024;
  // A connect to the upstream that takes longer fails: the client is reset.
  Micros upstream_connect_timeout = std::chrono::seconds(2);
  uint64_t seed = 1;  // jitter draws
};

// Counters since Start. A snapshot: fields are read one by one, not as one atomic whole.
// Connection counters change before the peer can see the event (a client that saw its reset
// finds it counted); byte counters right after the write, so they may trail what a peer read.
struct ProxyStats {
  uint64_t connections_accepted = 0;  // accepted and forwarded to the upstream
  uint64_t connections_refused = 0;   // reset at once because max_connections were open
  uint64_t connections_reset = 0;     // closed with RST by the reset fault (open and new ones)
  uint64_t connections_dropped = 0;   // closed by the down fault
  uint64_t upstream_failures = 0;     // upstream connect refused or timed out (client reset)
  uint64_t connections_active = 0;
  uint64_t bytes_to_upstream = 0;
  uint64_t bytes_to_client = 0;
  bool listening = true;  // false while down (or when re-listening after down failed)
  ProxyFault fault;
};

// One line of stats as the control port answers it: "accepted=3 refused=0 ... fault=none".
std::string FormatProxyStats(const ProxyStats& stats);

namespace proxy_internal {
class ProxyLoop;
}

class FaultProxy {
 public:
  // Resolves both endpoints, binds and listens (errors are returned here: InvalidArgument for
  // bad options, Unavailable when the port cannot be bound), then starts the event-loop thread.
  static StatusOr<std::unique_ptr<FaultProxy>> Start(const FaultProxyOptions& options);

  // Stops the thread and closes every socket, the listener included: the port is free again.
  ~FaultProxy();
  FaultProxy(const FaultProxy&) = delete;
  FaultProxy& operator=(const FaultProxy&) = delete;

  // The port clients connect to (the one picked when options.listen.port was 0).
  int port() const;

  // Switches to `fault`, replacing the current one, and returns once the event loop applied it:
  // after `SetFault(Down())` returns, connects are refused. Thread-safe (not from the loop).
  // Bytes held by a previous latency or blackhole are released unless the new fault is a latency.
  // Leaving down re-binds the same port; if that fails (another process took it) the fault is
  // still switched, stats().listening stays false, and Unavailable is returned.
  Status SetFault(const ProxyFault& fault);
  Status ClearFault() { return SetFault(ProxyFault::None()); }

  // Thread-safe.
  ProxyStats stats() const;

 private:
  explicit FaultProxy(std::unique_ptr<proxy_internal::ProxyLoop> loop);
  std::unique_ptr<proxy_internal::ProxyLoop> loop_;
};

// Runs one control command and returns the answer line (no newline): "ok", "ok <stats>" for
// `stats`, or "error: <why>". Commands: the faults ParseProxyFault takes, `clear`, `stats`,
// `help`. Used by `slotsim proxy` for stdin and its control port.
std::string HandleProxyCommand(FaultProxy& proxy, std::string_view line);

}  // namespace slotsim
