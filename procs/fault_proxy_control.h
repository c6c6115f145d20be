// The command server of a running FaultProxy: command lines (HandleProxyCommand's words) from a
// console fd (stdin in `slotsim proxy`) and from TCP control connections, one answer line each,
// until a stop fd becomes readable. What `slotsim proxy --control` serves (docs/proxy.md).
//
// One thread (the caller's) polls every source; lines longer than kMaxProxyControlLineBytes end
// their connection, and at most kMaxProxyControlClients control connections are served at once
// (one more is told "error: too many control connections" and closed).
#pragma once

#include <cstddef>
#include <functional>
#include <string>

#include "common/status.h"
#include "procs/fault_proxy.h"

namespace slotsim {

constexpr size_t kMaxProxyControlClients = 16;
constexpr size_t kMaxProxyControlLineBytes = 1024;

// A non-blocking, close-on-exec TCP listener for control connections on `at`; *port gets the
// bound port (the one picked when at.port is 0). InvalidArgument when `at` does not resolve,
// Unavailable when it cannot be bound. The caller owns (and closes) the fd.
StatusOr<int> OpenProxyControlListener(const ProxyEndpoint& at, int* port);

struct ProxyCommandIo {
  // Lines read here are answered through `console_answer`; -1: no console. Its end of file
  // ends only reading it, not the server.
  int console_fd = -1;
  std::function<void(const std::string& answer)> console_answer;
  // Told each control connection's command and its answer (may be empty).
  std::function<void(const std::string& line, const std::string& answer)> control_log;
};

// Serves commands to `proxy` from io.console_fd and from connections accepted on `control_fd`
// (-1: none) until `stop_fd` is readable (a signalfd, a pipe) or polling fails, then closes
// every control connection it accepted. Neither `stop_fd`, `control_fd` nor the console fd is
// closed. Blocks the calling thread.
void ServeProxyCommands(FaultProxy& proxy, int stop_fd, int control_fd, const ProxyCommandIo& io);

}  // namespace slotsim
