// The fault proxy's words: endpoints ("127.0.0.1:6379"), faults as the control commands spell
// them ("latency 20ms jitter 5ms"), the stats line, and one control command end to end.
#include <cctype>
#include <charconv>
#include <optional>
#include <string>
#include <vector>

#include "common/duration.h"
#include "procs/fault_proxy.h"

namespace slotsim {
namespace {

constexpr const char* kFaultForms =
    "latency DURATION [jitter DURATION] | blackhole | reset | down | bandwidth BYTES_PER_S | "
    "clear";
constexpr int64_t kMaxBytesPerS = 1'000'000'000'000;

std::vector<std::string_view> Words(std::string_view text) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
    const size_t start = i;
    while (i < text.size() && !std::isspace(static_cast<unsigned char>(text[i]))) ++i;
    if (i > start) out.push_back(text.substr(start, i - start));
  }
  return out;
}

// A whole decimal integer in [lo, hi], or nullopt.
std::optional<int64_t> ParseInt(std::string_view text, int64_t lo, int64_t hi) {
  int64_t v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || v < lo || v > hi) {
    return std::nullopt;
  }
  return v;
}

Status BadFault(std::string_view text, std::string_view why) {
  return Status::InvalidArgument("bad fault \"" + std::string(text) + "\": " + std::string(why) +
                                 "; expected " + kFaultForms);
}

StatusOr<ProxyFault> ParseLatency(std::string_view text, const std::vector<std::string_view>& w) {
  if (w.size() != 2 && !(w.size() == 4 && w[2] == "jitter")) {
    return BadFault(text, "latency takes a duration and an optional \"jitter DURATION\"");
  }
  // A bad duration's own message already says what a duration looks like.
  const auto bad_duration = [&](const Status& s) {
    return Status::InvalidArgument("bad fault \"" + std::string(text) + "\": " + s.message());
  };
  StatusOr<Micros> latency = ParseDuration(w[1]);
  if (!latency.ok()) return bad_duration(latency.status());
  Micros jitter(0);
  if (w.size() == 4) {
    StatusOr<Micros> j = ParseDuration(w[3]);
    if (!j.ok()) return bad_duration(j.status());
    jitter = *j;
  }
  return ProxyFault::Latency(*latency, jitter);
}

}  // namespace

StatusOr<ProxyEndpoint> ParseProxyEndpoint(std::string_view text) {
  const auto bad = [&](std::string_view why) {
    return Status::InvalidArgument("bad address \"" + std::string(text) + "\": " +
                                   std::string(why) + "; expected HOST:PORT, e.g. 127.0.0.1:6379");
  };
  const size_t colon = text.rfind(':');
  if (colon == std::string_view::npos) return bad("no port");
  std::string_view host = text.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);  // [::1]
  }
  if (host.empty()) return bad("no host");
  const std::optional<int64_t> port = ParseInt(text.substr(colon + 1), 0, 65535);
  if (!port) return bad("the port must be a number 0..65535");
  return ProxyEndpoint{std::string(host), static_cast<int>(*port)};
}

std::string ToString(const ProxyEndpoint& endpoint) {
  const bool v6 = endpoint.host.find(':') != std::string::npos;
  return (v6 ? "[" + endpoint.host + "]" : endpoint.host) + ":" + std::to_string(endpoint.port);
}

ProxyFault ProxyFault::Latency(Micros latency, Micros jitter) {
  ProxyFault f;
  f.kind = Kind::kLatency;
  f.latency = latency;
  f.jitter = jitter;
  return f;
}

ProxyFault ProxyFault::Blackhole() { return ProxyFault{Kind::kBlackhole, {}, {}, 0}; }
ProxyFault ProxyFault::Reset() { return ProxyFault{Kind::kReset, {}, {}, 0}; }
ProxyFault ProxyFault::Down() { return ProxyFault{Kind::kDown, {}, {}, 0}; }

ProxyFault ProxyFault::Bandwidth(int64_t bytes_per_s) {
  return ProxyFault{Kind::kBandwidth, {}, {}, bytes_per_s};
}

StatusOr<ProxyFault> ParseProxyFault(std::string_view text) {
  const std::vector<std::string_view> w = Words(text);
  if (w.empty()) return BadFault(text, "empty");
  const std::string_view kind = w[0];
  if (kind == "latency") return ParseLatency(text, w);
  if (kind == "bandwidth") {
    std::optional<int64_t> rate = w.size() == 2 ? ParseInt(w[1], 1, kMaxBytesPerS) : std::nullopt;
    if (!rate) return BadFault(text, "bandwidth takes bytes per second, an integer 1..10^12");
    return ProxyFault::Bandwidth(*rate);
  }
  if (w.size() != 1) return BadFault(text, std::string(kind) + " takes no arguments");
  if (kind == "clear" || kind == "none") return ProxyFault::None();
  if (kind == "blackhole") return ProxyFault::Blackhole();
  if (kind == "reset") return ProxyFault::Reset();
  if (kind == "down") return ProxyFault::Down();
  return BadFault(text, "unknown fault");
}

std::string ToString(const ProxyFault& fault) {
  switch (fault.kind) {
    case ProxyFault::Kind::kNone:
      return "none";
    case ProxyFault::Kind::kLatency:
      return "latency " + FormatDuration(fault.latency) +
             (fault.jitter.count() > 0 ? " jitter " + FormatDuration(fault.jitter) : "");
    case ProxyFault::Kind::kBlackhole:
      return "blackhole";
    case ProxyFault::Kind::kReset:
      return "reset";
    case ProxyFault::Kind::kDown:
      return "down";
    case ProxyFault::Kind::kBandwidth:
      return "bandwidth " + std::to_string(fault.bytes_per_s);
  }
  return "unknown";
}

std::string FormatProxyStats(const ProxyStats& s) {
  return "accepted=" + std::to_string(s.connections_accepted) +
         " refused=" + std::to_string(s.connections_refused) +
         " reset=" + std::to_string(s.connections_reset) +
         " dropped=" + std::to_string(s.connections_dropped) +
         " upstream_failures=" + std::to_string(s.upstream_failures) +
         " active=" + std::to_string(s.connections_active) +
         " bytes_to_upstream=" + std::to_string(s.bytes_to_upstream) +
         " bytes_to_client=" + std::to_string(s.bytes_to_client) +
         " listening=" + (s.listening ? "yes" : "no") + " fault=\"" + ToString(s.fault) + "\"";
}

std::string HandleProxyCommand(FaultProxy& proxy, std::string_view line) {
  const std::vector<std::string_view> w = Words(line);
  if (w.empty()) return "error: empty command; try help";
  if (w.size() == 1 && w[0] == "stats") return "ok " + FormatProxyStats(proxy.stats());
  if (w.size() == 1 && w[0] == "help") {
    return std::string("ok commands: ") + kFaultForms + " | stats | help";
  }
  StatusOr<ProxyFault> fault = ParseProxyFault(line);
  if (!fault.ok()) return "error: " + fault.status().message();
  const Status applied = proxy.SetFault(*fault);
  if (!applied.ok()) return "error: " + applied.message();
  return "ok";
}

}  // namespace slotsim
